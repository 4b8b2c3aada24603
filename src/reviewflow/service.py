"""The application service: the one public entry point that composes the domain and a store.

Every operation takes the acting person first and checks R-SCOPE-4 before it touches anything.
A refused operation raises, writes nothing but an entry in the attempt log (R-AUDIT), and
leaves the data as it was. Listeners hear of a change only after the store has it.
"""

from __future__ import annotations

import itertools
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any, TypeVar

import attrs

from reviewflow.domain.content import (
    AspectComment,
    Closeout,
    Commitment,
    CommitmentJudgement,
    Filing,
    FormRecord,
    MethodRecord,
    Participant,
    Problem,
    Publicity,
    RectificationItem,
    RectificationRequirement,
    SituationReport,
    WrittenReply,
)
from reviewflow.domain.office import (
    CoverageFacts,
    CoverageReport,
    Exemplar,
    PlanIndex,
    RunningCoverage,
    Summary,
    SupervisionOrder,
    build_coverage,
    build_summary,
)
from reviewflow.domain.periods import (
    ChineseWorkCalendar,
    Deadline,
    Period,
    PeriodKind,
    WorkCalendar,
)
from reviewflow.domain.planning import Plan, PlannedGap, plan_period
from reviewflow.domain.policy import Policy
from reviewflow.domain.review import (
    Attempt,
    HistoryEntry,
    ItemUpdate,
    Review,
    ReviewRef,
    ReviewState,
    apply_entry,
    replay,
    schedule_record,
)
from reviewflow.domain.roster import (
    LiaisonAssignment,
    Member,
    OfficeStaff,
    Organization,
    Roster,
    RosterRecord,
)
from reviewflow.domain.serial import unstructure
from reviewflow.domain.vocabulary import (
    Aspect,
    FulfilmentStatus,
    ItemStatus,
    Labelled,
    Medium,
    Method,
    Occasion,
    OrderStatus,
    ParticipantCapacity,
    Party,
    ReviewKind,
)
from reviewflow.domain.workflow import WORKFLOW, GuardContext, WorkflowDefinition
from reviewflow.errors import (
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    OutOfScope,
    ReviewflowError,
    RosterConflict,
    StoreUnavailable,
)
from reviewflow.events import (
    DeadlineNear,
    DueKind,
    Event,
    ExemplarRecorded,
    Listener,
    OrderChanged,
    OrderIssued,
    ReviewsScheduled,
    StepTaken,
)
from reviewflow.store.base import (
    ChangeSet,
    CountingStore,
    ReviewQuery,
    Store,
    by_period_then_id,
    facts_of,
    refs_of,
    slot_keys_of,
)

__all__ = [
    "ReviewService",
    "ScheduleResult",
    "StepResult",
    "Tampering",
    "WorkItem",
    "sequential_ids",
    "verify_history",
]

log = logging.getLogger("reviewflow")

Clock = Callable[[], datetime]
"""Returns the current time (timezone-aware)."""

IdFactory = Callable[[str], str]
"""Returns a new unique id for a record of the given kind ("review", "order", ...)."""

_LIVE = frozenset(s for s in ReviewState if not s.final)
_PLANS_KEPT = 16  # plans kept per service (a month and a quarter, for a few subtrees)
_SUBJECTS_BY_NAME = 2_000  # coverage reads the reviews of at most this many subjects by name
_SUBJECTS_IN_CHUNKS = 100_000  # … in chunks of that many; beyond, the whole scope at once
# Coverage reads the cancelled slots of at most this many organizations by name.
_ORGS_BY_NAME = 1_000
# Coverage counts in at most this many history entries written since its last call; beyond,
# it counts the period afresh (one call reads a bounded number of changes, never a backlog).
_CHANGES_AT_MOST = 5_000
_E = TypeVar("_E", bound=Labelled)
_V = TypeVar("_V")


def _uuid_ids(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex}"


def sequential_ids(start: int = 1) -> IdFactory:
    """Readable, repeatable ids (``review-1``, ``review-2``, ``order-1`` ...), for tests and demos.

    Use it only with a store that starts empty: the default factory makes UUIDs.
    """
    counters: dict[str, Iterator[int]] = {}
    lock = threading.Lock()

    def make(kind: str) -> str:
        with lock:
            counter = counters.setdefault(kind, itertools.count(start))
            return f"{kind}-{next(counter)}"

    return make


@attrs.frozen
class ScheduleResult:
    """What :meth:`ReviewService.schedule` did for a period."""

    period: Period
    created: tuple[Review, ...]
    existing: int
    gaps: tuple[PlannedGap, ...]


@attrs.frozen
class Tampering:
    """A place where a review's record is not what the library wrote (R-AUDIT).

    ``seq`` names the history entry (None when the review as a whole is concerned).
    """

    review_id: str
    seq: int | None
    problem: str


@attrs.frozen
class StepResult:
    """The outcome of one review in :meth:`ReviewService.take_many`: the review, or the error."""

    review_id: str
    review: Review | None = None
    error: ReviewflowError | None = None

    @property
    def ok(self) -> bool:
        """Whether the step was taken."""
        return self.error is None


_PLAIN_STEPS = frozenset(
    {"start", "declare_no_rectification", "conclude_review", "begin_rectification", "close"}
)
"""The steps whose method is ``self._act(actor, review_id, trigger)`` and nothing more."""


@attrs.define
class _Batch:
    roster: Roster
    loaded: dict[str, Review]  # read at once for the batch; the write checks their versions
    updates: list[tuple[Review, HistoryEntry]] = attrs.Factory(list)
    attempts: list[Attempt] = attrs.Factory(list)
    seen: set[str] = attrs.Factory(set)


class _Refusals:
    """:meth:`ReviewService._refusals` (a class, not a generator: it runs on every step)."""

    __slots__ = ("action", "actor", "review_id", "service")

    def __init__(
        self, service: ReviewService, actor: str, action: str, review_id: str | None
    ) -> None:
        self.service = service
        self.actor = actor
        self.action = action
        self.review_id = review_id

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, _tb: object) -> None:
        if isinstance(error, ReviewflowError) and not isinstance(error, StoreUnavailable):
            self.service._refused(self.actor, self.action, self.review_id, error)
        # None: whatever was raised propagates


