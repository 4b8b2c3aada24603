"""Coverage as RULES.md says it, from the roster's plain records and the reviews' plain fields.

An oracle independent of the implementation (tests/coverage_reference.py imports its classes:
``Plan``, ``GapReason``, ``Review``; this one reads strings, dates and the vocabulary only), for a
roster that is not changed after it was imported, under the default policy:

- R-ROSTER-1: a member is reviewed for a period when they joined by its last day and had not
  left by then; a head or a liaison reviewer who is not on the roll then reviews nothing.
- R-SUBJ: subjects are the organizations below the top committee (a Party group is none: its
  members belong to the branch above) and the members.
- R-SCOPE-1, R-CAD-1: each quarter, every liaison of an organization in force on the quarter's
  last day (and not a member of it) reviews the organization and its leadership team (its
  head and its members holding a role), never themselves (R-SCOPE-3).
- R-SCOPE-3: an organization with no liaison is reviewed, with its head, by the parent's head;
  with neither, the organization and its head are gaps without a reviewer.
- R-SCOPE-2, R-CAD-2: each month, an organization's head reviews its other members (with its
  groups'); without a head, each member is a gap without a reviewer.
- R-COVER, R-CAD-3: a slot's review counts as reviewed from ``publicizing`` on, closed once
  ``closed``, waived when waived (shown apart, never covered, not due), in progress before;
  a slot with no review, or a cancelled one, is a gap. R-NA: a slot ended as not applicable is
  neither covered nor a gap, and not due. R-REOPEN: a slot's live review counts over its
  cancelled earlier round. R-LEAD: the same per reviewer.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import reviewflow as rf

REVIEWED = {"publicizing", "rectifying", "closed"}


def months(period: str) -> list[str]:
    """The months of a period written ``2023``, ``2023-Q4`` or ``2023-11``."""
    year, _, part = period.partition("-")
    if not part:
        numbers = range(1, 13)
    elif part.startswith("Q"):
        quarter = int(part[1:])
        numbers = range(3 * quarter - 2, 3 * quarter + 1)
    else:
        numbers = range(int(part), int(part) + 1)
    return [f"{year}-{n:02d}" for n in numbers]


def quarters(period: str) -> list[str]:
    """The quarters lying inside a period (none inside a month)."""
    year, _, part = period.partition("-")
    if not part:
        return [f"{year}-Q{n}" for n in range(1, 5)]
    return [period] if part.startswith("Q") else []


def last_day(period: str) -> date:
    """The last day of a month or a quarter."""
    year, month = int(period[:4]), int(period[-2:]) if "Q" not in period else 3 * int(period[-1])
    return date(year, month, calendar.monthrange(year, month)[1])


def on_roll(member: Any, period: str) -> bool:
    """R-ROSTER-1: joined by the period's last day, and not gone by then."""
    day = last_day(period)
    return (member.joined_on is None or member.joined_on <= day) and (
        member.left_on is None or member.left_on > day
    )


