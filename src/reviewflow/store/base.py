"""The store protocol: the few methods an adapter implements.

Every write goes through one call, :meth:`Store.apply`, with a :class:`ChangeSet`; the adapter
applies it atomically (all of it or nothing) and enforces:

- optimistic concurrency: an updated review (or order) must be at ``version - 1`` in the store,
  else :class:`~reviewflow.errors.ConcurrencyConflict` and nothing is written;
- a review and its history entry go together; history is append-only, one entry per
  (review, seq), with ``seq`` equal to the review's new version;
- at most one review per (reviewer, kind, subject, period) (R-CAD-4): a new review whose key
  exists is skipped, not an error, so scheduling is idempotent;
- an imported review (a copy from another store) comes with its whole history, written as it
  is; a review whose id exists is skipped, so a copy can be resumed.

Reads return immutable domain values. The helpers (planning, coverage, guards) live in the
service, not in adapters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, TypeVar, runtime_checkable

import attrs

from reviewflow.domain.office import CoverageFacts, Exemplar, SupervisionOrder, slot_hash, slot_key
from reviewflow.domain.periods import Period
from reviewflow.domain.review import Attempt, HistoryEntry, Review, ReviewRef, ReviewState
from reviewflow.domain.roster import Organization, Person, Roster, RosterRecord
from reviewflow.domain.vocabulary import ReviewKind
from reviewflow.errors import IntegrityError

__all__ = [
    "Applied",
    "ChangeSet",
    "CoverageChanges",
    "ReviewQuery",
    "StateStep",
    "StateSteps",
    "Store",
    "by_period_then_id",
    "check_entry",
    "check_imported",
    "facts_of",
    "slot_keys_of",
]


@attrs.frozen
class ChangeSet:
    """Everything one operation writes, applied atomically by :meth:`Store.apply`."""

    roster: tuple[RosterRecord, ...] = ()
    new_reviews: tuple[tuple[Review, HistoryEntry], ...] = ()
    """New reviews with their ``schedule`` entry; each review is what its entry makes
    (``apply_entry(None, entry)``), so a store may write the record from the entry's data."""
    review_updates: tuple[tuple[Review, HistoryEntry], ...] = ()
    orders: tuple[SupervisionOrder, ...] = ()
    exemplars: tuple[Exemplar, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    imported: tuple[tuple[Review, tuple[HistoryEntry, ...]], ...] = ()
    """Reviews copied with their whole history (``copy_store``); an existing id is skipped."""
    imported_orders: tuple[SupervisionOrder, ...] = ()
    """Orders copied as they are, at their version (``copy_store``); an existing id is skipped."""


@attrs.frozen
class Applied:
    """What :meth:`Store.apply` wrote: the ids of the new (or imported) reviews it inserted."""

    inserted: tuple[str, ...] = ()


@attrs.frozen
class ReviewQuery:
    """Which reviews to read. Every given criterion must hold; None means any."""

    within: Period | None = None
    reviewer_id: str | None = None
    subject_id: str | None = None
    org_ids: frozenset[str] | None = None
    states: frozenset[ReviewState] | None = None
    ids: frozenset[str] | None = None
    """Only these reviews (those that exist): how a bulk step reads its reviews at once."""
    subject_ids: frozenset[str] | None = None
    """Only reviews of these subjects (members or organizations)."""

    def matches(self, review: Review) -> bool:
        """Whether ``review`` meets every given criterion: what a store's query must return."""
        return (
            (self.within is None or review.period.within(self.within))
            and (self.reviewer_id is None or review.reviewer_id == self.reviewer_id)
            and (self.subject_id is None or review.subject_id == self.subject_id)
            and (self.org_ids is None or review.org_id in self.org_ids)
            and (self.states is None or review.state in self.states)
            and (self.ids is None or review.id in self.ids)
            and (self.subject_ids is None or review.subject_id in self.subject_ids)
        )


@runtime_checkable
class Store(Protocol):
    """What the service needs from storage."""

    @property
    def url(self) -> str:
        """Where the store lives, without any password."""
        ...

    def apply(self, changes: ChangeSet) -> Applied:
        """Write ``changes`` atomically, or raise and write nothing."""
        ...

    def roster(self) -> Roster:
        """The current roster."""
        ...

    def person(self, person_id: str) -> Person | None:
        """One member or office staff."""
        ...

    def organization(self, org_id: str) -> Organization | None:
        """One organization."""
        ...

    def review(self, review_id: str) -> Review | None:
        """One review, at its current version."""
        ...

    def reviews(self, query: ReviewQuery) -> Sequence[Review]:
        """The reviews matching ``query``, ordered by period then id."""
        ...

    def refs(self, query: ReviewQuery) -> Sequence[ReviewRef]:
        """The id, slot and state of the reviews matching ``query`` (no records parsed), in
        the order of :meth:`reviews`."""
        ...

    def slot_keys(self, query: ReviewQuery) -> tuple[frozenset[str], frozenset[str]]:
        """The slots (:func:`~reviewflow.domain.office.slot_key`) of the live and of the
        cancelled reviews matching ``query``: one short string each, no record nor review read
        (:func:`slot_keys_of` computes them from the reviews, as the conformance kit checks)."""
        ...

    def coverage_facts(self, within: Period, org_ids: frozenset[str] | None) -> CoverageFacts:
        """What coverage needs of the reviews within ``within`` (of ``org_ids``; None: all):
        see :class:`~reviewflow.domain.office.CoverageFacts` (:func:`facts_of` computes it
        from the reviews, as the conformance kit checks)."""
        ...

    def history(self, review_id: str) -> Sequence[HistoryEntry]:
        """A review's history, in order (seq 1, 2, ...)."""
        ...

    def attempts(self, review_id: str | None = None) -> Sequence[Attempt]:
        """The attempt log, oldest first; only one review's when ``review_id`` is given."""
        ...

    def order(self, order_id: str) -> SupervisionOrder | None:
        """One supervision order."""
        ...

    def orders(self) -> Sequence[SupervisionOrder]:
        """Every supervision order, oldest first."""
        ...

    def exemplars(self) -> Sequence[Exemplar]:
        """Every exemplar, oldest first."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...


@runtime_checkable
class CoverageChanges(Protocol):
    """What a store may also say, for coverage on a running service: what changed in
    :meth:`Store.coverage_facts` since facts it gave earlier. Optional: a store without it (or
    one that answers None) has its facts counted on every call."""

    def coverage_changes(
        self, within: Period, org_ids: frozenset[str] | None, since: object, limit: int
    ) -> CoverageFacts | None:
        """The facts of the reviews within ``within`` (of ``org_ids``) written since the facts
        whose ``watermark`` is ``since``, their former state taken out (negative counts) and
        their new one counted, with the new watermark: added to the facts at ``since``, they
        are the facts now. None when the store cannot say, or when more than ``limit``
        changes were written since (then the facts are counted afresh)."""
        ...


@attrs.frozen
class StateStep:
    """A step that moves a review's state alone (no data, no reason, the record kept), as the
    service decided it once for a bulk call, for :meth:`StateSteps.take_state_step`.

    A review moves from a state in ``moves`` to the state it maps to, when its reviewer is the
    actor and ``reviewer_may``, or else when ``may`` says the actor is a party who may take the
    step on it. ``clock`` stamps the entries, one reading a review, in the order named.
    """

    actor_id: str
    action: str
    moves: Mapping[ReviewState, ReviewState]
    reviewer_may: bool
    may: Callable[[ReviewRef], bool]
    clock: Callable[[], datetime]
    entries: bool = False
    """Whether to return the history entries too (someone listens for the steps)."""


@runtime_checkable
class StateSteps(Protocol):
    """An optional capability of a store: a bulk step that moves the reviews' state alone,
    taken where they are stored, in one transaction, without a record parsed but the ones it
    returns. :meth:`ReviewService.take_many` uses it when the store has it; the result is what
    :meth:`Store.apply` of the same steps would have written (the property tests hold the two
    to the same reviews, histories and digests)."""

    def take_state_step(
        self, review_ids: Sequence[str], step: StateStep
    ) -> tuple[list[Review], list[HistoryEntry]] | None:
        """Move every review named, in the order named, with its history entry; return the
        reviews as moved (and their entries, if ``step.entries``). None, with nothing
        written, when any of them is unknown, named twice, or may not move (the clock is read
        only once every one may), or when the transaction lost a race: then the service takes
        the step the general way, which refuses those."""
        ...


@attrs.frozen
class ScheduledBatch:
    """Reviews just planned, for :meth:`ScheduleWrites.insert_scheduled`: each with its first
    history entry in stored form, the ``schedule`` entry by ``actor_id`` at ``at`` whose data
    is ``data[n]`` (the canonical JSON of ``reviews[n]``'s record, as
    :class:`~reviewflow.domain.review.ScheduleEntries` makes it) and whose digest is
    ``reviews[n].last_digest``."""

    at: datetime
    actor_id: str
    reviews: tuple[Review, ...]
    data: tuple[str, ...]


@runtime_checkable
class ScheduleWrites(Protocol):
    """An optional capability of a store: reviews just planned written with their ``schedule``
    entries in stored form, no entry object made for each. :meth:`ReviewService.schedule`
    uses it when the store has it; what it writes is what :meth:`Store.apply` of
    ``ChangeSet(new_reviews=...)`` with the same reviews and entries writes (a test holds the
    two to the same reviews, histories and digests)."""

    def insert_scheduled(self, batch: ScheduledBatch) -> tuple[str, ...]:
        """Insert the reviews of ``batch`` whose slots are free, with their entries, in one
        transaction; the ids inserted, in order (a slot already taken, or taken twice in the
        batch, is skipped: R-CAD-4)."""
        ...


_R = TypeVar("_R", Review, ReviewRef)


def by_period_then_id(found: Iterable[_R]) -> tuple[_R, ...]:
    """``found`` in the stores' order: by period, then id. The few distinct periods are ranked
    once, so a million reviews do not each compare periods."""
    items = list(found)
    rank = {p: n for n, p in enumerate(sorted({r.period for r in items}))}
    return tuple(sorted(items, key=lambda r: (rank[r.period], r.id)))


def facts_of(roster: Roster, reviews: Iterable[Review | ReviewRef]) -> CoverageFacts:
    """:meth:`Store.coverage_facts` computed from the reviews themselves (the reference)."""
    counts: Counter[tuple[str, str, ReviewKind, str | None, ReviewState]] = Counter()
    fingerprints: Counter[tuple[str, str, ReviewKind, str | None, ReviewState]] = Counter()
    cancelled: Counter[str] = Counter()
    cancelled_sums: Counter[str] = Counter()
    for r in reviews:
        if r.state is ReviewState.CANCELLED:
            cancelled[r.org_id] += 1
            cancelled_sums[r.org_id] += slot_hash(r.kind, r.reviewer_id, r.subject_id, r.period)
            continue
        category = None
        if r.kind is ReviewKind.MEMBER:
            member = roster.member(r.subject_id)
            category = member.post_category if member else ""
        group = (r.reviewer_id, r.org_id, r.kind, category, r.state)
        counts[group] += 1
        fingerprints[group] += slot_hash(r.kind, r.reviewer_id, r.subject_id, r.period)
    return CoverageFacts(
        tuple(sorted(((*k, n, fingerprints[k]) for k, n in counts.items()), key=_fact_order)),
        tuple(sorted((org_id, n, cancelled_sums[org_id]) for org_id, n in cancelled.items())),
    )


def slot_keys_of(
    reviews: Iterable[Review | ReviewRef],
) -> tuple[frozenset[str], frozenset[str]]:
    """:meth:`Store.slot_keys` computed from the reviews themselves (the reference)."""
    live: set[str] = set()
    cancelled: set[str] = set()
    for r in reviews:
        key = slot_key(r.kind, r.reviewer_id, r.subject_id, r.period)
        (cancelled if r.state is ReviewState.CANCELLED else live).add(key)
    return frozenset(live), frozenset(cancelled)


def _fact_order(row: tuple[object, ...]) -> tuple[str, ...]:
    return tuple("" if v is None else str(getattr(v, "value", v)) for v in row[:5])


def check_imported(review: Review, entries: Sequence[HistoryEntry]) -> None:
    """Refuse an imported review whose history does not end where the review stands."""
    seqs = [e.seq for e in entries]
    if (
        not entries
        or seqs != list(range(1, len(entries) + 1))
        or any(e.review_id != review.id for e in entries)
        or entries[-1].seq != review.version
        or entries[-1].to_state is not review.state
        or entries[-1].digest != review.last_digest
    ):
        raise IntegrityError(
            f"review {review.id!r}: the imported history does not lead to the review"
        )


def check_entry(review: Review, entry: HistoryEntry, seq: int) -> None:
    """Refuse a history entry that is not the review's entry ``seq`` leading to its state."""
    if entry.review_id != review.id or entry.seq != seq or entry.to_state is not review.state:
        raise IntegrityError(
            f"review {review.id!r}: history entry {entry.seq} does not match the review "
            f"(expected seq {seq}, state {review.state.value})"
        )
