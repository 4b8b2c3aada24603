"""The in-memory store: the reference implementation, and the oracle other adapters are
checked against."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from reviewflow.domain.office import (
    Exemplar,
    ExemplarPublicity,
    Inspection,
    SummarySubmission,
    SupervisionOrder,
)
from reviewflow.domain.review import Attempt, HistoryEntry, Review
from reviewflow.domain.roster import Roster
from reviewflow.errors import ConcurrencyConflict, IntegrityError, InvalidInput, NotFound
from reviewflow.reasons import because
from reviewflow.store.base import (
    Applied,
    ChangeSet,
    OfficeRecords,
    ReviewQuery,
    by_period_then_id,
    check_entry,
    check_imported,
)
from reviewflow.store.outbox import Delivery, DeliveryState, check_aware

__all__ = ["MemoryStore"]


class MemoryStore:
    """Everything in dictionaries, guarded by one lock; nothing survives the process."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._roster = Roster.empty()
        self._reviews: dict[str, Review] = {}
        self._keys: dict[tuple[object, ...], str] = {}
        self._history: dict[str, list[HistoryEntry]] = {}
        self._attempts: list[Attempt] = []
        self._orders: dict[str, SupervisionOrder] = {}
        self._exemplars: dict[str, Exemplar] = {}
        self._inspections: list[Inspection] = []
        self._publicity: list[ExemplarPublicity] = []
        self._submissions: dict[tuple[str, int], SummarySubmission] = {}
        self._outbox: dict[str, Delivery] = {}  # in order of queuing

    @property
    def url(self) -> str:
        """``memory://``."""
        return "memory://"

    def __repr__(self) -> str:
        return f"MemoryStore(reviews={len(self._reviews)})"

    # -- the one write -------------------------------------------------------------------------

    def apply(self, changes: ChangeSet) -> Applied:
        """Check everything first, then write everything: a refused change set writes nothing."""
        with self._lock:
            roster = self._roster.with_records(changes.roster) if changes.roster else None
            inserts = self._check_inserts(changes)
            imports = self._check_imports(changes)
            self._check_updates(changes)
            self._check_orders(changes)
            self._check_submissions(changes)
            self._check_outbox(changes)
            # All checks passed: from here on nothing raises.
            if roster is not None:
                self._roster = roster
            for review, entry in inserts:
                self._reviews[review.id] = review
                self._keys[review.round_key] = review.id
                self._history[review.id] = [entry]
            for review, entries in imports:
                self._reviews[review.id] = review
                self._keys[review.round_key] = review.id
                self._history[review.id] = list(entries)
            for review, entry in changes.review_updates:
                before = self._reviews[review.id]
                if before.round_key != review.round_key:  # another reviewer (R-ROSTER-2)
                    del self._keys[before.round_key]
                    self._keys[review.round_key] = review.id
                self._reviews[review.id] = review
                self._history[review.id].append(entry)
            for order in changes.orders:
                self._orders[order.id] = order
            for order in changes.imported_orders:
                self._orders.setdefault(order.id, order)
            for exemplar in changes.exemplars:
                self._exemplars[exemplar.id] = exemplar
            self._inspections.extend(changes.inspections)
            self._publicity.extend(changes.exemplar_publicity)
            for submission in changes.submissions:
                self._submissions[submission.org_id, submission.year] = submission
            self._attempts.extend(changes.attempts)
            inserted = [review.id for review, _ in inserts] + [review.id for review, _ in imports]
            new = set(inserted)
            for message in changes.outbox:
                if message.new_review_id is None or message.new_review_id in new:
                    self._outbox.setdefault(
                        message.id, Delivery(message, DeliveryState.QUEUED, message.at)
                    )
            return Applied(inserted=tuple(inserted))

    def _check_outbox(self, changes: ChangeSet) -> None:
        for message in changes.outbox:
            check_aware("outbox.at", message.at)

    def _check_inserts(self, changes: ChangeSet) -> list[tuple[Review, HistoryEntry]]:
        inserts: list[tuple[Review, HistoryEntry]] = []
        seen: set[tuple[object, ...]] = set()
        for review, entry in changes.new_reviews:
            if review.round_key in self._keys or review.round_key in seen:
                continue  # R-CAD-4: the slot is filled; scheduling again creates nothing
            if review.id in self._reviews:
                raise IntegrityError(f"review id {review.id!r} exists already")
            check_entry(review, entry, 1)
            seen.add(review.round_key)
            inserts.append((review, entry))
        return inserts

    def _check_imports(self, changes: ChangeSet) -> list[tuple[Review, tuple[HistoryEntry, ...]]]:
        imports = []
        for review, entries in changes.imported:
            if review.id in self._reviews:
                continue  # copied before: a resumed copy skips it
            if review.round_key in self._keys:
                raise IntegrityError(f"review {review.id!r}: another review holds its slot")
            check_imported(review, entries)
            imports.append((review, entries))
        return imports

    def _check_updates(self, changes: ChangeSet) -> None:
        seen: set[str] = set()
        for review, entry in changes.review_updates:
            if review.id in seen:
                raise IntegrityError(f"review {review.id!r} is changed twice in one change set")
            seen.add(review.id)
            current = self._reviews.get(review.id)
            if current is None:
                raise IntegrityError(f"review {review.id!r} does not exist")
            if current.version != review.version - 1:
                raise ConcurrencyConflict(review.id, review.version - 1, current.version)
            check_entry(review, entry, review.version)
            if review.round_key != current.round_key and review.round_key in self._keys:
                raise IntegrityError(f"review {review.id!r}: another review holds its new slot")
            if entry.prev_digest != self._history[review.id][-1].digest:
                raise IntegrityError(
                    f"review {review.id!r}: the entry does not follow the last history entry"
                )

    def _check_orders(self, changes: ChangeSet) -> None:
        for order in changes.orders:
            current = self._orders.get(order.id)
            actual = current.version if current else 0
            if actual != order.version - 1:
                raise ConcurrencyConflict(order.id, order.version - 1, actual or None)

    def _check_submissions(self, changes: ChangeSet) -> None:
        seen: set[tuple[str, int]] = set()
        for submission in changes.submissions:
            key = (submission.org_id, submission.year)
            if key in self._submissions or key in seen:
                raise IntegrityError(
                    f"the {submission.year} summary of {submission.org_id!r} is submitted already"
                )
            seen.add(key)

    # -- reads -----------------------------------------------------------------------------------

    def roster(self) -> Roster:
        """The current roster snapshot."""
        return self._roster

    def review(self, review_id: str) -> Review | None:
        """One review."""
        return self._reviews.get(review_id)

    def reviews(self, query: ReviewQuery) -> Sequence[Review]:
        """The reviews matching ``query``, by period then id."""
        with self._lock:
            if query.ids is not None:
                candidates = [r for i in query.ids if (r := self._reviews.get(i)) is not None]
            else:
                candidates = list(self._reviews.values())
            found = [r for r in candidates if query.matches(r)]
        return by_period_then_id(found)

    def history(self, review_id: str) -> Sequence[HistoryEntry]:
        """A review's history, in order."""
        with self._lock:
            return tuple(self._history.get(review_id, ()))

    def attempts(self, review_id: str | None = None) -> Sequence[Attempt]:
        """The attempt log, oldest first."""
        with self._lock:
            return tuple(a for a in self._attempts if review_id is None or a.review_id == review_id)

    def order(self, order_id: str) -> SupervisionOrder | None:
        """One supervision order."""
        return self._orders.get(order_id)

    def orders(self) -> Sequence[SupervisionOrder]:
        """Every supervision order."""
        with self._lock:
            return tuple(self._orders.values())

    def exemplars(self) -> Sequence[Exemplar]:
        """Every exemplar."""
        with self._lock:
            return tuple(self._exemplars.values())

    def office_records(self) -> OfficeRecords:
        """Every inspection, exemplar's publicity and yearly summary submitted."""
        with self._lock:
            return OfficeRecords(
                tuple(self._inspections), tuple(self._publicity), tuple(self._submissions.values())
            )

    # -- the outbox tier ---------------------------------------------------------------------------

    def claim(self, now: datetime, limit: int, lease: timedelta) -> Sequence[Delivery]:
        """Up to ``limit`` queued messages due at ``now``, claimed until ``now + lease``."""
        check_aware("now", now)
        with self._lock:
            due = [
                d for d in self._outbox.values() if d.state is DeliveryState.QUEUED and d.due <= now
            ][: max(limit, 0)]
            claimed = [attrs.evolve(d, due=now + lease) for d in due]
            for delivery in claimed:
                self._outbox[delivery.message.id] = delivery
            return tuple(claimed)

    def mark_delivered(self, message_id: str, at: datetime) -> None:
        """The message was handed over."""
        check_aware("at", at)
        with self._lock:
            found = self._delivery(message_id)
            self._outbox[message_id] = attrs.evolve(
                found, state=DeliveryState.DELIVERED, delivered=at
            )

    def mark_failed(self, message_id: str, error: str, retry_at: datetime | None) -> None:
        """A failed attempt; due again at ``retry_at``, or dead."""
        with self._lock:
            found = self._delivery(message_id)
            state = DeliveryState.DEAD if retry_at is None else DeliveryState.QUEUED
            self._outbox[message_id] = attrs.evolve(
                found,
                state=state,
                due=found.due if retry_at is None else check_aware("retry_at", retry_at),
                attempts=found.attempts + 1,
                last_error=error,
            )

    def delivery(self, message_id: str) -> Delivery | None:
        """One message and how its delivery stands."""
        return self._outbox.get(message_id)

    def dead_messages(self) -> Sequence[Delivery]:
        """The messages that kept failing, oldest first."""
        with self._lock:
            return tuple(d for d in self._outbox.values() if d.state is DeliveryState.DEAD)

    def requeue(self, message_id: str, at: datetime) -> Delivery:
        """Queue a dead message again, due at ``at``."""
        check_aware("at", at)
        with self._lock:
            found = self._delivery(message_id)
            if found.state is not DeliveryState.DEAD:
                raise InvalidInput(
                    "message_id", message_id, because("message_not_dead", state=found.state)
                )
            again = attrs.evolve(found, state=DeliveryState.QUEUED, due=at, attempts=0)
            self._outbox[message_id] = again
            return again

    def purge(self, delivered_before: datetime) -> int:
        """Delete the messages delivered before ``delivered_before``; returns how many."""
        check_aware("delivered_before", delivered_before)
        with self._lock:
            old = [
                i
                for i, d in self._outbox.items()
                if d.delivered is not None and d.delivered < delivered_before
            ]
            for message_id in old:
                del self._outbox[message_id]
            return len(old)

    def _delivery(self, message_id: str) -> Delivery:
        found = self._outbox.get(message_id)
        if found is None:
            raise NotFound("outbox message", message_id)
        return found

    def close(self) -> None:
        """Nothing to release."""
