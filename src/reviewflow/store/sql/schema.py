"""The schema: its versions, the migrations between them, and the check on open.

The schema is versioned (:data:`SCHEMA_VERSION`): an empty database is set up on first open; an
older one is refused until :func:`upgrade` runs, and a newer one is refused outright. Each
migration is what every database runs, written against the dialect (its column types, how it
drops an index), followed by the database's own statements (:meth:`Dialect.migration`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reviewflow.domain.office import slot_hash
from reviewflow.domain.periods import Period
from reviewflow.errors import StoreError
from reviewflow.store.sql.codec import KINDS
from reviewflow.store.sql.connection import Database
from reviewflow.store.sql.dialect import Dialect

__all__ = [
    "FILLS",
    "MIGRATIONS",
    "REVIEW_INDEXES",
    "SCHEMA_VERSION",
    "SchemaMismatch",
    "history_table",
    "migrate",
    "reviews_table",
]

SCHEMA_VERSION = 8
"""The schema this version of the library reads and writes."""


class SchemaMismatch(StoreError):
    """The database's schema is not the one this library version uses.

    ``found`` is the database's schema version, ``expected`` the library's. An older database is
    upgraded with ``reviewflow.upgrade_store(url)``; a newer one needs a newer library.
    """

    def __init__(self, url: str, found: int, expected: int, *, upgrade: str = "") -> None:
        self.url = url
        """The database's URL, any password in it shown as ``***``."""
        self.found = found
        """The schema version the database records."""
        self.expected = expected
        """The schema version this library reads and writes (``SCHEMA_VERSION``)."""
        self.upgrade = upgrade
        """How this deployment upgrades its schema, when it is not reviewflow's own command
        (a Django project: ``python manage.py migrate reviewflow``); "" for the usual."""
        if found < expected:
            how = upgrade or "reviewflow.upgrade_store(url) (or reviewflow db upgrade)"
            todo = f"back it up (copy_store), then run {how} once"
        else:
            todo = "this library is older than the database: install the newer reviewflow"
        super().__init__(
            f"the database {url} has schema version {found}, this library uses {expected}; {todo}"
        )

    def _zh(self) -> str:
        if self.found < self.expected:
            how = self.upgrade or "reviewflow db upgrade"
            todo = f"请先备份数据库，再升级一次数据库结构（{how}）"
        else:
            todo = "本系统的版本比数据库旧：请安装较新的版本"
        return (
            f"数据库结构版本不符：数据库 {self.url} 的结构版本是 {self.found}，本系统使用的是 "
            f"{self.expected}；{todo}。"
        )

    def details(self) -> dict[str, Any]:
        return {"url": self.url, "found": self.found, "expected": self.expected}


def history_table(d: Dialect, name: str) -> str:
    """The statement that creates the history table as ``name``."""
    i, t, b, s = d.id_type, d.text_type, d.big_text_type, d.table_suffix
    return f"""CREATE TABLE {name} (
            review_id {i} NOT NULL REFERENCES reviews (id), seq INTEGER NOT NULL,
            at VARCHAR(40) NOT NULL, actor_id {i} NOT NULL, action VARCHAR(40) NOT NULL,
            from_state VARCHAR(16) NULL, to_state VARCHAR(16) NOT NULL, data {b} NOT NULL,
            reason {t} NOT NULL, prev_digest VARCHAR(64) NOT NULL, digest VARCHAR(64) NOT NULL,
            PRIMARY KEY (review_id, seq)){s}"""


def reviews_table(d: Dialect, name: str) -> str:
    """The statement that creates the reviews table as schema 7 has it, as ``name`` (SQLite
    makes the table anew to change its unique constraint: see schema 7)."""
    i, b, s, day = d.id_type, d.big_text_type, d.table_suffix, "VARCHAR(10)"
    return f"""CREATE TABLE {name} (
            id {i} PRIMARY KEY, kind VARCHAR(16) NOT NULL,
            reviewer_id {i} NOT NULL REFERENCES members (id), subject_id {i} NOT NULL,
            period VARCHAR(8) NOT NULL, period_start {day} NOT NULL, period_end {day} NOT NULL,
            basis VARCHAR(16) NOT NULL, org_id {i} NOT NULL REFERENCES organizations (id),
            state VARCHAR(16) NOT NULL, version INTEGER NOT NULL, last_digest VARCHAR(64) NOT NULL,
            doc {b} NOT NULL, slot_hash BIGINT NOT NULL DEFAULT 0,
            slot_round INTEGER NOT NULL DEFAULT 1,
            CONSTRAINT {ONE_PER_ROUND} UNIQUE ({ROUND_COLUMNS})){s}"""


