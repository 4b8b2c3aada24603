"""SQL stores: SQLite (the embedded default), PostgreSQL (psycopg 3) and MySQL/MariaDB (PyMySQL).

One :class:`SqlStore` speaks plain DB-API to every database; a small :class:`Dialect` holds what
differs (placeholders, upserts, column types, how to connect, which driver errors mean what).
No ORM sits in between: the bulk paths (scheduling a period, one step over many reviews) are
``executemany`` calls the driver batches itself.

A review is kept as one row: the columns the queries filter on, plus the whole record as JSON
(``doc``). Its history, ledger items, the attempt log, orders and exemplars have tables of their
own. The database enforces what it can: one review per (reviewer, kind, subject, period), one
history entry per (review, seq), foreign keys. The schema is versioned (see :data:`SCHEMA_VERSION`):
an empty database is set up on first open; an older one is refused until :meth:`SqlStore.upgrade`
runs, and a newer one is refused outright.
"""

from __future__ import annotations

import collections
import contextlib
import json
import operator
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import attrs
import orjson

from reviewflow.domain.office import CoverageFacts, Exemplar, SupervisionOrder, slot_hash
from reviewflow.domain.periods import Period
from reviewflow.domain.review import (
    _RECORD_DEFAULTS,
    Attempt,
    HistoryEntry,
    Review,
    ReviewRef,
    ReviewState,
)
from reviewflow.domain.roster import (
    LiaisonAssignment,
    Member,
    OfficeStaff,
    Organization,
    Roster,
    RosterRecord,
)
from reviewflow.domain.serial import (
    canonical_json,
    converter,
    structure,
    unstructure,
)
from reviewflow.domain.vocabulary import Basis, MemberStatus, OrgKind, ReviewKind, Role
from reviewflow.errors import (
    ConcurrencyConflict,
    IntegrityError,
    ReviewflowError,
    StoreError,
    StoreUnavailable,
)
from reviewflow.store.base import (
    Applied,
    ChangeSet,
    ReviewQuery,
    by_period_then_id,
    check_entry,
    check_imported,
)

__all__ = [
    "DIALECTS",
    "SCHEMA_VERSION",
    "Dialect",
    "MysqlDialect",
    "PostgresDialect",
    "SchemaMismatch",
    "SqlStore",
    "SqliteDialect",
    "redact_url",
]

SCHEMA_VERSION = 4
"""The schema this version of the library reads and writes."""

# A review within a period: it starts and ends within it. The third condition follows from the
# other two (a period starts before it ends) and bounds the range an index on (period_start, …)
# or (org_id, period_start) scans: without it, every later period's entries are read and dropped.
_WITHIN = "period_start >= ? AND period_end <= ? AND period_start <= ?"
_IN_CHUNK = 1_000  # ids per IN (...) list: far below every database's limit on parameters
_PREPARED_PARAMS = 16  # PostgreSQL: statements with more values than this are never prepared
_W = TypeVar("_W")
_RETRIES = 5  # a transaction that loses a race (a deadlock, another scheduler) is retried


class SchemaMismatch(StoreError):
    """The database's schema is not the one this library version uses.

    ``found`` is the database's schema version, ``expected`` the library's. An older database is
    upgraded with ``reviewflow.upgrade_store(url)``; a newer one needs a newer library.
    """

    def __init__(self, url: str, found: int, expected: int) -> None:
        self.url = url
        self.found = found
        self.expected = expected
        if found < expected:
            todo = "back it up (copy_store), then run reviewflow.upgrade_store(url) once"
        else:
            todo = "this library is older than the database: install the newer reviewflow"
        super().__init__(
            f"the database {url} has schema version {found}, this library uses {expected}; {todo}"
        )


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


# -- dialects ------------------------------------------------------------------------------------


class Connection(Protocol):
    """The part of a DB-API connection the store uses."""

    def cursor(self) -> Any: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


class Dialect:
    """What differs between databases. Subclasses fill in the details."""

    name = "sql"
    placeholder = "%s"
    id_type = "VARCHAR(128)"
    text_type = "TEXT"
    big_text_type = "TEXT"
    table_suffix = ""
    lock_rows = " FOR UPDATE"
    """Appended to a SELECT to lock the rows it reads until the transaction ends."""
    rows_per_insert = 1
    """Rows one INSERT carries where a statement of many VALUES beats ``executemany`` (bulk
    inserts: scheduling, the state step's history; 1: ``executemany``)."""
    row_key = "id"
    """What names a review's row again in the transaction that read it (SQLite: its rowid,
    which finds the row without a look in the primary key's index)."""

    unit_separator = "char(31)"
    """The ASCII unit separator as an SQL expression (it joins a slot's parts into one key)."""

    def concat(self, parts: Sequence[str]) -> str:
        """SQL that joins the string expressions ``parts``."""
        return " || ".join(parts)

    def copy(
        self,
        cursor: Any,  # noqa: ARG002 - none by default
        table: str,  # noqa: ARG002
        columns: Sequence[str],  # noqa: ARG002
        rows: Iterable[Sequence[Any]],  # noqa: ARG002
    ) -> bool:
        """Load ``rows`` into ``table`` by the database's bulk path, if it has one that beats
        ``executemany``; False (nothing done, ``rows`` not touched) when not."""
        return False

    def execute(self, cursor: Any, statement: str, params: tuple[Any, ...]) -> None:
        """Run one statement with its parameters."""
        cursor.execute(statement, params)

    def one_statement_steps(self, conn: Connection) -> bool:  # noqa: ARG002 - none by default
        """Whether a step's update and history entry can go to the database in one round trip
        (a data-modifying CTE on PostgreSQL, a multi-statement query on MySQL)."""
        return False

    def connect(self, url: str) -> Connection:
        """A new connection to ``url``, with autocommit off."""
        raise NotImplementedError

    def begin(self, conn: Connection) -> None:
        """Start a write transaction."""
        conn.cursor().execute("BEGIN")

    def autocommits(self, conn: Connection) -> bool:  # noqa: ARG002 - none by default
        """Whether ``conn`` runs each statement outside a transaction unless one is begun: then
        a read needs no COMMIT to end it (one round trip less)."""
        return False

    def upsert(self, table: str, columns: Sequence[str], keys: Sequence[str]) -> str:
        """An INSERT that replaces the row with the same ``keys``."""
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
        return (
            f"INSERT INTO {table} ({names}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
        )

    def sql(self, statement: str) -> str:
        """``statement`` with ``?`` placeholders in this driver's style."""
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)

    def is_unique_violation(self, error: BaseException) -> bool:
        """Whether the driver error is a unique or primary key violation."""
        raise NotImplementedError

    def is_unavailable(self, error: BaseException) -> bool:
        """Whether the driver error means the database cannot be reached or used now."""
        raise NotImplementedError

    def is_integrity_error(self, error: BaseException) -> bool:
        """Whether the driver error is a constraint violation."""
        raise NotImplementedError

    def is_retryable(self, error: BaseException) -> bool:  # noqa: ARG002 - none by default
        """Whether the transaction lost a race (deadlock, serialization) and may be retried."""
        return False

    def is_driver_error(self, error: BaseException) -> bool:
        """Whether ``error`` comes from this dialect's driver."""
        raise NotImplementedError


class SqliteDialect(Dialect):
    """SQLite through the standard library, in WAL mode with a busy timeout.

    Durable by default: ``synchronous=FULL`` syncs the write-ahead log at every commit, so a
    committed step survives a power cut. ``sqlite:///file.db?synchronous=normal`` trades that
    for speed (a crash of the machine, not of the process, may lose the last commits; the
    database stays consistent).
    """

    name = "sqlite"
    placeholder = "?"
    lock_rows = ""  # BEGIN IMMEDIATE holds the database's write lock already
    row_key = "rowid"  # stable while the write lock is held
    # 100 rows a statement: 1,000 history rows in 1.2 ms instead of 1.6 (measured); the
    # statement is compiled once (a statement of each length is compiled anew: 2.6 ms for
    # 1,000 rows).
    rows_per_insert = 100
    id_type = "TEXT"
    busy_timeout_ms = 10_000
    synchronous_levels = ("full", "normal", "extra")

    def connect(self, url: str) -> Connection:
        path = _sqlite_path(url)
        options = {k.lower(): v[-1].lower() for k, v in parse_qs(urlsplit(url).query).items()}
        synchronous = options.pop("synchronous", "full")
        if synchronous not in self.synchronous_levels or options:
            raise ValueError(
                f"unknown SQLite option in {url!r}: the only option is synchronous="
                f"{'|'.join(self.synchronous_levels)} (full, the default, is durable)"
            )
        conn = sqlite3.connect(
            path,
            isolation_level=None,  # transactions are begun explicitly (BEGIN IMMEDIATE)
            check_same_thread=False,  # the store serializes access with its own lock
            timeout=self.busy_timeout_ms / 1000,
        )
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
        if path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        return conn

    def autocommits(self, conn: Connection) -> bool:
        return getattr(conn, "isolation_level", "") is None

    def begin(self, conn: Connection) -> None:
        # IMMEDIATE takes the write lock at once: two writers never deadlock on an upgrade.
        conn.cursor().execute("BEGIN IMMEDIATE")

    def one_statement_steps(self, conn: Connection) -> bool:  # noqa: ARG002 - always
        return True

    def is_unique_violation(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)

    def is_unavailable(self, error: BaseException) -> bool:
        words = ("locked", "busy", "unable to open", "disk", "readonly", "not a database")
        return isinstance(error, sqlite3.OperationalError) and any(w in str(error) for w in words)

    def is_integrity_error(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.IntegrityError)

    def is_driver_error(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.Error)


