"""The office's work (R-SUPERVISE, R-EXEMPLAR, R-SUMMARY, R-SUMMARY-SUBMIT): inspections and
supervision orders, exemplars and their publicity, the yearly summary and its submission, and
the reminders of what falls due."""

from __future__ import annotations

from datetime import date

import attrs

from reviewflow.domain.office import (
    Exemplar,
    SupervisionOrder,
)
from reviewflow.domain.payloads import StepInput, choice
from reviewflow.domain.periods import Deadline, Period
from reviewflow.domain.review import ReviewState
from reviewflow.domain.roster import Roster
from reviewflow.domain.scope import (
    heads,
    org_of_subject,
    require_known,
    require_office,
    require_office_or_head,
    speaks_for,
)
from reviewflow.domain.summary import Summary, build_summary
from reviewflow.domain.vocabulary import ItemStatus, OrderStatus, ReviewKind
from reviewflow.errors import InvalidInput, NotFound, OutOfScope
from reviewflow.events import DeadlineNear, DueKind, ExemplarRecorded, OrderChanged, OrderIssued
from reviewflow.reasons import because
from reviewflow.service._core import Core
from reviewflow.service._coverage import Coverage
from reviewflow.service._records import Records
from reviewflow.store.base import ChangeSet, ReviewQuery

__all__ = ["Office"]

_LIVE = frozenset(s for s in ReviewState if not s.final)


