"""The store protocol: the few methods an adapter implements.

Every write goes through one call, :meth:`Store.apply`, with a :class:`ChangeSet`; the adapter
applies it atomically (all of it or nothing) and enforces:

- optimistic concurrency: an updated review (or order) must be at ``version - 1`` in the store,
  else :class:`~reviewflow.errors.ConcurrencyConflict` and nothing is written;
- a review and its history entry go together; history is append-only, one entry per
  (review, seq), with ``seq`` equal to the review's new version;
- at most one yearly summary submitted per (organization, year) (R-SUMMARY-SUBMIT);
- at most one review per (reviewer, kind, subject, period) and round (R-CAD-4, R-REOPEN,
  :attr:`~reviewflow.domain.review.Review.round_key`): a new review whose slot and round exist
  is skipped, not an error, so scheduling is idempotent;
- an imported review (a copy from another store) comes with its whole history, written as it
  is; a review whose id exists is skipped, so a copy can be resumed.

Reads return immutable domain values. The helpers (planning, coverage, guards) live in the
service, not in adapters. :class:`Store` is the required tier; :class:`CountingStore` the one
optional tier, for what a database counts faster than the service can from the reviews.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar, runtime_checkable

import attrs

from reviewflow.domain.office import (
    CoverageFacts,
    Exemplar,
    ExemplarPublicity,
    Inspection,
    SummarySubmission,
    SupervisionOrder,
    slot_hash,
    slot_key,
)
from reviewflow.domain.periods import Period
from reviewflow.domain.review import Attempt, HistoryEntry, Review, ReviewRef, ReviewState
from reviewflow.domain.roster import Roster, RosterRecord
from reviewflow.domain.vocabulary import ReviewKind
from reviewflow.errors import IntegrityError

__all__ = [
    "Applied",
    "ChangeSet",
    "CountingStore",
    "OfficeRecords",
    "OutboxMessage",
    "ReviewQuery",
    "Store",
    "by_period_then_id",
    "check_entry",
    "check_imported",
    "facts_of",
    "refs_of",
    "slot_keys_of",
]


@attrs.frozen
class OutboxMessage:
    """A notification queued in the outbox, written in the transaction of the change it tells
    of (:attr:`ChangeSet.outbox`), so that it is stored exactly when the change is.

    ``id`` is unique and stays the message's through every delivery attempt: a receiver that
    remembers the ids it has handled sees each message once. (The service makes it random, or
    from the day and what is due for a reminder, never by the host's id factory.) ``kind`` is
    the event's class name (``StepTaken``, ``DeadlineNear`` ...), ``payload`` the event as
    canonical JSON
    (:func:`~reviewflow.store.unstructure`, :func:`~reviewflow.store.canonical_json`), ``at``
    when it was queued (timezone-aware).
    """

    id: str
    """Unique, kept through every attempt: what a receiver deduplicates by."""
    kind: str
    """The event's class name: ``StepTaken``, ``ReviewsScheduled``, ``DeadlineNear`` ..."""
    payload: str
    """The event as canonical JSON (``unstructure``, then ``canonical_json``)."""
    at: datetime
    """When the change queued it (timezone-aware)."""
    new_review_id: str | None = None
    """When set, the message is written only if the change set inserts this review: a review
    that another scheduler created first is not announced twice (R-CAD-4)."""


@attrs.frozen
class ChangeSet:
    """Everything one operation writes, applied atomically by :meth:`Store.apply`."""

    roster: tuple[RosterRecord, ...] = ()
    """Roster records (organizations, members, liaison assignments, office staff) added, or
    replacing the record of the same id, as :meth:`~reviewflow.domain.roster.Roster.with_records`
    takes them."""
    new_reviews: tuple[tuple[Review, HistoryEntry], ...] = ()
    """New reviews with their ``schedule`` entry; each review is what its entry makes
    (``apply_entry(None, entry)``), so a store may write the record from the entry's data."""
    review_updates: tuple[tuple[Review, HistoryEntry], ...] = ()
    """Changed reviews, each with the history entry that changed it (``seq`` equal to its new
    version): written only if the stored review is at ``version - 1``, else
    :class:`~reviewflow.errors.ConcurrencyConflict`; a review at most once per change set."""
    orders: tuple[SupervisionOrder, ...] = ()
    """Supervision orders issued (version 1, inserted) or changed (written only if the stored
    order is at ``version - 1``, else :class:`~reviewflow.errors.ConcurrencyConflict`)."""
    exemplars: tuple[Exemplar, ...] = ()
    """Exemplars recorded (R-EXEMPLAR)."""
    inspections: tuple[Inspection, ...] = ()
    """Supervision visits recorded by the office (R-SUPERVISE); appended."""
    exemplar_publicity: tuple[ExemplarPublicity, ...] = ()
    """Publicities of exemplars recorded (R-EXEMPLAR); appended."""
    submissions: tuple[SummarySubmission, ...] = ()
    """Yearly summaries submitted: at most one per (organization, year), else
    :class:`~reviewflow.errors.IntegrityError` and nothing is written."""
    attempts: tuple[Attempt, ...] = ()
    """Refused attempts for the attempt log (R-AUDIT), appended in order (a bulk step's come
    with the changes it did make)."""
    imported: tuple[tuple[Review, tuple[HistoryEntry, ...]], ...] = ()
    """Reviews copied with their whole history (``copy_store``); an existing id is skipped."""
    imported_orders: tuple[SupervisionOrder, ...] = ()
    """Orders copied as they are, at their version (``copy_store``); an existing id is skipped."""
    outbox: tuple[OutboxMessage, ...] = ()
    """Notifications to queue with the change (only a store with the optional
    :class:`~reviewflow.store.outbox.OutboxStore` tier takes them). A message whose id is queued
    already is skipped, not an error: the id is what receivers deduplicate by, so a second
    message of the same id would be dropped by them anyway."""


@attrs.frozen
class OfficeRecords:
    """The office's records besides orders and exemplars (:meth:`Store.office_records`), each
    oldest first: inspections (R-SUPERVISE), exemplars' publicity (R-EXEMPLAR) and the yearly
    summaries submitted (R-SUMMARY-SUBMIT). Few, and read together."""

    inspections: tuple[Inspection, ...] = ()
    """Every supervision visit the office recorded, oldest first."""
    exemplar_publicity: tuple[ExemplarPublicity, ...] = ()
    """Every publicity of an exemplar, oldest first (an exemplar's own record does not carry
    it)."""
    submissions: tuple[SummarySubmission, ...] = ()
    """Every yearly summary submitted, oldest first: at most one per (organization, year)."""


@attrs.frozen
class Applied:
    """What :meth:`Store.apply` wrote: the ids of the new (or imported) reviews it inserted."""

    inserted: tuple[str, ...] = ()
    """The ids of the reviews written: the new ones, then the imported ones. A new review whose
    slot and round were filled already, or an imported one whose id exists, is skipped and not
    listed: how the service tells what it created."""


@attrs.frozen
class ReviewQuery:
    """Which reviews to read. Every given criterion must hold; None means any."""

    within: Period | None = None
    """Only reviews whose period lies wholly inside this one: ``2026`` matches its months,
    quarters and the year itself."""
    reviewer_id: str | None = None
    """Only reviews held by this reviewer (a member's id)."""
    subject_id: str | None = None
    """Only reviews of this subject: an organization's or a member's id."""
    org_ids: frozenset[str] | None = None
    """Only reviews belonging to these organizations (``Review.org_id``: the organization
    reviewed, or the member's organization)."""
    states: frozenset[ReviewState] | None = None
    """Only reviews in one of these states."""
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
    """What the service needs from storage: the required tier, twelve members.

    Every write is one :meth:`apply` of a :class:`ChangeSet`; every read returns immutable
    domain values. The store stores: it runs no workflow or scope rule and never calls back
    into the service. The shipped kit (:class:`reviewflow.testing.StoreContract`) checks an
    adapter against this contract.
    """

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

    def review(self, review_id: str) -> Review | None:
        """One review, at its current version."""
        ...

    def reviews(self, query: ReviewQuery) -> Sequence[Review]:
        """The reviews matching ``query``, ordered by period then id."""
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
        """Every exemplar, oldest first (as recorded: without its publicity)."""
        ...

    def office_records(self) -> OfficeRecords:
        """The office's other records: every inspection, exemplar's publicity and yearly
        summary submitted, each oldest first."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...


@runtime_checkable
class CountingStore(Store, Protocol):
    """The optional tier: coverage counted where the reviews are stored.

    A store that has it answers scheduling's and coverage's questions without a record read
    (a SQL ``GROUP BY``, an index scan); for a store without it the service computes the same
    answers from :meth:`Store.reviews` (:func:`refs_of`, :func:`slot_keys_of`,
    :func:`facts_of`), which is what the kit (:class:`reviewflow.testing.CountingStoreContract`)
    holds a counting store to.
    """

    def refs(self, query: ReviewQuery) -> Sequence[ReviewRef]:
        """The id, slot and state of the reviews matching ``query`` (no records parsed), in
        the order of :meth:`Store.reviews`."""
        ...

    def slot_keys(self, query: ReviewQuery) -> tuple[frozenset[str], frozenset[str]]:
        """The slots (:func:`~reviewflow.domain.office.slot_key`) of the live and of the
        cancelled reviews matching ``query``."""
        ...

    def coverage_facts(self, within: Period, org_ids: frozenset[str] | None) -> CoverageFacts:
        """What coverage needs of the reviews within ``within`` (of ``org_ids``; None: all):
        see :class:`~reviewflow.domain.office.CoverageFacts`."""
        ...

    def coverage_changes(
        self, within: Period, org_ids: frozenset[str] | None, since: object, limit: int
    ) -> CoverageFacts | None:
        """The facts of the reviews within ``within`` (of ``org_ids``) written since the facts
        whose ``watermark`` is ``since``, their former state taken out (negative counts) and
        their new one counted, with the new watermark: added to the facts at ``since``, they
        are the facts now. None when the store cannot say (then the facts are counted
        afresh), or when more than ``limit`` changes were written since."""
        ...


_R = TypeVar("_R", Review, ReviewRef)


def by_period_then_id(found: Iterable[_R]) -> tuple[_R, ...]:
    """``found`` in the stores' order: by period, then id. The few distinct periods are ranked
    once, so a million reviews do not each compare periods."""
    items = list(found)
    rank = {p: n for n, p in enumerate(sorted({r.period for r in items}))}
    return tuple(sorted(items, key=lambda r: (rank[r.period], r.id)))


def facts_of(roster: Roster, reviews: Iterable[Review | ReviewRef]) -> CoverageFacts:
    """:meth:`CountingStore.coverage_facts` computed from the reviews themselves (the reference)."""
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


def refs_of(reviews: Iterable[Review]) -> tuple[ReviewRef, ...]:
    """:meth:`CountingStore.refs` computed from the reviews themselves (the reference)."""
    return tuple(ReviewRef.of(r) for r in reviews)


def slot_keys_of(
    reviews: Iterable[Review | ReviewRef],
) -> tuple[frozenset[str], frozenset[str]]:
    """:meth:`CountingStore.slot_keys` computed from the reviews themselves (the reference)."""
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