class PostgresDialect(Dialect):
    """PostgreSQL through psycopg 3, at the default isolation (read committed)."""

    name = "postgresql"
    unit_separator = "chr(31)"

    def copy(
        self, cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> bool:
        # COPY: a scheduled period's rows in one stream instead of a statement each; the
        # server takes each chunk as it arrives, while the next rows are made.
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return True

    def execute(self, cursor: Any, statement: str, params: tuple[Any, ...]) -> None:
        # psycopg prepares a statement on the server once it has run a few times, and
        # PostgreSQL then may run it by a generic plan, made without the values. For a long
        # IN list that plan can be ruinous: coverage of a city (ten lists of 1,000
        # organizations) went from 14 ms a list to 3.4 s, scanning the period's rows and
        # testing each against the list. Statements with many values are planned each time.
        cursor.execute(statement, params, prepare=False if len(params) > _PREPARED_PARAMS else None)

    def one_statement_steps(self, conn: Connection) -> bool:  # noqa: ARG002 - always
        return True

    def connect(self, url: str) -> Connection:
        import psycopg  # noqa: PLC0415 - an optional dependency

        conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        # Reads run as single statements (no COMMIT round trip); writes begin explicitly.
        return psycopg.connect(conninfo, autocommit=True)

    def begin(self, conn: Connection) -> None:
        if self.autocommits(conn):
            conn.cursor().execute("BEGIN")
        # else psycopg opens a transaction with the first statement

    def autocommits(self, conn: Connection) -> bool:
        return bool(getattr(conn, "autocommit", False))

    def is_unique_violation(self, error: BaseException) -> bool:
        import psycopg.errors  # noqa: PLC0415

        return isinstance(error, psycopg.errors.UniqueViolation)

    def is_unavailable(self, error: BaseException) -> bool:
        import psycopg  # noqa: PLC0415

        return isinstance(error, psycopg.OperationalError)

    def is_integrity_error(self, error: BaseException) -> bool:
        import psycopg  # noqa: PLC0415

        return isinstance(error, psycopg.IntegrityError)

    def is_retryable(self, error: BaseException) -> bool:
        import psycopg.errors  # noqa: PLC0415

        return isinstance(
            error, psycopg.errors.DeadlockDetected | psycopg.errors.SerializationFailure
        )

    def is_driver_error(self, error: BaseException) -> bool:
        import psycopg  # noqa: PLC0415

        return isinstance(error, psycopg.Error)


class MysqlDialect(Dialect):
    """MySQL and MariaDB through PyMySQL (InnoDB, utf8mb4, binary collation for ids)."""

    name = "mysql"
    id_type = "VARCHAR(128)"
    text_type = "TEXT"
    big_text_type = "LONGTEXT"
    table_suffix = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

    def connect(self, url: str) -> Connection:
        import pymysql  # noqa: PLC0415 - an optional dependency
        from pymysql.constants import CLIENT  # noqa: PLC0415

        parts = urlsplit(url)
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return pymysql.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=parts.path.lstrip("/") or None,
            charset="utf8mb4",
            autocommit=True,  # reads need no COMMIT; writes START TRANSACTION
            unix_socket=options.get("unix_socket"),
            # A step's BEGIN, UPDATE and INSERT go in one round trip (parameters are escaped by
            # the driver; no statement is ever built from input).
            client_flag=CLIENT.MULTI_STATEMENTS,
        )

    def begin(self, conn: Connection) -> None:
        conn.cursor().execute("START TRANSACTION")

    unit_separator = "CHAR(31 USING utf8mb4)"  # CHAR(31) alone is a binary string

    def concat(self, parts: Sequence[str]) -> str:
        return f"CONCAT({', '.join(parts)})"

    def one_statement_steps(self, conn: Connection) -> bool:
        from pymysql.constants import CLIENT  # noqa: PLC0415

        return bool(getattr(conn, "client_flag", 0) & CLIENT.MULTI_STATEMENTS)

    def autocommits(self, conn: Connection) -> bool:
        get = getattr(conn, "get_autocommit", None)
        return bool(get()) if get is not None else False

    def upsert(self, table: str, columns: Sequence[str], keys: Sequence[str]) -> str:
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        updates = ", ".join(f"{c} = VALUES({c})" for c in columns if c not in keys)
        return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON DUPLICATE KEY UPDATE {updates}"

    def is_unique_violation(self, error: BaseException) -> bool:
        import pymysql  # noqa: PLC0415

        return isinstance(error, pymysql.err.IntegrityError) and error.args[0] == 1062

    def is_unavailable(self, error: BaseException) -> bool:
        import pymysql  # noqa: PLC0415

        return isinstance(error, pymysql.err.OperationalError)

    def is_integrity_error(self, error: BaseException) -> bool:
        import pymysql  # noqa: PLC0415

        return isinstance(error, pymysql.err.IntegrityError)

    def is_retryable(self, error: BaseException) -> bool:
        import pymysql  # noqa: PLC0415

        deadlock, lock_wait_timeout = 1213, 1205
        return isinstance(error, pymysql.err.OperationalError) and error.args[0] in (
            deadlock,
            lock_wait_timeout,
        )

    def is_driver_error(self, error: BaseException) -> bool:
        import pymysql  # noqa: PLC0415

        return isinstance(error, pymysql.err.Error)


DIALECTS: Mapping[str, type[Dialect]] = {
    "sqlite": SqliteDialect,
    "postgresql": PostgresDialect,
    "postgres": PostgresDialect,
    "postgresql+psycopg": PostgresDialect,
    "mysql": MysqlDialect,
    "mariadb": MysqlDialect,
    "mysql+pymysql": MysqlDialect,
}


def _sqlite_path(url: str) -> str:
    # sqlite:///relative.db, sqlite:////absolute.db, sqlite:// (in memory)
    rest = url.split("://", 1)[1].split("?", 1)[0]  # the options are not part of the path
    if rest in ("", "/", "/:memory:"):
        return ":memory:"
    return rest[1:] if rest.startswith("/") else rest


# -- the schema ----------------------------------------------------------------------------------


def _schema_v1(d: Dialect) -> list[str]:
    i, t, b, s = d.id_type, d.text_type, d.big_text_type, d.table_suffix
    day = "VARCHAR(10)"
    return [
        f"CREATE TABLE reviewflow_meta (name VARCHAR(64) PRIMARY KEY, value {t} NOT NULL){s}",
        f"""CREATE TABLE organizations (
            id {i} PRIMARY KEY, name {t} NOT NULL, kind VARCHAR(32) NOT NULL,
            org_type {t} NOT NULL, parent_id {i} NULL REFERENCES organizations (id),
            head_id {i} NULL, dissolved_on {day} NULL){s}""",
        f"""CREATE TABLE members (
            id {i} PRIMARY KEY, name {t} NOT NULL,
            org_id {i} NOT NULL REFERENCES organizations (id),
            post_category {t} NOT NULL, status VARCHAR(32) NOT NULL, roles {t} NOT NULL,
            left_on {day} NULL, left_reason {t} NOT NULL, joined_on {day} NULL){s}""",
        f"CREATE TABLE office_staff (id {i} PRIMARY KEY, name {t} NOT NULL){s}",
        f"""CREATE TABLE liaisons (
            committee_member_id {i} NOT NULL REFERENCES members (id),
            org_id {i} NOT NULL REFERENCES organizations (id),
            since {day} NULL, until {day} NULL,
            PRIMARY KEY (committee_member_id, org_id)){s}""",
        f"""CREATE TABLE reviews (
            id {i} PRIMARY KEY, kind VARCHAR(16) NOT NULL,
            reviewer_id {i} NOT NULL REFERENCES members (id), subject_id {i} NOT NULL,
            period VARCHAR(8) NOT NULL, period_start {day} NOT NULL, period_end {day} NOT NULL,
            basis VARCHAR(16) NOT NULL, org_id {i} NOT NULL REFERENCES organizations (id),
            state VARCHAR(16) NOT NULL, version INTEGER NOT NULL, last_digest VARCHAR(64) NOT NULL,
            doc {b} NOT NULL,
            CONSTRAINT reviews_one_per_slot UNIQUE (reviewer_id, kind, subject_id, period)){s}""",
        "CREATE INDEX reviews_by_period ON reviews (period_start, period_end)",
        "CREATE INDEX reviews_by_org ON reviews (org_id, period_start)",
        "CREATE INDEX reviews_by_reviewer ON reviews (reviewer_id, state)",
        "CREATE INDEX reviews_by_subject ON reviews (subject_id, period_start)",
        f"""CREATE TABLE history (
            review_id {i} NOT NULL REFERENCES reviews (id), seq INTEGER NOT NULL,
            at VARCHAR(40) NOT NULL, actor_id {i} NOT NULL, action VARCHAR(40) NOT NULL,
            from_state VARCHAR(16) NULL, to_state VARCHAR(16) NOT NULL, data {b} NOT NULL,
            reason {t} NOT NULL, prev_digest VARCHAR(64) NOT NULL, digest VARCHAR(64) NOT NULL,
            PRIMARY KEY (review_id, seq)){s}""",
        f"""CREATE TABLE ledger_items (
            review_id {i} NOT NULL REFERENCES reviews (id), item_id {i} NOT NULL,
            requirement_id {i} NOT NULL, measure {t} NOT NULL, owner {t} NOT NULL,
            due {day} NOT NULL, status VARCHAR(16) NOT NULL, done_on {day} NULL,
            PRIMARY KEY (review_id, item_id)){s}""",
        "CREATE INDEX ledger_items_by_due ON ledger_items (status, due)",
        f"""CREATE TABLE attempts (
            seq INTEGER NOT NULL, id {i} PRIMARY KEY, at VARCHAR(40) NOT NULL,
            actor_id {i} NOT NULL, action VARCHAR(40) NOT NULL, review_id {i} NULL,
            error VARCHAR(64) NOT NULL, message {b} NOT NULL, details {b} NOT NULL){s}""",
        "CREATE INDEX attempts_by_review ON attempts (review_id, seq)",
        f"""CREATE TABLE orders (
            id {i} PRIMARY KEY, seq INTEGER NOT NULL, org_id {i} NOT NULL,
            status VARCHAR(16) NOT NULL, deadline {day} NOT NULL, version INTEGER NOT NULL,
            doc {b} NOT NULL){s}""",
        f"""CREATE TABLE exemplars (
            id {i} PRIMARY KEY, seq INTEGER NOT NULL, org_id {i} NOT NULL, doc {b} NOT NULL){s}""",
    ]


