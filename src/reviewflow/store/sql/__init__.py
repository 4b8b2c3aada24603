"""SQL stores: SQLite (the embedded default), PostgreSQL (psycopg 3) and MySQL/MariaDB (PyMySQL).

One :class:`SqlStore` speaks plain DB-API to every database; a small :class:`Dialect` holds what
differs (placeholders, upserts, column types, how to connect, which driver errors mean what, how
a step is written in one round trip, what was written since coverage counted). No ORM sits in
between: the bulk paths (scheduling a period, one step over many reviews) are ``COPY``,
statements of many rows or ``executemany`` calls the driver batches itself.

A review is kept as one row: the columns the queries filter on, plus its record as JSON
(``doc``). Its history, ledger items, the attempt log, orders and exemplars have tables of their
own. The database enforces what it can: one review per (reviewer, kind, subject, period,
round), one history entry per (review, seq), foreign keys. The schema is versioned (see
:data:`SCHEMA_VERSION`): an empty database is set up on first open; an older one is refused
until :meth:`SqlStore.upgrade` runs, and a newer one is refused outright.

The modules: :mod:`.dialect` (the base dialect), one a database (:mod:`.sqlite`,
:mod:`.postgres`, :mod:`.mysql`), :mod:`.schema` (versions and migrations), :mod:`.codec` (rows
and domain values), :mod:`.connection` (the connection, transactions, statements, errors, and
:class:`HostTransaction` for a store inside the host's own transaction) and :mod:`.store` (the
store, with its writes in :mod:`.writes` and its counts in :mod:`.counting`).
"""

from __future__ import annotations

from collections.abc import Mapping

from reviewflow.store.sql.connection import ConnectionSource, HostTransaction
from reviewflow.store.sql.dialect import Dialect
from reviewflow.store.sql.mysql import MysqlDialect
from reviewflow.store.sql.postgres import PostgresDialect
from reviewflow.store.sql.schema import MIGRATIONS, SCHEMA_VERSION, SchemaMismatch
from reviewflow.store.sql.sqlite import SqliteDialect
from reviewflow.store.sql.store import SqlStore, redact_url

__all__ = [
    "DIALECTS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "ConnectionSource",
    "Dialect",
    "HostTransaction",
    "MysqlDialect",
    "PostgresDialect",
    "SchemaMismatch",
    "SqlStore",
    "SqliteDialect",
    "redact_url",
]

DIALECTS: Mapping[str, type[Dialect]] = {
    "sqlite": SqliteDialect,
    "postgresql": PostgresDialect,
    "postgres": PostgresDialect,
    "postgresql+psycopg": PostgresDialect,
    "mysql": MysqlDialect,
    "mariadb": MysqlDialect,
    "mysql+pymysql": MysqlDialect,
}
"""URL scheme → the dialect of its database."""
