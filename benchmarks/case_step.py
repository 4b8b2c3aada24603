"""One step through the public service, and one step over many reviews in one call.

Library: ``service.start(secretary, review_id)`` on scheduled reviews, each its own
transaction (one step); ``service.take_many(secretary, "start", ids)`` on ``size.bulk``
reviews (the bulk path). Either way the library loads the review, checks the actor's scope,
fires the workflow (guards included), chains a history entry (SHA-256 over canonical JSON),
and writes the review and the entry with an optimistic version check.

Floor, same database, same durability, its own plain tables holding the same reviews and
their histories (each review's ``schedule`` entry, as the library's tables hold it): per step
a transaction that reads the review's reviewer, state, version and last digest (``FOR UPDATE``
on PostgreSQL and MariaDB; ``BEGIN IMMEDIATE`` on SQLite), checks that the caller is the
review's reviewer and that the state allows the step, computes the audit row's SHA-256 chained
to the last digest, updates the review with a version check (and checks the rows it changed),
inserts the audit row, and commits. The bulk floor does the same
for ``size.bulk`` reviews in one transaction: one locking ``SELECT … IN (…)``, then one
``executemany`` each for the updates and the audit rows (psycopg pipelines it).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

import reviewflow as rf
from benchmarks import data, floor
from benchmarks.harness import Figure, Size, fresh_database, interleave, per_second

_NEXT = "fact_finding"


def run(size: Size, db: str) -> list[Figure]:
    """The single-step and bulk figures on ``db``."""
    runs = size.repeat
    single = size.steps
    bulk = size.bulk
    # One branch of ``bulk`` members per bulk call (library and floor: 2 × runs); the single
    # steps of both sides take the rest (2 × runs × single reviews).
    per_branch = bulk + 1
    branches = 2 * runs + -(-2 * single * runs // bulk) + 1
    members = branches * per_branch
    with fresh_database(db) as url:
        svc = data.service(url, members, branches)
        created = svc.schedule(data.OFFICE, data.MONTH).created
        conn = floor.connect(url, svc.store)
        floor.copy_reviews(conn, db, svc.store, list(created))
        groups = _by_reviewer(created)
        singles = iter([r for g in groups[2 * runs :] for r in g])
        bulks = iter(groups[: 2 * runs])
        lock = "" if db == "sqlite" else " FOR UPDATE"

        def lib_single() -> float:
            batch = [next(singles) for _ in range(single)]
            return per_second(single, lambda: [svc.start(r.reviewer_id, r.id) for r in batch])

        def floor_single() -> float:
            batch = [next(singles) for _ in range(single)]
            return per_second(
                single, lambda: [_floor_step(conn, db, lock, r.reviewer_id, [r]) for r in batch]
            )

        def lib_bulk() -> float:
            batch = next(bulks)
            by = batch[0].reviewer_id
            ids = [r.id for r in batch]
            results = []
            speed = per_second(len(ids), lambda: results.extend(svc.take_many(by, "start", ids)))
            assert all(r.ok for r in results), [r.error for r in results if not r.ok][:1]
            return speed

        def floor_bulk() -> float:
            batch = next(bulks)
            by = batch[0].reviewer_id
            return per_second(len(batch), lambda: _floor_step(conn, db, lock, by, batch))

        one = interleave(lib_single, floor_single, runs)
        many = interleave(lib_bulk, floor_bulk, runs)
        conn.close()
        svc.store.close()
    return [
        Figure(
            "one step, one transaction", db, "steps/s", *one,
            target=0.75 if db == "sqlite" else 0.8,
        ),
        Figure(f"one step on {bulk:,} reviews, one call", db, "steps/s", *many, target=0.5),
    ]  # fmt: skip


def _by_reviewer(reviews: tuple[rf.Review, ...]) -> list[list[rf.Review]]:
    """The scheduled reviews, one list per secretary."""
    groups: dict[str, list[rf.Review]] = {}
    for review in reviews:
        groups.setdefault(review.reviewer_id, []).append(review)
    return [groups[k] for k in sorted(groups)]


def _floor_step(conn: Any, db: str, lock: str, actor: str, reviews: list[rf.Review]) -> None:
    m = floor.mark(db)
    floor.begin(conn, db)
    cur = conn.cursor()
    ids = [r.id for r in reviews]
    if len(ids) == 1:
        cur.execute(
            f"SELECT id, reviewer_id, state, version, last_digest FROM floor_reviews "
            f"WHERE id = {m}{lock}",
            ids,
        )
    else:
        cur.execute(
            f"SELECT id, reviewer_id, state, version, last_digest FROM floor_reviews "
            f"WHERE id IN ({', '.join([m] * len(ids))}){lock}",
            ids,
        )
    rows = cur.fetchall()
    if len(rows) != len(ids):
        conn.rollback()
        raise RuntimeError("a review is missing")
    updates: list[tuple[Any, ...]] = []
    audit: list[tuple[Any, ...]] = []
    at = data.MOMENT.isoformat()
    for rid, reviewer, state, version, last in rows:
        if state != "scheduled" or reviewer != actor:
            conn.rollback()
            raise RuntimeError(f"{rid} is {state}, its reviewer {reviewer}")
        entry = {
            "review_id": rid, "seq": version + 1, "at": at, "actor_id": actor,
            "action": "start", "from_state": state, "to_state": _NEXT, "data": {},
            "reason": "", "prev_digest": last,
        }  # fmt: skip
        # orjson, as in the scheduling floor: what a careful engineer would use.
        digest = hashlib.sha256(orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)).hexdigest()
        updates.append((_NEXT, version + 1, digest, rid, version))
        audit.append((rid, version + 1, at, actor, "start", state, _NEXT, "{}", last, digest))
    update = (
        f"UPDATE floor_reviews SET state = {m}, version = {m}, last_digest = {m} "
        f"WHERE id = {m} AND version = {m}"
    )
    insert = f"INSERT INTO floor_history VALUES ({', '.join([m] * 10)})"
    if len(updates) == 1:
        cur.execute(update, updates[0])
    else:
        cur.executemany(update, updates)
    if cur.rowcount != len(updates):  # the version check: another writer came first
        conn.rollback()
        raise RuntimeError("a review changed meanwhile")
    if len(audit) == 1:
        cur.execute(insert, audit[0])
    else:
        cur.executemany(insert, audit)
    conn.commit()
