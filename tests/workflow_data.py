"""Data for the workflow's state machines: plausible step arguments, valid more often than not,
and the one way they call the library (a result, or the library's refusal)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from hypothesis import strategies as st

import reviewflow as rf

TODAY = date(2023, 12, 28)  # the scenario's clock
HELD = date(2023, 12, 20)

# Dates: mostly on or before the clock's day, now and then the day after (refused: future).
DATES = st.one_of(st.none(), st.dates(date(2023, 7, 1), TODAY), st.just(date(2023, 12, 29)))
TEXTS = st.sampled_from(["本季度完成重点任务。", "立足岗位，推进重点任务。", "", "  "])

T = TypeVar("T")


def outcome(call: Callable[[], T]) -> tuple[T | None, rf.ReviewflowError | None]:
    """The call's result, or the library's refusal; anything else propagates (and fails)."""
    try:
        return call(), None
    except rf.ReviewflowError as error:
        return None, error


def random_data(trigger: str, review: rf.Review, data: st.DataObject) -> dict[str, Any]:
    """Plausible data for ``trigger`` on ``review``: valid more often than not, never nonsense."""
    draw = data.draw
    bogus = "no-such-id"
    if trigger == "report":
        commitments = draw(
            st.lists(
                st.builds(
                    rf.Commitment,
                    st.sampled_from(["c1", "c2", "c3"]),
                    st.sampled_from(["开展义诊4次", "结对帮扶2户"]),
                    st.sampled_from(rf.FulfilmentStatus),
                ),
                max_size=2,
            )
        )
        return {
            "summary": draw(TEXTS),
            "ideas_and_measures": draw(TEXTS),
            "commitments": commitments,
            "reported_on": draw(DATES),
        }
    if trigger == "record_method":
        method = draw(st.sampled_from(rf.Method))
        occasion = draw(
            st.one_of(
                st.none(),
                st.sampled_from([o for o in rf.Occasion if o.method is method]),
                st.sampled_from(rf.Occasion),
            )
        )
        return {"method": method, "occasion": occasion, "held_on": draw(DATES)}
    if trigger == "comment":
        return {
            "aspect": draw(st.one_of(st.sampled_from(review.aspects), st.sampled_from(rf.Aspect))),
            "achievements": draw(st.sampled_from(["成绩突出。", ""])),
            "problems": draw(st.lists(st.sampled_from(["学习不够深入", ""]), max_size=2)),
        }
    if trigger == "set_direction":
        return {"direction": draw(TEXTS), "suggestions": draw(TEXTS)}
    if trigger == "judge_commitment":
        known = [c.id for c in review.commitments()]
        return {
            "commitment_id": draw(st.sampled_from([*known, bogus])),
            "status": draw(st.sampled_from(rf.FulfilmentStatus)),
            "remark": draw(TEXTS),
        }
    if trigger == "add_participant":
        return {
            "name": draw(st.sampled_from(["社区居民代表老周", "", "党员代表小李"])),
            "capacity": draw(st.sampled_from(rf.ParticipantCapacity)),
            "opinion": draw(TEXTS),
        }
    if trigger == "require":
        problems = [*review.problem_ids(), bogus]
        participants = [None, bogus, *(p.id for p in review.participants)]
        return {
            "text": draw(st.sampled_from(["限期整改。", ""])),
            "problem_ids": draw(st.lists(st.sampled_from(problems), max_size=2, unique=True)),
            "participant_id": draw(st.sampled_from(participants)),
        }
    if trigger == "fill_form":
        return {"filled_on": draw(DATES)}
    if trigger == "file":
        return {
            "filing_no": draw(st.sampled_from(["卫党点评〔2023〕41号", ""])),
            "filed_on": draw(DATES),
        }
    if trigger == "publicize":
        return {
            "scope": draw(st.sampled_from(["全院", ""])),
            "medium": draw(st.sampled_from(rf.Medium)),
            "published_on": draw(DATES),
        }
    if trigger == "plan_item":
        return {
            "requirement_id": draw(st.sampled_from([*(r.id for r in review.requirements), bogus])),
            "measure": draw(st.sampled_from(["建立学习笔记周清制度", ""])),
            "owner": draw(st.sampled_from(["马晓燕", ""])),
            "due": draw(
                st.one_of(
                    st.dates(date(2023, 12, 1), date(2024, 3, 31)),
                    st.sampled_from(["10 working days", "30 days"]),
                )
            ),
        }
    if trigger == "update_item":
        return {
            "item_id": draw(st.sampled_from([*(i.id for i in review.ledger), bogus])),
            "status": draw(st.sampled_from(rf.ItemStatus)),
            "done_on": draw(DATES),
            "note": draw(TEXTS),
        }
    if trigger == "reply":
        return {"text": draw(TEXTS), "replied_on": draw(DATES)}
    if trigger == "confirm_closeout":
        return {"remark": draw(TEXTS), "confirmed_on": draw(DATES)}
    if trigger in ("waive", "cancel", "mark_not_applicable"):
        return {"reason": draw(st.sampled_from(["外出学习，本期免于点评", "", "  "]))}
    return {}  # start, conclude_fact_finding, declare_no_rectification, conclude_review, ...
