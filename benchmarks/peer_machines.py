"""The library's workflow written for the peer state-machine libraries.

Each peer gets the whole of ``reviewflow.WORKFLOW``: its states, and every trigger with its
sources and destination (a step that stays in its state is an internal transition). The peers'
guards are left out: the step the benchmarks take (``start``) has none in the library either.
"""

from __future__ import annotations

from typing import Any

from statemachine import State, StateMachine

import reviewflow as rf


def transitions_config() -> dict[str, Any]:
    """Keyword arguments for ``transitions.Machine``: the workflow, no model, no ``to_<state>``
    shortcuts (the library's compiled machine has none either)."""
    return {
        "model": None,
        "states": [s.value for s in rf.WORKFLOW.states],
        "initial": rf.WORKFLOW.initial.value,
        "transitions": [
            {
                "trigger": step.trigger,
                "source": [s.value for s in step.sources],
                "dest": step.dest.value if step.dest is not None else None,
            }
            for step in rf.WORKFLOW.steps.values()
        ],
        "auto_transitions": False,
    }


def statemachine_class() -> type[StateMachine]:
    """A ``python-statemachine`` class for the workflow, as its class body would declare it
    (``scheduled = State(initial=True)``, ``start = scheduled.to(fact_finding)``, ...)."""
    states = {
        s.value: State(
            s.label("en"), value=s.value, initial=s is rf.WORKFLOW.initial, final=s.final
        )
        for s in rf.WORKFLOW.states
    }
    namespace: dict[str, Any] = {"__module__": __name__, **states}
    for step in rf.WORKFLOW.steps.values():
        moves = None
        for source in step.sources:
            origin = states[source.value]
            move = (
                origin.to.itself(internal=True)
                if step.dest is None
                else origin.to(states[step.dest.value])
            )
            moves = move if moves is None else moves | move
        namespace[step.trigger] = moves
    return type("ReviewMachine", (StateMachine,), namespace)
