"""The floors' side: raw driver connections with the library's own settings, and plain tables.

A floor is what a careful engineer writes without the library: the stdlib ``sqlite3``,
psycopg 3 or PyMySQL, plain tables with the constraints and indexes the work needs, and the
best SQL for the job. Each floor opens its own connection to the same database the library
uses in that case, with the same durability settings.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import urlsplit

import orjson

import reviewflow as rf


def connect(url: str, library: rf.Store | None = None) -> Any:
    """A raw DB-API connection to ``url``; for SQLite with the pragmas ``library`` runs."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        path = url.split("://", 1)[1][1:]
        conn = sqlite3.connect(path, isolation_level=None)
        for pragma, value in sqlite_pragmas(library).items():
            conn.execute(f"PRAGMA {pragma} = {value}")
        return conn
    if scheme.startswith("postgres"):
        import psycopg  # noqa: PLC0415

        return psycopg.connect(url, autocommit=False)
    import pymysql  # noqa: PLC0415

    parts = urlsplit(url)
    return pymysql.connect(
        host=parts.hostname, port=parts.port or 3306, user=parts.username or "root",
        password=parts.password or "", database=parts.path.lstrip("/"), charset="utf8mb4",
        autocommit=False,
    )  # fmt: skip


def sqlite_pragmas(library: rf.Store | None) -> dict[str, object]:
    """The durability pragmas of the library's SQLite connection (WAL, FULL by default)."""
    if library is None or not hasattr(library, "_conn"):
        return {"journal_mode": "WAL", "synchronous": 2, "foreign_keys": "ON"}
    conn = library._conn
    return {
        "journal_mode": conn.execute("PRAGMA journal_mode").fetchone()[0],
        "synchronous": conn.execute("PRAGMA synchronous").fetchone()[0],
        "foreign_keys": "ON",
    }


def dialect(url: str) -> str:
    """``sqlite``, ``postgresql`` or ``mysql``."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return "sqlite"
    return "postgresql" if scheme.startswith("postgres") else "mysql"


def mark(db: str) -> str:
    """The driver's placeholder."""
    return "?" if db == "sqlite" else "%s"


def begin(conn: Any, db: str) -> None:
    """Open a write transaction as a careful engineer would on ``db``."""
    if db == "sqlite":
        conn.execute("BEGIN IMMEDIATE")
    elif db == "mysql":
        conn.cursor().execute("START TRANSACTION")
    # psycopg opens the transaction with the first statement


def review_tables(db: str, *, roster: bool = False) -> list[str]:
    """Plain tables for reviews and their audit rows (what the step and scheduling floors work
    on), with the indexes the same product's reads need and the library's tables have: the
    one-per-slot constraint (which also serves a reviewer's work list), a period's reviews
    (coverage of the whole roster), an organization's reviews of a period (coverage of a
    subtree) and a member's own reviews. The state is in no index, as in the library's.

    With ``roster`` (tables ``members`` and ``organizations`` exist), a review's reviewer and
    organization reference them, as the library's reviews do: the database keeps a review
    from naming a member or organization it does not hold. Only scheduling inserts reviews,
    so only its floor pays for the check (a step changes no referencing column)."""
    idt = "TEXT" if db == "sqlite" else "VARCHAR(128)"
    suffix = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" if db == "mysql" else ""
    member_ref = " REFERENCES members (id)" if roster else ""
    org_ref = " REFERENCES organizations (id)" if roster else ""
    return [
        f"""CREATE TABLE floor_reviews (
            id {idt} PRIMARY KEY, kind VARCHAR(16) NOT NULL, reviewer_id {idt} NOT NULL{member_ref},
            subject_id {idt} NOT NULL, period VARCHAR(8) NOT NULL, org_id {idt} NOT NULL{org_ref},
            state VARCHAR(16) NOT NULL, version INTEGER NOT NULL,
            last_digest VARCHAR(64) NOT NULL,
            UNIQUE (reviewer_id, kind, subject_id, period)){suffix}""",
        f"""CREATE TABLE floor_history (
            review_id {idt} NOT NULL REFERENCES floor_reviews (id), seq INTEGER NOT NULL,
            at VARCHAR(40) NOT NULL, actor_id {idt} NOT NULL, action VARCHAR(40) NOT NULL,
            from_state VARCHAR(16), to_state VARCHAR(16) NOT NULL, data TEXT NOT NULL,
            prev_digest VARCHAR(64) NOT NULL, digest VARCHAR(64) NOT NULL,
            PRIMARY KEY (review_id, seq)){suffix}""",
        "CREATE INDEX floor_reviews_by_period ON floor_reviews (period)",
        "CREATE INDEX floor_reviews_by_org ON floor_reviews (org_id, period)",
        "CREATE INDEX floor_reviews_by_subject ON floor_reviews (subject_id, period)",
    ]


def copy_reviews(conn: Any, db: str, store: rf.Store, reviews: list[rf.Review]) -> None:
    """Create the floor's review tables and fill them with ``reviews`` as they stand, and the
    audit rows with their histories as ``store`` holds them: the floor's steps then add to
    tables and indexes as full as the library's (an empty audit table would take new rows
    into a few pages, where the library's history spreads them over an index of every
    review's entries)."""
    cur = conn.cursor()
    for statement in review_tables(db):
        cur.execute(statement)
    conn.commit()
    begin(conn, db)
    m = mark(db)
    cur.executemany(
        f"INSERT INTO floor_reviews VALUES ({', '.join([m] * 9)})",
        [
            (r.id, r.kind.value, r.reviewer_id, r.subject_id, str(r.period), r.org_id,
             r.state.value, r.version, r.last_digest)
            for r in reviews
        ],
    )  # fmt: skip
    cur.executemany(
        f"INSERT INTO floor_history VALUES ({', '.join([m] * 10)})",
        [
            (e.review_id, e.seq, e.at.isoformat(), e.actor_id, e.action,
             e.from_state.value if e.from_state else None, e.to_state.value,
             orjson.dumps(e.data, option=orjson.OPT_SORT_KEYS).decode(), e.prev_digest,
             e.digest)
            for r in reviews
            for e in store.history(r.id)
        ],
    )  # fmt: skip
    conn.commit()


def analyze(conn: Any, db: str) -> None:
    """Give the planner statistics of the tables just loaded (both sides query them)."""
    cur = conn.cursor()
    if db == "postgresql":
        cur.execute("ANALYZE")
    elif db == "mysql":
        for table in ("reviews", "members", "organizations", "history"):
            cur.execute(f"ANALYZE TABLE {table}")
            cur.fetchall()
    else:
        cur.execute("ANALYZE")
    conn.commit()
