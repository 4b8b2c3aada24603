"""What the workflow costs over a bare state machine, and what a review costs in memory.

**Workflow overhead.** The library, on its in-memory store (``memory://``, so no database time
hides the cost), takes the first step on ``size.overhead_steps`` scheduled reviews through the
public service, ``svc.start(reviewer, review_id)``: load, scope check, guards, a history entry
with its SHA-256 digest chained, the versioned write. The floor is a bare ``transitions``
trigger: one shared ``transitions.Machine(model=None, ...)`` with the workflow's states and
transitions (``benchmarks/peer_machines.py``), plain Python objects whose ``state`` is an
attribute, each registered with ``add_model`` once, before the clock starts (and let go of with
``remove_model`` at once: registering keeps a list the next ``add_model`` scans, which would make
setting up 100,000 objects quadratic; a trigger never looks at that list, and the object keeps its
trigger methods), put back in the initial state before each run, and only ``obj.start()`` timed.
Issue #13 asks for at least a fifth of a bare trigger's speed (the step runs the ``transitions``
trigger itself, and a history entry, scope and the write besides): the target ratio is 0.2.

**Memory per review.** For each count in ``size.memory_counts``, a ``memory://`` store with a
roster of that many members (branches of 1,000) schedules a month, one review each. Measured with
``tracemalloc``: the bytes allocated while scheduling and still held once the call's result is
dropped (``gc.collect()`` first), that is the store's growth (the reviews, their first history
entries, the store's indexes), divided by the reviews created. The roster is built before
tracing starts, so it is not counted. The number must stay flat as the count grows. For
comparison, the same measure for ``transitions`` at 1,000 objects (at the smallest count, if
less): a ``Machine`` per object (the per-object idiom) and, cheaper, one shared machine with
``add_model`` per object; neither holds any of a review's content.
"""

from __future__ import annotations

import gc
import math
import sys
import tracemalloc
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from transitions import Machine

from benchmarks import data, peer_machines
from benchmarks.harness import SIZES, Figure, Size, interleave, per_second, table

TRIGGER = "start"
WARM_UP = 20  # untimed steps each side takes first
MACHINE_OBJECTS = 1_000  # objects in the transitions memory comparison (fewer at tiny size)
FLAT = 0.10  # bytes per review may vary this much between counts and still count as flat


def run(size: Size) -> list[Figure]:
    """The overhead figure and one memory figure per count in ``size.memory_counts``."""
    return [_overhead(size), *_memory(size)]


class _Plain:
    """A plain object for the bare trigger: the machine keeps its state in ``state``."""

    state: str


# -- workflow overhead ------------------------------------------------------------------------


def _overhead(size: Size) -> Figure:
    steps = size.overhead_steps
    needed = steps * size.repeat + WARM_UP
    per_branch = min(needed, 1_000) + 1  # the secretary reviews the branch's members
    branches = math.ceil(needed / (per_branch - 1))
    svc = data.service("memory://", branches * per_branch, branches)
    reviews = iter(svc.schedule(data.OFFICE, data.MONTH).created)
    machine = Machine(**peer_machines.transitions_config())
    objects = _registered(machine, steps)  # registered once; every run starts them afresh

    def library() -> float:
        batch = [next(reviews) for _ in range(steps)]
        return per_second(steps, lambda: [svc.start(r.reviewer_id, r.id) for r in batch])

    def bare() -> float:
        for o in objects:
            o.state = machine.initial  # back to the start, off the clock
        speed = per_second(steps, lambda: [o.start() for o in objects])
        assert all(o.state == "fact_finding" for o in objects)
        return speed

    for r in [next(reviews) for _ in range(WARM_UP)]:
        svc.start(r.reviewer_id, r.id)
    for o in objects[:WARM_UP]:
        o.start()
    lib, floor = interleave(library, bare, size.repeat)
    return Figure(
        "workflow overhead (memory store step vs bare transitions trigger)", "memory",
        "steps/s", lib, floor, target=0.2, note=f"transitions {version('transitions')}",
    )  # fmt: skip


def _registered(machine: Machine, count: int) -> list[Any]:
    """``count`` plain objects in the initial state, each with the machine's trigger methods."""
    objects = [_Plain() for _ in range(count)]
    for o in objects:
        machine.add_model(o)
        machine.remove_model(o)  # keeps its triggers; see the module's docstring
    return objects


# -- memory per review ------------------------------------------------------------------------


def _memory(size: Size) -> list[Figure]:
    objects = min(MACHINE_OBJECTS, size.memory_counts[0])
    per_machine = _traced_bytes(lambda: _machine_per_object(objects)) / objects
    shared = Machine(**peer_machines.transitions_config())
    per_model = _traced_bytes(lambda: _registered_kept(shared, objects)) / objects
    compare = (
        f"transitions at {objects:,} objects: a Machine each {per_machine:,.0f} B, "
        f"add_model to a shared one {per_model:,.0f} B"
    )
    figures: list[Figure] = []
    for count in size.memory_counts:
        per_review, held = _bytes_per_review(count)
        figures.append(
            Figure(
                f"memory per review at {held:,}", "memory", "bytes/review", per_review, None,
                note=f"tracemalloc; {compare}",
                extra={
                    "reviews": held,
                    "transitions_machine_per_object": per_machine,
                    "transitions_shared_machine_add_model": per_model,
                },
            )
        )  # fmt: skip
    first, last = figures[0], figures[-1]
    change = last.library / first.library - 1
    verdict = "flat" if abs(change) <= FLAT else "GROWS" if change > 0 else "shrinks"
    last.extra["change_vs_smallest"] = change
    last.note = f"{verdict}: {change:+.1%} vs {int(first.extra['reviews']):,}; {last.note}"
    return figures


def _bytes_per_review(count: int) -> tuple[float, int]:
    """Bytes the memory store grows by per review scheduled, for ``count`` reviews."""
    branches = max(1, count // 1_000)
    svc = data.service("memory://", count + branches, branches)
    held = 0

    def schedule() -> None:
        nonlocal held
        held = len(svc.schedule(data.OFFICE, data.MONTH).created)

    grown = _traced_bytes(schedule)
    assert held == count, (held, count)
    return grown / held, held


def _traced_bytes(build: Callable[[], object]) -> int:
    """Bytes allocated by ``build`` and still held by what it returns or stored, once garbage is
    collected (the result is kept alive until measured, then dropped)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del kept
    return grown


def _machine_per_object(count: int) -> list[Machine]:
    config = peer_machines.transitions_config()
    return [Machine(**{**config, "model": _Plain()}) for _ in range(count)]


def _registered_kept(machine: Machine, count: int) -> list[_Plain]:
    objects = [_Plain() for _ in range(count)]
    machine.add_model(objects)
    return objects


if __name__ == "__main__":
    chosen = SIZES[sys.argv[1] if len(sys.argv) > 1 else "tiny"]
    print("\n".join(table(run(chosen))))