ONE_PER_ROUND = "reviews_one_per_round"
"""The unique constraint of schema 7: one review per slot and round (R-CAD-4, R-REOPEN)."""
ROUND_COLUMNS = "reviewer_id, kind, subject_id, period, slot_round"
REVIEW_INDEXES = (
    "CREATE INDEX reviews_by_period ON reviews (period_start, period_end)",
    "CREATE INDEX reviews_by_org ON reviews (org_id, period_start)",
    "CREATE INDEX reviews_by_subject ON reviews (subject_id, period_start)",
)
"""The indexes of the reviews table (schema 3 on), beside its constraints."""


def _schema_v1(d: Dialect) -> list[str]:
    """The roster, the reviews, their history and ledger items, the attempt log, the orders
    and the exemplars."""
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
        history_table(d, "history"),
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
    # The new index first: MySQL needs one on reviewer_id for its foreign key at all times.
    return [
        "CREATE INDEX reviews_of_reviewer ON reviews (reviewer_id)",
        d.drop_index("reviews_by_reviewer", "reviews"),
    ]


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
    return [
        d.drop_index("reviews_of_reviewer", "reviews"),
        "ALTER TABLE reviews ADD COLUMN slot_hash BIGINT NOT NULL DEFAULT 0",
    ]


def _fill_slot_hashes(db: Database, cur: Any) -> None:
    rows = db.q(cur, "SELECT id, kind, reviewer_id, subject_id, period FROM reviews", [])
    db.many(
        cur,
        "UPDATE reviews SET slot_hash = ? WHERE id = ?",
        [
            (slot_hash(KINDS[kind], reviewer_id, subject_id, Period.parse(period)), rid)
            for rid, kind, reviewer_id, subject_id, period in rows.fetchall()
        ],
    )


def _schema_v4(d: Dialect) -> list[str]:  # noqa: ARG001 - nothing common
    """PostgreSQL: each history entry keeps the id of the transaction that wrote it (``xid``,
    from ``pg_current_xact_id()``), so that coverage can ask for what was written after the
    snapshot its facts were counted in (``coverage_changes``): serial numbers are not committed
    in their order, transaction ids against a snapshot say exactly which writes it saw. The
    entries already there keep NULL (all committed, seen by any snapshot taken after the
    upgrade); adding the column rewrites nothing.

    An index finds the steps newer than a snapshot; the entries that create a review (from no
    state) are left out of it, so that scheduling a period writes no more index than before
    (one more b-tree per entry made scheduling 15 % slower, measured). Instead each
    transaction that creates reviews adds one to the ``created`` count (one row, once per
    transaction), and coverage counts afresh when it has moved: a period's reviews are created
    in bulk, and their count would be recounted anyway.

    SQLite needs nothing (one writer at a time: the history's rowid follows the commits),
    MySQL nothing either (coverage counts afresh)."""
    return []


def _schema_v5(d: Dialect) -> list[str]:
    """The effective-dated roster (R-ROSTER-1): an organization's founding day, the day its
    head took office and its former heads' terms; a member's former organizations (each until
    the day of the transfer). The histories are JSON, NULL when there is none: the rows already
    there need nothing."""
    t, day = d.text_type, "VARCHAR(10)"
    return [
        f"ALTER TABLE organizations ADD COLUMN founded_on {day} NULL",
        f"ALTER TABLE organizations ADD COLUMN head_since {day} NULL",
        f"ALTER TABLE organizations ADD COLUMN former_heads {t} NULL",
        f"ALTER TABLE members ADD COLUMN former_orgs {t} NULL",
    ]


def _schema_v6(d: Dialect) -> list[str]:
    """The office's records (R-SUPERVISE, R-EXEMPLAR, R-SUMMARY-SUBMIT): inspections, the
    publicity of exemplars and the yearly summaries submitted, each a record in order of
    writing like the exemplars; a submission keeps its year beside it, one per organization
    and year. New tables only: the rows already there need nothing."""
    i, b, s = d.id_type, d.big_text_type, d.table_suffix
    return [
        f"""CREATE TABLE inspections (
            id {i} PRIMARY KEY, seq INTEGER NOT NULL, org_id {i} NOT NULL, doc {b} NOT NULL){s}""",
        f"""CREATE TABLE exemplar_publicity (
            id {i} PRIMARY KEY, seq INTEGER NOT NULL, org_id {i} NOT NULL, doc {b} NOT NULL){s}""",
        f"""CREATE TABLE summary_submissions (
            id {i} PRIMARY KEY, seq INTEGER NOT NULL, org_id {i} NOT NULL, doc {b} NOT NULL,
            year INTEGER NOT NULL,
            CONSTRAINT submissions_one_per_year UNIQUE (org_id, year)){s}""",
    ]


