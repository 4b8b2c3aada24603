"""The workflow definition: data, validated when built, compiled once, drawn as Mermaid."""

from __future__ import annotations

import gc
from collections.abc import Callable

import attrs
import pytest
import transitions
from hypothesis import given, settings
from hypothesis import strategies as st

import reviewflow as rf
from reviewflow.demo import OFFICE, QUARTER, run_quarter, scenario_service
from reviewflow.domain.workflow import GUARDS, STEPS, GuardContext
from steps import find

S = rf.ReviewState


def test_states_are_the_documents() -> None:
    assert [s.value for s in rf.WORKFLOW.states] == [
        "scheduled",
        "fact_finding",
        "reviewing",
        "publicizing",
        "rectifying",
        "closed",
        "waived",
        "cancelled",
    ]
    assert {s for s in S if s.final} == {S.CLOSED, S.WAIVED, S.CANCELLED}


def test_every_step_and_guard_has_both_labels_and_cites_a_rule() -> None:
    for step in rf.WORKFLOW.steps.values():
        assert step.label_zh
        assert step.label_en
        assert step.rule.startswith("R-")
    for guard in rf.WORKFLOW.guards.values():
        assert guard.label_zh
        assert guard.label_en
        assert guard.rule.startswith("R-")


def test_waive_and_cancel_end_every_live_state() -> None:
    live = {s for s in S if not s.final}
    assert set(rf.WORKFLOW.steps["waive"].sources) == live
    assert set(rf.WORKFLOW.steps["cancel"].sources) == live


def test_an_unreachable_state_is_refused_when_built() -> None:
    steps = tuple(s for s in STEPS if s.trigger != "close")
    with pytest.raises(rf.InvalidInput, match=r"no step reaches|no way forward"):
        rf.WorkflowDefinition(tuple(S), S.SCHEDULED, steps, GUARDS)


def test_a_dead_end_is_refused_when_built() -> None:
    steps = tuple(s for s in STEPS if s.trigger not in {"begin_rectification", "waive", "cancel"})
    with pytest.raises(rf.InvalidInput, match=r"no way forward|no step reaches"):
        rf.WorkflowDefinition(tuple(S), S.SCHEDULED, steps, GUARDS)


def test_an_unknown_guard_is_refused_when_built() -> None:
    broken = rf.Step("start", (S.SCHEDULED,), S.FACT_FINDING, frozenset({rf.Party.REVIEWER}),
                     "开始", "start", ("no_such_guard",), "R-STEP-1")  # fmt: skip
    steps = tuple(broken if s.trigger == "start" else s for s in STEPS)
    with pytest.raises(rf.InvalidInput, match="no guard"):
        rf.WorkflowDefinition(tuple(S), S.SCHEDULED, steps, GUARDS)


def test_one_machine_is_shared_by_every_review(service: rf.ReviewService, office: str) -> None:
    """STYLE: never a machine per review, never add_model per row."""
    service.schedule(office, "2023-Q4")
    for review in service.reviews(office)[:10]:
        service.start(review.reviewer_id, review.id)
    gc.collect()
    machines = [o for o in gc.get_objects() if isinstance(o, transitions.Machine)]
    assert len(machines) == 1
    assert machines[0].models == []  # model=None: the cursor is passed per event


def test_open_steps_depend_on_the_state(service: rf.ReviewService, office: str) -> None:
    service.schedule(office, "2023-11", root_id="internal")
    review = find(service, "zhou", "wu", "2023-11")
    assert rf.WORKFLOW.open(review) == ("start", "waive", "cancel")


def test_mermaid_draws_every_move_with_its_guards() -> None:
    diagram = rf.WORKFLOW.mermaid("en")
    assert diagram.startswith("stateDiagram-v2\n")
    assert "    [*] --> scheduled" in diagram
    assert "reviewing --> publicizing: conclude the review [method and date recorded," in diagram
    assert "    closed --> [*]" in diagram
    assert "了解情况" in rf.WORKFLOW.mermaid("zh")


# -- fire (the compiled dispatch table) answers as the transitions machine does ----------------

_BLANKS = {
    "reports": (),
    "judgements": (),
    "comments": (),
    "direction": "",
    "method": None,
    "participants": (),
    "requirements": (),
    "no_rectification_needed": False,
    "form": None,
    "filing": None,
    "publicity": None,
    "ledger": (),
    "reply": None,
    "closeout": None,
}


def _filled_reviews() -> list[rf.Review]:
    """Every review of the demo quarter, taken through its steps: reviews full of content."""
    service = scenario_service()
    run_quarter(service)
    return list(service.reviews(OFFICE, within=QUARTER))


_FILLED = _filled_reviews()


def _outcome(call: Callable[[], rf.ReviewState]) -> object:
    try:
        return call()
    except rf.GuardFailed as error:
        return ("guard", error.guard, error.reason, error.missing)
    except rf.TransitionNotAllowed as error:
        return ("not allowed", error.state, error.trigger, error.allowed)


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, len(_FILLED) - 1),
    state=st.sampled_from(list(S)),
    blanks=st.sets(st.sampled_from(sorted(_BLANKS))),
    closeout=st.booleans(),
    reason=st.sampled_from(["", "调离"]),
)
def test_fire_answers_as_the_machine_does(
    index: int, state: rf.ReviewState, blanks: set[str], closeout: bool, reason: str
) -> None:
    review = attrs.evolve(_FILLED[index], state=state, **{b: _BLANKS[b] for b in blanks})
    ctx = GuardContext(closeout_required=closeout, reason=reason)
    for trigger in (*rf.WORKFLOW.steps, "no_such_step"):
        fast = _outcome(lambda t=trigger: rf.WORKFLOW.fire(review, t, ctx))
        machine = _outcome(lambda t=trigger: rf.WORKFLOW.trigger(review, t, ctx))
        assert fast == machine, (state, trigger)
