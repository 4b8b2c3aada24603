"""The application service: the one public entry point that composes the domain and a store.

:class:`ReviewService` is a thin, typed facade: every operation takes the acting person first
and hands the work to the module that does it (the step kernel, scheduling, coverage, the
roster operations, the office's work, the reads), which checks R-SCOPE-4 before it touches
anything. A refused operation raises, writes nothing but an entry in the attempt log (R-AUDIT),
and leaves the data as it was. Listeners hear of a change only after the store has it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from reviewflow.domain.office import (
    CoverageReport,
    Exemplar,
    Inspection,
    SubmissionStatus,
    SummarySubmission,
    SupervisionOrder,
)
from reviewflow.domain.periods import (
    Deadline,
    Period,
    PeriodKind,
    WorkCalendar,
)
from reviewflow.domain.policy import Policy
from reviewflow.domain.review import Attempt, HistoryEntry, Review, ReviewRef, ReviewState
from reviewflow.domain.roster import LiaisonAssignment, Member, OfficeStaff, Organization, Roster
from reviewflow.domain.scope import parties, require_office_or_head
from reviewflow.domain.summary import Summary
from reviewflow.domain.verification import Tampering
from reviewflow.domain.vocabulary import Party, ReviewKind
from reviewflow.domain.workflow import WORKFLOW, WorkflowDefinition
from reviewflow.errors import InvalidInput, NotFound
from reviewflow.events import DeadlineNear, Listener
from reviewflow.reasons import because
from reviewflow.service._core import Clock, Core, IdFactory, uuid_ids
from reviewflow.service._coverage import Coverage
from reviewflow.service._kernel import Steps
from reviewflow.service._office import Office
from reviewflow.service._plans import Plans
from reviewflow.service._reads import Reads, WorkItem
from reviewflow.service._records import Records
from reviewflow.service._roster import Handover, RosterChanges
from reviewflow.service._scheduling import Scheduler, ScheduleResult
from reviewflow.service._slots import Slots
from reviewflow.service._steps import StepMethods
from reviewflow.store.base import Store
from reviewflow.store.outbox import OutboxStore

__all__ = ["ReviewService"]


class ReviewService(StepMethods):
    """Leadership reviews (领导点评) over a store: scheduling, the four steps, the office's work.

    ``policy`` defaults to :meth:`Policy.default`; ``clock`` to the current time in the policy's
    time zone; ``ids`` to UUID-based ids; ``calendar`` to the policy's
    (:meth:`Policy.work_calendar`: the Chinese working-day calendar, under the policy's holiday
    calendar file if it names one);
    ``workflow`` to the document's (:data:`~reviewflow.WORKFLOW`; a deployment may pass one
    :meth:`~reviewflow.WorkflowDefinition.extended` with steps of its own); ``schedule_batch``
    is how many new reviews :meth:`schedule` writes per transaction.

    ``after_commit`` is for a store inside the host's transaction: the listeners hear of a
    change only once the host commits it. It takes a function and runs it after the host's
    transaction commits, never if it rolls back (Django's ``transaction.on_commit``;
    :func:`reviewflow.contrib.sqlalchemy.after_commit` for a SQLAlchemy connection). By
    default the listeners are called at once, after the store's own commit.

    ``outbox=True`` queues every event in the store's outbox, in the transaction of its
    change, for :func:`reviewflow.outbox.dispatch` to deliver (the store needs the
    :class:`~reviewflow.OutboxStore` tier); listeners hear of each event as before.
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
        after_commit: Callable[[Callable[[], None]], object] | None = None,
        outbox: bool = False,
    ) -> None:
        if outbox and not isinstance(store, OutboxStore):
            raise InvalidInput("outbox", outbox, because("no_outbox", url=store.url))
        policy = policy if policy is not None else Policy.default()
        zone = policy.zone
        core = Core(
            store,
            policy,
            clock if clock is not None else (lambda: datetime.now(zone)),
            ids if ids is not None else uuid_ids,
            calendar if calendar is not None else policy.work_calendar(),
            workflow,
            after_commit,
            outbox=outbox,
        )
        plans = Plans()
        self._core = core
        self._steps = Steps(core)
        self._scheduler = Scheduler(core, plans, schedule_batch)
        self._coverage = Coverage(core, plans)
        self._roster = RosterChanges(core, self._steps, plans)
        self._records = Records(core)
        self._office = Office(core, self._coverage, self._records)
        self._reads = Reads(core)
        self._slots = Slots(core, plans)

    def __repr__(self) -> str:
        return f"ReviewService(store={self.store.url!r})"

    @property
    def store(self) -> Store:
        """The store the service reads and writes."""
        return self._core.store

    @property
    def policy(self) -> Policy:
        """The deployment's policy."""
        return self._core.policy

    @property
    def calendar(self) -> WorkCalendar:
        """The working-day calendar deadlines are counted in."""
        return self._core.calendar

    @property
    def workflow(self) -> WorkflowDefinition:
        """The workflow definition the service takes steps by."""
        return self._core.workflow

    @property
    def schedule_batch(self) -> int:
        """How many new reviews :meth:`schedule` writes per transaction."""
        return self._scheduler.batch

    @schedule_batch.setter
    def schedule_batch(self, size: int) -> None:
        if size < 1:
            raise InvalidInput("schedule_batch", size, because("at_least_one"))
        self._scheduler.batch = size

    # -- time, listeners ---------------------------------------------------------------------------

    def now(self) -> datetime:
        """The service's clock."""
        return self._core.now()

    def today(self) -> date:
        """The date of the service's clock."""
        return self._core.today()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event after its change is stored; returns an unsubscribe.

        A listener that raises is logged and skipped: the change it heard of stands.
        """
        return self._core.subscribe(listener)

    # -- roster ------------------------------------------------------------------------------------

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
        effective_on: date | None = None,
    ) -> Roster:
        """Add or replace roster records (office only); returns the new roster.

        The first import sets up an empty roster: its actor must be among the office staff it
        imports. What only an office operation changes (R-ROSTER-3) is found by comparing the
        records with the roster: a transfer, a new head, a departure, the end of a liaison
        point, a dissolution. Without ``effective_on`` such a change is refused with a
        ``RosterConflict`` naming each operation, and nothing is written. With it, the records
        are validated as a whole, the additions and corrections written, and each change applied
        as its operation (:meth:`move_member`, :meth:`change_head`, :meth:`member_leaves`,
        :meth:`end_liaison`, :meth:`dissolve_organization`), which deal with the reviews already
        scheduled: on the date the record gives (``left_on``, ``until``, ``dissolved_on``), else
        on ``effective_on``. Each operation is its own transaction; an import cut short is
        finished by importing the same file again.
        """
        return self._roster.import_roster(
            actor,
            organizations=organizations,
            members=members,
            liaisons=liaisons,
            office_staff=office_staff,
            effective_on=effective_on,
        )

    def assign_liaison(
        self, actor: str, committee_member_id: str, org_id: str, *, since: date | None = None
    ) -> LiaisonAssignment:
        """Make an organization a liaison point of a committee leadership-team member."""
        return self._roster.assign_liaison(actor, committee_member_id, org_id, since=since)

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
        return self._roster.end_liaison(actor, committee_member_id, org_id, on=on, reason=reason)

    def change_head(
        self, actor: str, org_id: str, member_id: str, *, on: date, reason: str = "书记调整"
    ) -> Handover:
        """Make ``member_id`` the head of ``org_id`` from ``on`` (书记调整, 换届): office only.

        The new head must be an active member of the organization (move them there first with
        :meth:`move_member`). The former head's term is recorded (:class:`HeadTerm`) and they
        stay a member. The open reviews of periods ending on or after ``on`` follow the roster
        as it now stands (R-ROSTER-2): those the former head held pass to the new head with a
        ``reassign`` history entry giving ``reason``; those it no longer calls for (the new
        head's own member review by the former head) are cancelled; the reviews it adds in
        the periods already scheduled (the former head, now a member) are scheduled. Reviews
        of earlier periods stay with the former head.
        """
        return self._roster.change_head(actor, org_id, member_id, on=on, reason=reason)

    def change_liaison(
        self,
        actor: str,
        org_id: str,
        *,
        from_id: str,
        to_id: str,
        on: date,
        reason: str = "联系点调整",
    ) -> Handover:
        """Hand a liaison point from ``from_id`` to ``to_id`` on ``on`` (office only).

        The former assignment ends on ``on`` and the new one begins; as with
        :meth:`change_head`, the open reviews of periods ending on or after ``on`` follow the
        roster as it now stands (R-ROSTER-2): the former liaison's reviews of the organization
        and its leadership team pass to the new one with a ``reassign`` history entry giving
        ``reason``; those of earlier periods stay. (:meth:`end_liaison` instead cancels them,
        for a point that nobody takes over.)
        """
        return self._roster.change_liaison(
            actor, org_id, from_id=from_id, to_id=to_id, on=on, reason=reason
        )

    def move_member(
        self, actor: str, member_id: str, *, to_org_id: str, on: date, reason: str = ""
    ) -> tuple[Review, ...]:
        """Move a member to another organization on ``on``; returns the reviews cancelled.

        The member keeps no role of the old organization. Open reviews of the member, or by the
        member, whose period has not ended before ``on`` are cancelled with the reason; the new
        organization's head reviews the member from the next scheduling on.
        """
        return self._roster.move_member(actor, member_id, to_org_id=to_org_id, on=on, reason=reason)

    def member_leaves(
        self, actor: str, member_id: str, *, on: date, reason: str
    ) -> tuple[Review, ...]:
        """Record that a member left on ``on`` (transfer out, death, ...); returns the cancelled."""
        return self._roster.member_leaves(actor, member_id, on=on, reason=reason)

    def dissolve_organization(
        self, actor: str, org_id: str, *, on: date, reason: str
    ) -> tuple[Review, ...]:
        """Dissolve an organization; refused while it has active members or organizations below.

        Its liaison assignments end, and its open reviews whose period has not ended before
        ``on`` are cancelled with the reason; returns them.
        """
        return self._roster.dissolve_organization(actor, org_id, on=on, reason=reason)

    # -- scheduling --------------------------------------------------------------------------------

    def schedule(
        self, actor: str, period: Period | str, *, root_id: str | None = None
    ) -> ScheduleResult:
        """Create every review the rules call for within ``period`` (R-SCOPE-1..3, R-CAD-1..2).

        For the whole roster, or the subtree of ``root_id``. Idempotent (R-CAD-4): a review
        whose (reviewer, subject, period) exists is not created again.
        """
        with self._core.refusals(actor, "schedule"):
            chosen = _period(period)
        return self._scheduler.schedule(actor, chosen, root_id)

    def reopen(self, actor: str, review_id: str, *, reason: str) -> Review:
        """Open a cancelled review's slot again (office only, with a reason, R-REOPEN).

        Creates a new review of the same slot (period, kind, subject, reviewer) one
        :attr:`~Review.round` later, linked to the cancelled one (:attr:`~Review.reopens`), its
        first history entry ``reopen``; coverage then counts it in the slot's place. Refused
        for a review that is not cancelled (:class:`~reviewflow.errors.TransitionNotAllowed`)
        and for a slot already opened again (:class:`~reviewflow.errors.GuardFailed`).
        Listeners hear a :class:`~reviewflow.events.ReviewsScheduled` of the new review.
        """
        return self._slots.reopen(actor, review_id, reason)

    def mark_slot_not_applicable(
        self,
        actor: str,
        period: Period | str,
        *,
        kind: ReviewKind | str,
        subject_id: str,
        reviewer_id: str,
        reason: str,
    ) -> Review:
        """End a planned slot with no review yet as not applicable (不适用, office only, with a
        reason, R-NA): a review is created already ended (its first history entry
        ``mark_slot_not_applicable``), counted neither as covered nor as a gap, and scheduling
        creates nothing for the slot again. Where every review of the slot was cancelled, the
        new one follows them one round later. A slot with a live review is refused (end that
        review with :meth:`mark_not_applicable`); one the plan lacks is not found.
        """
        with self._core.refusals(actor, "mark_slot_not_applicable"):
            chosen = _period(period)
        return self._slots.mark_not_applicable(actor, chosen, kind, subject_id, reviewer_id, reason)

    # -- reading reviews ---------------------------------------------------------------------------

    def review(self, actor: str, review_id: str) -> Review:
        """One review, for its parties and the office (R-SCOPE-4)."""
        return self._reads.review(actor, review_id)

    def history(self, actor: str, review_id: str) -> tuple[HistoryEntry, ...]:
        """A review's history in order, oldest first (R-AUDIT)."""
        return self._reads.history(actor, review_id)

    def attempts(self, actor: str, review_id: str | None = None) -> tuple[Attempt, ...]:
        """The attempt log (office only): every refused operation, oldest first (R-AUDIT)."""
        return self._reads.attempts(actor, review_id)

    def work_list(self, actor: str) -> tuple[WorkItem, ...]:
        """The open reviews waiting for the actor, with the steps they may take, soonest first."""
        return self._reads.work_list(actor)

    def verify(self, actor: str) -> tuple[Tampering, ...]:
        """Check every review's history (office only): none edited, removed or out of chain.

        Each entry's digest must match its content and follow the entry before it; the
        sequence must run 1, 2, 3 ... without a gap; the review must be what its history
        replays to. An empty result means the records are as the library wrote them.
        """
        return self._reads.verify(actor)

    def reviews(
        self,
        actor: str,
        *,
        within: Period | str | None = None,
        root_id: str | None = None,
        states: Iterable[ReviewState] | None = None,
    ) -> tuple[Review, ...]:
        """The reviews the actor may read: everything for the office, else their own parts."""
        with self._core.refusals(actor, "list_reviews"):
            chosen = _period(within) if within is not None else None
        return self._reads.reviews(actor, within=chosen, root_id=root_id, states=states)

    def parties(self, roster: Roster, actor: str, review: Review | ReviewRef) -> frozenset[Party]:
        """Which parties of ``review`` the actor is (none: out of scope, R-SCOPE-4)."""
        return parties(roster, actor, review)

    # -- coverage (R-COVER, R-LEAD) and the yearly summary (R-SUMMARY) ----------------------------

    def coverage(
        self, actor: str, period: Period | str, *, root_id: str | None = None
    ) -> CoverageReport:
        """Coverage of ``period`` over the roster or a subtree: counts, named gaps, rates.

        The service keeps each coverage it computed and, where the store can say what was
        written since (PostgreSQL, SQLite), counts in only that on the next call: see
        :meth:`forget_coverage`."""
        with self._core.refusals(actor, "coverage"):
            chosen = _period(period)
            roster = self.store.roster()
            if root_id is not None and roster.organization(root_id) is None:
                raise NotFound("organization", root_id)
            require_office_or_head(roster, actor, root_id, "read coverage")
            return self._coverage.report(roster, chosen, root_id)

    def forget_coverage(self) -> None:
        """Drop the coverage the service keeps up to date for each period and subtree: the next
        call of :meth:`coverage` counts afresh. Needed only after the database was changed
        behind the library's back (a restore, a hand-made fix), which the store cannot report
        as changes."""
        self._coverage.forget()

    def summary(self, actor: str, org_id: str, year: int | Period | str) -> Summary:
        """The yearly summary of an organization's subtree (点评情况总结, R-SUMMARY)."""
        with self._core.refusals(actor, "summary"):
            chosen = _year(year)
        return self._office.summary(actor, org_id, chosen)

    # -- supervision (R-SUPERVISE), exemplars (R-EXEMPLAR) and reminders --------------------------

    def issue_order(
        self,
        actor: str,
        *,
        kind: ReviewKind | str,
        subject_id: str,
        criticism: str,
        requirement: str,
        deadline: date | Deadline | str,
        inspection_id: str | None = None,
    ) -> SupervisionOrder:
        """Criticize a weak unit or member and order rectification by a deadline (office only);
        ``inspection_id`` names the inspection that found it (the subject lies within the
        organization inspected)."""
        return self._office.issue_order(
            actor,
            kind=kind,
            subject_id=subject_id,
            criticism=criticism,
            requirement=requirement,
            deadline=deadline,
            inspection_id=inspection_id,
        )

    def report_order(self, actor: str, order_id: str, *, report: str) -> SupervisionOrder:
        """The subject reports the ordered rectification done."""
        return self._office.report_order(actor, order_id, report=report)

    def verify_order(
        self, actor: str, order_id: str, *, accepted: bool, remark: str = ""
    ) -> SupervisionOrder:
        """The office verifies the reported rectification, or sends it back (status ``issued``)."""
        return self._office.verify_order(actor, order_id, accepted=accepted, remark=remark)

    def orders(
        self, actor: str, *, overdue_on: date | None = None, inspection_id: str | None = None
    ) -> tuple[SupervisionOrder, ...]:
        """The supervision orders the actor may see; only those overdue on ``overdue_on``, or
        given rise to by the inspection ``inspection_id``, if given.

        The office sees every order; a subject its own; a head those of its subtree.
        """
        return self._office.orders(actor, overdue_on=overdue_on, inspection_id=inspection_id)

    def record_inspection(
        self,
        actor: str,
        *,
        org_id: str,
        on: date,
        inspectors: Iterable[str],
        place: str,
        findings: str,
    ) -> Inspection:
        """Record an inspection (督导检查, R-SUPERVISE): when, by whom, where, what was found
        (office only). Orders it gives rise to name it (``issue_order(inspection_id=...)``)."""
        return self._records.record_inspection(
            actor, org_id=org_id, on=on, inspectors=inspectors, place=place, findings=findings
        )

    def inspections(
        self, actor: str, *, root_id: str | None = None, year: int | None = None
    ) -> tuple[Inspection, ...]:
        """The inspections the actor may see (the office all, a head those of its subtree),
        of ``root_id``'s subtree and in ``year`` if given, oldest first."""
        return self._records.inspections(actor, root_id=root_id, year=year)

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
        return self._office.record_exemplar(
            actor, kind=kind, subject_id=subject_id, deeds=deeds, source_review_id=source_review_id
        )

    def exemplars(self, actor: str, *, root_id: str | None = None) -> tuple[Exemplar, ...]:
        """The exemplars, for publicity (R-EXEMPLAR), each with its publicity so far; those of
        a subtree when ``root_id`` is given. They are made public, so anyone on the roster
        reads them; an id that is not on it is refused (:class:`~reviewflow.errors.OutOfScope`)."""
        return self._office.exemplars(actor, root_id=root_id)

    def record_publicity(
        self, actor: str, exemplar_id: str, *, on: date, medium: str, where: str
    ) -> Exemplar:
        """Record an exemplar's publicity (典型宣传, R-EXEMPLAR): when, in which medium, where
        (office only); returns the exemplar with its publicity."""
        return self._records.record_publicity(actor, exemplar_id, on=on, medium=medium, where=where)

    # -- the yearly summary's submission (R-SUMMARY-SUBMIT) ---------------------------------------

    def submit_summary(
        self,
        actor: str,
        org_id: str,
        year: int,
        *,
        reference: str,
        submitted_on: date | None = None,
    ) -> SummarySubmission:
        """Record that an organization submitted its yearly summary (点评情况总结) to the office
        (R-SUMMARY-SUBMIT): by its head, or by the office on its behalf; ``submitted_on``
        (today when None) and the document's ``reference``. Once per organization and year."""
        return self._records.submit_summary(
            actor, org_id, year, reference=reference, submitted_on=submitted_on
        )

    def summary_submissions(self, actor: str, year: int) -> tuple[SubmissionStatus, ...]:
        """Every organization that exists on ``year``'s summary deadline, with its submission
        or none (R-SUMMARY-SUBMIT): the office sees all, a head the organizations it heads
        and those below them."""
        return self._records.summary_submissions(actor, year)

    def check_deadlines(self, actor: str, as_of: date | None = None) -> tuple[DeadlineNear, ...]:
        """Everything due within the policy's ``reminder_days`` or overdue, and not done, that
        ``actor`` may see: the office everything; anyone else what they own and what lies in
        the organizations they head.

        Ledger items, supervision orders, open reviews whose period ends, and the yearly
        summaries not submitted (R-SUMMARY-SUBMIT: those of the year whose deadline lies
        nearest, owned by each organization's head). Each is also sent
        to the listeners as a :class:`~reviewflow.events.DeadlineNear`, for the host system's
        reminders (a reminder job calls this as the office); with the outbox on, each is queued
        there once a day (its id is made from ``as_of`` and what is due), however often this is
        called and by whom.
        """
        return self._office.check_deadlines(actor, as_of)


def _period(value: Period | str) -> Period:
    if isinstance(value, Period):
        return value
    return Period.parse(value)


def _year(value: int | Period | str) -> Period:
    if isinstance(value, int) and not isinstance(value, bool):
        return Period.of_year(value)
    period = _period(str(value) if isinstance(value, int) else value)
    if period.kind is not PeriodKind.YEAR:
        raise InvalidInput("year", str(period), because("summary_year"))
    return period
