"""R-SCOPE-1..4: who may take which step, as a matrix written from RULES.md.

For a member review (周明, secretary of 内科党支部, reviews 吴红) and an organization review
(李文华, the committee's liaison for 区人民医院党总支, reviews it), every step of §5 is tried
in a state where it is open, by every person below. The expected answer is spelled
out here, not read from the library: a person who is none of the step's parties is
refused with ``OutOfScope`` and nothing changes; a party of the step is never
refused for scope (the step may still be refused for its data or a guard).

- The reviewer takes steps 1, 2 and the closeout (R-SCOPE-1, R-SCOPE-2, R-STEP-1, R-STEP-2,
  R-STEP-4).
- The subject reports and rectifies: the member, or the organization's head (R-STEP-1, R-STEP-4).
- The form is filled in and publicized by the organization: its head; for a member review the
  head of the member's branch, here the reviewer (R-STEP-3).
- The office files, and may begin rectification, waive and cancel (R-STEP-3, R-CAD-3).
- Nobody else: another branch's secretary, a member of the same branch, a member elsewhere, a
  committee member who is not the liaison (R-SCOPE-4).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

import reviewflow as rf
from reviewflow.demo import OFFICE, scenario_service
from steps import find, to_publicizing, to_rectifying, to_reviewing

S = rf.ReviewState
R, SUBJ, FILLER, OFF = "reviewer", "subject", "form_filler", "office"
HELD = date(2023, 11, 20)

BY: dict[str, set[str]] = {
    "start": {R}, "report": {SUBJ}, "conclude_fact_finding": {R},
    "record_method": {R}, "comment": {R}, "set_direction": {R}, "judge_commitment": {R},
    "add_participant": {R}, "require": {R}, "declare_no_rectification": {R},
    "conclude_review": {R},
    "fill_form": {FILLER}, "file": {OFF}, "publicize": {FILLER},
    "begin_rectification": {FILLER, OFF},
    "plan_item": {SUBJ}, "update_item": {SUBJ}, "reply": {SUBJ},
    "confirm_closeout": {R}, "close": {R}, "waive": {OFF}, "cancel": {OFF},
}  # fmt: skip

STATE_OF: dict[str, rf.ReviewState] = {
    "start": S.SCHEDULED, "waive": S.SCHEDULED, "cancel": S.SCHEDULED,
    "report": S.FACT_FINDING, "conclude_fact_finding": S.FACT_FINDING,
    **dict.fromkeys(
        ("record_method", "comment", "set_direction", "judge_commitment", "add_participant",
         "require", "declare_no_rectification", "conclude_review"),
        S.REVIEWING,
    ),
    **dict.fromkeys(("fill_form", "file", "publicize", "begin_rectification"), S.PUBLICIZING),
    **dict.fromkeys(
        ("plan_item", "update_item", "reply", "confirm_closeout", "close"), S.RECTIFYING
    ),
}  # fmt: skip

# (reviewer, subject, period) and each person's parties of that review, from the roster.
CASES: dict[str, tuple[tuple[str, str, str], dict[str, set[str]]]] = {
    "member review": (
        ("zhou", "wu", "2023-11"),
        {
            "zhou": {R, FILLER},  # the reviewer heads 内科党支部, whose form it is
            "wu": {SUBJ},
            OFFICE: {OFF},
            "sun": set(),  # a member of the same branch
            "qian": set(),  # the secretary of another branch
            "liu": set(),  # the head of the general branch above
            "zhao": set(),  # a committee member, not this liaison
        },
    ),
    "organization review": (
        ("li", "hospital", "2023-Q4"),
        {
            "li": {R},
            "liu": {SUBJ, FILLER},  # the general branch's secretary
            OFFICE: {OFF},
            "zhou": set(),  # a branch secretary below it
            "feng": set(),  # a member elsewhere
            "zhao": set(),  # a committee member, not this liaison
        },
    ),
}


def _to(service: rf.ReviewService, review: rf.Review, state: rf.ReviewState) -> rf.Review:
    if state is S.FACT_FINDING:
        return service.start(review.reviewer_id, review.id)
    if state is S.REVIEWING:
        return to_reviewing(service, review)
    if state is S.PUBLICIZING:
        return to_publicizing(service, review, problem="学习不够")
    if state is S.RECTIFYING:
        return to_rectifying(service, review, problem="学习不够")
    return review


def _arguments(review: rf.Review, trigger: str) -> dict[str, Any]:
    requirement = review.requirements[0].id if review.requirements else "none"
    return {
        "report": {"summary": "汇报"},
        "record_method": {"method": "talk", "held_on": HELD},
        "comment": {"aspect": review.aspects[0], "achievements": "成绩"},
        "set_direction": {"direction": "方向"},
        "judge_commitment": {"commitment_id": "c1", "status": "fulfilled"},
        "add_participant": {"name": "代表", "capacity": "member"},
        "require": {"text": "整改"},
        "file": {"filing_no": "备-1"},
        "publicize": {"scope": "本支部", "medium": "meeting"},
        "plan_item": {"requirement_id": requirement, "measure": "措施", "owner": "本人",
                      "due": date(2024, 1, 31)},
        "update_item": {"item_id": "none", "status": "done"},
        "reply": {"text": "已整改"},
        "waive": {"reason": "免"},
        "cancel": {"reason": "撤"},
    }.get(trigger, {})  # fmt: skip


def _matrix() -> list[tuple[str, str, str, bool]]:
    return [
        (case, trigger, person, bool(parties & BY[trigger]))
        for case, (_, people) in CASES.items()
        for trigger in BY
        for person, parties in people.items()
    ]


@pytest.mark.parametrize(("case", "trigger", "person", "allowed"), _matrix())
def test_r_scope_4_the_matrix_of_who_takes_which_step(
    case: str, trigger: str, person: str, allowed: bool
) -> None:
    service = scenario_service(today=date(2023, 12, 28))
    (reviewer, subject, period), _ = CASES[case]
    service.schedule(OFFICE, period)
    review = _to(service, find(service, reviewer, subject, period), STATE_OF[trigger])
    before = service.review(OFFICE, review.id)
    take: Callable[..., rf.Review] = getattr(service, trigger)
    try:
        take(person, review.id, **_arguments(review, trigger))
    except rf.OutOfScope:
        assert not allowed, f"{person} is a party of {trigger} on the {case}, yet refused"
        assert service.review(OFFICE, review.id) == before
        return
    except rf.ReviewflowError:
        pass  # a party of the step, refused for its data or a guard: not a scope matter
    assert allowed, f"{person} took {trigger} on the {case} without being one of its parties"