def _schema_v2(d: Dialect) -> list[str]:
    """Cheaper steps: a step changes a review's state, version and digest and adds one history
    entry, so no index of ``reviews`` holds those columns any longer (PostgreSQL can then
    update the row in place, a HOT update, and leaves room for it in each page), and SQLite
    keeps the history in its primary key's own b-tree (``WITHOUT ROWID``): one b-tree written
    per entry instead of two."""
    drop_old = (
        "DROP INDEX reviews_by_reviewer ON reviews"
        if d.name == "mysql"
        else "DROP INDEX reviews_by_reviewer"
    )
    # The new index first: MySQL needs one on reviewer_id for its foreign key at all times.
    statements = ["CREATE INDEX reviews_of_reviewer ON reviews (reviewer_id)", drop_old]
    if d.name == "postgresql":
        statements.append("ALTER TABLE reviews SET (fillfactor = 85)")
    if d.name == "sqlite":
        columns = ", ".join(_HISTORY_COLUMNS)
        statements += [
            """CREATE TABLE history_v2 (
            review_id TEXT NOT NULL REFERENCES reviews (id), seq INTEGER NOT NULL,
            at VARCHAR(40) NOT NULL, actor_id TEXT NOT NULL, action VARCHAR(40) NOT NULL,
            from_state VARCHAR(16) NULL, to_state VARCHAR(16) NOT NULL, data TEXT NOT NULL,
            reason TEXT NOT NULL, prev_digest VARCHAR(64) NOT NULL, digest VARCHAR(64) NOT NULL,
            PRIMARY KEY (review_id, seq)) WITHOUT ROWID""",
            f"INSERT INTO history_v2 ({columns}) SELECT {columns} FROM history",
            "DROP TABLE history",
            "ALTER TABLE history_v2 RENAME TO history",
        ]
    return statements


def _schema_v3(d: Dialect) -> list[str]:
    """SQLite keeps the history in a table of its own again, in order of writing, with its
    primary key's index beside it (as schema 1 did). In the key's own b-tree (schema 2) an
    entry lands next to its review's earlier entries, so a step over many reviews wrote into
    every page that held one of them, and split the pages scheduling had filled: 1,000 entries
    wrote about 750 pages where the table and its index write about 100, and the commit costs
    by the page. One step alone writes one page either way (measured: no change).

    On every database, the index on a review's reviewer alone goes: the one-per-slot
    constraint begins with the reviewer and serves the same lookups (and MySQL's foreign key),
    and one b-tree fewer is written per scheduled review (a quarter of SQLite's insert time,
    measured).

    Coverage by fingerprint: each review keeps its slot's hash (:func:`slot_hash`, 40 bits),
    which coverage sums by organization in the database; the upgrade fills it in for the
    reviews already there (:data:`FILLS`)."""
    drop = (
        "DROP INDEX reviews_of_reviewer ON reviews"
        if d.name == "mysql"
        else "DROP INDEX reviews_of_reviewer"
    )
    fingerprint = "ALTER TABLE reviews ADD COLUMN slot_hash BIGINT NOT NULL DEFAULT 0"
    if d.name != "sqlite":
        return [drop, fingerprint]
    columns = ", ".join(_HISTORY_COLUMNS)
    return [
        drop,
        fingerprint,
        """CREATE TABLE history_v3 (
        review_id TEXT NOT NULL REFERENCES reviews (id), seq INTEGER NOT NULL,
        at VARCHAR(40) NOT NULL, actor_id TEXT NOT NULL, action VARCHAR(40) NOT NULL,
        from_state VARCHAR(16) NULL, to_state VARCHAR(16) NOT NULL, data TEXT NOT NULL,
        reason TEXT NOT NULL, prev_digest VARCHAR(64) NOT NULL, digest VARCHAR(64) NOT NULL,
        PRIMARY KEY (review_id, seq))""",
        f"INSERT INTO history_v3 ({columns}) SELECT {columns} FROM history",
        "DROP TABLE history",
        "ALTER TABLE history_v3 RENAME TO history",
    ]


def _fill_slot_hashes(store: SqlStore, cur: Any) -> None:
    rows = store._q(cur, "SELECT id, kind, reviewer_id, subject_id, period FROM reviews", [])
    store._many(
        cur,
        "UPDATE reviews SET slot_hash = ? WHERE id = ?",
        [
            (slot_hash(ReviewKind(kind), reviewer_id, subject_id, Period.parse(period)), rid)
            for rid, kind, reviewer_id, subject_id, period in rows.fetchall()
        ],
    )


def _schema_v4(d: Dialect) -> list[str]:
    """PostgreSQL: each history entry keeps the id of the transaction that wrote it (``xid``,
    from ``pg_current_xact_id()``), so that coverage can ask for what was written after the
    snapshot its facts were counted in (:meth:`SqlStore.coverage_changes`): serial numbers are
    not committed in their order, transaction ids against a snapshot say exactly which writes
    it saw. The entries already there keep NULL (all committed, seen by any snapshot taken
    after the upgrade); adding the column rewrites nothing.

    An index finds the steps newer than a snapshot; the entries that create a review (from no
    state) are left out of it, so that scheduling a period writes no more index than before
    (one more b-tree per entry made scheduling 15 % slower, measured). Instead each
    transaction that creates reviews adds one to the ``created`` count (one row, once per
    transaction), and coverage counts afresh when it has moved: a period's reviews are created
    in bulk, and their count would be recounted anyway.

    SQLite needs nothing (one writer at a time: the history's rowid follows the commits),
    MySQL nothing either (coverage counts afresh)."""
    if d.name != "postgresql":
        return []
    return [
        "ALTER TABLE history ADD COLUMN xid xid8 NULL",
        "ALTER TABLE history ALTER COLUMN xid SET DEFAULT pg_current_xact_id()",
        (
            "CREATE INDEX history_by_xid ON history (xid) "
            "WHERE xid IS NOT NULL AND from_state IS NOT NULL"
        ),
        "INSERT INTO reviewflow_meta (name, value) VALUES ('created', '0')",
    ]


MIGRATIONS: Mapping[int, Callable[[Dialect], list[str]]] = {
    1: _schema_v1,
    2: _schema_v2,
    3: _schema_v3,
    4: _schema_v4,
}
"""Schema version → the statements that bring the previous version to it."""

FILLS: Mapping[int, Callable[[SqlStore, Any], None]] = {3: _fill_slot_hashes}
"""Schema version → what the upgrade to it writes into the rows already there, after its
statements and in the same transaction (where the database has transactional DDL)."""


# -- the store -----------------------------------------------------------------------------------


