"""The coverage report as first written (one count call per slot): the reference the faster
``build_coverage`` is held to (tests/test_service_store.py).

It takes the library's plan and classes, so it pins the fast path to the first one, not either
of them to the rules: tests/coverage_oracle.py is the oracle written from RULES.md, from plain
roster and review fields (tests/test_coverage_oracle.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from reviewflow.domain.office import (
    ClassCoverage,
    CoverageGap,
    CoverageReport,
    ReviewerRate,
    _gap,
)
from reviewflow.domain.periods import Period
from reviewflow.domain.planning import GapReason, Plan
from reviewflow.domain.review import Review, ReviewState
from reviewflow.domain.roster import Roster
from reviewflow.domain.vocabulary import ReviewKind

__all__ = ["ClassCoverage", "reference_coverage"]


def reference_coverage(
    roster: Roster,
    plan: Plan,
    reviews: Iterable[Review],
    period: Period,
    root_id: str | None,
) -> CoverageReport:
    """Compare the plan with the reviews of the period: counts, gaps and rates."""
    review_list = list(reviews)
    by_key = {r.key: r for r in review_list}
    # A subject is covered in a period by any live review of it, whoever the reviewer: after a
    # move, the review held by the old head still counts (R-COVER is about the subject).
    by_subject: dict[tuple[ReviewKind, str, Period], list[Review]] = {}
    for r in review_list:
        if r.state is not ReviewState.CANCELLED:
            by_subject.setdefault((r.kind, r.subject_id, r.period), []).append(r)
    used: set[str] = set()
    planned = {s.key for s in plan.slots}
    gaps: list[CoverageGap] = []
    per_reviewer: dict[str, Counter[str]] = {}
    org_type_counts: dict[str, Counter[str]] = {}
    category_counts: dict[str, Counter[str]] = {}
    totals: Counter[str] = Counter()

    def count(reviewer_id: str, org_id: str, kind: ReviewKind, subject_id: str, what: str) -> None:
        totals[what] += 1
        per_reviewer.setdefault(reviewer_id, Counter())[what] += 1
        org = roster.organization(org_id)
        org_type_counts.setdefault(org.org_type if org else "", Counter())[what] += 1
        if kind is ReviewKind.MEMBER:
            member = roster.member(subject_id)
            category = member.post_category if member else ""
            category_counts.setdefault(category, Counter())[what] += 1

    def tally(review: Review) -> None:
        if review.state is ReviewState.CANCELLED:
            return
        args = (review.reviewer_id, review.org_id, review.kind, review.subject_id)
        count(*args, "expected")
        if review.state is ReviewState.WAIVED:
            count(*args, "waived")
        elif review.state is ReviewState.NOT_APPLICABLE:  # R-NA: neither covered nor a gap
            count(*args, "not_applicable")
        elif review.state.reviewed:
            count(*args, "reviewed")
            if review.state is ReviewState.CLOSED:
                count(*args, "closed")
        else:
            count(*args, "in_progress")

    for slot in plan.slots:
        review = by_key.get(slot.key)
        live = [review] if review is not None and review.state is not ReviewState.CANCELLED else []
        live += [
            r
            for r in by_subject.get((slot.kind, slot.subject_id, slot.period), ())
            if r.id not in used
        ]
        if live:
            used.add(live[0].id)
            tally(live[0])
            continue
        count(slot.reviewer_id, slot.org_id, slot.kind, slot.subject_id, "expected")
        count(slot.reviewer_id, slot.org_id, slot.kind, slot.subject_id, "missing")
        gaps.append(
            _gap(
                roster,
                kind=slot.kind,
                subject_id=slot.subject_id,
                period=slot.period,
                org_id=slot.org_id,
                reviewer_id=slot.reviewer_id,
                reason=GapReason.NOT_SCHEDULED if review is None else GapReason.CANCELLED,
            )
        )
    for review in review_list:
        if review.id not in used and review.key not in planned:
            tally(review)  # scheduled earlier under a roster that has since changed
    for planned_gap in plan.gaps:
        totals["expected"] += 1
        totals["missing"] += 1
        gaps.append(
            _gap(
                roster,
                kind=planned_gap.kind,
                subject_id=planned_gap.subject_id,
                period=planned_gap.period,
                org_id=planned_gap.org_id,
                reviewer_id=None,
                reason=planned_gap.reason,
            )
        )
    reviewers = tuple(
        ReviewerRate(
            reviewer_id=rid,
            reviewer_name=roster.person_name(rid),
            expected=c["expected"],
            reviewed=c["reviewed"],
            closed=c["closed"],
            waived=c["waived"],
            not_applicable=c["not_applicable"],
        )
        for rid, c in sorted(per_reviewer.items())
    )
    return CoverageReport(
        period=period,
        root_id=root_id,
        expected=totals["expected"],
        reviewed=totals["reviewed"],
        closed=totals["closed"],
        in_progress=totals["in_progress"],
        waived=totals["waived"],
        missing=totals["missing"],
        gaps=tuple(sorted(gaps, key=lambda g: (g.period, g.org_id, g.kind, g.subject_id))),
        reviewers=reviewers,
        by_org_type=_classes(org_type_counts),
        by_post_category=_classes(category_counts),
        not_applicable=totals["not_applicable"],
    )


def _classes(counts: Mapping[str, Counter[str]]) -> tuple[ClassCoverage, ...]:
    return tuple(
        ClassCoverage(name, c["expected"], c["reviewed"]) for name, c in sorted(counts.items())
    )
