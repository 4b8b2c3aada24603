"""A provincial platform in PostgreSQL: generated with the bulk paths, then read interactively.

The roster: a provincial committee over ``cities`` city committees, each over district
committees, each over branches, with members spread over the branches (each organization's
first member its secretary); at full size 1,000,000 members and 100,000 organizations. Twelve
monthly periods and four quarters of 2024 are scheduled through ``ReviewService.schedule`` (the
bulk path): about 11,600,000 reviews (a head is reviewed with the organization, not as a
member). A sample of each month's reviews is then taken through its first steps with
``take_many``, so that coverage has every state to count.

Measured, each the median of several calls on the warm service (the roster and the month's
plan cached, as in a running server): coverage of one month for the province, for one city's
subtree and for one branch, and one branch secretary's work list. Each must stay interactive:
at most 100 ms. The store changes between the calls, untimed: before each call one review of
the month is started and another cancelled (each in a branch of the first city), so that every
call counts a changed database and meets an organization whose reviews no longer match its
plan. Coverage of the province is also measured cold: a new service on a new connection, whose
first call reads the roster and makes the plan (its own line). The generation times are
reported alongside (not timed against a floor).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import reviewflow as rf
from benchmarks import data, floor
from benchmarks.harness import Figure, Size, fresh_database

SCALES = {  # size name → (members, cities, districts per city, branches per district)
    "tiny": (1_000, 2, 2, 5),
    "small": (50_000, 5, 10, 20),
    "full": (1_000_000, 10, 100, 99),
}
PERIODS = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2024-Q{q}" for q in range(1, 5)]


def province(members: int, cities: int, districts: int, branches: int) -> dict[str, list[object]]:
    """The provincial roster's records."""
    sec = {rf.Role.SECRETARY}
    orgs: list[object] = [rf.Organization("p", "省委", rf.OrgKind.COMMITTEE, "机关", None, "hp")]
    people: list[object] = [rf.Member("hp", "省委书记", "p", "管理", roles=sec)]

    def unit(org_id: str, name: str, kind: rf.OrgKind, parent: str) -> None:
        orgs.append(rf.Organization(org_id, name, kind, "机关", parent, f"h{org_id}"))
        people.append(rf.Member(f"h{org_id}", f"{name}书记", org_id, "管理", roles=sec))

    leaves: list[str] = []
    for c in range(cities):
        unit(f"c{c}", f"市委{c}", rf.OrgKind.COMMITTEE, "p")
        for d in range(districts):
            unit(f"c{c}d{d}", f"区委{c}-{d}", rf.OrgKind.COMMITTEE, f"c{c}")
            for b in range(branches):
                unit(f"c{c}d{d}b{b}", f"支部{c}-{d}-{b}", rf.OrgKind.BRANCH, f"c{c}d{d}")
                leaves.append(f"c{c}d{d}b{b}")
    remaining = max(members - len(people), 0)
    for n in range(remaining):
        branch = leaves[n % len(leaves)]
        people.append(rf.Member(f"m{n}", f"党员{n}", branch, "管理"))
    return {
        "organizations": orgs,
        "members": people,
        "liaisons": [],
        "office_staff": [rf.OfficeStaff(data.OFFICE, "办公室")],
    }


def run(size: Size, db: str) -> list[Figure]:
    """The scale figures on ``db`` (PostgreSQL in the suite)."""
    members, cities, districts, branches = SCALES[size.name]
    with fresh_database(db) as url:
        svc = rf.ReviewService(
            rf.open_store(url), clock=lambda: data.MOMENT, ids=rf.sequential_ids()
        )
        started = time.perf_counter()
        svc.import_roster(data.OFFICE, **province(members, cities, districts, branches))  # type: ignore[arg-type]
        imported = time.perf_counter() - started
        started = time.perf_counter()
        total = 0
        for period in PERIODS:
            total += len(svc.schedule(data.OFFICE, period).created)
        scheduled = time.perf_counter() - started
        branch, secretary = "c0d0b0", "hc0d0b0"
        started = time.perf_counter()
        for period in PERIODS[:12]:
            mine = [
                r.id
                for r in svc.reviews(data.OFFICE, within=period, root_id=branch)
                if r.reviewer_id == secretary
            ]
            svc.take_many(secretary, "start", mine[: len(mine) // 2])
        stepped = time.perf_counter() - started
        conn = floor.connect(url)
        floor.analyze(conn, db)  # what autovacuum does after a load this size, at once
        conn.close()
        month = PERIODS[0]

        def coverage(root: str | None) -> Callable[[], object]:
            return lambda: svc.coverage(data.OFFICE, month, root_id=root)

        # Reviews of the month in the first city's branches, to change between the calls.
        waiting = [
            r
            for r in svc.reviews(data.OFFICE, within=month, root_id="c0")
            if r.state is rf.ReviewState.SCHEDULED and r.kind is rf.ReviewKind.MEMBER
        ]
        waiting.sort(key=lambda r: r.id)

        def change() -> None:
            if len(waiting) >= 2:
                started, cancelled = waiting.pop(), waiting.pop(0)
                svc.start(started.reviewer_id, started.id)
                svc.cancel(data.OFFICE, cancelled.id, reason="benchmark: a change between calls")

        def cold() -> object:
            fresh = rf.ReviewService(rf.open_store(url), clock=lambda: data.MOMENT)
            try:
                return fresh.coverage(data.OFFICE, month)
            finally:
                fresh.store.close()

        cases: list[tuple[str, Callable[[], object]]] = [
            ("coverage of a month, the province", coverage(None)),
            ("coverage of a month, one city", coverage("c0")),
            ("coverage of a month, one branch", coverage(branch)),
            ("a branch secretary's work list", lambda: svc.work_list(secretary)),
        ]
        figures = []
        extra = {"import_s": imported, "schedule_s": scheduled, "steps_s": stepped}
        note = f"{members:,} members, {total:,} reviews"
        for name, call in cases:
            call()  # warm: the roster and plan caches, as in a running server
            figures.append(
                Figure(
                    name, db, "ms", _median_ms(call, max(size.repeat, 3), change), None,
                    at_most=100, note=f"{note}; a review started and one cancelled before each",
                    extra=extra,
                )
            )  # fmt: skip
        figures.append(
            Figure(
                "coverage of a month, the province, cold (new service: roster read, plan made)",
                db, "ms", _median_ms(cold, 3, change), None, note=note, extra=extra,
            )
        )  # fmt: skip
        svc.store.close()
    return figures


def _median_ms(call: Callable[[], object], repeat: int, change: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        change()  # untimed
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