class SqlStore:
    """A :class:`~reviewflow.store.Store` over a SQL database. Open it with ``open_store(url)``.

    One connection, used under a lock: share the store between the threads of a process, or
    open one per process. The roster is cached and reloaded when another writer changed it.

    An empty database gets the schema on first open (``create=False`` refuses instead); a
    database at another schema version raises :class:`SchemaMismatch`, unless ``check=False``,
    which opens it only to run :meth:`upgrade`. ``connect`` replaces the dialect's own
    connection: a DB-API connection to a database the dialect speaks to (a
    PostgreSQL-compatible KingbaseES through its own driver, say).
    """

    def __init__(
        self,
        url: str,
        dialect: Dialect,
        *,
        connect: Callable[[], Connection] | None = None,
        create: bool = True,
        check: bool = True,
    ) -> None:
        self._url = redact_url(url)
        self.dialect = dialect
        self._lock = threading.RLock()
        try:
            self._conn = connect() if connect is not None else dialect.connect(url)
        except Exception as error:
            raise StoreUnavailable(self._url, _driver_message(error)) from None
        self._roster: Roster | None = None
        self._roster_version = -1
        # The roster version the last review() read saw: the next roster() call trusts it
        # instead of asking again (one round trip less per step).
        self._roster_seen: int | None = None
        # Reviews as last read or written, by id: a read whose row still has the cached
        # version and digest is not parsed again. Bounded; the oldest entry goes first.
        # An OrderedDict: a plain dict's oldest entry is found by skipping the slots of the
        # entries moved to the end, thousands once the cache is full (2.4 µs a review kept,
        # against 0.3).
        self._cache: collections.OrderedDict[str, Review] = collections.OrderedDict()
        self._end_reads = not dialect.autocommits(self._conn)
        if not check:  # to run upgrade() on an older database
            return
        try:
            self._check_schema(create=create)
        except BaseException:
            self._conn.close()
            raise

    @property
    def url(self) -> str:
        """Where the store lives, without any password."""
        return self._url

    def __repr__(self) -> str:
        return f"SqlStore({self._url!r})"

    cache_size = 10_000
    """How many reviews the store keeps parsed in memory (per store, least recent go first)."""

    def _remember(self, review: Review) -> None:
        with self._lock:  # threads share the store
            cache = self._cache
            cache[review.id] = review
            cache.move_to_end(review.id)
            if len(cache) > self.cache_size:
                cache.popitem(last=False)

    def _remember_all(self, reviews: Iterable[Review]) -> None:
        """:meth:`_remember` each of ``reviews``, under one take of the lock."""
        with self._lock:
            cache = self._cache
            last = cache.move_to_end
            for review in reviews:
                cache[review.id] = review
                last(review.id)
            oldest = cache.popitem
            for _ in range(len(cache) - self.cache_size):
                oldest(last=False)

    # -- low-level helpers ------------------------------------------------------------------------

    def _transaction(self, *, write: bool, retry: bool = False) -> _Transaction:
        """A transaction under the store's lock: commit on success; on failure roll back and
        translate the driver's error (a write that lost a race is retried by :meth:`apply`)."""
        return _Transaction(self, write=write, retry=write or retry)

    def _write(self) -> _Transaction:
        return self._transaction(write=True)

    def _read(self) -> _Transaction:
        return self._transaction(write=False)

    def _translate(self, error: BaseException) -> StoreError:
        if self.dialect.is_unavailable(error):
            return StoreUnavailable(self._url, _driver_message(error))
        if self.dialect.is_integrity_error(error):
            return IntegrityError(_driver_message(error))
        return StoreError(f"{self._url}: {_driver_message(error)}")

    def _q(self, cursor: Any, statement: str, params: Sequence[Any] = ()) -> Any:
        self.dialect.execute(cursor, self.dialect.sql(statement), tuple(params))
        return cursor

    def _bulk(
        self,
        cursor: Any,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        count: int,
    ) -> None:
        """Insert the ``count`` ``rows``: by COPY where the dialect has it (PostgreSQL), else
        by statements of :attr:`Dialect.rows_per_insert` rows each (the rest by
        ``executemany``). ``rows`` may be made as they go (an iterator): COPY sends each as it
        is made, so the server takes the first rows while the rest are being made."""
        if count > 1 and self.dialect.copy(cursor, table, columns, rows):
            return
        rows = rows if isinstance(rows, Sequence) else list(rows)
        at_once = self.dialect.rows_per_insert
        whole = len(rows) - len(rows) % at_once if at_once > 1 else 0
        if whole:
            values = ", ".join([f"({', '.join('?' for _ in columns)})"] * at_once)
            statement = self.dialect.sql(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}"
            )
            for start in range(0, whole, at_once):
                cursor.execute(statement, [v for row in rows[start : start + at_once] for v in row])
        self._many(cursor, _insert(table, columns), rows[whole:])

    def _many(self, cursor: Any, statement: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run ``statement`` once per row; returns the rows it changed."""
        if len(rows) == 1:
            cursor.execute(self.dialect.sql(statement), tuple(rows[0]))
        elif rows:
            cursor.executemany(self.dialect.sql(statement), [tuple(r) for r in rows])
        else:
            return 0
        return int(cursor.rowcount)

    # -- schema -----------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The database's schema version (0 for an empty database)."""
        with self._read() as cur:
            if not self._has_meta(cur):
                return 0
            row = self._q(cur, "SELECT value FROM reviewflow_meta WHERE name = ?", ["schema"])
            found = row.fetchone()
            return int(found[0]) if found else 0

    def _has_meta(self, cur: Any) -> bool:
        try:
            cur.execute("SELECT 1 FROM reviewflow_meta WHERE 1 = 0")
            cur.fetchall()
        except Exception as error:
            if not self.dialect.is_driver_error(error):
                raise
            self._conn.rollback()
            return False
        return True

    def _check_schema(self, *, create: bool) -> None:
        found = self.schema_version()
        if found == 0 and create:
            self.upgrade()
            return
        if found != SCHEMA_VERSION:
            raise SchemaMismatch(self._url, found, SCHEMA_VERSION)

    def upgrade(self) -> int:
        """Bring the schema to :data:`SCHEMA_VERSION`, one migration at a time; returns it.

        Each migration runs in its own transaction where the database allows DDL in one
        (SQLite, PostgreSQL); MySQL commits DDL as it goes.
        """
        found = self.schema_version()
        if found > SCHEMA_VERSION:
            raise SchemaMismatch(self._url, found, SCHEMA_VERSION)
        for version in range(found + 1, SCHEMA_VERSION + 1):
            with self._write() as cur:
                for statement in MIGRATIONS[version](self.dialect):
                    cur.execute(statement)
                fill = FILLS.get(version)
                if fill is not None:
                    fill(self, cur)
                upsert = self.dialect.upsert("reviewflow_meta", ("name", "value"), ("name",))
                self._q(cur, upsert, ["schema", str(version)])
                if version == 1:
                    self._q(cur, "INSERT INTO reviewflow_meta VALUES (?, ?)", ["roster", "0"])
        return SCHEMA_VERSION

    # -- the one write ----------------------------------------------------------------------------

    def apply(self, changes: ChangeSet) -> Applied:
        """Write ``changes`` in one transaction, or raise and write nothing."""
        return self._retrying(lambda careful: self._apply_once(changes, careful=careful))

    def _retrying(self, write: Callable[[bool], _W]) -> _W:
        """``write(careful)`` again, carefully, while it loses races, up to :data:`_RETRIES`."""
        for attempt in range(_RETRIES):
            try:
                return write(attempt > 0)
            except _LostRace:
                if attempt == _RETRIES - 1:
                    raise StoreUnavailable(
                        self._url, "the transaction kept losing races with other writers; try again"
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _apply_once(self, changes: ChangeSet, *, careful: bool = False) -> Applied:
        self._roster_seen = None
        if self._one_statement_step(changes):
            return Applied()
        with self._write() as cur:
            if changes.roster:
                self._write_roster(cur, changes.roster)
            inserted = self._insert_reviews(cur, changes.new_reviews, careful=careful)
            inserted += self._import_reviews(cur, changes.imported)
            self._update_reviews(cur, changes.review_updates)
            self._write_orders(cur, changes.orders)
            self._import_orders(cur, changes.imported_orders)
            self._write_exemplars(cur, changes.exemplars)
            self._write_attempts(cur, changes.attempts)
        # Committed: what the store now holds.
        self._remember_all(review for review, _ in changes.review_updates)
        return Applied(inserted=inserted)

    def _one_statement_step(self, changes: ChangeSet) -> bool:
        """One step on one review, the common write, in as few round trips as the database
        allows: one statement on PostgreSQL (a data-modifying CTE: the update, its version check
        and the history entry, atomic on their own), BEGIN-UPDATE-INSERT in one round trip plus
        COMMIT on MySQL, and on SQLite the four statements without the general path's
        bookkeeping. False when the change set is anything else; then nothing was done."""
        if (
            not self.dialect.one_statement_steps(self._conn)
            or self._end_reads  # not an autocommit connection: keep to explicit transactions
            or len(changes.review_updates) != 1
            or changes.roster
            or changes.new_reviews
            or changes.orders
            or changes.exemplars
            or changes.attempts
            or changes.imported
            or changes.imported_orders
        ):
            return False
        review, entry = changes.review_updates[0]
        if not self._same_ledger(review, entry):
            return False
        check_entry(review, entry, review.version)
        key = (review.id, review.version - 1, entry.prev_digest)
        values: tuple[Any, ...]
        if self._same_content(review, entry):
            update = _UPDATE_STATE
            values = (review.state._value_, review.version, review.last_digest, *key)
        else:
            update = _UPDATE_REVIEW
            values = (review.state._value_, review.version, review.last_digest, _doc(review), *key)
        history = _history_row(entry)
        columns, marks = _HISTORY_NAMES, _HISTORY_MARKS
        with self._transaction(write=False, retry=True) as cur:
            if self.dialect.name == "mysql":
                # One round trip: the entry is inserted only when the update moved the review
                # (ROW_COUNT() of the statement before), and the transaction commits either way
                # (a refused update wrote nothing). An error stops the batch before COMMIT; the
                # transaction context then rolls back.
                self._q(
                    cur,
                    f"START TRANSACTION; {update}; INSERT INTO history ({columns}) "
                    f"SELECT {marks} FROM DUAL WHERE ROW_COUNT() = 1; COMMIT",
                    [*values, *history],
                )
                cur.nextset()
                moved = cur.rowcount
                while cur.nextset():
                    pass
            elif self.dialect.name == "sqlite":
                self.dialect.begin(self._conn)
                self._q(cur, update, values)
                moved = cur.rowcount
                if moved == 1:
                    self._q(cur, _INSERT_HISTORY, history)
                    self._conn.commit()
                else:
                    self._conn.rollback()
            else:  # PostgreSQL: one statement, its own transaction
                self._q(
                    cur,
                    f"WITH moved AS ({update} RETURNING id) INSERT INTO history ({columns}) "
                    f"SELECT {marks} FROM moved",
                    [*values, *history],
                )
                moved = cur.rowcount
            if moved != 1:  # nothing was written: say why
                self._refuse_update(cur, review, entry)
                raise IntegrityError(f"review {review.id!r} changed while it was being updated")
        self._remember(review)
        return True

    def _write_roster(self, cur: Any, records: Sequence[RosterRecord]) -> None:
        # Take the roster lock first (serializes roster writers), then check against the roster
        # as it is now, inside the transaction.
        self._q(cur, "UPDATE reviewflow_meta SET value = value WHERE name = ?", ["roster"])
        current = self._load_roster(cur)
        updated = current.with_records(records)
        orgs = [r for r in records if isinstance(r, Organization)]
        depth = {o.id: len(updated.ancestors(o.id)) for o in orgs}
        orgs.sort(key=lambda o: depth[o.id])
        d = self.dialect
        # Parents first; a head may be a member added in the same change, so heads come after.
        self._many(
            cur,
            d.upsert("organizations", _ORG_COLUMNS, ("id",)),
            [_org_row(o, head=False) for o in orgs],
        )
        self._many(
            cur,
            d.upsert("members", _MEMBER_COLUMNS, ("id",)),
            [_member_row(m) for m in records if isinstance(m, Member)],
        )
        self._many(
            cur,
            "UPDATE organizations SET head_id = ? WHERE id = ?",
            [(o.head_id, o.id) for o in orgs],
        )
        self._many(
            cur,
            d.upsert("office_staff", ("id", "name"), ("id",)),
            [(s.id, s.name) for s in records if isinstance(s, OfficeStaff)],
        )
        self._many(
            cur,
            d.upsert("liaisons", _LIAISON_COLUMNS, ("committee_member_id", "org_id")),
            [_liaison_row(a) for a in records if isinstance(a, LiaisonAssignment)],
        )
        version = self._roster_version_in(cur) + 1
        self._q(
            cur, "UPDATE reviewflow_meta SET value = ? WHERE name = ?", [str(version), "roster"]
        )

    def _insert_reviews(
        self, cur: Any, new: Sequence[tuple[Review, HistoryEntry]], *, careful: bool
    ) -> tuple[str, ...]:
        """Insert the new reviews whose slots are free, with their entries."""
        for review, entry in new:
            check_entry(review, entry, 1)
        reviews = [review for review, _ in new]
        return self._insert_new(cur, reviews, lambda n: _history_row(new[n][1]), careful=careful)

    def _insert_new(
        self,
        cur: Any,
        reviews: Sequence[Review],
        entry_row: Callable[[int], tuple[Any, ...]],
        *,
        careful: bool,
    ) -> tuple[str, ...]:
        """Insert the reviews whose slots are free, each with its entry's row
        (``entry_row(n)`` for ``reviews[n]``). Optimistic first: the one-per-slot constraint
        refuses a taken slot, and the retry (``careful``) reads the batch's taken slots first
        and skips them (R-CAD-4), so a fresh period is written without a read."""
        if not reviews:
            return ()
        fresh: list[int] = []
        seen: set[tuple[object, ...]] = set()
        existing = self._existing_keys(cur, reviews) if careful else set()
        for n, review in enumerate(reviews):
            key = review.key
            if key in existing or key in seen:
                continue  # R-CAD-4: the slot is filled; scheduling again creates nothing
            seen.add(key)
            fresh.append(n)
        try:
            rows = (_review_row(reviews[n]) for n in fresh)
            self._bulk(cur, "reviews", _REVIEW_COLUMNS, rows, len(fresh))
        except Exception as error:
            if self.dialect.is_unique_violation(error):
                raise _LostRace from error  # another scheduler inserted some first: retry
            raise
        self._bulk(cur, "history", _HISTORY_COLUMNS, (entry_row(n) for n in fresh), len(fresh))
        self._many(cur, _INSERT_ITEM, [row for n in fresh for row in _item_rows(reviews[n])])
        self._created(cur, fresh)
        return tuple(reviews[n].id for n in fresh)

    def _created(self, cur: Any, fresh: Sequence[object]) -> None:
        """PostgreSQL: count a transaction that created reviews (see :func:`_schema_v4`)."""
        if fresh and self.dialect.name == "postgresql":
            self._q(
                cur,
                "UPDATE reviewflow_meta SET value = (value::bigint + 1)::text "
                "WHERE name = 'created'",
            )

    def _import_reviews(
        self, cur: Any, imported: Sequence[tuple[Review, tuple[HistoryEntry, ...]]]
    ) -> tuple[str, ...]:
        if not imported:
            return ()
        ids = [r.id for r, _ in imported]
        marks = ", ".join("?" for _ in ids)
        rows = self._q(cur, f"SELECT id FROM reviews WHERE id IN ({marks})", ids).fetchall()
        present = {row[0] for row in rows}
        fresh = [(r, h) for r, h in imported if r.id not in present]
        for review, entries in fresh:
            check_imported(review, entries)
        self._bulk(cur, "reviews", _REVIEW_COLUMNS, (_review_row(r) for r, _ in fresh), len(fresh))
        history = [_history_row(e) for _, h in fresh for e in h]
        self._bulk(cur, "history", _HISTORY_COLUMNS, history, len(history))
        self._many(cur, _INSERT_ITEM, [row for r, _ in fresh for row in _item_rows(r)])
        self._created(cur, fresh)
        return tuple(r.id for r, _ in fresh)

    def _existing_keys(self, cur: Any, reviews: Sequence[Review]) -> set[tuple[object, ...]]:
        """The slots of ``reviews`` that are taken already: only these subjects' rows in these
        periods are read (by the subject index), however many reviews the periods hold."""
        periods = sorted({str(r.period) for r in reviews})
        subjects = sorted({r.subject_id for r in reviews})
        rows: list[Any] = []
        in_periods = ", ".join("?" for _ in periods)
        for start in range(0, len(subjects), _IN_CHUNK):
            chunk = subjects[start : start + _IN_CHUNK]
            rows += self._q(
                cur,
                "SELECT reviewer_id, kind, subject_id, period FROM reviews "
                f"WHERE subject_id IN ({', '.join('?' for _ in chunk)}) "
                f"AND period IN ({in_periods})",
                [*chunk, *periods],
            ).fetchall()
        return {(rid, _kind(k), sid, Period.parse(p)) for rid, k, sid, p in rows}

    def _update_reviews(self, cur: Any, updates: Sequence[tuple[Review, HistoryEntry]]) -> None:
        if not updates:
            return
        ids = [r.id for r, _ in updates]
        if len(set(ids)) != len(ids):
            raise IntegrityError("a review is changed twice in one change set")
        for review, entry in updates:
            check_entry(review, entry, review.version)
        # The record's content is rewritten only when the step changed it; most steps move the
        # state alone, which lives in columns of its own.
        same = {r.id for r, e in updates if self._same_content(r, e)}
        state_rows: list[tuple[Any, ...]] = []
        doc_rows: list[tuple[Any, ...]] = []
        for review, entry in updates:
            key = (review.id, review.version - 1, entry.prev_digest)
            if review.id in same:
                state_rows.append((review.state._value_, review.version, review.last_digest, *key))
            else:
                doc = _doc(review)
                doc_rows.append(
                    (review.state._value_, review.version, review.last_digest, doc, *key)
                )
        if len(updates) > 1:
            # Check every review's version first, with the rows locked (SQLite holds the write
            # lock already), so that the one not where expected is named before anything is
            # written; then change them all in one batch the driver pipelines.
            marks = ", ".join("?" for _ in ids)
            current = {
                rid: (int(version), digest)
                for rid, version, digest in self._q(
                    cur,
                    f"SELECT id, version, last_digest FROM reviews WHERE id IN ({marks})"
                    + self.dialect.lock_rows,
                    ids,
                ).fetchall()
            }
            for review, entry in updates:
                if current.get(review.id) != (review.version - 1, entry.prev_digest):
                    self._refuse_update(cur, review, entry)
        # One review: the UPDATE's own version and digest check is the test (one query less).
        moved = self._many(cur, _UPDATE_STATE, state_rows)
        moved += self._many(cur, _UPDATE_REVIEW, doc_rows)
        if moved != len(updates):
            if len(updates) == 1:
                self._refuse_update(cur, *updates[0])
            raise IntegrityError("a review changed while it was being updated")
        self._many(cur, _INSERT_HISTORY, [_history_row(e) for _, e in updates])
        # Ledger rows are rewritten only where the ledger changed (most steps leave it alone).
        changed = [(r, e) for r, e in updates if r.id not in same and not self._same_ledger(r, e)]
        drop = [(r.id,) for r, _ in changed]
        self._many(cur, "DELETE FROM ledger_items WHERE review_id = ?", drop)
        self._many(cur, _INSERT_ITEM, [row for r, _ in changed for row in _item_rows(r)])

    def _before(self, review: Review, entry: HistoryEntry) -> Review | None:
        """The cached review ``review`` replaces, if the cache holds that very version."""
        before = self._cache.get(review.id)
        if (
            before is not None
            and before.version == review.version - 1
            and before.last_digest == entry.prev_digest
        ):
            return before
        return None

    def _same_ledger(self, review: Review, entry: HistoryEntry) -> bool:
        """Whether the store's rows already hold ``review``'s ledger."""
        before = self._before(review, entry)
        return before is not None and before.ledger == review.ledger

    def _same_content(self, review: Review, entry: HistoryEntry) -> bool:
        """Whether the stored record already holds ``review``'s content (all but the state,
        version and digest, which have columns of their own)."""
        before = self._before(review, entry)
        return before is not None and (
            _same_fields(before, review) or _content(before) == _content(review)
        )

    def _refuse_update(self, cur: Any, review: Review, entry: HistoryEntry) -> None:
        row = self._q(
            cur, "SELECT version, last_digest FROM reviews WHERE id = ?", [review.id]
        ).fetchone()
        if row is None:
            raise IntegrityError(f"review {review.id!r} does not exist")
        version, digest = int(row[0]), row[1]
        if version != review.version - 1:
            raise ConcurrencyConflict(review.id, review.version - 1, version)
        raise IntegrityError(
            f"review {review.id!r}: the entry does not follow the last history entry "
            f"({entry.prev_digest[:12]} is not {digest[:12]})"
        )

    def _write_orders(self, cur: Any, orders: Sequence[SupervisionOrder]) -> None:
        for order in orders:
            doc = _json(unstructure(order))
            if order.version == 1:
                try:
                    self._q(
                        cur,
                        "INSERT INTO orders (id, seq, org_id, status, deadline, version, doc) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [order.id, self._next_seq(cur, "orders"), order.org_id, order.status.value,
                         order.deadline.isoformat(), 1, doc],
                    )  # fmt: skip
                except Exception as error:
                    if self.dialect.is_unique_violation(error):
                        raise ConcurrencyConflict(order.id, 0, 1) from error
                    raise
                continue
            self._q(
                cur,
                "UPDATE orders SET status = ?, deadline = ?, version = ?, doc = ? "
                "WHERE id = ? AND version = ?",
                [order.status.value, order.deadline.isoformat(), order.version, doc, order.id,
                 order.version - 1],
            )  # fmt: skip
            if cur.rowcount != 1:
                row = self._q(cur, "SELECT version FROM orders WHERE id = ?", [order.id]).fetchone()
                raise ConcurrencyConflict(order.id, order.version - 1, int(row[0]) if row else None)

    def _import_orders(self, cur: Any, orders: Sequence[SupervisionOrder]) -> None:
        if not orders:
            return
        present = {row[0] for row in self._q(cur, "SELECT id FROM orders").fetchall()}
        first = self._next_seq(cur, "orders")
        fresh = [o for o in orders if o.id not in present]
        self._many(
            cur,
            "INSERT INTO orders (id, seq, org_id, status, deadline, version, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(o.id, first + n, o.org_id, o.status.value, o.deadline.isoformat(), o.version,
              _json(unstructure(o))) for n, o in enumerate(fresh)],
        )  # fmt: skip

    def _write_exemplars(self, cur: Any, exemplars: Sequence[Exemplar]) -> None:
        if exemplars:
            first = self._next_seq(cur, "exemplars")
            self._many(
                cur,
                "INSERT INTO exemplars (id, seq, org_id, doc) VALUES (?, ?, ?, ?)",
                [
                    (e.id, first + n, e.org_id, _json(unstructure(e)))
                    for n, e in enumerate(exemplars)
                ],
            )

    def _write_attempts(self, cur: Any, attempts: Sequence[Attempt]) -> None:
        if attempts:
            first = self._next_seq(cur, "attempts")
            self._many(
                cur,
                "INSERT INTO attempts (seq, id, at, actor_id, action, review_id, error, message, "
                "details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (first + n, a.id, a.at.isoformat(), a.actor_id, a.action, a.review_id,
                     a.error, a.message, _json(dict(a.details)))
                    for n, a in enumerate(attempts)
                ],
            )  # fmt: skip

    def _next_seq(self, cur: Any, table: str) -> int:
        row = self._q(cur, f"SELECT COALESCE(MAX(seq), 0) FROM {table}").fetchone()
        return int(row[0]) + 1

    # -- reads ------------------------------------------------------------------------------------

    def roster(self) -> Roster:
        """The current roster (cached; reloaded when another writer changed it)."""
        seen, self._roster_seen = self._roster_seen, None
        if seen is not None and seen == self._roster_version and self._roster is not None:
            return self._roster  # as of the review just read: no need to ask again
        with self._read() as cur:
            return self._load_roster(cur)

    def _roster_version_in(self, cur: Any) -> int:
        row = self._q(cur, "SELECT value FROM reviewflow_meta WHERE name = ?", ["roster"])
        return int(row.fetchone()[0])

    def _load_roster(self, cur: Any) -> Roster:
        version = self._roster_version_in(cur)
        if self._roster is not None and version == self._roster_version:
            return self._roster
        orgs = [
            _org(r) for r in self._q(cur, f"SELECT {', '.join(_ORG_COLUMNS)} FROM organizations")
        ]
        members = [
            _member(r) for r in self._q(cur, f"SELECT {', '.join(_MEMBER_COLUMNS)} FROM members")
        ]
        links = [
            _liaison(r) for r in self._q(cur, f"SELECT {', '.join(_LIAISON_COLUMNS)} FROM liaisons")
        ]
        staff = [OfficeStaff(i, n) for i, n in self._q(cur, "SELECT id, name FROM office_staff")]
        self._roster = Roster.build(orgs, members, links, staff)
        self._roster_version = version
        return self._roster

    def review(self, review_id: str) -> Review | None:
        """One review, at its current version (parsed again only when it has changed)."""
        cached = self._cache.get(review_id)
        version, digest = (cached.version, cached.last_digest) if cached else (0, "")
        with self._read() as cur:
            row = self._q(
                cur,
                f"SELECT {_REVIEW_READ_HEAD}, "
                "CASE WHEN version = ? AND last_digest = ? THEN NULL ELSE doc END, "
                "(SELECT value FROM reviewflow_meta WHERE name = ?) FROM reviews WHERE id = ?",
                [version, digest, "roster", review_id],
            ).fetchone()
        if row is None:
            return None
        self._roster_seen = int(row[11])
        if row[10] is None and cached is not None:
            self._remember(cached)
            return cached
        review = _review(row[:11])
        self._remember(review)
        return review

    def reviews(self, query: ReviewQuery) -> Sequence[Review]:
        """The reviews matching ``query``, by period then id."""
        rows = self._select(query, _REVIEW_READ)
        if query.ids is None:  # what the database holds, parsed afresh (verify reads this)
            found = [_review(row) for row in rows]
        else:  # read to be worked on (a bulk step): from the cache where it is current
            found = [self._parsed(row) for row in rows]
            self._remember_all(found)
        # within() for a year includes its quarters and months: the date range says the same.
        return by_period_then_id(found)

    def refs(self, query: ReviewQuery) -> Sequence[ReviewRef]:
        """The id, slot and state of the reviews matching ``query``: columns only, no record
        parsed (what scheduling and coverage read of a whole period)."""
        rows = self._select(query, "id, kind, reviewer_id, subject_id, period, org_id, state")
        kinds, states = _KINDS, _STATES
        parse = Period.parse
        found = [
            ReviewRef(i, kinds[k], rid, sid, parse(p), org, states[st])
            for i, k, rid, sid, p, org, st in rows
        ]
        return by_period_then_id(found)

    def slot_keys(self, query: ReviewQuery) -> tuple[frozenset[str], frozenset[str]]:
        """The slots of the live and of the cancelled reviews matching ``query``: one string
        each, built by the database."""
        sep = self.dialect.unit_separator
        key = self.dialect.concat(["kind", sep, "reviewer_id", sep, "subject_id", sep, "period"])
        live: set[str] = set()
        cancelled: set[str] = set()
        for slot, state in self._select(query, f"{key}, state"):
            (cancelled if state == "cancelled" else live).add(slot)
        return frozenset(live), frozenset(cancelled)

    def coverage_facts(self, within: Period, org_ids: frozenset[str] | None) -> CoverageFacts:
        """What coverage needs of the reviews within ``within`` (of ``org_ids``): one query,
        the live reviews counted in the database with the sum of their slot hashes, and the
        cancelled ones by organization; no record nor slot is read."""
        span = [within.start.isoformat(), within.end.isoformat()]
        orgs = sorted(org_ids) if org_ids is not None else None
        chunks: list[list[str] | None] = (
            [None]
            if orgs is None
            else [orgs[n : n + _IN_CHUNK] for n in range(0, len(orgs), _IN_CHUNK)]
        )
        counts: dict[tuple[Any, ...], list[int]] = {}
        cancelled: dict[str, list[int]] = {}
        with self._read() as cur, self._one_snapshot(cur) as watermark:
            for chunk in chunks:
                where, params = _WITHIN.replace("period_", "r.period_"), [*span, span[1]]
                if chunk is not None:
                    where += f" AND r.org_id IN ({', '.join('?' for _ in chunk)})"
                    params += chunk
                for *group, n, fingerprint in self._q(
                    cur,
                    "SELECT r.reviewer_id, r.org_id, r.kind, m.post_category, r.state, COUNT(*), "
                    "SUM(r.slot_hash) FROM reviews r "
                    "LEFT JOIN members m ON r.kind = 'member' AND m.id = r.subject_id "
                    f"WHERE {where} "
                    "GROUP BY r.reviewer_id, r.org_id, r.kind, m.post_category, r.state",
                    params,
                ).fetchall():
                    if group[4] == "cancelled":
                        found = cancelled.setdefault(group[1], [0, 0])
                    else:
                        found = counts.setdefault(tuple(group), [0, 0])
                    found[0] += int(n)
                    found[1] += int(fingerprint)
        return _facts(counts, cancelled, watermark[0] if watermark else None)

    def coverage_changes(
        self, within: Period, org_ids: frozenset[str] | None, since: object, limit: int
    ) -> CoverageFacts | None:
        """What changed in :meth:`coverage_facts` since the facts whose ``watermark`` is
        ``since``: the facts of the reviews written since (created, or moved to another state),
        their new state counted and their former one taken out (negative counts), with the new
        watermark. None when this store cannot say (MySQL, or no watermark) or when more than
        ``limit`` history entries were written since: then count again.

        A review's slot, organization and subject never change once written; only its state
        does, and each change adds one history entry (from_state NULL: its creation). So the
        entries written since a watermark are exactly the changes: on SQLite (one writer at a
        time) those after the history's last rowid then; on PostgreSQL the steps of the
        transactions the snapshot ``since`` did not see (``xid``), and reviews created since
        (the ``created`` count moved, see :func:`_schema_v4`) make it None."""
        if since is None or self.dialect.name not in ("postgresql", "sqlite"):
            return None
        if self.dialect.name == "postgresql":
            snapshot, created = _pg_watermark(since)
            newer = (
                "xid >= pg_snapshot_xmin(?::pg_snapshot) AND xid IS NOT NULL "
                "AND from_state IS NOT NULL AND NOT pg_visible_in_snapshot(xid, ?::pg_snapshot)"
            )
            params: list[Any] = [snapshot, snapshot]
        else:
            newer, params = "rowid > ?", [since]
        slots: dict[str, tuple[Any, ...]] = {}
        with self._read() as cur, self._one_snapshot(cur) as watermark:
            if self.dialect.name == "postgresql":
                # The newest entries by their index, whatever the statistics say (a column
                # just added has none): a scan of the whole history would cost seconds.
                cur.execute("SET LOCAL enable_seqscan = off")
            entries = self._q(
                cur,
                f"SELECT review_id, from_state, to_state FROM history WHERE {newer} LIMIT ?",
                [*params, limit + 1],
            ).fetchall()
            if len(entries) > limit:
                return None
            ids = sorted({review_id for review_id, _, _ in entries})
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start : start + _IN_CHUNK]
                for review_id, *slot in self._q(
                    cur,
                    "SELECT r.id, r.reviewer_id, r.org_id, r.kind, m.post_category, r.slot_hash, "
                    "r.period_start, r.period_end FROM reviews r "
                    "LEFT JOIN members m ON r.kind = 'member' AND m.id = r.subject_id "
                    f"WHERE r.id IN ({', '.join('?' for _ in chunk)})",
                    chunk,
                ).fetchall():
                    slots[review_id] = tuple(slot)
        if not watermark:
            return None
        if self.dialect.name == "postgresql" and _pg_watermark(watermark[0])[1] != created:
            return None  # reviews were created since (their entries are not in the index)
        start_on, end_on = within.start.isoformat(), within.end.isoformat()
        counts: dict[tuple[Any, ...], list[int]] = {}
        cancelled: dict[str, list[int]] = {}
        for review_id, before, after in entries:
            reviewer_id, org_id, kind, category, fingerprint, starts, ends = slots[review_id]
            if starts < start_on or ends > end_on:  # not within the period (see _WITHIN)
                continue
            if org_ids is not None and org_id not in org_ids:
                continue
            for state, sign in ((before, -1), (after, 1)):
                if state is None:
                    continue
                if state == "cancelled":
                    found = cancelled.setdefault(org_id, [0, 0])
                else:
                    found = counts.setdefault((reviewer_id, org_id, kind, category, state), [0, 0])
                found[0] += sign
                found[1] += sign * int(fingerprint)
        return _facts(counts, cancelled, watermark[0])

    @contextlib.contextmanager
    def _one_snapshot(self, cur: Any) -> Iterator[list[object]]:
        """The statements within read one state of the database (PostgreSQL: a repeatable
        read transaction; SQLite: one read transaction), and the list given holds its
        watermark afterwards: the snapshot and the count of transactions that created reviews
        (PostgreSQL), or the history's last rowid (SQLite).
        Empty elsewhere (MySQL: no watermark, each statement as it comes)."""
        watermark: list[object] = []
        name = self.dialect.name
        if name not in ("postgresql", "sqlite") or not self.dialect.autocommits(self._conn):
            yield watermark
            return
        cur.execute(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if name == "postgresql" else "BEGIN"
        )
        yield watermark
        if name == "postgresql":
            found = tuple(
                self._q(
                    cur,
                    "SELECT pg_current_snapshot()::text, value FROM reviewflow_meta "
                    "WHERE name = 'created'",
                ).fetchone()
            )
        else:
            (found,) = self._q(cur, "SELECT COALESCE(MAX(rowid), 0) FROM history").fetchone()
        cur.execute("COMMIT")
        watermark.append(found)

    def _select(self, query: ReviewQuery, columns: str) -> list[Any]:
        """The ``columns`` of the review rows matching ``query`` (unordered)."""
        where: list[str] = []
        params: list[Any] = []
        if query.within is not None:
            where.append(_WITHIN)
            end = query.within.end.isoformat()
            params += [query.within.start.isoformat(), end, end]
        if query.reviewer_id is not None:
            where.append("reviewer_id = ?")
            params.append(query.reviewer_id)
        if query.subject_id is not None:
            where.append("subject_id = ?")
            params.append(query.subject_id)
        for column, values in (
            ("org_id", query.org_ids),
            ("state", None if query.states is None else {s.value for s in query.states}),
            ("subject_id", query.subject_ids),
        ):
            if values is not None:
                if not values:
                    return []
                where.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params += sorted(values)
        ids = sorted(query.ids) if query.ids is not None else [None]
        rows: list[Any] = []
        with self._read() as cur:
            for start in range(0, len(ids), _IN_CHUNK):  # bounded IN lists
                chunk = ids[start : start + _IN_CHUNK]
                conditions = list(where)
                if query.ids is not None:
                    conditions.append(f"id IN ({', '.join('?' for _ in chunk)})")
                clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
                rows += self._q(
                    cur,
                    f"SELECT {columns} FROM reviews{clause}",
                    params + chunk if query.ids is not None else params,
                ).fetchall()
        return rows

    def _parsed(self, row: Sequence[Any]) -> Review:
        cached = self._cache.get(row[0])
        if cached is not None and cached.version == row[8] and cached.last_digest == row[9]:
            return cached
        return _review(row)

    def history(self, review_id: str) -> Sequence[HistoryEntry]:
        """A review's history, in order."""
        with self._read() as cur:
            rows = self._q(
                cur, f"SELECT {', '.join(_HISTORY_COLUMNS)} FROM history WHERE review_id = ? "
                "ORDER BY seq", [review_id]
            ).fetchall()  # fmt: skip
        return tuple(_history(r) for r in rows)

    def attempts(self, review_id: str | None = None) -> Sequence[Attempt]:
        """The attempt log, oldest first."""
        columns = "id, at, actor_id, action, review_id, error, message, details"
        with self._read() as cur:
            if review_id is None:
                rows = self._q(cur, f"SELECT {columns} FROM attempts ORDER BY seq, id").fetchall()
            else:
                rows = self._q(
                    cur,
                    f"SELECT {columns} FROM attempts WHERE review_id = ? ORDER BY seq, id",
                    [review_id],
                ).fetchall()
        return tuple(
            Attempt(i, datetime.fromisoformat(at), actor, action, rid, err, msg, json.loads(det))
            for i, at, actor, action, rid, err, msg, det in rows
        )

    def order(self, order_id: str) -> SupervisionOrder | None:
        """One supervision order."""
        with self._read() as cur:
            row = self._q(cur, "SELECT doc FROM orders WHERE id = ?", [order_id]).fetchone()
        return structure(json.loads(row[0]), SupervisionOrder) if row else None

    def orders(self) -> Sequence[SupervisionOrder]:
        """Every supervision order, oldest first."""
        with self._read() as cur:
            rows = self._q(cur, "SELECT doc FROM orders ORDER BY seq, id").fetchall()
        return tuple(structure(json.loads(doc), SupervisionOrder) for (doc,) in rows)

    def exemplars(self) -> Sequence[Exemplar]:
        """Every exemplar, oldest first."""
        with self._read() as cur:
            rows = self._q(cur, "SELECT doc FROM exemplars ORDER BY seq, id").fetchall()
        return tuple(structure(json.loads(doc), Exemplar) for (doc,) in rows)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


