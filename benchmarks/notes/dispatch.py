"""What the workflow's dispatch costs per step: ``WORKFLOW.fire`` alone, in memory.

Not a case of the suite: the figure issue #13 asks for. ``fire`` is the decision of one step
(the step open in the review's state, its guards, the state after it), nothing else: no scope,
no payload, no history entry, no store. Since the redesign it runs the shared ``transitions``
machine's trigger on a cursor; before it, a table compiled from the machine was read
directly. Run it against either checkout of the library:

    .venv/bin/python -m benchmarks.notes.dispatch
    PYTHONPATH=/path/to/old/checkout/src .venv/bin/python -m benchmarks.notes.dispatch

Prints, per decision, the best of 7 runs of 20,000 calls, in microseconds a call, and the
same for a bare ``transitions`` trigger on a plain model (the floor any dispatch through the
library builds on).
"""

from __future__ import annotations

import timeit
from datetime import date
from typing import Any

from transitions import Machine

import reviewflow as rf
from reviewflow.demo import OFFICE, scenario_service

CALLS = 20_000
RUNS = 7


def _per_call(call: Any) -> float:
    """The best of ``RUNS`` runs of ``CALLS`` calls, in microseconds a call."""
    return min(timeit.repeat(call, number=CALLS, repeat=RUNS)) / CALLS * 1e6


def _reviews() -> tuple[rf.Review, rf.Review]:
    """A scheduled review, and one in fact finding with a situation report."""
    service = scenario_service(today=date(2023, 12, 28))
    service.schedule(OFFICE, "2023-11")
    scheduled = next(r for r in service.reviews(OFFICE) if r.kind is rf.ReviewKind.MEMBER)
    started = service.start(scheduled.reviewer_id, scheduled.id)
    reported = service.report(started.subject_id, started.id, summary="本月完成任务。")
    return scheduled, reported


def main() -> None:
    scheduled, reported = _reviews()
    ctx = rf.GuardContext()
    fire = rf.WORKFLOW.fire
    rows = [
        ("start (no guard)", _per_call(lambda: fire(scheduled, "start", ctx))),
        (
            "conclude_fact_finding (one guard, met)",
            _per_call(lambda: fire(reported, "conclude_fact_finding", ctx)),
        ),
    ]

    class Model:
        state = "a"

    model = Model()

    machine = Machine(
        model=None,
        states=["a", "b"],
        initial="a",
        transitions=[{"trigger": "go", "source": "a", "dest": "b"}],
        auto_transitions=False,
        send_event=True,
    )
    event = machine.events["go"]

    def bare() -> None:
        model.state = "a"
        event.trigger(model)

    rows.append(("bare transitions trigger on a plain model", _per_call(bare)))
    print(f"reviewflow {rf.__version__} from {rf.__file__}")
    for name, micros in rows:
        print(f"{name:45s} {micros:8.2f} µs")


if __name__ == "__main__":
    main()
