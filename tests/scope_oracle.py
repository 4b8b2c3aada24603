"""Who takes which step, in which state, on the scenario's roster: RULES.md written down as data.

The oracle of the workflow's state machines (tests/test_workflow_stateful.py,
tests/test_bulk_properties.py). Nothing here asks the library who may do what: the tables are
RULES.md §5 and R-SCOPE-1..4 as a reader writes them down, and the parties of a review are
worked out from the scenario roster's plain records (each organization's parent and head, each
member's organization and roles, the office staff), not from ``Roster`` or ``parties``.

- R-SCOPE-1, R-SCOPE-2: the reviewer is the review's ``reviewer_id``.
- R-STEP-1, R-STEP-4: the subject speaks for itself: the member, or an organization's
  leadership team (its members holding a role: secretary, deputy secretary, committee member).
- R-STEP-3: the organization fills in and publicizes the form: the head of the review's
  organization (its ``org_id``: a member's branch), or the head above it when that head is the
  member reviewed (党支部书记的点评表由党总支书记填写).
- R-STEP-3, R-CAD-3, R-NA: the office files, may begin rectification, waives, cancels and ends
  a review as not applicable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import reviewflow as rf
from reviewflow.scenario import scenario_roster

S = rf.ReviewState
R, SUBJ, FILLER, OFF = "reviewer", "subject", "form_filler", "office"

ENDS = frozenset({"waive", "cancel", "mark_not_applicable"})
REVIEWING_STEPS = (
    "record_method", "comment", "set_direction", "judge_commitment", "add_participant",
    "require", "declare_no_rectification", "conclude_review",
)  # fmt: skip
OPEN: dict[rf.ReviewState, frozenset[str]] = {
    S.SCHEDULED: frozenset({"start"}) | ENDS,
    S.FACT_FINDING: frozenset({"report", "conclude_fact_finding"}) | ENDS,
    S.REVIEWING: frozenset(REVIEWING_STEPS) | ENDS,
    S.PUBLICIZING: frozenset({"fill_form", "file", "publicize", "begin_rectification"}) | ENDS,
    S.RECTIFYING: frozenset({"plan_item", "update_item", "reply", "confirm_closeout", "close"})
    | ENDS,
}
"""R-STEP-1..4, R-NA: the steps open in each live state (none in closed, waived, cancelled or
not applicable)."""

DEST: dict[str, rf.ReviewState] = {
    "start": S.FACT_FINDING,
    "conclude_fact_finding": S.REVIEWING,
    "conclude_review": S.PUBLICIZING,
    "begin_rectification": S.RECTIFYING,
    "close": S.CLOSED,
    "waive": S.WAIVED,
    "cancel": S.CANCELLED,
    "mark_not_applicable": S.NOT_APPLICABLE,
}
"""R-STEP-1..4, R-CAD-3: where a step moves a review (any other step keeps its state)."""

BY: dict[str, frozenset[str]] = {
    "start": frozenset({R}), "report": frozenset({SUBJ}), "conclude_fact_finding": frozenset({R}),
    **dict.fromkeys(REVIEWING_STEPS, frozenset({R})),
    "fill_form": frozenset({FILLER}), "file": frozenset({OFF}), "publicize": frozenset({FILLER}),
    "begin_rectification": frozenset({FILLER, OFF}),
    "plan_item": frozenset({SUBJ}), "update_item": frozenset({SUBJ}), "reply": frozenset({SUBJ}),
    "confirm_closeout": frozenset({R}), "close": frozenset({R}),
    "waive": frozenset({OFF}), "cancel": frozenset({OFF}), "mark_not_applicable": frozenset({OFF}),
}  # fmt: skip
"""R-STEP-1..4, R-SCOPE-1..4: who takes each step."""


class ScenarioScope:
    """The parties of a review on the scenario roster, from its plain records."""

    def __init__(self, records: Mapping[str, tuple[Any, ...]] | None = None) -> None:
        records = records if records is not None else scenario_roster()
        orgs = records["organizations"]
        members = records["members"]
        self.parent: dict[str, str | None] = {o.id: o.parent_id for o in orgs}
        self.head: dict[str, str | None] = {o.id: o.head_id for o in orgs}
        self.org_of: dict[str, str] = {m.id: m.org_id for m in members}
        self.team: dict[str, set[str]] = {
            o.id: {m.id for m in members if m.org_id == o.id and m.roles} for o in orgs
        }
        self.office = {s.id for s in records["office_staff"]}
        self.people = tuple(sorted([*self.org_of, *self.office]))

    def filler(self, review: rf.Review) -> str:
        """Who fills in (and publicizes) the form of ``review``: the head of its organization,
        or the head above when that head is the member reviewed (or there is none)."""
        head = self.head[review.org_id]
        if head is not None and head != review.subject_id:
            return head
        above = self.parent[review.org_id]
        head_above = self.head[above] if above is not None else None
        return head_above if head_above is not None else min(self.office)

    def parties(self, actor: str, review: rf.Review) -> frozenset[str]:
        """Which parties of ``review`` the actor is: read from its reviewer, kind and subject."""
        found: set[str] = set()
        if actor == review.reviewer_id:
            found.add(R)
        elif review.kind is rf.ReviewKind.MEMBER:
            if actor == review.subject_id:
                found.add(SUBJ)
        elif actor in self.team[review.subject_id]:
            found.add(SUBJ)
        if actor == self.filler(review):
            found.add(FILLER)
        if actor in self.office:
            found.add(OFF)
        return frozenset(found)

    def may(self, actor: str, trigger: str, review: rf.Review) -> bool:
        """Whether ``actor`` is one of the parties who take ``trigger`` on ``review``."""
        return bool(BY[trigger] & self.parties(actor, review))

    def takers(self, trigger: str, review: rf.Review) -> list[str]:
        """Everyone on the roster who may take ``trigger`` on ``review``."""
        return [p for p in self.people if self.may(p, trigger, review)]