class _Transaction:
    """:meth:`SqlStore._transaction` (a class, not a generator: it runs on every step)."""

    __slots__ = ("retry", "store", "write")

    def __init__(self, store: SqlStore, *, write: bool, retry: bool) -> None:
        self.store = store
        self.write = write
        self.retry = retry

    def __enter__(self) -> Any:
        store = self.store
        store._lock.acquire()
        try:
            if self.write:
                store.dialect.begin(store._conn)
            return store._conn.cursor()
        except BaseException as error:
            self.__exit__(type(error), error, None)
            raise  # pragma: no cover - __exit__ raised already

    def __exit__(self, kind: object, error: BaseException | None, _tb: object) -> None:
        store = self.store
        try:
            if error is None:
                if self.write or store._end_reads:  # a read on a non-autocommit connection too
                    try:
                        store._conn.commit()
                    except BaseException as failed:
                        self._fail(failed)
                return
            self._fail(error)
        finally:
            store._lock.release()

    def _fail(self, error: BaseException) -> None:
        store = self.store
        with contextlib.suppress(Exception):
            store._conn.rollback()
        if isinstance(error, ReviewflowError) or not store.dialect.is_driver_error(error):
            raise error
        if self.retry and store.dialect.is_retryable(error):
            raise _LostRace from error
        raise store._translate(error) from error


