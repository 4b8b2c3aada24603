"""Coverage of one period: over the whole roster, and over one city's subtree.

The data: ``size.coverage_reviews`` members over ``size.coverage_orgs`` branches under a few
city committees, the month 2024-01 scheduled through the library (one member review per member,
by the branch secretary); then, through the public service, a fifth of the reviews started
(``take_many``), one in fifty waived and one in a hundred cancelled (each a named gap). The
reviewed and closed states need a review's full content and are not produced here; coverage
counts them the same way as the states that are.

Library: ``service.coverage(office, "2024-01")`` and ``…, root_id="c0"``, on a warm service (the
roster and the plan cached, as in a running server; the first call, which also plans, is not
timed), two ways. Counted afresh: ``service.forget_coverage()`` before each call (untimed), so
that every call counts the period in the database, as the floor does. Kept up to date: before
each call (untimed) one review of the scope is started and another cancelled, and the service
counts in what the store says changed since its last call (PostgreSQL and SQLite; MariaDB
counts afresh anyway).

Floor, raw driver on the same tables: the same report by hand with the best SQL: counts by
organization and state, by reviewer and state, by post category and state (joined to members),
and the named gaps (members other than their organization's head with no live review of the
period, by ``NOT EXISTS``), fetched into Python; for the subtree, the same restricted to its
organizations.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import reviewflow as rf
from benchmarks import data, floor
from benchmarks.harness import Figure, Size, fresh_database, interleave


def run(size: Size, db: str) -> list[Figure]:
    """The two coverage figures on ``db``."""
    members, branches = size.coverage_reviews, size.coverage_orgs
    cities = max(min(branches // 10, 10), 2)
    with fresh_database(db) as url:
        svc = data.service(url, members, branches, cities)
        created = svc.schedule(data.OFFICE, data.MONTH).created
        _mix_states(svc, created)
        conn = floor.connect(url, svc.store)
        floor.analyze(conn, db)  # fresh statistics after the load, as autovacuum would give
        subtree = svc.roster().subtree("c0")
        figures = []
        # Scheduled member reviews of the subtree (in both scopes), to change between calls.
        waiting = [
            r
            for r in svc.reviews(data.OFFICE, within=data.MONTH, root_id="c0", states=[_SCHEDULED])
            if r.kind is rf.ReviewKind.MEMBER
        ]

        def change() -> None:
            if len(waiting) >= 2:
                started, cancelled = waiting.pop(), waiting.pop(0)
                svc.start(started.reviewer_id, started.id)
                svc.cancel(data.OFFICE, cancelled.id, reason="benchmark: a change between calls")

        for name, root, orgs in (
            ("coverage, whole period", None, None),
            ("coverage, one subtree", "c0", subtree),
        ):
            svc.coverage(data.OFFICE, data.MONTH, root_id=root)  # warm: plans once
            raw = _speed(lambda o=orgs: _floor_coverage(conn, db, o))
            for how, before in (
                ("counted afresh", svc.forget_coverage),
                ("kept up to date, a review started and one cancelled before each", change),
            ):
                library = _speed(
                    lambda r=root: svc.coverage(data.OFFICE, data.MONTH, root_id=r), before
                )
                lib, flo = interleave(library, raw, size.repeat)
                figures.append(
                    Figure(f"{name}, {how}", db, "reports/s", lib, flo, target=0.33,
                           note=f"{len(created):,} reviews, {branches:,} organizations")
                )  # fmt: skip
        conn.close()
        svc.store.close()
    return figures


_SCHEDULED = rf.ReviewState.SCHEDULED


def _speed(
    call: Callable[[], object], before: Callable[[], object] = lambda: None
) -> Callable[[], float]:
    def once() -> float:
        before()  # untimed
        started = time.perf_counter()
        call()
        return 1 / (time.perf_counter() - started)

    return once


def _mix_states(svc: rf.ReviewService, created: tuple[rf.Review, ...]) -> None:
    by_reviewer: dict[str, list[str]] = {}
    for n, review in enumerate(created):
        if n % 100 == 7:
            svc.cancel(data.OFFICE, review.id, reason="误排")
        elif n % 50 == 3:
            svc.waive(data.OFFICE, review.id, reason="长期病假")
        elif n % 5 == 0:
            by_reviewer.setdefault(review.reviewer_id, []).append(review.id)
    for reviewer, ids in by_reviewer.items():
        svc.take_many(reviewer, "start", ids)


def _floor_coverage(conn: Any, db: str, orgs: tuple[str, ...] | None) -> tuple[Any, ...]:
    m = floor.mark(db)
    period = str(data.MONTH)
    where = f"r.period = {m}"
    params: list[Any] = [period]
    if orgs is not None:
        where += f" AND r.org_id IN ({', '.join([m] * len(orgs))})"
        params += list(orgs)
    cur = conn.cursor()
    out = []
    for group in ("r.org_id", "r.reviewer_id"):
        cur.execute(
            f"SELECT {group}, r.state, COUNT(*) FROM reviews r WHERE {where} "
            f"GROUP BY {group}, r.state",
            params,
        )
        out.append(cur.fetchall())
    cur.execute(
        "SELECT mem.post_category, r.state, COUNT(*) FROM reviews r "
        f"JOIN members mem ON mem.id = r.subject_id WHERE {where} AND r.kind = 'member' "
        "GROUP BY mem.post_category, r.state",
        params,
    )
    out.append(cur.fetchall())
    member_orgs = "" if orgs is None else f" AND mem.org_id IN ({', '.join([m] * len(orgs))})"
    cur.execute(
        "SELECT mem.id, mem.name, o.id, o.name FROM members mem "
        "JOIN organizations o ON o.id = mem.org_id "
        f"WHERE o.parent_id IS NOT NULL AND mem.id <> o.head_id{member_orgs} "
        "AND mem.left_on IS NULL AND NOT EXISTS (SELECT 1 FROM reviews r "
        f"WHERE r.subject_id = mem.id AND r.period = {m} AND r.kind = 'member' "
        "AND r.state <> 'cancelled')",
        [*(orgs or ()), period],
    )
    out.append(cur.fetchall())
    if db != "sqlite":
        conn.commit()
    return tuple(out)