class Office:
    """The office's operations of one service."""

    def __init__(self, core: Core, coverage: Coverage, records: Records) -> None:
        self.core = core
        self.coverage = coverage
        self.records = records

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
        """See :meth:`ReviewService.issue_order`."""
        with self.core.refusals(actor, "issue_order"):
            roster = self.core.store.roster()
            require_office(self.core.store.roster(), actor, subject_id, "issue a supervision order")
            chosen = choice(ReviewKind, kind, "kind")
            org_id = org_of_subject(roster, chosen, subject_id)
            for field, text in (("criticism", criticism), ("requirement", requirement)):
                if not isinstance(text, str) or not text.strip():
                    raise InvalidInput(field, text, because("empty_text"))
            if inspection_id is not None:
                self.records.check_inspection(roster, inspection_id, org_id)
            order = SupervisionOrder(
                id=self.core.ids("order"),
                kind=chosen,
                subject_id=subject_id,
                org_id=org_id,
                criticism=criticism,
                requirement=requirement,
                deadline=self._due(actor, deadline),
                issued_by=actor,
                issued_on=self.core.today(),
                inspection_id=inspection_id,
            )
            self.core.store.apply(
                ChangeSet(orders=(order,), outbox=self.core.queue([OrderIssued(order)]))
            )
        self.core.emit([OrderIssued(order)])
        return order

    def report_order(self, actor: str, order_id: str, *, report: str) -> SupervisionOrder:
        """See :meth:`ReviewService.report_order`."""
        with self.core.refusals(actor, "report_order"):
            order = self._order(order_id)
            roster = self.core.store.roster()
            if not speaks_for(roster, actor, order.kind, order.subject_id):
                raise OutOfScope(
                    actor, order.subject_id, "report on this order", because("not_order_subject")
                )
            if order.status is not OrderStatus.ISSUED:
                raise InvalidInput("status", order.status.value, because("order_not_issued"))
            if not report.strip():
                raise InvalidInput("report", report, because("say_what_was_done"))
            changed = attrs.evolve(
                order,
                status=OrderStatus.REPORTED,
                report=report,
                reported_by=actor,
                reported_on=self.core.today(),
                version=order.version + 1,
            )
            self.core.store.apply(
                ChangeSet(orders=(changed,), outbox=self.core.queue([OrderChanged(changed)]))
            )
        self.core.emit([OrderChanged(changed)])
        return changed

    def verify_order(
        self, actor: str, order_id: str, *, accepted: bool, remark: str = ""
    ) -> SupervisionOrder:
        """See :meth:`ReviewService.verify_order`."""
        with self.core.refusals(actor, "verify_order"):
            order = self._order(order_id)
            require_office(
                self.core.store.roster(), actor, order.subject_id, "verify a supervision order"
            )
            if order.status is not OrderStatus.REPORTED:
                raise InvalidInput("status", order.status.value, because("order_not_reported"))
            if accepted:
                changed = attrs.evolve(
                    order,
                    status=OrderStatus.VERIFIED,
                    verified_by=actor,
                    verified_on=self.core.today(),
                    version=order.version + 1,
                )
            else:
                changed = attrs.evolve(
                    order,
                    status=OrderStatus.ISSUED,
                    report=f"{order.report}\n[退回] {remark}".strip(),
                    version=order.version + 1,
                )
            self.core.store.apply(
                ChangeSet(orders=(changed,), outbox=self.core.queue([OrderChanged(changed)]))
            )
        self.core.emit([OrderChanged(changed)])
        return changed

    def orders(
        self, actor: str, *, overdue_on: date | None = None, inspection_id: str | None = None
    ) -> tuple[SupervisionOrder, ...]:
        """See :meth:`ReviewService.orders`."""
        with self.core.refusals(actor, "list_orders"):
            roster = self.core.store.roster()
            require_known(roster, actor, "list supervision orders")
        found = [o for o in self.core.store.orders() if self._may_see_order(roster, actor, o)]
        if overdue_on is not None:
            found = [o for o in found if o.overdue(overdue_on)]
        if inspection_id is not None:
            found = [o for o in found if o.inspection_id == inspection_id]
        return tuple(found)

    @staticmethod
    def _may_see_order(roster: Roster, actor: str, order: SupervisionOrder) -> bool:
        if roster.is_office(actor) or speaks_for(roster, actor, order.kind, order.subject_id):
            return True
        return roster.organization(order.org_id) is not None and heads(roster, actor, order.org_id)

    def _order(self, order_id: str) -> SupervisionOrder:
        order = self.core.store.order(order_id)
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
        """See :meth:`ReviewService.record_exemplar`."""
        with self.core.refusals(actor, "record_exemplar", source_review_id):
            roster = self.core.store.roster()
            chosen = choice(ReviewKind, kind, "kind")
            org_id = org_of_subject(roster, chosen, subject_id)
            source = self.core.load(source_review_id) if source_review_id is not None else None
            if source is not None and (source.kind, source.subject_id) != (chosen, subject_id):
                raise InvalidInput(
                    "source_review_id", source_review_id, because("review_of_other_subject")
                )
            is_reviewer = source is not None and source.reviewer_id == actor
            if not (roster.is_office(actor) or is_reviewer):
                raise OutOfScope(
                    actor, subject_id, "record an exemplar", because("only_office_or_reviewer")
                )
            if not isinstance(deeds, str) or not deeds.strip():
                raise InvalidInput("deeds", deeds, because("describe_deeds"))
            exemplar = Exemplar(
                id=self.core.ids("exemplar"),
                kind=chosen,
                subject_id=subject_id,
                org_id=org_id,
                deeds=deeds,
                recorded_by=actor,
                recorded_on=self.core.today(),
                source_review_id=source_review_id,
            )
            self.core.store.apply(
                ChangeSet(
                    exemplars=(exemplar,), outbox=self.core.queue([ExemplarRecorded(exemplar)])
                )
            )
        self.core.emit([ExemplarRecorded(exemplar)])
        return exemplar

    def exemplars(self, actor: str, *, root_id: str | None = None) -> tuple[Exemplar, ...]:
        """See :meth:`ReviewService.exemplars`."""
        with self.core.refusals(actor, "read_exemplars"):
            roster = self.core.store.roster()
            require_known(roster, actor, "read the exemplars")
            if root_id is not None and roster.organization(root_id) is None:
                raise NotFound("organization", root_id)
        return self.records.with_publicity(
            e for e in self.core.store.exemplars() if roster.in_subtree(e.org_id, root_id)
        )

    def summary(self, actor: str, org_id: str, period: Period) -> Summary:
        """See :meth:`ReviewService.summary`."""
        with self.core.refusals(actor, "summary"):
            roster = self.core.store.roster()
            if roster.organization(org_id) is None:
                raise NotFound("organization", org_id)
            require_office_or_head(roster, actor, org_id, "read the summary")
            coverage = self.coverage.report(roster, period, org_id)
            org_ids = frozenset(roster.subtree(org_id))
            reviews = self.core.store.reviews(ReviewQuery(within=period, org_ids=org_ids))
            due = self.records.summary_due(period.year)
            records = self.core.store.office_records()
            submission = next(
                (s for s in records.submissions if (s.org_id, s.year) == (org_id, period.year)),
                None,
            )
            return build_summary(
                roster,
                org_id=org_id,
                year=period,
                due=due,
                as_of=self.core.today(),
                coverage=coverage,
                reviews=reviews,
                orders=[
                    o
                    for o in self.core.store.orders()
                    if o.org_id in org_ids and o.issued_on.year == period.year
                ],
                exemplars=[
                    e
                    for e in self.core.store.exemplars()
                    if e.org_id in org_ids and e.recorded_on.year == period.year
                ],
                submission=submission,
                inspections=[
                    i
                    for i in records.inspections
                    if i.org_id in org_ids and i.on.year == period.year
                ],
            )

    # -- reminders --------------------------------------------------------------------------------

    def check_deadlines(self, actor: str, as_of: date | None = None) -> tuple[DeadlineNear, ...]:
        """See :meth:`ReviewService.check_deadlines`."""
        with self.core.refusals(actor, "check_deadlines"):
            roster = self.core.store.roster()
            require_known(roster, actor, "check the deadlines")
        found = [
            d for d in self._deadlines(as_of)
            if roster.is_office(actor) or d.owner_id == actor
            or (d.org_id is not None and heads(roster, actor, d.org_id))
        ]  # fmt: skip
        self.core.queue_reminders(found, as_of if as_of is not None else self.core.today())
        self.core.emit(found)
        return tuple(found)

    def _deadlines(self, as_of: date | None) -> list[DeadlineNear]:
        """Every deadline near or past, whoever may see it."""
        today = as_of if as_of is not None else self.core.today()
        horizon = self.core.policy.reminder_days
        found: list[DeadlineNear] = []

        def near(due: date) -> bool:
            return (due - today).days <= horizon

        for review in self.core.store.reviews(ReviewQuery(states=_LIVE)):
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
            for order in self.core.store.orders()
            if order.status is not OrderStatus.VERIFIED and near(order.deadline)
        )
        found.extend(
            DeadlineNear(
                kind=DueKind.SUMMARY,
                due=status.due,
                overdue=status.due < today,
                owner_id=status.head_id,
                org_id=status.org_id,
                description=f"{status.year}年点评情况总结",
            )
            for status in self.records.summaries_due(today)
            if near(status.due)
        )
        found.sort(key=lambda d: (d.due, d.kind.value, d.review_id or d.order_id or d.org_id or ""))
        return found

    def _due(self, actor: str, deadline: date | Deadline | str) -> date:
        """A deadline as a date: a date, or a :class:`Deadline` counted from today."""
        return self._input(actor).due(deadline)

    def _input(self, actor: str) -> StepInput:
        return StepInput(actor, self.core.today(), self.core.ids, self.core.calendar)
