"""The library's tables as SQLAlchemy ``MetaData``, as :mod:`reviewflow.store.sql.schema` makes
them at :data:`~reviewflow.store.sql.schema.SCHEMA_VERSION` (held to it by
tests/test_contrib_sqlalchemy.py, which reflects both on each database and compares them).

What only PostgreSQL has (each history entry's transaction id, ``xid``, and its index; see
schema 4) is added by a DDL hook when the tables are created there, as are the rows of
``reviewflow_meta`` that a store reads when it opens.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from reviewflow.store.sql.schema import ONE_PER_ROUND, SCHEMA_VERSION

__all__ = ["metadata"]

metadata = sa.MetaData()
"""reviewflow's tables; add it to the ``target_metadata`` of the host's Alembic ``env.py`` so
that autogenerate leaves them alone (the library's revisions make and change them)."""

_ID = sa.String(128).with_variant(sa.Text(), "sqlite")
_BIG = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
_MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


def _ddl(statement: str, *, postgres_only: bool = False) -> sa.DDL:
    ddl = sa.DDL(statement)  # type: ignore[no-untyped-call] # untyped in SQLAlchemy
    return ddl.execute_if(dialect="postgresql") if postgres_only else ddl


def _id(
    name: str, *args: sa.schema.SchemaItem, nullable: bool = False, primary_key: bool = False
) -> sa.Column[str]:
    return sa.Column(name, _ID, *args, nullable=nullable, primary_key=primary_key)


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _day(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(10), nullable=nullable)


def _doc(name: str = "doc") -> sa.Column[str]:
    return sa.Column(name, _BIG, nullable=False)


def _short(name: str, length: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _int(name: str, *, big: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger() if big else sa.Integer(), nullable=False)


meta = sa.Table(
    "reviewflow_meta",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    _text("value"),
    **_MYSQL,
)
sa.Table(
    "organizations",
    metadata,
    _id("id", primary_key=True),
    _text("name"),
    _short("kind", 32),
    _text("org_type"),
    _id("parent_id", sa.ForeignKey("organizations.id"), nullable=True),
    _id("head_id", nullable=True),
    _day("dissolved_on", nullable=True),
    _day("founded_on", nullable=True),
    _day("head_since", nullable=True),
    _text("former_heads", nullable=True),
    **_MYSQL,
)
sa.Table(
    "members",
    metadata,
    _id("id", primary_key=True),
    _text("name"),
    _id("org_id", sa.ForeignKey("organizations.id")),
    _text("post_category"),
    _short("status", 32),
    _text("roles"),
    _day("left_on", nullable=True),
    _text("left_reason"),
    _day("joined_on", nullable=True),
    _text("former_orgs", nullable=True),
    **_MYSQL,
)
sa.Table("office_staff", metadata, _id("id", primary_key=True), _text("name"), **_MYSQL)
sa.Table(
    "liaisons",
    metadata,
    _id("committee_member_id", sa.ForeignKey("members.id"), primary_key=True),
    _id("org_id", sa.ForeignKey("organizations.id"), primary_key=True),
    _day("since", nullable=True),
    _day("until", nullable=True),
    **_MYSQL,
)
sa.Table(
    "reviews",
    metadata,
    _id("id", primary_key=True),
    _short("kind", 16),
    _id("reviewer_id", sa.ForeignKey("members.id")),
    _id("subject_id"),
    _short("period", 8),
    _day("period_start"),
    _day("period_end"),
    _short("basis", 16),
    _id("org_id", sa.ForeignKey("organizations.id")),
    _short("state", 16),
    _int("version"),
    _short("last_digest", 64),
    _doc(),
    sa.Column("slot_hash", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("slot_round", sa.Integer(), nullable=False, server_default="1"),
    sa.UniqueConstraint(
        "reviewer_id", "kind", "subject_id", "period", "slot_round", name=ONE_PER_ROUND
    ),
    sa.Index("reviews_by_period", "period_start", "period_end"),
    sa.Index("reviews_by_org", "org_id", "period_start"),
    sa.Index("reviews_by_subject", "subject_id", "period_start"),
    postgresql_with={"fillfactor": 85},  # room for a step's new row version (schema 2)
    **_MYSQL,
)
history = sa.Table(
    "history",
    metadata,
    _id("review_id", sa.ForeignKey("reviews.id"), primary_key=True),
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
    _short("at", 40),
    _id("actor_id"),
    _short("action", 40),
    _short("from_state", 16, nullable=True),
    _short("to_state", 16),
    _doc("data"),
    _text("reason"),
    _short("prev_digest", 64),
    _short("digest", 64),
    **_MYSQL,
)
sa.Table(
    "ledger_items",
    metadata,
    _id("review_id", sa.ForeignKey("reviews.id"), primary_key=True),
    _id("item_id", primary_key=True),
    _id("requirement_id"),
    _text("measure"),
    _text("owner"),
    _day("due"),
    _short("status", 16),
    _day("done_on", nullable=True),
    sa.Index("ledger_items_by_due", "status", "due"),
    **_MYSQL,
)
sa.Table(
    "attempts",
    metadata,
    sa.Column("seq", sa.Integer(), nullable=False, autoincrement=False),
    _id("id", primary_key=True),
    _short("at", 40),
    _id("actor_id"),
    _short("action", 40),
    _id("review_id", nullable=True),
    _short("error", 64),
    _doc("message"),
    _doc("details"),
    sa.Index("attempts_by_review", "review_id", "seq"),
    **_MYSQL,
)
sa.Table(
    "orders",
    metadata,
    _id("id", primary_key=True),
    _int("seq"),
    _id("org_id"),
    _short("status", 16),
    _day("deadline"),
    _int("version"),
    _doc(),
    **_MYSQL,
)
for _name in ("exemplars", "inspections", "exemplar_publicity"):
    sa.Table(_name, metadata, _id("id", primary_key=True), _int("seq"), _id("org_id"), _doc(),
             **_MYSQL)  # fmt: skip
sa.Table(
    "summary_submissions",
    metadata,
    _id("id", primary_key=True),
    _int("seq"),
    _id("org_id"),
    _doc(),
    _int("year"),
    sa.UniqueConstraint("org_id", "year", name="submissions_one_per_year"),
    **_MYSQL,
)
sa.Table(  # schema 8: the outbox
    "outbox",
    metadata,
    _id("id", primary_key=True),
    _int("seq"),
    _short("kind", 64),
    _doc("payload"),
    _short("at", 40),
    _short("state", 16),
    _short("due", 40),
    _int("attempts"),
    _text("last_error"),
    _short("delivered", 40, nullable=True),
    sa.Index("outbox_by_due", "state", "due"),
    **_MYSQL,
)

# PostgreSQL only (schema 4): each history entry's transaction, and the index of the steps.
for _statement in (
    "ALTER TABLE history ADD COLUMN xid xid8 NULL DEFAULT pg_current_xact_id()",
    "CREATE INDEX history_by_xid ON history (xid) WHERE xid IS NOT NULL AND from_state IS NOT NULL",
):
    sa.event.listen(history, "after_create", _ddl(_statement, postgres_only=True))

# The rows a store reads when it opens: the schema version, the roster's version, and on
# PostgreSQL the count of transactions that created reviews (schema 4).
_ROWS = "INSERT INTO reviewflow_meta (name, value) VALUES "
sa.event.listen(
    meta, "after_create", _ddl(f"{_ROWS}('schema', '{SCHEMA_VERSION}'), ('roster', '0')")
)
sa.event.listen(meta, "after_create", _ddl(f"{_ROWS}('created', '0')", postgres_only=True))
