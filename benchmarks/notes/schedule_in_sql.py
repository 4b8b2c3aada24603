"""How fast the database itself can schedule a period: a lower bound for the ≤ 5 s target.

Not a case of the suite: an experiment that bounds what any scheduler could reach here. The
scheduling floor's roster and tables (``benchmarks.case_schedule``, reviews referencing members
and organizations), and the whole period made inside the database, set-based, with no row
through Python: the plan by one ``SELECT`` over the roster tables into a temporary table (the
audit JSON built by SQL), a digest per row by SQL, then one ``INSERT … SELECT`` into the reviews
and one into the audit rows, in one transaction. The digest is a SHA-256 over the audit JSON
and the review id, less than the library's chained digest over the whole entry: the bound is
lower than the real work, never higher. SQLite has no SHA-256 in SQL; it gets one as a
registered function (one Python call a row), as it would have to.

    .venv/bin/python -m benchmarks.notes.schedule_in_sql 1000000 postgresql
    .venv/bin/python -m benchmarks.notes.schedule_in_sql 1000000 sqlite

Prints the seconds of each statement and the total (the roster load is not timed).
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks import data, floor
from benchmarks.case_schedule import _load_roster
from benchmarks.harness import fresh_database

_PLAN = """
    SELECT 'r' || row_number() OVER (ORDER BY o.id, mem.id) AS rid, mem.id AS subject,
           o.id AS org, o.head_id AS head, {json} AS data
    FROM members mem JOIN organizations o ON o.id = mem.org_id
    WHERE o.parent_id IS NOT NULL AND mem.id <> o.head_id"""
_JSON = {
    "postgresql": "json_build_object('kind', 'member', 'org_id', o.id, 'period', '{period}', "
    "'reviewer_id', o.head_id, 'subject_id', mem.id)::text",
    "sqlite": "json_object('kind', 'member', 'org_id', o.id, 'period', '{period}', "
    "'reviewer_id', o.head_id, 'subject_id', mem.id)",
}
_DIGEST = {
    "postgresql": "encode(sha256(convert_to(data || rid, 'UTF8')), 'hex')",
    "sqlite": "sha256_hex(data || rid)",
}


def main(members: int, db: str) -> None:
    """Schedule ``members`` members in ``db`` inside the database; print the seconds."""
    branches = max(members // 1_000, 1)
    cities = max(min(branches // 10, 10), 1)
    period = str(data.MONTH)
    at = data.MOMENT.isoformat()
    with fresh_database(db) as url:
        conn = floor.connect(url)
        _load_roster(conn, db, members, branches, cities)
        if db == "sqlite":
            conn.create_function(
                "sha256_hex", 1, lambda s: hashlib.sha256(s.encode()).hexdigest(),
                deterministic=True,
            )  # fmt: skip
        cur = conn.cursor()
        plan = _PLAN.format(json=_JSON[db].format(period=period))
        reviews = (
            "INSERT INTO floor_reviews SELECT rid, 'member', head, subject, "
            f"'{period}', org, 'scheduled', 1, digest FROM plan"
        )
        history = (
            f"INSERT INTO floor_history SELECT rid, 1, '{at}', '{data.OFFICE}', 'schedule', "
            "NULL, 'scheduled', data, '', digest FROM plan"
        )
        statements = {
            "plan": f"CREATE TEMPORARY TABLE plan AS {plan}",
            "digest column": "ALTER TABLE plan ADD COLUMN digest TEXT",
            "digests": f"UPDATE plan SET digest = {_DIGEST[db]}",
            "reviews": reviews,
            "history": history,
        }
        took: dict[str, float] = {}
        started = time.perf_counter()
        with _transaction(conn, db):
            for name, statement in statements.items():
                clock = time.perf_counter()
                cur.execute(statement)
                took[name] = time.perf_counter() - clock
        total = time.perf_counter() - started
        cur.execute("SELECT count(*) FROM floor_history")
        (made,) = cur.fetchone()
        conn.close()
    parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in took.items())
    print(f"{db}: {made:,} reviews scheduled in the database in {total:.2f} s ({parts})")


@contextmanager
def _transaction(conn: Any, db: str) -> Iterator[None]:
    floor.begin(conn, db)
    yield
    if db == "sqlite":
        conn.execute("COMMIT")
    else:
        conn.commit()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