class _CountedFromReviews:
    """The optional tier (:class:`~reviewflow.store.base.CountingStore`) for a store without
    it: the same answers, computed from the store's reviews."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def refs(self, query: ReviewQuery) -> Sequence[ReviewRef]:
        return refs_of(self._store.reviews(query))

    def slot_keys(self, query: ReviewQuery) -> tuple[frozenset[str], frozenset[str]]:
        return slot_keys_of(self._store.reviews(query))

    def coverage_facts(self, within: Period, org_ids: frozenset[str] | None) -> CoverageFacts:
        query = ReviewQuery(within=within, org_ids=org_ids)
        return facts_of(self._store.roster(), self._store.reviews(query))

    def coverage_changes(
        self,
        within: Period,  # noqa: ARG002
        org_ids: frozenset[str] | None,  # noqa: ARG002
        since: object,  # noqa: ARG002
        limit: int,  # noqa: ARG002
    ) -> CoverageFacts | None:
        """None: the reviews say what is, not what changed since; counted afresh."""
        return None


@attrs.frozen
class WorkItem:
    """A review waiting for someone: which of its parties they are and which steps they may take."""

    review: Review
    parties: frozenset[Party]
    steps: tuple[str, ...]
    due: date


class ReviewService:
    """Leadership reviews (领导点评) over a store: scheduling, the four steps, the office's work.

    ``policy`` defaults to :meth:`Policy.default`; ``clock`` to the current time in the policy's
    time zone; ``ids`` to UUID-based ids; ``calendar`` to the Chinese working-day calendar;
    ``schedule_batch`` is how many new reviews :meth:`schedule` writes per transaction.
    """

    def __init__(
        self,
        store: Store,
        *,
        policy: Policy | None = None,
        clock: Clock | None = None,
        ids: IdFactory | None = None,
        calendar: WorkCalendar | None = None,
        workflow: WorkflowDefinition = WORKFLOW,
        schedule_batch: int = 2000,
    ) -> None:
        self.store = store
        self._counts: CountingStore | _CountedFromReviews = (
            store if isinstance(store, CountingStore) else _CountedFromReviews(store)
        )
        self.policy = policy if policy is not None else Policy.default()
        zone = self.policy.zone
        self._clock: Clock = clock if clock is not None else (lambda: datetime.now(zone))
        self._ids: IdFactory = ids if ids is not None else _uuid_ids
        self.calendar: WorkCalendar = calendar if calendar is not None else ChineseWorkCalendar()
        self.workflow = workflow
        if schedule_batch < 1:
            raise InvalidInput("schedule_batch", schedule_batch, "must be at least 1")
        self.schedule_batch = schedule_batch
        self._listeners: list[Listener] = []
        self._batch: ContextVar[_Batch | None] = ContextVar(
            f"reviewflow-batch-{id(self)}", default=None
        )
        self._listeners_lock = threading.Lock()
        # Kept while made of the same objects (see _kept): plans, their indexes, subtrees.
        self._plans: dict[Any, tuple[tuple[object, ...], Plan]] = {}
        self._plans_lock = threading.Lock()
        self._indexes: dict[Any, tuple[tuple[object, ...], PlanIndex | None]] = {}
        # The last coverage of each (period, subtree), kept up to date from the store's changes.
        self._running: dict[tuple[Period, str | None], RunningCoverage] = {}
        self._subtrees: dict[Any, tuple[tuple[object, ...], frozenset[str]]] = {}
        self._own_parties = type(self).parties is ReviewService.parties

    def __repr__(self) -> str:
        return f"ReviewService(store={self.store.url!r})"

    # -- time, listeners --------------------------------------------------------------------------

    def now(self) -> datetime:
        """The service's clock."""
        return self._clock()

    def today(self) -> date:
        """The date of the service's clock."""
        return self._clock().date()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event after its change is stored; returns an unsubscribe.

        A listener that raises is logged and skipped: the change it heard of stands.
        """
        with self._listeners_lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._listeners_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _emit(self, events: Iterable[Event]) -> None:
        with self._listeners_lock:
            listeners = tuple(self._listeners)
        if not listeners:
            return  # nobody listens: the events (a bulk step's thousand) are not even made
        for event in events:
            for listener in listeners:
                try:
                    listener(event)
                except Exception:
                    log.exception("listener %r failed on %s; the change stands", listener, event)

    # -- refusals (R-AUDIT) -----------------------------------------------------------------------

    def _refusals(self, actor: str, action: str, review_id: str | None = None) -> _Refusals:
        """Record every refusal in the attempt log, then let it propagate."""
        return _Refusals(self, actor, action, review_id)

    def _refused(
        self, actor: str, action: str, review_id: str | None, error: ReviewflowError
    ) -> None:
        """Log a refusal (R-AUDIT): with the batch of a bulk call, else on its own."""
        details = error.details()
        attempt = Attempt(
            id=self._ids("attempt"),
            at=self.now(),
            actor_id=actor,
            action=action,
            review_id=review_id,
            error=type(error).__name__,
            message=str(error),
            details=_plain(details),
        )
        batch = self._batch.get()
        if batch is not None:  # take_many writes its attempts with its steps
            batch.attempts.append(attempt)
            return
        try:
            self.store.apply(ChangeSet(attempts=(attempt,)))
        except ReviewflowError:
            log.exception("could not record the refused attempt %s", attempt)

    # -- roster -----------------------------------------------------------------------------------

    def roster(self) -> Roster:
        """The current roster."""
        return self.store.roster()

    def import_roster(
        self,
        actor: str,
        *,
        organizations: Iterable[Organization] = (),
        members: Iterable[Member] = (),
        liaisons: Iterable[LiaisonAssignment] = (),
        office_staff: Iterable[OfficeStaff] = (),
    ) -> Roster:
        """Add or replace roster records (office only); returns the new roster.

        The first import sets up an empty roster: its actor must be among the office staff it
        imports. Moves, departures and dissolutions are refused here: they go through
        :meth:`move_member`, :meth:`member_leaves` and :meth:`dissolve_organization`, which deal
        with the reviews already scheduled.
        """
        orgs, mems, links, staff = (
            tuple(organizations),
            tuple(members),
            tuple(liaisons),
            tuple(office_staff),
        )
        with self._refusals(actor, "import_roster"):
            current = self.store.roster()
            bootstrap = not current.office_staff
            if bootstrap and actor not in {s.id for s in staff}:
                raise OutOfScope(
                    actor,
                    "roster",
                    "import the roster",
                    "the first import must name its actor among the office staff it imports",
                )
            if not bootstrap:
                self._require_office(actor, "roster", "import the roster")
            _refuse_hidden_changes(current, orgs, mems, links)
            records: tuple[RosterRecord, ...] = (*orgs, *mems, *staff, *links)
            current.with_records(records)  # validate before writing: RosterConflict
            self.store.apply(ChangeSet(roster=records))
            return self.store.roster()

    def assign_liaison(
        self, actor: str, committee_member_id: str, org_id: str, *, since: date | None = None
    ) -> LiaisonAssignment:
        """Make an organization a liaison point of a committee leadership-team member."""
        with self._refusals(actor, "assign_liaison"):
            roster = self.store.roster()
            self._require_office(actor, org_id, "assign a liaison")
            link = LiaisonAssignment(committee_member_id, org_id, since or self.today())
            existing = roster.liaisons.get(link.key)
            if existing is not None and existing.active:
                raise RosterConflict("this liaison assignment exists already", [str(link.key)])
            roster.with_records((link,))
            self.store.apply(ChangeSet(roster=(link,)))
            return link

    def end_liaison(
        self,
        actor: str,
        committee_member_id: str,
        org_id: str,
        *,
        on: date,
        reason: str = "联系点调整",
    ) -> tuple[Review, ...]:
        """End a liaison assignment; the open liaison reviews it covered are cancelled."""
        with self._refusals(actor, "end_liaison"):
            roster = self.store.roster()
            self._require_office(actor, org_id, "end a liaison")
            link = roster.liaisons.get((committee_member_id, org_id))
            if link is None or not link.active:
                raise NotFound("liaison assignment", (committee_member_id, org_id))
            ended = attrs.evolve(link, until=on)
            doomed = [
                r
                for r in self._open_reviews_from(on, reviewer_id=committee_member_id)
                if r.org_id == org_id
            ]
            return self._roster_change(actor, (ended,), doomed, reason)

    def move_member(
        self, actor: str, member_id: str, *, to_org_id: str, on: date, reason: str = ""
    ) -> tuple[Review, ...]:
        """Move a member to another organization on ``on``; returns the reviews cancelled.

        The member keeps no role of the old organization. Open reviews of the member, or by the
        member, whose period has not ended before ``on`` are cancelled with the reason; the new
        organization's head reviews the member from the next scheduling on.
        """
        with self._refusals(actor, "move_member"):
            roster = self.store.roster()
            member = self._member(roster, member_id)
            self._require_office(actor, member_id, "move a member")
            if roster.organization(to_org_id) is None:
                raise NotFound("organization", to_org_id)
            if not roster.organizations[to_org_id].active:
                raise RosterConflict("the organization is dissolved", [to_org_id])
            if not member.active:
                raise RosterConflict("the member has left", [member_id])
            if member.org_id == to_org_id:
                raise InvalidInput("to_org_id", to_org_id, "the member is there already")
            records = [
                *_release_head(roster, member),
                attrs.evolve(member, org_id=to_org_id, roles=frozenset(), joined_on=on),
                *_end_liaisons(roster, member, on),
            ]
            why = reason or f"党员组织关系转至{roster.organizations[to_org_id].name}"
            return self._roster_change(actor, records, self._open_reviews_of(member_id, on), why)

    def member_leaves(
        self, actor: str, member_id: str, *, on: date, reason: str
    ) -> tuple[Review, ...]:
        """Record that a member left on ``on`` (transfer out, death, ...); returns the cancelled."""
        with self._refusals(actor, "member_leaves"):
            roster = self.store.roster()
            member = self._member(roster, member_id)
            self._require_office(actor, member_id, "record a departure")
            if not reason.strip():
                raise InvalidInput("reason", reason, "say why the member left")
            if not member.active:
                raise RosterConflict("the member has left already", [member_id])
            records = [
                *_release_head(roster, member),
                attrs.evolve(member, left_on=on, left_reason=reason, roles=frozenset()),
                *_end_liaisons(roster, member, on),
            ]
            return self._roster_change(actor, records, self._open_reviews_of(member_id, on), reason)

    def dissolve_organization(
        self, actor: str, org_id: str, *, on: date, reason: str
    ) -> tuple[Review, ...]:
        """Dissolve an organization; refused while it has active members or organizations below.

        Its liaison assignments end, and its open reviews whose period has not ended before
        ``on`` are cancelled with the reason; returns them.
        """
        with self._refusals(actor, "dissolve_organization"):
            roster = self.store.roster()
            org = roster.organization(org_id)
            if org is None:
                raise NotFound("organization", org_id)
            self._require_office(actor, org_id, "dissolve an organization")
            if not reason.strip():
                raise InvalidInput("reason", reason, "say why the organization is dissolved")
            if not org.active:
                raise RosterConflict("the organization is dissolved already", [org_id])
            blocking = [m.id for m in roster.members_of(org_id)] + [
                c for c in roster.children(org_id) if roster.organizations[c].active
            ]
            if blocking:
                raise RosterConflict(
                    "move its members and organizations elsewhere first, then dissolve it",
                    blocking,
                )
            records: list[RosterRecord] = [attrs.evolve(org, dissolved_on=on, head_id=None)]
            records += [attrs.evolve(link, until=on) for link in roster.liaisons_of(org_id)]
            doomed = [
                r
                for r in self.store.reviews(ReviewQuery(org_ids=frozenset({org_id}), states=_LIVE))
                if r.period.end >= on
            ]
            return self._roster_change(actor, records, doomed, reason)

    def _roster_change(
        self,
        actor: str,
        records: Sequence[RosterRecord],
        doomed: Iterable[Review],
        reason: str,
    ) -> tuple[Review, ...]:
        self.store.roster().with_records(records)  # validate first
        at = self.now()
        updates = []
        for review in _unique_reviews(doomed):
            entry = self._entry(
                review,
                actor=actor,
                action="cancel",
                to_state=ReviewState.CANCELLED,
                data={},
                reason=reason,
                at=at,
            )
            updates.append((apply_entry(review, entry), entry))
        self.store.apply(ChangeSet(roster=tuple(records), review_updates=tuple(updates)))
        self._emit(StepTaken(review, entry) for review, entry in updates)
        return tuple(review for review, _ in updates)

    def _open_reviews_of(self, person_id: str, on: date) -> list[Review]:
        return [
            *self._open_reviews_from(on, subject_id=person_id),
            *self._open_reviews_from(on, reviewer_id=person_id),
        ]

    def _open_reviews_from(
        self, on: date, *, subject_id: str | None = None, reviewer_id: str | None = None
    ) -> list[Review]:
        query = ReviewQuery(subject_id=subject_id, reviewer_id=reviewer_id, states=_LIVE)
        return [r for r in self.store.reviews(query) if r.period.end >= on]

    # -- scheduling -------------------------------------------------------------------------------

    def schedule(
        self, actor: str, period: Period | str, *, root_id: str | None = None
    ) -> ScheduleResult:
        """Create every review the rules call for within ``period`` (R-SCOPE-1..3, R-CAD-1..2).

        For the whole roster, or the subtree of ``root_id``. Idempotent (R-CAD-4): a review
        whose (reviewer, subject, period) exists is not created again.
        """
        with self._refusals(actor, "schedule"):
            period = _period(period)
            roster = self.store.roster()
            if root_id is not None and roster.organization(root_id) is None:
                raise NotFound("organization", root_id)
            self._require_office_or_head(roster, actor, root_id, "schedule reviews")
            plan = self._plan(roster, period, root_id)
            # Keys and states only: no record of the period is parsed.
            present = self._counts.refs(ReviewQuery(within=period))
            taken = {r.key for r in present}
            # A subject already under a live review for the period (by a former head, say) is
            # covered: scheduling does not add a second reviewer for it.
            covered = {
                (r.kind, r.subject_id, r.period)
                for r in present
                if r.state is not ReviewState.CANCELLED
            }
            del present
            at = self.now()
            created: list[tuple[Review, HistoryEntry]] = []
            batch: list[tuple[Review, HistoryEntry]] = []
            methods: dict[MethodRecord | None, Mapping[str, Any] | None] = {}
            texts: dict[Period, str] = {}  # a period as text, once (a plan holds one or two)
            fresh = not taken  # a period not scheduled before: no slot to look up
            for slot in plan.slots:
                if not fresh and (
                    slot.key in taken or (slot.kind, slot.subject_id, slot.period) in covered
                ):
                    continue
                method = MethodRecord(slot.method, slot.occasion)
                if method not in methods:
                    methods[method] = _data(method)
                text = texts.get(slot.period)
                if text is None:
                    text = texts[slot.period] = str(slot.period)
                review_id = self._ids("review")
                entry = HistoryEntry.create(
                    review_id=review_id, seq=1, at=at, actor_id=actor, action="schedule",
                    from_state=None, to_state=ReviewState.SCHEDULED,
                    data=schedule_record(
                        review_id, slot.kind.value, slot.reviewer_id, slot.subject_id, text,
                        slot.basis.value, slot.org_id, methods[method],
                    ),
                    reason="", prev_digest="",
                )  # fmt: skip
                review = Review(
                    review_id, slot.kind, slot.reviewer_id, slot.subject_id, slot.period,
                    slot.basis, slot.org_id, planned_method=method, last_digest=entry.digest,
                )  # fmt: skip
                batch.append((review, entry))
                if len(batch) >= self.schedule_batch:
                    # One transaction per batch: a large roster does not hold one huge
                    # transaction, and a batch cut short is simply scheduled again (R-CAD-4).
                    created.extend(self._write_scheduled(batch))
                    batch = []
            if batch:
                created.extend(self._write_scheduled(batch))
        reviews = tuple(review for review, _ in created)
        result = ScheduleResult(period, reviews, len(plan.slots) - len(created), plan.gaps)
        self._emit([ReviewsScheduled(period, reviews), *(StepTaken(r, e) for r, e in created)])
        return result

    def _write_scheduled(
        self, batch: list[tuple[Review, HistoryEntry]]
    ) -> list[tuple[Review, HistoryEntry]]:
        """Write one batch of reviews just planned; the ones inserted (a slot taken
        meanwhile is skipped by the store: R-CAD-4)."""
        inserted = set(self.store.apply(ChangeSet(new_reviews=tuple(batch))).inserted)
        return [(review, entry) for review, entry in batch if review.id in inserted]

    def _kept(
        self,
        cache: dict[Any, tuple[tuple[object, ...], _V]],
        key: tuple[Any, ...],
        made_of: tuple[object, ...],
        make: Callable[[], _V],
    ) -> _V:
        """``make()``, kept in ``cache`` under ``key`` while it is made of the very same
        objects ``made_of`` (a roster, a policy, a plan: replaced, never changed), the
        ``_PLANS_KEPT`` newest at most. The key holds their ids; keeping the objects keeps
        the ids from being reused."""
        with self._plans_lock:
            found = cache.get(key)
            if found is not None and all(a is b for a, b in zip(found[0], made_of, strict=True)):
                return found[1]
        value = make()
        with self._plans_lock:
            if len(cache) >= _PLANS_KEPT:
                cache.pop(next(iter(cache)))
            cache[key] = (made_of, value)
        return value

    def _plan_and_index(
        self, roster: Roster, period: Period, root_id: str | None
    ) -> tuple[Plan, PlanIndex | None]:
        """The plan and its slots as keys (None when a slot appears twice), kept with it."""
        plan = self._plan(roster, period, root_id)

        def index() -> PlanIndex | None:
            made = PlanIndex(plan)
            return made if len(made.place) == len(made.keys) else None

        return plan, self._kept(self._indexes, (id(plan), period, root_id), (plan,), index)

    def _subtree(self, roster: Roster, root_id: str | None) -> frozenset[str] | None:
        """The organizations of ``root_id``'s subtree (None: the whole roster), kept while the
        roster stays the same: coverage asks for them on every call."""
        if root_id is None:
            return None
        return self._kept(
            self._subtrees, (id(roster), root_id), (roster,),
            lambda: frozenset(roster.subtree(root_id)),
        )  # fmt: skip

    def _plan(self, roster: Roster, period: Period, root_id: str | None) -> Plan:
        """The plan for ``period`` (R-SCOPE, R-CAD), kept while the roster stays the same: it
        depends on nothing else, and coverage asks for it on every call."""
        policy = self.policy
        return self._kept(
            self._plans, (id(roster), id(policy), period, root_id), (roster, policy),
            lambda: plan_period(roster, policy, period, root_id),
        )  # fmt: skip

    # -- reading reviews --------------------------------------------------------------------------

    def review(self, actor: str, review_id: str) -> Review:
        """One review, for its parties and the office (R-SCOPE-4)."""
        with self._refusals(actor, "read", review_id):
            review = self._load(review_id)
            self._require_reader(actor, review)
            return review

    def history(self, actor: str, review_id: str) -> tuple[HistoryEntry, ...]:
        """A review's history in order, oldest first (R-AUDIT)."""
        with self._refusals(actor, "read_history", review_id):
            review = self._load(review_id)
            self._require_reader(actor, review)
            return tuple(self.store.history(review_id))

    def attempts(self, actor: str, review_id: str | None = None) -> tuple[Attempt, ...]:
        """The attempt log (office only): every refused operation, oldest first (R-AUDIT)."""
        with self._refusals(actor, "read_attempts", review_id):
            self._require_office(actor, review_id or "attempt log", "read the attempt log")
            return tuple(self.store.attempts(review_id))

    def reviews(
        self,
        actor: str,
        *,
        within: Period | str | None = None,
        root_id: str | None = None,
        states: Iterable[ReviewState] | None = None,
    ) -> tuple[Review, ...]:
        """The reviews the actor may read: everything for the office, else their own parts."""
        with self._refusals(actor, "list_reviews"):
            roster = self.store.roster()
            org_ids = frozenset(roster.subtree(root_id)) if root_id is not None else None
            query = ReviewQuery(
                within=_period(within) if within is not None else None,
                org_ids=org_ids,
                states=frozenset(states) if states is not None else None,
            )
            found = self.store.reviews(query)
            if roster.is_office(actor):
                return tuple(found)
            return tuple(r for r in found if self.parties(roster, actor, r))

    def work_list(self, actor: str) -> tuple[WorkItem, ...]:
        """The open reviews waiting for the actor, with the steps they may take, soonest first."""
        roster = self.store.roster()
        out: list[WorkItem] = []
        for review in self._candidates(roster, actor):
            parties = self.parties(roster, actor, review)
            if not parties:
                continue
            steps = tuple(
                t for t in self.workflow.open(review) if self.workflow.steps[t].by & parties
            )
            if steps and not (parties == {Party.OFFICE} and steps == ("waive", "cancel")):
                out.append(WorkItem(review, parties, steps, review.period.end))
        return tuple(sorted(out, key=lambda w: (w.due, w.review.id)))

    def _candidates(self, roster: Roster, actor: str) -> list[Review]:
        """The live reviews the actor may be a party of: a few indexed reads, not the whole
        store (the office's are every live review). :meth:`parties` decides for each."""
        member = roster.member(actor)
        if roster.is_office(actor) or member is None:
            return list(self.store.reviews(ReviewQuery(states=_LIVE)))
        home = member.org_id
        unit = roster.unit_of(home).id
        head = roster.head_of(home)
        heads_home = head is not None and head.id == actor
        queries = [
            ReviewQuery(states=_LIVE, reviewer_id=actor),
            # the subject: the member, or an organization whose leadership team they are on
            ReviewQuery(states=_LIVE, subject_ids=frozenset({actor, home, unit})),
        ]
        if heads_home:
            # the form filler: the head of the review's organization, or of its parent when
            # that organization has no head or its head is the one reviewed (R-STEP-3)
            queries.append(ReviewQuery(states=_LIVE, org_ids=frozenset({home, unit})))
            child_heads = {c: roster.head_of(c) for c in roster.children(home)}
            headless = frozenset(c for c, h in child_heads.items() if h is None)
            heads = frozenset(h.id for h in child_heads.values() if h is not None)
            if headless:
                queries.append(ReviewQuery(states=_LIVE, org_ids=headless))
            if heads:
                queries.append(ReviewQuery(states=_LIVE, subject_ids=heads))
        found: dict[str, Review] = {}
        for query in queries:
            found.update((r.id, r) for r in self.store.reviews(query))
        return list(found.values())

    # -- step 1: fact finding (R-STEP-1) ----------------------------------------------------------

    def start(self, actor: str, review_id: str, *, expected_version: int | None = None) -> Review:
        """Begin fact finding (了解情况)."""
        return self._act(actor, review_id, "start", expected_version=expected_version)

    def report(
        self,
        actor: str,
        review_id: str,
        *,
        summary: str,
        ideas_and_measures: str = "",
        commitments: Iterable[Commitment] = (),
        reported_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """The subject reports its work, commitments and their fulfilment, ideas and measures."""

        def build(review: Review) -> Mapping[str, Any]:
            given = tuple(commitments)
            known = {c.id for c in review.commitments()}
            _unique_ids("commitments", [c.id for c in given], known)
            report = SituationReport(
                id=self._ids("report"),
                reported_by=actor,
                reported_on=self._past_or_today("reported_on", reported_on),
                summary=summary,
                ideas_and_measures=ideas_and_measures,
                commitments=given,
            )
            return _data(report)

        return self._act(actor, review_id, "report", build, expected_version=expected_version)

    def conclude_fact_finding(
        self, actor: str, review_id: str, *, expected_version: int | None = None
    ) -> Review:
        """Move on to the review itself; needs a situation report."""
        return self._act(
            actor, review_id, "conclude_fact_finding", expected_version=expected_version
        )

    # -- step 2: the review (R-STEP-2, R-CONT, R-METH, R-PART, R-COMMIT) --------------------------

    def record_method(
        self,
        actor: str,
        review_id: str,
        *,
        method: Method | str,
        occasion: Occasion | str | None = None,
        held_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """Record how and when the review was held (R-METH); another method than planned is fine."""

        def build(_review: Review) -> Mapping[str, Any]:
            record = MethodRecord(
                method=_choice(Method, method, "method"),
                occasion=_choice(Occasion, occasion, "occasion") if occasion is not None else None,
                held_on=self._past_or_today("held_on", held_on),
            )
            return _data(record)

        return self._act(
            actor, review_id, "record_method", build, expected_version=expected_version
        )

    def comment(
        self,
        actor: str,
        review_id: str,
        *,
        aspect: Aspect | str,
        achievements: str = "",
        problems: Iterable[str] = (),
        expected_version: int | None = None,
    ) -> Review:
        """The reviewer's comment on one aspect: achievements and problems (R-CONT-ORG/-MEM).

        Commenting on an aspect again replaces the earlier comment, except the problems a
        requirement cites, which stay. Each problem gets an id (see
        ``review.comment_on(aspect).problems``) that requirements cite.
        """

        def build(review: Review) -> Mapping[str, Any]:
            chosen = _choice(Aspect, aspect, "aspect")
            if chosen not in review.aspects:
                raise InvalidInput(
                    "aspect",
                    chosen.value,
                    f"not an aspect of a {review.kind.value} review; use one of "
                    + ", ".join(a.value for a in review.aspects),
                )
            texts = [problems] if isinstance(problems, str) else list(problems)
            found = tuple(Problem(self._ids("problem"), text) for text in texts)
            # Commenting again replaces the comment, but a problem a requirement cites stays.
            cited = _cited_problems(review)
            earlier = review.comment_on(chosen)
            kept = tuple(p for p in earlier.problems if p.id in cited) if earlier else ()
            if not achievements.strip() and not found and not kept:
                raise InvalidInput(
                    "achievements", achievements, "state achievements or problems, or both"
                )
            return _data(AspectComment(chosen, achievements, (*kept, *found)))

        return self._act(actor, review_id, "comment", build, expected_version=expected_version)

    def set_direction(
        self,
        actor: str,
        review_id: str,
        *,
        direction: str,
        suggestions: str = "",
        expected_version: int | None = None,
    ) -> Review:
        """State the direction of effort (努力方向) and the opinions and suggestions (意见建议)."""

        def build(_review: Review) -> Mapping[str, Any]:
            if not isinstance(direction, str) or not direction.strip():
                raise InvalidInput("direction", direction, "state the direction of effort")
            if not isinstance(suggestions, str):
                raise InvalidInput("suggestions", suggestions, "must be a text")
            return {"direction": direction, "suggestions": suggestions}

        return self._act(
            actor, review_id, "set_direction", build, expected_version=expected_version
        )

    def judge_commitment(
        self,
        actor: str,
        review_id: str,
        *,
        commitment_id: str,
        status: FulfilmentStatus | str,
        remark: str = "",
        expected_version: int | None = None,
    ) -> Review:
        """The reviewer's judgement of a reported commitment's fulfilment (R-COMMIT)."""

        def build(review: Review) -> Mapping[str, Any]:
            if commitment_id not in {c.id for c in review.commitments()}:
                raise InvalidInput(
                    "commitment_id", commitment_id, "no commitment with this id was reported"
                )
            return _data(
                CommitmentJudgement(
                    commitment_id, _choice(FulfilmentStatus, status, "status"), remark
                )
            )

        return self._act(
            actor, review_id, "judge_commitment", build, expected_version=expected_version
        )

    def add_participant(
        self,
        actor: str,
        review_id: str,
        *,
        name: str,
        capacity: ParticipantCapacity | str,
        opinion: str = "",
        expected_version: int | None = None,
    ) -> Review:
        """Record an invited member or masses representative and their opinion (R-PART)."""

        def build(_review: Review) -> Mapping[str, Any]:
            participant = Participant(
                self._ids("participant"),
                name,
                _choice(ParticipantCapacity, capacity, "capacity"),
                opinion,
            )
            return _data(participant)

        return self._act(
            actor, review_id, "add_participant", build, expected_version=expected_version
        )

    def require(
        self,
        actor: str,
        review_id: str,
        *,
        text: str,
        problem_ids: Iterable[str] = (),
        participant_id: str | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """Add a rectification requirement, citing the problems and the opinion it answers."""

        def build(review: Review) -> Mapping[str, Any]:
            cited = tuple(problem_ids)
            unknown = [p for p in cited if p not in review.problem_ids()]
            if unknown:
                raise InvalidInput("problem_ids", unknown, "no such problem in this review")
            known = {p.id for p in review.participants}
            if participant_id is not None and participant_id not in known:
                raise InvalidInput(
                    "participant_id", participant_id, "no such participant in this review"
                )
            requirement = RectificationRequirement(
                self._ids("requirement"), text, cited, participant_id
            )
            return _data(requirement)

        return self._act(actor, review_id, "require", build, expected_version=expected_version)

    def declare_no_rectification(
        self, actor: str, review_id: str, *, expected_version: int | None = None
    ) -> Review:
        """State that the problems raised need no rectification requirement (R-STEP-2)."""
        return self._act(
            actor, review_id, "declare_no_rectification", expected_version=expected_version
        )

    def conclude_review(
        self, actor: str, review_id: str, *, expected_version: int | None = None
    ) -> Review:
        """Conclude step 2: method and date, every aspect, achievements and direction, and a
        requirement for every problem (or none needed) must be on record."""
        return self._act(actor, review_id, "conclude_review", expected_version=expected_version)

    # -- step 3: compile and publicize (R-STEP-3) -------------------------------------------------

    def fill_form(
        self,
        actor: str,
        review_id: str,
        *,
        filled_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """The organization confirms the review form (点评表) as filled in from the record."""

        def build(_review: Review) -> Mapping[str, Any]:
            return _data(FormRecord(actor, self._past_or_today("filled_on", filled_on)))

        return self._act(actor, review_id, "fill_form", build, expected_version=expected_version)

    def file(
        self,
        actor: str,
        review_id: str,
        *,
        filing_no: str,
        filed_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """The office files the form (备案) under a filing number."""

        def build(review: Review) -> Mapping[str, Any]:
            if review.form is None:
                raise InvalidInput("filing_no", filing_no, "fill in the form before filing it")
            return _data(Filing(filing_no, self._past_or_today("filed_on", filed_on), actor))

        return self._act(actor, review_id, "file", build, expected_version=expected_version)

    def publicize(
        self,
        actor: str,
        review_id: str,
        *,
        scope: str,
        medium: Medium | str,
        published_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """Record that the review was made public in writing, within a scope and medium."""

        def build(_review: Review) -> Mapping[str, Any]:
            when = self._past_or_today("published_on", published_on)
            return _data(Publicity(scope, _choice(Medium, medium, "medium"), when))

        return self._act(actor, review_id, "publicize", build, expected_version=expected_version)

    def begin_rectification(
        self, actor: str, review_id: str, *, expected_version: int | None = None
    ) -> Review:
        """Move on to rectification: the form must be filled in, filed and public."""
        return self._act(actor, review_id, "begin_rectification", expected_version=expected_version)

    # -- step 4: rectify (R-STEP-4) ---------------------------------------------------------------

    def plan_item(
        self,
        actor: str,
        review_id: str,
        *,
        requirement_id: str,
        measure: str,
        owner: str,
        due: date | Deadline | str,
        expected_version: int | None = None,
    ) -> Review:
        """Add a ledger item (整改台账) for a requirement: measure, owner and due date.

        ``due`` is a date, or a :class:`Deadline` (``"10 working days"``) counted from today.
        """

        def build(review: Review) -> Mapping[str, Any]:
            _ledger_open(review, "requirement_id", requirement_id)
            if requirement_id not in {r.id for r in review.requirements}:
                raise InvalidInput(
                    "requirement_id", requirement_id, "no such requirement in this review"
                )
            item = RectificationItem(
                self._ids("item"), requirement_id, measure, owner, self._due(due)
            )
            return _data(item)

        return self._act(actor, review_id, "plan_item", build, expected_version=expected_version)

    def update_item(
        self,
        actor: str,
        review_id: str,
        *,
        item_id: str,
        status: ItemStatus | str,
        done_on: date | None = None,
        note: str = "",
        expected_version: int | None = None,
    ) -> Review:
        """Report a ledger item's progress; ``done`` needs the day it was done (default today)."""

        def build(review: Review) -> Mapping[str, Any]:
            _ledger_open(review, "item_id", item_id)
            if item_id not in {i.id for i in review.ledger}:
                raise InvalidInput("item_id", item_id, "no such ledger item in this review")
            new_status = _choice(ItemStatus, status, "status")
            when = None
            if new_status is ItemStatus.DONE:
                when = self._past_or_today("done_on", done_on)
            elif done_on is not None:
                raise InvalidInput("done_on", done_on, "only a done item has a done date")
            return _data(ItemUpdate(item_id, new_status, when, note))

        return self._act(actor, review_id, "update_item", build, expected_version=expected_version)

    def reply(
        self,
        actor: str,
        review_id: str,
        *,
        text: str,
        replied_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """The subject's written reply to the reviewer (书面回复), once every item is done."""

        def build(review: Review) -> Mapping[str, Any]:
            undone = [i.id for i in review.ledger if i.status is not ItemStatus.DONE]
            if undone:
                raise InvalidInput(
                    "ledger", undone, "finish every ledger item before replying in writing"
                )
            when = self._past_or_today("replied_on", replied_on)
            return _data(WrittenReply(text, actor, when))

        return self._act(actor, review_id, "reply", build, expected_version=expected_version)

    def confirm_closeout(
        self,
        actor: str,
        review_id: str,
        *,
        remark: str = "",
        confirmed_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """The reviewer confirms the ledger is done (销号)."""

        def build(review: Review) -> Mapping[str, Any]:
            failures = self.workflow.unmet(review, "close", GuardContext(closeout_required=False))
            if failures:
                raise InvalidInput(
                    "closeout",
                    [name for name, _ in failures],
                    "confirm the closeout only once the ledger is done and the reply is in: "
                    + "; ".join(reason for _, reason in failures),
                )
            when = self._past_or_today("confirmed_on", confirmed_on)
            return _data(Closeout(actor, when, remark))

        return self._act(
            actor, review_id, "confirm_closeout", build, expected_version=expected_version
        )

    def close(self, actor: str, review_id: str, *, expected_version: int | None = None) -> Review:
        """Close the review: every item done, the reply recorded, the closeout confirmed."""
        return self._act(actor, review_id, "close", expected_version=expected_version)

    # -- ends (R-CAD-3) ---------------------------------------------------------------------------

    def waive(
        self,
        actor: str,
        review_id: str,
        *,
        reason: str,
        expected_version: int | None = None,
    ) -> Review:
        """Waive a review (office only, with a reason); it shows as waived, never as covered."""
        return self._act(
            actor, review_id, "waive", reason=reason, expected_version=expected_version
        )

    def cancel(
        self,
        actor: str,
        review_id: str,
        *,
        reason: str,
        expected_version: int | None = None,
    ) -> Review:
        """Cancel a review that should not have been scheduled (office only, with a reason)."""
        return self._act(
            actor, review_id, "cancel", reason=reason, expected_version=expected_version
        )

    # -- the one way a review changes -------------------------------------------------------------

    def _act(
        self,
        actor: str,
        review_id: str,
        trigger: str,
        build: Callable[[Review], Mapping[str, Any]] | None = None,
        *,
        reason: str = "",
        expected_version: int | None = None,
    ) -> Review:
        batch = self._batch.get()
        with self._refusals(actor, trigger, review_id):
            if batch is not None:
                review = batch.loaded.get(review_id) or self._load(review_id)
                roster = batch.roster
            else:
                review = self._load(review_id)
                roster = self.store.roster()
            step = self.workflow.steps[trigger]
            # The reviewer may take the step whatever else they are: parties are not worked out
            # (unless a subclass decides them its own way).
            if not (
                self._own_parties and actor == review.reviewer_id and Party.REVIEWER in step.by
            ) and not step.by & self.parties(roster, actor, review):
                raise OutOfScope(
                    actor,
                    review.subject_id,
                    f"{trigger} ({step.label_zh})",
                    "only the " + " or the ".join(sorted(p.label_en for p in step.by)) + " may",
                )
            if expected_version is not None and expected_version != review.version:
                raise ConcurrencyConflict(review.id, expected_version, review.version)
            ctx = GuardContext(closeout_required=self.policy.closeout_required, reason=reason)
            new_state = self.workflow.fire(review, trigger, ctx)
            data = build(review) if build is not None else {}
            entry = self._entry(
                review,
                actor=actor,
                action=trigger,
                to_state=new_state,
                data=data,
                reason=reason,
                at=self.now(),
            )
            changed = apply_entry(review, entry)
            if batch is not None:
                if review_id in batch.seen:
                    raise InvalidInput("review_ids", review_id, "a review is named twice")
                batch.seen.add(review_id)
                batch.updates.append((changed, entry))
                return changed
            self.store.apply(ChangeSet(review_updates=((changed, entry),)))
        self._emit([StepTaken(changed, entry)])
        return changed

    def take_many(
        self, actor: str, trigger: str, review_ids: Iterable[str], **data: Any
    ) -> tuple[StepResult, ...]:
        """Take one step on many reviews at once, with one result per review.

        For the bulk work of a meeting: a secretary who held forty member reviews at the branch
        general meeting records the method for all of them in one call. ``data`` are the
        keyword arguments of the step's method (``take_many(a, "record_method", ids,
        method="centralized")``). Each review is checked on its own: the refused ones come back
        with their error (and go to the attempt log), the others are written together in one
        transaction. If another writer changed one of them meanwhile, the rest are written one
        by one, so that only the changed one is refused.
        """
        if trigger not in self.workflow.steps:
            raise InvalidInput("trigger", trigger, "not a step of the workflow")
        step: Callable[..., Review] = getattr(self, trigger)
        review_ids = list(review_ids)
        roster = self.store.roster()
        # One read for all of them (and one of the roster); each step is still checked on its
        # own, and the write refuses any review another writer changed meanwhile.
        loaded = self.store.reviews(ReviewQuery(ids=frozenset(review_ids)))
        batch = _Batch(roster, {r.id: r for r in loaded})
        results: dict[str, StepResult] = {}
        token = self._batch.set(batch)
        try:
            if not data and self._plain(trigger):
                self._take_plain(batch, actor, trigger, review_ids, results)
            else:
                for review_id in review_ids:
                    try:
                        results[review_id] = StepResult(review_id, step(actor, review_id, **data))
                    except ReviewflowError as error:
                        results.setdefault(review_id, StepResult(review_id, error=error))
        finally:
            self._batch.reset(token)
        written = self._write_batch(batch, results)
        self._emit(StepTaken(review, entry) for review, entry in written)
        return tuple(results.values())

    def _plain(self, trigger: str) -> bool:
        """Whether ``trigger``'s method is :meth:`_act` alone (no data, no reason) and nothing
        the bulk path relies on is overridden: then :meth:`_take_plain` may take it."""
        cls = type(self)
        return trigger in _PLAIN_STEPS and all(
            getattr(cls, name) is getattr(ReviewService, name)
            for name in (trigger, "_act", "_entry", "parties", "now")
        )

    def _take_plain(
        self,
        batch: _Batch,
        actor: str,
        trigger: str,
        review_ids: list[str],
        results: dict[str, StepResult],
    ) -> None:
        """:meth:`take_many`'s loop for a plain step (see :meth:`_plain`), with what
        :meth:`_act` does once per call done once: the step, the guard context, the roster.
        A review that would be refused anywhere goes through the step's own method instead,
        which refuses it exactly as it would on its own (the error, the attempt log), so the
        results and the entries are the same as one step at a time would make."""
        step = self.workflow.steps[trigger]
        by = step.by
        as_reviewer = Party.REVIEWER in by  # the reviewer is that party, whatever else
        ctx = GuardContext(closeout_required=self.policy.closeout_required, reason="")
        fire = self.workflow.fire
        parties = self.parties
        roster, loaded, seen, updates = batch.roster, batch.loaded, batch.seen, batch.updates
        one_by_one: Callable[[str, str], Review] = getattr(self, trigger)
        make_entry, now = self._entry, self.now
        for review_id in review_ids:
            review = loaded.get(review_id)
            if (
                review is not None
                and review_id not in seen
                and (
                    (as_reviewer and actor == review.reviewer_id)
                    or by & parties(roster, actor, review)
                )
            ):
                try:
                    new_state = fire(review, trigger, ctx)
                except ReviewflowError:
                    pass  # refused: the step's own method says so below
                else:
                    entry = make_entry(
                        review, actor=actor, action=trigger, to_state=new_state, data={},
                        reason="", at=now(),
                    )  # fmt: skip
                    changed = apply_entry(review, entry)
                    seen.add(review_id)
                    updates.append((changed, entry))
                    results[review_id] = StepResult(review_id, changed)
                    continue
            try:
                results[review_id] = StepResult(review_id, one_by_one(actor, review_id))
            except ReviewflowError as error:
                results.setdefault(review_id, StepResult(review_id, error=error))

    def _write_batch(
        self, batch: _Batch, results: dict[str, StepResult]
    ) -> list[tuple[Review, HistoryEntry]]:
        try:
            self.store.apply(
                ChangeSet(review_updates=tuple(batch.updates), attempts=tuple(batch.attempts))
            )
        except ConcurrencyConflict:
            pass  # someone else changed one of them: write one by one below
        else:
            return batch.updates
        if batch.attempts:
            self.store.apply(ChangeSet(attempts=tuple(batch.attempts)))
        written = []
        for changed, entry in batch.updates:
            try:
                with self._refusals(entry.actor_id, entry.action, changed.id):
                    self.store.apply(ChangeSet(review_updates=((changed, entry),)))
            except ConcurrencyConflict as error:
                results[changed.id] = StepResult(changed.id, error=error)
                continue
            written.append((changed, entry))
        return written

    def _entry(
        self,
        review: Review,
        *,
        actor: str,
        action: str,
        to_state: ReviewState,
        data: Mapping[str, Any],
        reason: str,
        at: datetime,
    ) -> HistoryEntry:
        return HistoryEntry.create(
            review_id=review.id,
            seq=review.version + 1,
            at=at,
            actor_id=actor,
            action=action,
            from_state=review.state,
            to_state=to_state,
            data=data,
            reason=reason,
            prev_digest=review.last_digest,
        )

    # -- scope (R-SCOPE-4) ------------------------------------------------------------------------

    def parties(self, roster: Roster, actor: str, review: Review | ReviewRef) -> frozenset[Party]:
        """Which parties of ``review`` the actor is (none: out of scope)."""
        found: set[Party] = set()
        if actor == review.reviewer_id:
            found.add(Party.REVIEWER)
        if actor != review.reviewer_id and _speaks_for_subject(roster, actor, review):
            found.add(Party.SUBJECT)
        filler = _form_filler(roster, review)
        if roster.is_office(actor):
            found.add(Party.OFFICE)
            if filler is None:  # nobody left to fill the form: the office does it
                found.add(Party.FORM_FILLER)
        elif actor == filler:
            found.add(Party.FORM_FILLER)
        return frozenset(found)

    def _require_reader(self, actor: str, review: Review) -> None:
        if not self.parties(self.store.roster(), actor, review):
            raise OutOfScope(
                actor, review.subject_id, "read this review", "it is not one of their reviews"
            )

    def _require_office(self, actor: str, subject: str, action: str) -> None:
        if not self.store.roster().is_office(actor):
            raise OutOfScope(actor, subject, action, "only the office may")

    def _require_office_or_head(
        self, roster: Roster, actor: str, root_id: str | None, action: str
    ) -> None:
        if roster.is_office(actor) or (root_id is not None and _heads(roster, actor, root_id)):
            return
        raise OutOfScope(
            actor,
            root_id or "the whole roster",
            action,
            "only the office, or the head of the organization or one above it, may",
        )

    # -- small helpers ----------------------------------------------------------------------------

    def _load(self, review_id: str) -> Review:
        review = self.store.review(review_id)
        if review is None:
            raise NotFound("review", review_id)
        return review

    @staticmethod
    def _member(roster: Roster, member_id: str) -> Member:
        member = roster.member(member_id)
        if member is None:
            raise NotFound("member", member_id)
        return member

    def _past_or_today(self, field: str, day: date | None) -> date:
        today = self.today()
        if day is None:
            return today
        if not isinstance(day, date) or isinstance(day, datetime):
            raise InvalidInput(field, day, "must be a date (datetime.date)")
        if day > today:
            raise InvalidInput(field, day, f"lies in the future (today is {today.isoformat()})")
        return day

    def _due(self, due: date | Deadline | str) -> date:
        if isinstance(due, str):
            due = Deadline.parse(due)
        if isinstance(due, Deadline):
            return due.due(self.today(), self.calendar)
        if isinstance(due, datetime) or not isinstance(due, date):
            raise InvalidInput("due", due, "must be a date or a deadline like '10 working days'")
        return due

    # -- supervision (R-SUPERVISE) and exemplars (R-EXEMPLAR) -------------------------------------

    def issue_order(
        self,
        actor: str,
        *,
        kind: ReviewKind | str,
        subject_id: str,
        criticism: str,
        requirement: str,
        deadline: date | Deadline | str,
    ) -> SupervisionOrder:
        """Criticize a weak unit or member and order rectification by a deadline (office only)."""
        with self._refusals(actor, "issue_order"):
            roster = self.store.roster()
            self._require_office(actor, subject_id, "issue a supervision order")
            chosen = _choice(ReviewKind, kind, "kind")
            org_id = _org_of_subject(roster, chosen, subject_id)
            for field, text in (("criticism", criticism), ("requirement", requirement)):
                if not isinstance(text, str) or not text.strip():
                    raise InvalidInput(field, text, "must be a non-empty text")
            order = SupervisionOrder(
                id=self._ids("order"),
                kind=chosen,
                subject_id=subject_id,
                org_id=org_id,
                criticism=criticism,
                requirement=requirement,
                deadline=self._due(deadline),
                issued_by=actor,
                issued_on=self.today(),
            )
            self.store.apply(ChangeSet(orders=(order,)))
        self._emit([OrderIssued(order)])
        return order

    def report_order(self, actor: str, order_id: str, *, report: str) -> SupervisionOrder:
        """The subject reports the ordered rectification done."""
        with self._refusals(actor, "report_order"):
            order = self._order(order_id)
            roster = self.store.roster()
            if not _speaks_for(roster, actor, order.kind, order.subject_id):
                raise OutOfScope(actor, order.subject_id, "report on this order", "not its subject")
            if order.status is not OrderStatus.ISSUED:
                raise InvalidInput("status", order.status.value, "only an issued order is reported")
            if not report.strip():
                raise InvalidInput("report", report, "say what was done")
            changed = attrs.evolve(
                order,
                status=OrderStatus.REPORTED,
                report=report,
                reported_by=actor,
                reported_on=self.today(),
                version=order.version + 1,
            )
            self.store.apply(ChangeSet(orders=(changed,)))
        self._emit([OrderChanged(changed)])
        return changed

    def verify_order(
        self, actor: str, order_id: str, *, accepted: bool, remark: str = ""
    ) -> SupervisionOrder:
        """The office verifies the reported rectification, or sends it back (status ``issued``)."""
        with self._refusals(actor, "verify_order"):
            order = self._order(order_id)
            self._require_office(actor, order.subject_id, "verify a supervision order")
            if order.status is not OrderStatus.REPORTED:
                raise InvalidInput(
                    "status", order.status.value, "only a reported order can be verified"
                )
            if accepted:
                changed = attrs.evolve(
                    order,
                    status=OrderStatus.VERIFIED,
                    verified_by=actor,
                    verified_on=self.today(),
                    version=order.version + 1,
                )
            else:
                changed = attrs.evolve(
                    order,
                    status=OrderStatus.ISSUED,
                    report=f"{order.report}\n[退回] {remark}".strip(),
                    version=order.version + 1,
                )
            self.store.apply(ChangeSet(orders=(changed,)))
        self._emit([OrderChanged(changed)])
        return changed

    def orders(self, actor: str, *, overdue_on: date | None = None) -> tuple[SupervisionOrder, ...]:
        """The supervision orders the actor may see; only those overdue on ``overdue_on`` if given.

        The office sees every order; a subject its own; a head those of its subtree.
        """
        roster = self.store.roster()
        found = [o for o in self.store.orders() if self._may_see_order(roster, actor, o)]
        if overdue_on is not None:
            found = [o for o in found if o.overdue(overdue_on)]
        return tuple(found)

    @staticmethod
    def _may_see_order(roster: Roster, actor: str, order: SupervisionOrder) -> bool:
        if roster.is_office(actor) or _speaks_for(roster, actor, order.kind, order.subject_id):
            return True
        return roster.organization(order.org_id) is not None and _heads(roster, actor, order.org_id)

    def _order(self, order_id: str) -> SupervisionOrder:
        order = self.store.order(order_id)
        if order is None:
            raise NotFound("supervision order", order_id)
        return order

    def record_exemplar(
        self,
        actor: str,
        *,
        kind: ReviewKind | str,
        subject_id: str,
        deeds: str,
        source_review_id: str | None = None,
    ) -> Exemplar:
        """Record advanced deeds found in a review (R-EXEMPLAR): the office, or that reviewer."""
        with self._refusals(actor, "record_exemplar", source_review_id):
            roster = self.store.roster()
            chosen = _choice(ReviewKind, kind, "kind")
            org_id = _org_of_subject(roster, chosen, subject_id)
            source = self._load(source_review_id) if source_review_id is not None else None
            if source is not None and (source.kind, source.subject_id) != (chosen, subject_id):
                raise InvalidInput(
                    "source_review_id", source_review_id, "that review is of another subject"
                )
            is_reviewer = source is not None and source.reviewer_id == actor
            if not (roster.is_office(actor) or is_reviewer):
                raise OutOfScope(
                    actor, subject_id, "record an exemplar", "only the office or its reviewer may"
                )
            if not isinstance(deeds, str) or not deeds.strip():
                raise InvalidInput("deeds", deeds, "describe the deeds")
            exemplar = Exemplar(
                id=self._ids("exemplar"),
                kind=chosen,
                subject_id=subject_id,
                org_id=org_id,
                deeds=deeds,
                recorded_by=actor,
                recorded_on=self.today(),
                source_review_id=source_review_id,
            )
            self.store.apply(ChangeSet(exemplars=(exemplar,)))
        self._emit([ExemplarRecorded(exemplar)])
        return exemplar

    def exemplars(self, *, root_id: str | None = None) -> tuple[Exemplar, ...]:
        """The exemplars, for publicity; those of a subtree when ``root_id`` is given."""
        roster = self.store.roster()
        return tuple(e for e in self.store.exemplars() if roster.in_subtree(e.org_id, root_id))

    # -- coverage (R-COVER, R-LEAD) and the yearly summary (R-SUMMARY) ----------------------------

    def coverage(
        self, actor: str, period: Period | str, *, root_id: str | None = None
    ) -> CoverageReport:
        """Coverage of ``period`` over the roster or a subtree: counts, named gaps, rates.

        The service keeps each coverage it computed and, where the store can say what was
        written since (PostgreSQL, SQLite), counts in only that on the next call: see
        :meth:`forget_coverage`."""
        with self._refusals(actor, "coverage"):
            period = _period(period)
            roster = self.store.roster()
            if root_id is not None and roster.organization(root_id) is None:
                raise NotFound("organization", root_id)
            self._require_office_or_head(roster, actor, root_id, "read coverage")
            return self._coverage(roster, period, root_id)

    def forget_coverage(self) -> None:
        """Drop the coverage the service keeps up to date for each period and subtree: the next
        call of :meth:`coverage` counts afresh. Needed only after the database was changed
        behind the library's back (a restore, a hand-made fix), which the store cannot report
        as changes."""
        with self._plans_lock:
            self._running.clear()

    def _coverage(self, roster: Roster, period: Period, root_id: str | None) -> CoverageReport:
        plan, index = self._plan_and_index(roster, period, root_id)
        org_ids = self._subtree(roster, root_id)
        if index is None:  # a plan with a slot twice: count review by review
            refs = self._counts.refs(ReviewQuery(within=period, org_ids=org_ids))
            return build_coverage(roster, plan, refs, period, root_id)
        # Reviews read by subject are few: a large subtree (a city's ten thousand organizations)
        # is tested here rather than sent as a list with each query.
        by_org = org_ids is not None and len(org_ids) > _ORGS_BY_NAME
        orgs_sent = None if by_org else org_ids

        def in_scope(refs: Sequence[ReviewRef]) -> Sequence[ReviewRef]:
            return [r for r in refs if r.org_id in org_ids] if by_org and org_ids else refs

        def slots_of(subjects: set[str]) -> tuple[frozenset[str], frozenset[str]]:
            if len(subjects) <= _SUBJECTS_BY_NAME:
                query = ReviewQuery(
                    within=period, org_ids=orgs_sent, subject_ids=frozenset(subjects)
                )
                if by_org:
                    return slot_keys_of(in_scope(self._counts.refs(query)))
                return self._counts.slot_keys(query)
            # Many subjects: the scope's slots at once cost less than a long IN list.
            return self._counts.slot_keys(ReviewQuery(within=period, org_ids=org_ids))

        def candidates(subjects: set[str]) -> Sequence[ReviewRef]:
            if len(subjects) > _SUBJECTS_IN_CHUNKS:  # most of the scope: read it all
                found = self._counts.refs(ReviewQuery(within=period, org_ids=org_ids))
                return [ref for ref in found if ref.subject_id in subjects]
            # By name, a bounded list at a time (an index lookup a subject), in the stores'
            # order: a million reviews are not read for the few thousand subjects unfilled.
            names = sorted(subjects)
            chunks = [
                frozenset(names[n : n + _SUBJECTS_BY_NAME])
                for n in range(0, len(names), _SUBJECTS_BY_NAME)
            ]
            if len(chunks) == 1:
                query = ReviewQuery(within=period, org_ids=orgs_sent, subject_ids=chunks[0])
                return in_scope(self._counts.refs(query))
            return by_period_then_id(
                ref
                for chunk in chunks
                for ref in in_scope(
                    self._counts.refs(
                        ReviewQuery(within=period, org_ids=orgs_sent, subject_ids=chunk)
                    )
                )
            )

        def cancelled_of(orgs: set[str]) -> frozenset[str]:
            gone = frozenset({ReviewState.CANCELLED})
            # A few organizations by name; many: the scope's cancelled ones (a longer IN list
            # than the databases take would be needed, and extra slots do no harm).
            scope = frozenset(orgs) if len(orgs) <= _ORGS_BY_NAME else org_ids
            return self._counts.slot_keys(ReviewQuery(within=period, org_ids=scope, states=gone))[1]

        changes_of = self._counts.coverage_changes
        key = (period, root_id)
        with self._plans_lock:
            running = self._running.get(key)
        if (
            running is not None
            and changes_of is not None
            and running.roster is roster
            and running.plan is plan
            and running.index is index
        ):
            with running.lock:  # one call at a time changes it
                changes = changes_of(period, org_ids, running.watermark, _CHANGES_AT_MOST)
                if changes is not None:
                    try:
                        running.add(changes)
                        return running.report(slots_of, candidates, period, root_id, cancelled_of)
                    except BaseException:
                        with self._plans_lock:  # half changed: counted afresh next time
                            if self._running.get(key) is running:
                                del self._running[key]
                        raise
        running = RunningCoverage(roster, plan, index, self._counts.coverage_facts(period, org_ids))
        report = running.report(slots_of, candidates, period, root_id, cancelled_of)
        if running.watermark is not None and changes_of is not None:
            with self._plans_lock:
                self._running.pop(key, None)
                if len(self._running) >= _PLANS_KEPT:
                    self._running.pop(next(iter(self._running)))
                self._running[key] = running
        return report

    def summary(self, actor: str, org_id: str, year: int | Period | str) -> Summary:
        """The yearly summary of an organization's subtree (点评情况总结, R-SUMMARY)."""
        with self._refusals(actor, "summary"):
            period = _year(year)
            roster = self.store.roster()
            if roster.organization(org_id) is None:
                raise NotFound("organization", org_id)
            self._require_office_or_head(roster, actor, org_id, "read the summary")
            coverage = self._coverage(roster, period, org_id)
            org_ids = frozenset(roster.subtree(org_id))
            reviews = self.store.reviews(ReviewQuery(within=period, org_ids=org_ids))
            due = self.policy.summary_deadline.due(period.start, self.calendar, year=period.year)
            return build_summary(
                roster,
                org_id=org_id,
                year=period,
                due=due,
                as_of=self.today(),
                coverage=coverage,
                reviews=reviews,
                orders=[
                    o
                    for o in self.store.orders()
                    if o.org_id in org_ids and o.issued_on.year == period.year
                ],
                exemplars=[
                    e
                    for e in self.store.exemplars()
                    if e.org_id in org_ids and e.recorded_on.year == period.year
                ],
            )

    # -- reminders --------------------------------------------------------------------------------

    def verify(self, actor: str) -> tuple[Tampering, ...]:
        """Check every review's history (office only): none edited, removed or out of chain.

        Each entry's digest must match its content and follow the entry before it; the
        sequence must run 1, 2, 3 ... without a gap; the review must be what its history
        replays to. An empty result means the records are as the library wrote them.
        """
        with self._refusals(actor, "verify"):
            self._require_office(actor, "the records", "verify the records")
        found: list[Tampering] = []
        for review in self.store.reviews(ReviewQuery()):
            found.extend(verify_history(review, self.store.history(review.id)))
        return tuple(found)

    def check_deadlines(self, as_of: date | None = None) -> tuple[DeadlineNear, ...]:
        """Everything due within the policy's ``reminder_days`` or overdue, and not done.

        Ledger items, supervision orders and open reviews whose period ends. Each is also sent
        to the listeners as a :class:`~reviewflow.events.DeadlineNear`, for the host system's
        reminders.
        """
        today = as_of if as_of is not None else self.today()
        horizon = self.policy.reminder_days
        found: list[DeadlineNear] = []

        def near(due: date) -> bool:
            return (due - today).days <= horizon

        for review in self.store.reviews(ReviewQuery(states=_LIVE)):
            if not review.state.reviewed and near(review.period.end):
                found.append(
                    DeadlineNear(
                        kind=DueKind.REVIEW,
                        due=review.period.end,
                        overdue=review.period.end < today,
                        owner_id=review.reviewer_id,
                        review_id=review.id,
                        org_id=review.org_id,
                        description=f"{review.period.label_zh} 点评",
                    )
                )
            found.extend(
                DeadlineNear(
                    kind=DueKind.LEDGER_ITEM,
                    due=item.due,
                    overdue=item.due < today,
                    owner_id=review.subject_id if review.kind is ReviewKind.MEMBER else None,
                    review_id=review.id,
                    item_id=item.id,
                    org_id=review.org_id,
                    description=item.measure,
                )
                for item in review.ledger
                if item.status is not ItemStatus.DONE and near(item.due)
            )
        found.extend(
            DeadlineNear(
                kind=DueKind.ORDER,
                due=order.deadline,
                overdue=order.deadline < today,
                owner_id=order.subject_id if order.kind is ReviewKind.MEMBER else None,
                order_id=order.id,
                org_id=order.org_id,
                description=order.requirement,
            )
            for order in self.store.orders()
            if order.status is not OrderStatus.VERIFIED and near(order.deadline)
        )
        found.sort(key=lambda d: (d.due, d.kind.value, d.review_id or d.order_id or ""))
        self._emit(found)
        return tuple(found)


def verify_history(review: Review | None, history: Sequence[HistoryEntry]) -> list[Tampering]:
    """Where ``history`` is not an untouched chain that replays to ``review``."""
    review_id = review.id if review is not None else (history[0].review_id if history else "")
    found: list[Tampering] = []
    if not history:
        return [Tampering(review_id, None, "the review has no history")]
    previous = ""
    expected_seq = 1
    for entry in history:
        if entry.seq != expected_seq:
            missing = (
                f"{expected_seq}"
                if entry.seq == expected_seq + 1
                else (f"{expected_seq}-{entry.seq - 1}")
            )
            found.append(Tampering(review_id, entry.seq, f"entries {missing} are missing"))
        expected_seq = entry.seq + 1
        if entry.compute_digest() != entry.digest:
            found.append(Tampering(review_id, entry.seq, "the entry was edited"))
        if entry.prev_digest != previous:
            found.append(
                Tampering(review_id, entry.seq, "the entry does not follow the one before it")
            )
        previous = entry.digest
    try:
        replayed = replay(history)
    except (ReviewflowError, KeyError, ValueError, TypeError) as error:
        found.append(Tampering(review_id, None, f"the history does not replay: {error}"))
        return found
    if review is not None and replayed != review:
        found.append(Tampering(review_id, None, "the review differs from what its history says"))
    return found


# -- module helpers ------------------------------------------------------------------------------


def _choice(cls: type[_E], value: str, field: str) -> _E:
    """``cls(value)``, with a refusal that names the argument rather than the vocabulary."""
    try:
        return cls(value)
    except InvalidInput as error:
        raise InvalidInput(field, value, error.reason) from None


def _period(value: Period | str) -> Period:
    if isinstance(value, Period):
        return value
    return Period.parse(value)


def _year(value: int | Period | str) -> Period:
    if isinstance(value, int) and not isinstance(value, bool):
        return Period.of_year(value)
    period = _period(str(value) if isinstance(value, int) else value)
    if period.kind is not PeriodKind.YEAR:
        raise InvalidInput("year", str(period), "a summary covers a year, like 2023")
    return period


def _data(value: object) -> Mapping[str, Any]:
    data: Mapping[str, Any] = unstructure(value)
    return data


def _plain(details: Mapping[str, Any]) -> Mapping[str, Any]:
    """Details reduced to JSON-friendly values, for the attempt log."""

    def plain(value: object) -> object:
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, list | tuple | set | frozenset):
            return [plain(v) for v in value]
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        return str(value)

    return {str(k): plain(v) for k, v in details.items()}


def _unique_ids(field: str, ids: Sequence[str], taken: set[str]) -> None:
    clash = sorted({i for i in ids if ids.count(i) > 1} | (set(ids) & taken))
    if clash:
        raise InvalidInput(field, clash, "ids must be unique within the review")


def _ledger_open(review: Review, field: str, value: object) -> None:
    """R-STEP-4: the written reply and the closeout certify the ledger; after them it is shut."""
    if review.reply is not None or review.closeout is not None:
        raise InvalidInput(
            field,
            value,
            "the written reply (or closeout) is recorded: the ledger is closed; "
            "cancel the review and review again if rectification must go on",
        )


def _cited_problems(review: Review) -> set[str]:
    return {pid for r in review.requirements for pid in r.problem_ids}


def _unique_reviews(reviews: Iterable[Review]) -> list[Review]:
    seen: dict[str, Review] = {}
    for review in reviews:
        seen.setdefault(review.id, review)
    return list(seen.values())


def _release_head(roster: Roster, member: Member) -> list[RosterRecord]:
    org = roster.organizations[member.org_id]
    if org.head_id == member.id:
        return [attrs.evolve(org, head_id=None)]
    return []


def _end_liaisons(roster: Roster, member: Member, on: date) -> list[RosterRecord]:
    """A member who leaves the committee's team leaves their liaison points on the same day."""
    return [
        attrs.evolve(link, until=on)
        for link in roster.liaisons.values()
        if link.committee_member_id == member.id and link.active
    ]


def _refuse_hidden_changes(
    current: Roster,
    orgs: Sequence[Organization],
    members: Sequence[Member],
    liaisons: Sequence[LiaisonAssignment],
) -> None:
    """An import may add and correct records, not move, remove or dissolve them."""
    moved = [
        m.id
        for m in members
        if (old := current.member(m.id)) is not None
        and (old.org_id != m.org_id or old.left_on != m.left_on)
    ]
    if moved:
        raise RosterConflict(
            "an import may not move members or record departures; use move_member or "
            "member_leaves, which deal with their scheduled reviews",
            moved,
        )
    dissolved = [
        o.id
        for o in orgs
        if (old_org := current.organization(o.id)) is not None
        and (old_org.dissolved_on != o.dissolved_on or old_org.parent_id != o.parent_id)
    ]
    if dissolved:
        raise RosterConflict(
            "an import may not dissolve or re-parent organizations; use dissolve_organization",
            dissolved,
        )
    ended = [
        f"{a.committee_member_id}->{a.org_id}"
        for a in liaisons
        if (old_link := current.liaisons.get(a.key)) is not None and old_link.until != a.until
    ]
    if ended:
        raise RosterConflict("an import may not end liaisons; use end_liaison", ended)


def _heads(roster: Roster, actor: str, org_id: str) -> bool:
    """Whether ``actor`` heads the organization or one above it."""
    for unit in (org_id, *roster.ancestors(org_id)):
        head = roster.head_of(unit)
        if head is not None and head.id == actor:
            return True
    return False


def _speaks_for(roster: Roster, actor: str, kind: ReviewKind, subject_id: str) -> bool:
    """Whether ``actor`` acts as the subject: the member, or an organization's leadership team."""
    if kind is ReviewKind.MEMBER:
        return actor == subject_id
    org = roster.organization(subject_id)
    if org is None or not org.active:
        return False
    return any(m.id == actor for m in roster.leadership_team(subject_id))


def _speaks_for_subject(roster: Roster, actor: str, review: Review | ReviewRef) -> bool:
    return _speaks_for(roster, actor, review.kind, review.subject_id)


def _form_filler(roster: Roster, review: Review | ReviewRef) -> str | None:
    """Who fills in the review's form for the organization (R-STEP-3).

    The head of the review's organization; when that head is the subject or there is no head,
    the head of the parent organization (党支部书记的点评表由党总支书记填写). None when there is
    neither: then the office fills it in (see :meth:`ReviewService.parties`).
    """
    org = roster.organization(review.org_id)
    if org is None:
        return None
    head = roster.head_of(org.id)
    if head is not None and not (review.kind is ReviewKind.MEMBER and head.id == review.subject_id):
        return head.id
    if org.parent_id is not None:
        parent_head = roster.head_of(org.parent_id)
        if parent_head is not None:
            return parent_head.id
    return None


def _org_of_subject(roster: Roster, kind: ReviewKind, subject_id: str) -> str:
    if kind is ReviewKind.ORGANIZATION:
        if roster.organization(subject_id) is None:
            raise NotFound("organization", subject_id)
        return subject_id
    member = roster.member(subject_id)
    if member is None:
        raise NotFound("member", subject_id)
    return roster.unit_of(member.org_id).id
