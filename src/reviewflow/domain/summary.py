"""The yearly summary of an organization's review work (点评情况总结, R-SUMMARY)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date

import attrs

from reviewflow.domain.office import (
    CoverageReport,
    Exemplar,
    Inspection,
    SummarySubmission,
    SupervisionOrder,
)
from reviewflow.domain.periods import Period
from reviewflow.domain.review import Review, ReviewState
from reviewflow.domain.roster import Roster
from reviewflow.domain.vocabulary import ItemStatus, Method, OrderStatus, ReviewKind

__all__ = ["Summary", "build_summary"]


@attrs.frozen
class Summary:
    """The yearly summary of one organization's review work (点评情况总结, R-SUMMARY)."""

    org_id: str
    """The organization whose subtree the summary covers."""
    org_name: str
    """Its name, as the summary prints it."""
    year: int
    """The calendar year summarized."""
    due: date
    """The day the summary is due at the office (the policy's ``summary`` deadline, 12-30)."""
    reviews_by_kind: Mapping[ReviewKind, int]
    """Reviews *held* in the year (past step 2: publicizing, rectifying or closed) by kind;
    every kind is a key, 0 where there were none. Reviews still in steps 1-2 are not counted
    here (see ``coverage`` for them)."""
    reviews_by_method: Mapping[Method, int]
    """The same held reviews by the method actually used (集中点评, 现场点评, 谈话点评)."""
    coverage: CoverageReport
    """The year's coverage of the subtree: expected, reviewed, gaps by name, reviewers' rates."""
    requirements_raised: int
    """Rectification requirements raised in the held reviews."""
    items_done: int
    """Their ledger items done."""
    items_overdue: int
    """Their ledger items not done whose deadline has passed (on the service's today)."""
    orders_issued: int
    """Supervision orders (责令限期整改) issued to the subtree in the year (R-SUPERVISE)."""
    orders_verified: int
    """Those the office verified as done."""
    orders_overdue: int
    """Those past their deadline and not verified."""
    exemplars: tuple[Exemplar, ...]
    """The exemplars (典型) recorded for the subtree in the year (R-EXEMPLAR)."""
    submission: SummarySubmission | None = None
    """The organization's submission of this summary to the office (R-SUMMARY-SUBMIT)."""
    inspections: tuple[Inspection, ...] = ()
    """The inspections of the subtree in the year (R-SUPERVISE)."""
    not_applicable: int = 0
    """Reviews of the year ended as not applicable (不适用, R-NA): neither held nor missing."""


def build_summary(
    roster: Roster,
    *,
    org_id: str,
    year: Period,
    due: date,
    as_of: date,
    coverage: CoverageReport,
    reviews: Iterable[Review],
    orders: Iterable[SupervisionOrder],
    exemplars: Iterable[Exemplar],
    submission: SummarySubmission | None = None,
    inspections: Iterable[Inspection] = (),
) -> Summary:
    """Gather one organization subtree's year (R-SUMMARY)."""
    review_list = list(reviews)
    held = [r for r in review_list if r.state.reviewed]
    by_kind = Counter(r.kind for r in held)
    by_method = Counter(r.method.method for r in held if r.method is not None)
    items = [item for r in held for item in r.ledger]
    order_list = list(orders)
    org = roster.organizations[org_id]
    return Summary(
        org_id=org_id,
        org_name=org.name,
        year=year.year,
        due=due,
        reviews_by_kind={k: by_kind[k] for k in ReviewKind},
        reviews_by_method={m: by_method[m] for m in Method},
        coverage=coverage,
        requirements_raised=sum(len(r.requirements) for r in held),
        items_done=sum(1 for i in items if i.status is ItemStatus.DONE),
        items_overdue=sum(1 for i in items if i.status is not ItemStatus.DONE and i.due < as_of),
        orders_issued=len(order_list),
        orders_verified=sum(1 for o in order_list if o.status is OrderStatus.VERIFIED),
        orders_overdue=sum(1 for o in order_list if o.overdue(as_of)),
        exemplars=tuple(exemplars),
        submission=submission,
        inspections=tuple(inspections),
        not_applicable=sum(1 for r in review_list if r.state is ReviewState.NOT_APPLICABLE),
    )