class _LostRace(Exception):
    """Another writer inserted a review of the same key between our read and our insert."""


_ORG_COLUMNS = ("id", "name", "kind", "org_type", "parent_id", "head_id", "dissolved_on")
_MEMBER_COLUMNS = (
    "id", "name", "org_id", "post_category", "status", "roles", "left_on", "left_reason",
    "joined_on",
)  # fmt: skip
_LIAISON_COLUMNS = ("committee_member_id", "org_id", "since", "until")
_HISTORY_COLUMNS = (
    "review_id", "seq", "at", "actor_id", "action", "from_state", "to_state", "data", "reason",
    "prev_digest", "digest",
)  # fmt: skip
_REVIEW_COLUMNS = (
    "id", "kind", "reviewer_id", "subject_id", "period", "period_start", "period_end", "basis",
    "org_id", "state", "version", "last_digest", "doc", "slot_hash",
)  # fmt: skip
_ITEM_COLUMNS = (
    "review_id", "item_id", "requirement_id", "measure", "owner", "due", "status", "done_on",
)  # fmt: skip


def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


_INSERT_HISTORY = _insert("history", _HISTORY_COLUMNS)
_HISTORY_NAMES = ", ".join(_HISTORY_COLUMNS)
_HISTORY_MARKS = ", ".join("?" for _ in _HISTORY_COLUMNS)
_INSERT_ITEM = _insert("ledger_items", _ITEM_COLUMNS)
_COLUMN_FIELDS = ("state", "version", "last_digest")
_SLOT_FIELDS = ("id", "kind", "reviewer_id", "subject_id", "period", "basis", "org_id")
_NOT_IN_RECORD = frozenset((*_COLUMN_FIELDS, *_SLOT_FIELDS))
_REVIEW_READ_HEAD = ", ".join((*_SLOT_FIELDS, *_COLUMN_FIELDS))
_REVIEW_READ = f"{_REVIEW_READ_HEAD}, doc"
"""The columns a review is read from, in the order :func:`_review` takes them."""
_CONTENT_FIELDS = tuple(
    a.name for a in attrs.fields(Review) if a.name not in (*_COLUMN_FIELDS, "id")
)
"""The fields a step may change beyond its columns (the slot's included, which never do)."""
_content = operator.attrgetter(*_CONTENT_FIELDS)


