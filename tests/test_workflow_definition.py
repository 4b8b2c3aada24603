"""The workflow definition: data, validated when built, compiled once, drawn as Mermaid."""

from __future__ import annotations

import gc

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
        "not_applicable",
    ]
    assert {s for s in S if s.final} == {S.CLOSED, S.WAIVED, S.CANCELLED, S.NOT_APPLICABLE}


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
    with pytest.raises(rf.InvalidDefinition, match="states that no step reaches") as caught:
        rf.WorkflowDefinition(tuple(S), S.SCHEDULED, steps, GUARDS)
    assert caught.value.names == ("closed",)


def test_r_live_a_dead_end_is_refused_when_built() -> None:
    """Every state reachable, but one that no steps lead out of to an end: the office's ends
    only before the start, and no way to close a review in rectification."""
    ends = {"close", "waive", "cancel", "mark_not_applicable"}
    early = [
        attrs.evolve(s, sources=(S.SCHEDULED,)) for s in STEPS if s.trigger in ends - {"close"}
    ]
    close_early = rf.Step(
        "close_early", (S.PUBLICIZING,), S.CLOSED, frozenset({rf.Party.OFFICE}), "办结", "close"
    )
    steps = (*(s for s in STEPS if s.trigger not in ends), *early, close_early)
    with pytest.raises(rf.InvalidDefinition, match="no steps lead to an end") as caught:
        rf.WorkflowDefinition(tuple(S), S.SCHEDULED, steps, GUARDS)
    assert caught.value.names == ("rectifying",)


def _with_start(**changes: object) -> tuple[rf.Step, ...]:
    start = attrs.evolve(next(s for s in STEPS if s.trigger == "start"), **changes)
    return tuple(start if s.trigger == "start" else s for s in STEPS)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"guards": ("no_such_guard",)}, "no_such_guard"),
        ({"effect": "no_such_effect"}, "no_such_effect"),
        ({"payload": "no_such_rule"}, "no_such_rule"),
    ],
)
def test_a_step_naming_what_the_definition_lacks_is_refused_when_built(
    changes: dict[str, object], named: str
) -> None:
    with pytest.raises(rf.InvalidDefinition, match="names what the definition lacks") as caught:
        rf.WorkflowDefinition(tuple(S), S.SCHEDULED, _with_start(**changes))
    assert caught.value.names == (named,)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"by": frozenset()}, "who may take it"),
        ({"sources": ()}, "states it is taken in"),
        ({"sources": (S.SCHEDULED, S.CLOSED)}, "taken in a final state"),
        ({"trigger": "schedule"}, "the history's own action"),
        ({"trigger": "not a name"}, "must be a name"),
    ],
)
def test_a_malformed_step_is_refused_when_built(changes: dict[str, object], problem: str) -> None:
    with pytest.raises(rf.InvalidDefinition, match=problem):
        rf.WorkflowDefinition(tuple(S), S.SCHEDULED, _with_start(**changes))


def test_a_name_defined_twice_is_refused_when_built() -> None:
    with pytest.raises(rf.InvalidDefinition, match="guards defined twice") as caught:
        rf.WorkflowDefinition(tuple(S), S.SCHEDULED, STEPS, (*GUARDS, GUARDS[0]))
    assert caught.value.names == (GUARDS[0].name,)
    assert isinstance(caught.value, ValueError)


def test_one_machine_is_shared_by_every_review(service: rf.ReviewService, office: str) -> None:
    """STYLE: never a machine per review, never add_model per row."""
    service.schedule(office, "2023-Q4")
    for review in service.reviews(office)[:10]:
        service.start(review.reviewer_id, review.id)
    gc.collect()
    machines = [o for o in gc.get_objects() if isinstance(o, transitions.Machine)]
    definitions = [o for o in gc.get_objects() if isinstance(o, rf.WorkflowDefinition)]
    assert len(machines) == len(definitions)  # one machine a definition, none a review
    assert all(m.models == [] for m in machines)  # model=None: the cursor is passed per event


def test_open_steps_depend_on_the_state(service: rf.ReviewService, office: str) -> None:
    service.schedule(office, "2023-11", root_id="internal")
    review = find(service, "zhou", "wu", "2023-11")
    assert rf.WORKFLOW.open(review) == ("start", "waive", "cancel", "mark_not_applicable")


def test_mermaid_draws_every_move_with_its_guards() -> None:
    diagram = rf.WORKFLOW.mermaid("en")
    assert diagram.startswith("stateDiagram-v2\n")
    assert "    [*] --> scheduled" in diagram
    assert "reviewing --> publicizing: conclude the review [method and date recorded," in diagram
    assert "    closed --> [*]" in diagram
    assert "了解情况" in rf.WORKFLOW.mermaid("zh")


# -- the table, its effects and the transitions machine agree -----------------------------------


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


def _outcome(review: rf.Review, trigger: str, ctx: GuardContext) -> object:
    """What the machine answers (by ``fire``)."""
    try:
        return rf.WORKFLOW.fire(review, trigger, ctx)
    except rf.GuardFailed as error:
        return ("guard", error.guard, error.reason, error.missing)
    except rf.TransitionNotAllowed as error:
        return ("not allowed", error.state, error.trigger, error.allowed)


def _by_table(review: rf.Review, trigger: str, ctx: GuardContext) -> object:
    """What the table says, read directly: the step open in the review's state, then its
    guards in order, the first that holds named; else its destination (or the same state)."""
    step = rf.WORKFLOW.steps.get(trigger)
    if step is None or review.state not in step.sources:
        return ("not allowed", review.state.value, trigger, rf.WORKFLOW.open(review))
    for name in step.guards:
        failure = rf.WORKFLOW.guards[name].check(review, ctx)
        if failure is not None:
            return ("guard", name, str(failure.reason), failure.missing)
    return step.dest or review.state


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, len(_FILLED) - 1),
    state=st.sampled_from(list(S)),
    blanks=st.sets(st.sampled_from(sorted(_BLANKS))),
    closeout=st.booleans(),
)
def test_the_machine_decides_as_the_table_says(
    index: int, state: rf.ReviewState, blanks: set[str], closeout: bool
) -> None:
    review = attrs.evolve(_FILLED[index], state=state, **{b: _BLANKS[b] for b in blanks})
    ctx = GuardContext(closeout_required=closeout)
    for trigger in (*rf.WORKFLOW.steps, "no_such_step"):
        assert _outcome(review, trigger, ctx) == _by_table(review, trigger, ctx), (state, trigger)


def test_every_step_has_one_effect_and_one_payload_rule_and_replays_through_them() -> None:
    """Each step names an effect and a payload rule of the definition; the demo quarter's
    histories replay, through those effects, to the reviews as stored."""
    for step in rf.WORKFLOW.steps.values():
        assert rf.WORKFLOW.effects[step.effect].name == step.effect
        assert rf.WORKFLOW.payloads[step.payload].name == step.payload
    service = scenario_service()
    run_quarter(service)
    actions: set[str] = set()
    for review in service.reviews(OFFICE, within=QUARTER):
        history = service.store.history(review.id)
        actions.update(e.action for e in history)
        assert rf.WORKFLOW.replay(history) == review
    # The quarter waives nothing and ends nothing as not applicable (test_rules_reopen_na does).
    ended = {"waive", "mark_not_applicable"}
    assert actions >= {s.trigger for s in rf.WORKFLOW.steps.values() if s.trigger not in ended}