class CoverageOracle:
    """The slots the rules call for, and the report they make with a period's reviews."""

    def __init__(self, records: Mapping[str, Iterable[Any]]) -> None:
        self.orgs = {o.id: o for o in records["organizations"]}
        self.members = {m.id: m for m in records["members"]}
        self.liaisons = list(records.get("liaisons", ()))

    def unit(self, org_id: str) -> str:
        while self.orgs[org_id].kind is rf.OrgKind.GROUP:
            org_id = self.orgs[org_id].parent_id
        return org_id

    def head(self, org_id: str, period: str) -> str | None:
        """The head named, else the secretary: in office only while on the roll (R-ROSTER-1)."""
        org = self.orgs[org_id]
        heads = (
            [self.members[org.head_id]]
            if org.head_id is not None
            else [
                m for m in self.members.values()
                if m.org_id == org_id and rf.Role.SECRETARY in m.roles
            ]
        )  # fmt: skip
        on = [m.id for m in heads if on_roll(m, period)]
        return str(on[0]) if on else None

    def subtree(self, root: str | None) -> set[str]:
        def above(org_id: str | None) -> Iterable[str]:
            while org_id is not None:
                yield org_id
                org_id = self.orgs[org_id].parent_id

        return {o for o in self.orgs if root is None or root in above(o)}

    def plan(
        self, period: str, root: str | None
    ) -> tuple[list[tuple[str, str, str, str, str]], list[tuple[str, str, str, str]]]:
        """(slots as (reviewer, kind, subject, period, org), gaps as (kind, subject, period,
        org)) that the rules call for within ``period`` in the subtree of ``root``."""
        org_, mem = rf.ReviewKind.ORGANIZATION.value, rf.ReviewKind.MEMBER.value
        slots: list[tuple[str, str, str, str, str]] = []
        gaps: list[tuple[str, str, str, str]] = []
        for org_id in sorted(self.subtree(root)):
            org = self.orgs[org_id]
            if org.kind is rf.OrgKind.GROUP:
                continue
            for q in quarters(period) if org.parent_id is not None else ():
                head = self.head(org_id, q)
                team = sorted(
                    {
                        m.id
                        for m in self.members.values()
                        if m.org_id == org_id and m.roles and on_roll(m, q)
                    }
                    | ({head} if head else set())
                )
                liaisons = [
                    link.committee_member_id
                    for link in self.liaisons
                    if link.org_id == org_id
                    and (link.since is None or link.since <= last_day(q))
                    and (link.until is None or link.until > last_day(q))
                    and self.members[link.committee_member_id].org_id != org_id
                    and on_roll(self.members[link.committee_member_id], q)
                ]
                parent_head = self.head(self.unit(org.parent_id), q)
                if liaisons:
                    pairs = [(r, team) for r in liaisons]
                elif parent_head is not None:
                    pairs = [(parent_head, [head] if head else [])]
                else:
                    gaps.append((org_, org_id, q, org_id))
                    gaps.extend([(mem, head, q, org_id)] if head else [])
                    continue
                for reviewer, subjects in pairs:
                    slots.append((reviewer, org_, org_id, q, org_id))
                    slots.extend((reviewer, mem, s, q, org_id) for s in subjects if s != reviewer)
            members = [m for m in self.members.values() if self.unit(m.org_id) == org_id]
            for month in months(period):
                head = self.head(org_id, month)
                for member in sorted(m.id for m in members if on_roll(m, month)):
                    if head is None:
                        gaps.append((mem, member, month, org_id))
                    elif member != head:
                        slots.append((head, mem, member, month, org_id))
        return slots, gaps

    def report(self, period: str, root: str | None, reviews: Iterable[rf.Review]) -> dict[str, Any]:
        """The coverage report's numbers: totals, gaps and each reviewer's counts and rate."""
        slots, planned_gaps = self.plan(period, root)
        state: dict[tuple[str, str, str, str], str] = {}
        for r in reviews:  # a later round counts over a cancelled one (R-REOPEN)
            key = (r.reviewer_id, r.kind.value, r.subject_id, str(r.period))
            if state.get(key) in (None, "cancelled"):
                state[key] = r.state.value
        assert set(state) <= {s[:4] for s in slots}, "a review the rules do not call for"
        totals: Counter[str] = Counter()
        per_reviewer: dict[str, Counter[str]] = {}
        gaps = {(kind, subject, p, "no_reviewer") for kind, subject, p, _ in planned_gaps}
        totals["expected"] += len(planned_gaps)
        totals["missing"] += len(planned_gaps)
        for reviewer, kind, subject, p, _ in slots:
            found = state.get((reviewer, kind, subject, p))
            if found in (None, "cancelled"):
                what = ["missing"]
                gaps.add((kind, subject, p, "not_scheduled" if found is None else "cancelled"))
            elif found == "waived":
                what = ["waived"]
            elif found == "not_applicable":
                what = ["not_applicable"]
            elif found in REVIEWED:
                what = ["reviewed", "closed"] if found == "closed" else ["reviewed"]
            else:
                what = ["in_progress"]
            for name in ["expected", *what]:
                totals[name] += 1
                per_reviewer.setdefault(reviewer, Counter())[name] += 1
        rates = {
            reviewer: (
                c["expected"],
                c["reviewed"],
                c["closed"],
                c["waived"],
                c["not_applicable"],
                _rate(c),
            )
            for reviewer, c in per_reviewer.items()
        }
        return {
            "counts": {k: totals[k] for k in COUNTS},
            "gaps": gaps,
            "reviewers": rates,
            "rate": _rate(totals),
        }


COUNTS = ("expected", "reviewed", "closed", "in_progress", "waived", "not_applicable", "missing")


def _rate(counts: Counter[str]) -> float:
    """R-CAD-3, R-NA, R-LEAD: reviewed share of the reviews due: waived ones and those not
    applicable are not due."""
    due = counts["expected"] - counts["waived"] - counts["not_applicable"]
    return counts["reviewed"] / due if due else 1.0


def library_numbers(report: rf.CoverageReport) -> dict[str, Any]:
    """The same numbers, read from the library's report."""
    return {
        "counts": {k: getattr(report, k) for k in COUNTS},
        "gaps": {(g.kind.value, g.subject_id, str(g.period), g.reason.value) for g in report.gaps},
        "reviewers": {
            r.reviewer_id: (r.expected, r.reviewed, r.closed, r.waived, r.not_applicable, r.rate)
            for r in report.reviewers
        },
        "rate": report.rate,
    }