def _compile_same_fields() -> Callable[[Review, Review], bool]:
    """``same_fields(a, b)``: whether the two reviews hold the very same objects in every field
    of the record (a step that moves the state alone keeps them): plain code, and no tuple of
    two dozen fields built for each review."""
    test = " and ".join(f"a.{n} is b.{n}" for n in _CONTENT_FIELDS)
    source = f"def same_fields(a, b):\n    return {test}\n"
    scope: dict[str, Any] = {}
    exec(compile(source, "<reviewflow same fields>", "exec"), scope)  # noqa: S102 - field names
    same: Callable[[Review, Review], bool] = scope["same_fields"]
    return same


_same_fields = _compile_same_fields()
_UPDATE_STATE = (
    "UPDATE reviews SET state = ?, version = ?, last_digest = ? "
    "WHERE id = ? AND version = ? AND last_digest = ?"
)
_UPDATE_REVIEW = (
    "UPDATE reviews SET state = ?, version = ?, last_digest = ?, doc = ? "
    "WHERE id = ? AND version = ? AND last_digest = ?"
)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _json(value: object) -> str:
    return canonical_json(value).decode()


def _doc(review: Review) -> str:
    """The stored record of ``review``: its fields other than the columns (state, version
    and digest change with every step; the slot never changes) and other than those at their
    defaults. A scheduled review's record is its planned method alone, so a row holds a few
    dozen bytes of record instead of hundreds: more rows to a page, fewer pages written by
    every bulk write. :func:`_review` puts the review back together."""
    names = _set_fields(review)
    if not names:
        return "{}"
    if names == _PLANNED_ONLY:  # a scheduled review: one record per planned method
        found = _PLANNED_DOCS.get(review.planned_method)
        if found is None:
            found = canonical_json({"planned_method": unstructure(review.planned_method)}).decode()
            if len(_PLANNED_DOCS) < _CONTENTS_KEPT:
                _PLANNED_DOCS[review.planned_method] = found
        return found
    plain = unstructure(review)
    return canonical_json({n: plain[n] for n in names}).decode()