def _schema_v7(d: Dialect) -> list[str]:  # noqa: ARG001 - the same on every database
    """A slot opened again (R-REOPEN): each review keeps its round (``slot_round``, 1 for every
    review already there), and the one-per-slot constraint takes it in
    (``reviews_one_per_round``), so a cancelled review's slot can hold a later review, and
    scheduling still creates nothing twice (R-CAD-4). PostgreSQL and MySQL add the new
    constraint, then drop the old one (MySQL's foreign key on the reviewer needs an index that
    begins with it at all times); SQLite, which drops no constraint, makes the table anew."""
    return ["ALTER TABLE reviews ADD COLUMN slot_round INTEGER NOT NULL DEFAULT 1"]


def _schema_v8(d: Dialect) -> list[str]:
    """The outbox (:mod:`reviewflow.store.outbox`): the notifications queued with the changes
    they tell of, each with its delivery's state, due time (UTC text of fixed width, so that
    text order is time order), failed attempts and last error. Claims look for the queued
    messages by due time (the index), in order of queuing. A new table: nothing to fill."""
    i, t, b, s = d.id_type, d.text_type, d.big_text_type, d.table_suffix
    return [
        f"""CREATE TABLE outbox (
            id {i} PRIMARY KEY, seq INTEGER NOT NULL, kind VARCHAR(64) NOT NULL,
            payload {b} NOT NULL, at VARCHAR(40) NOT NULL, state VARCHAR(16) NOT NULL,
            due VARCHAR(40) NOT NULL, attempts INTEGER NOT NULL, last_error {t} NOT NULL,
            delivered VARCHAR(40) NULL){s}""",
        "CREATE INDEX outbox_by_due ON outbox (state, due)",
    ]


MIGRATIONS: Mapping[int, Callable[[Dialect], list[str]]] = {
    1: _schema_v1,
    2: _schema_v2,
    3: _schema_v3,
    4: _schema_v4,
    5: _schema_v5,
    6: _schema_v6,
    7: _schema_v7,
    8: _schema_v8,
}
"""Schema version → the statements every database runs to bring the previous version to it
(the database's own follow: :meth:`Dialect.migration`)."""

FILLS: Mapping[int, Callable[[Database, Any], None]] = {3: _fill_slot_hashes}
"""Schema version → what the upgrade to it writes into the rows already there, after its
statements and in the same transaction (where the database has transactional DDL)."""


def schema_version(db: Database) -> int:
    """The database's schema version (0 for an empty database)."""
    with db.read() as cur:
        if not db.dialect.has_table(cur, "reviewflow_meta"):
            return 0
        row = db.q(cur, "SELECT value FROM reviewflow_meta WHERE name = ?", ["schema"])
        found = row.fetchone()
        return int(found[0]) if found else 0


def check(db: Database, *, create: bool) -> None:
    """Set up an empty database (when ``create``); refuse one at another schema version."""
    found = schema_version(db)
    if found == 0 and create:
        upgrade(db)
        return
    if found != SCHEMA_VERSION:
        raise SchemaMismatch(db.url, found, SCHEMA_VERSION)


def upgrade(db: Database, to: int | None = None) -> int:
    """Bring the schema to version ``to`` (None: :data:`SCHEMA_VERSION`), one migration at a
    time; returns the version it is at (a database at ``to`` or later is left as it is).

    Each migration runs in its own transaction where the database allows DDL in one (SQLite,
    PostgreSQL); MySQL commits DDL as it goes.
    """
    if to is None:
        to = SCHEMA_VERSION
    if not 1 <= to <= SCHEMA_VERSION:
        raise ValueError(f"no schema version {to}: this library knows 1 to {SCHEMA_VERSION}")
    found = schema_version(db)
    if found > SCHEMA_VERSION:
        raise SchemaMismatch(db.url, found, SCHEMA_VERSION)
    for version in range(found + 1, to + 1):
        with db.write() as cur:
            migrate(db, cur, version)
    return max(found, to)


def migrate(db: Database, cur: Any, version: int) -> None:
    """The migration to schema ``version`` (from the one before), in the transaction of
    ``cur``: its statements, the database's own, its fill and the new version noted. An
    upgrade runs one per version; so does each Alembic revision of
    :mod:`reviewflow.contrib.sqlalchemy`."""
    for statement in (*MIGRATIONS[version](db.dialect), *db.dialect.migration(version)):
        cur.execute(statement)
    fill = FILLS.get(version)
    if fill is not None:
        fill(db, cur)
    upsert = db.dialect.upsert("reviewflow_meta", ("name", "value"), ("name",))
    db.q(cur, upsert, ["schema", str(version)])
    if version == 1:
        db.q(cur, "INSERT INTO reviewflow_meta VALUES (?, ?)", ["roster", "0"])