def _compile_set_fields() -> Callable[[Review], list[str]]:
    """``set_fields(review)``: the names of the record's fields not at their defaults, as
    plain code (a comparison a field; defaults are compared by identity first)."""
    scope: dict[str, Any] = {}
    lines = ["def set_fields(r):", "    out = []"]
    for a in attrs.fields(Review):
        if a.name in _NOT_IN_RECORD:
            continue
        if a.default is attrs.NOTHING:
            lines.append(f"    out.append({a.name!r})")
            continue
        default: Any = a.default
        if hasattr(default, "factory"):  # attrs.Factory
            default = default.factory()
        scope[f"d_{a.name}"] = default
        lines.append(f"    v = r.{a.name}")
        lines.append(f"    if v is not d_{a.name} and v != d_{a.name}:")
        lines.append(f"        out.append({a.name!r})")
    lines.append("    return out")
    exec(compile("\n".join(lines) + "\n", "<reviewflow set fields>", "exec"), scope)  # noqa: S102
    set_fields: Callable[[Review], list[str]] = scope["set_fields"]
    return set_fields


def _kind(value: str) -> Any:
    from reviewflow.domain.vocabulary import ReviewKind  # noqa: PLC0415

    return ReviewKind(value)


def _org_row(o: Organization, *, head: bool = True) -> tuple[Any, ...]:
    head_id = o.head_id if head else None  # set after the members exist
    return (o.id, o.name, o.kind.value, o.org_type, o.parent_id, head_id, _day(o.dissolved_on))


def _org(row: Sequence[Any]) -> Organization:
    i, name, kind, org_type, parent, head, dissolved = row
    return Organization(i, name, OrgKind(kind), org_type, parent, head, _date(dissolved))


def _member_row(m: Member) -> tuple[Any, ...]:
    roles = ",".join(sorted(r.value for r in m.roles))
    return (m.id, m.name, m.org_id, m.post_category, m.status.value, roles, _day(m.left_on),
            m.left_reason, _day(m.joined_on))  # fmt: skip


def _member(row: Sequence[Any]) -> Member:
    i, name, org_id, category, status, roles, left_on, left_reason, joined_on = row
    return Member(
        i, name, org_id, category, MemberStatus(status),
        frozenset(Role(r) for r in roles.split(",") if r), _date(left_on), left_reason,
        _date(joined_on),
    )  # fmt: skip


def _liaison_row(a: LiaisonAssignment) -> tuple[Any, ...]:
    return (a.committee_member_id, a.org_id, _day(a.since), _day(a.until))


def _liaison(row: Sequence[Any]) -> LiaisonAssignment:
    member_id, org_id, since, until = row
    return LiaisonAssignment(member_id, org_id, _date(since), _date(until))


def _review_row(r: Review) -> tuple[Any, ...]:
    """The row of ``r``."""
    doc = _doc(r)
    text, start, end = _DAYS[r.period]
    kind = r.kind._value_
    return (
        r.id, kind, r.reviewer_id, r.subject_id, text, start, end, r.basis._value_, r.org_id,
        r.state._value_, r.version, r.last_digest, doc,
        slot_hash(r.kind, r.reviewer_id, r.subject_id, text),
    )  # fmt: skip


class _PeriodDays(dict[Period, tuple[str, str, str]]):
    """A period as stored: its text, first and last day, worked out once per period."""

    def __missing__(self, period: Period) -> tuple[str, str, str]:
        days = self[period] = (str(period), period.start.isoformat(), period.end.isoformat())
        return days


_DAYS = _PeriodDays()


_read_review = converter.get_structure_hook(Review)


# The record's fields that have defaults, at their defaults, in plain form; the columns apart.
_DEFAULTS = {k: v for k, v in _RECORD_DEFAULTS.items() if k not in _NOT_IN_RECORD}
_set_fields = _compile_set_fields()


def _review(row: Sequence[Any]) -> Review:
    """The review of a row of :data:`_REVIEW_READ` (see :func:`_review_of`)."""
    return _review_of(*row)


def _review_of(  # noqa: PLR0917 - a row's columns, in their order
    rid: str,
    kind: str,
    reviewer_id: str,
    subject_id: str,
    period: str,
    basis: str,
    org_id: str,
    state: str,
    version: int,
    digest: str,
    doc: str,
) -> Review:
    """The review of a row's columns: the defaults, the record over them (a record stored
    whole, as schemas before 3 did, holds every field), then the columns."""
    content = _CONTENTS.get(doc)
    if content is not None:  # a record read before: its values are immutable, share them
        return _assemble(
            rid, _KINDS[kind], reviewer_id, subject_id, Period.parse(period), _BASES[basis],
            org_id, _STATES[state], int(version), digest, content,
        )  # fmt: skip
    data = dict(_DEFAULTS)
    data.update(orjson.loads(doc))
    data.update(
        id=rid, kind=kind, reviewer_id=reviewer_id, subject_id=subject_id, period=period,
        basis=basis, org_id=org_id, state=state, version=int(version), last_digest=digest,
    )  # fmt: skip
    review: Review = _read_review(data, Review)
    if len(doc) <= _SHORT_RECORD:  # records shared by many reviews (a scheduled one's, say)
        with _CONTENTS_LOCK:
            if len(_CONTENTS) >= _CONTENTS_KEPT:
                _CONTENTS.clear()
            _CONTENTS[doc] = tuple(getattr(review, n) for n in _RECORD_FIELDS)
    return review


_SHORT_RECORD = 200  # characters: a planned method, a few short fields
_CONTENTS_KEPT = 1_024
_CONTENTS: dict[str, tuple[Any, ...]] = {}
"""Short stored records already read → their fields' values (immutable; in the order of
:data:`_RECORD_FIELDS`), across stores."""
_CONTENTS_LOCK = threading.Lock()
_PLANNED_ONLY = ["planned_method"]
_PLANNED_DOCS: dict[Any, str] = {}
"""A planned method → the record of a review that holds nothing else (immutable both)."""
_RECORD_FIELDS = tuple(a.name for a in attrs.fields(Review) if a.name not in _NOT_IN_RECORD)


def _compile_assemble() -> Callable[..., Review]:
    """``assemble(id, kind, reviewer_id, subject_id, period, basis, org_id, state, version,
    last_digest, content)``: a review from its columns and a record's values (in the order of
    :data:`_RECORD_FIELDS`), as one positional call (keywords cost a dict a review)."""
    columns = ("id", *_SLOT_FIELDS[1:], *_COLUMN_FIELDS)
    args = ", ".join(
        f"c[{_RECORD_FIELDS.index(a.name)}]" if a.name in _RECORD_FIELDS else a.name
        for a in attrs.fields(Review)
    )
    source = f"def assemble({', '.join(columns)}, c):\n    return Review({args})\n"
    scope: dict[str, Any] = {"Review": Review}
    exec(compile(source, "<reviewflow assemble review>", "exec"), scope)  # noqa: S102 - own fields
    assemble: Callable[..., Review] = scope["assemble"]
    return assemble


_assemble = _compile_assemble()
_KINDS = {k.value: k for k in ReviewKind}
_BASES = {b.value: b for b in Basis}
_STATES = {s.value: s for s in ReviewState}


def _history_row(e: HistoryEntry) -> tuple[Any, ...]:
    data = e.data
    return (
        e.review_id, e.seq, e.at.isoformat(), e.actor_id, e.action,
        e.from_state._value_ if e.from_state else None, e.to_state._value_,
        "{}" if data.__class__ is dict and not data else _json(dict(data)),
        e.reason, e.prev_digest, e.digest,
    )  # fmt: skip


def _history(row: Sequence[Any]) -> HistoryEntry:
    rid, seq, at, actor, action, from_state, to_state, data, reason, prev, digest = row
    return HistoryEntry(
        review_id=rid, seq=int(seq), at=datetime.fromisoformat(at), actor_id=actor,
        action=action, from_state=ReviewState(from_state) if from_state else None,
        to_state=ReviewState(to_state), data=json.loads(data), reason=reason, prev_digest=prev,
        digest=digest,
    )  # fmt: skip


def _item_rows(r: Review) -> Iterable[tuple[Any, ...]]:
    for item in r.ledger:
        yield (r.id, item.id, item.requirement_id, item.measure, item.owner,
               item.due.isoformat(), item.status.value, _day(item.done_on))  # fmt: skip


def _driver_message(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"{type(error).__name__}: {text}"


def _facts(
    counts: Mapping[tuple[Any, ...], list[int]],
    cancelled: Mapping[str, list[int]],
    watermark: object,
) -> CoverageFacts:
    """Coverage facts from rows as the database gives them (kinds and states as text)."""
    kinds, states = _KINDS, _STATES
    member = ReviewKind.MEMBER.value
    return CoverageFacts(
        tuple(
            (reviewer_id, org_id, kinds[kind], (category or "") if kind == member else None,
             states[state], n, fingerprint)
            for (reviewer_id, org_id, kind, category, state), (n, fingerprint) in counts.items()
        ),
        tuple((org_id, n, fingerprint) for org_id, (n, fingerprint) in cancelled.items()),
        watermark,
    )  # fmt: skip


def _pg_watermark(watermark: object) -> tuple[str, str]:
    """A PostgreSQL watermark: the snapshot (as text) and the ``created`` count."""
    if not isinstance(watermark, tuple) or len(watermark) != 2:
        raise TypeError(f"not a PostgreSQL watermark: {watermark!r}")
    return str(watermark[0]), str(watermark[1])
