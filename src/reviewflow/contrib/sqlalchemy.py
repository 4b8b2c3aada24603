"""reviewflow inside a SQLAlchemy host: the store in the host's transaction, the listeners after
its commit, the library's tables as ``MetaData`` and its migrations as Alembic revisions.

- :func:`store_on`: a :class:`~reviewflow.store.sql.SqlStore` over the host's ``Connection``
  or ``Session``: each of its writes is a savepoint (``begin_nested``) in the host's
  transaction, which the store never commits, rolls back or closes;
- :func:`after_commit`: what ``ReviewService(after_commit=...)`` takes, so that listeners hear
  of a change only once the host's transaction has committed it;
- :data:`metadata`: the library's tables, for the host's ``target_metadata``;
- :data:`VERSIONS`: the directory of the library's Alembic revisions (one per schema version,
  branch ``reviewflow``) for the host's ``version_locations``; :func:`upgrade_on` brings a
  database to a schema version on a connection (what each revision runs).

Supported drivers: SQLite through the standard library (``sqlite://``), PostgreSQL through
psycopg 3 (``postgresql+psycopg://``), MySQL/MariaDB through PyMySQL (``mysql+pymysql://``,
``mariadb+pymysql://``). Needs the extra ``sqlalchemy``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

try:
    import sqlalchemy as sa
    from sqlalchemy import event
    from sqlalchemy.orm import Session
except ModuleNotFoundError as _missing:  # pragma: no cover - the extra is installed in tests
    if _missing.name != "sqlalchemy":
        raise
    raise ModuleNotFoundError(
        "reviewflow.contrib.sqlalchemy needs SQLAlchemy: pip install 'reviewflow[sqlalchemy]'",
        name="sqlalchemy",
    ) from None

from reviewflow.contrib._tables import metadata
from reviewflow.errors import InvalidInput, StoreUnavailable
from reviewflow.reasons import because
from reviewflow.store.sql import (
    HostTransaction,
    MysqlDialect,
    PostgresDialect,
    SqliteDialect,
    SqlStore,
    schema,
)
from reviewflow.store.sql.connection import Database, begin_if_idle
from reviewflow.store.sql.dialect import Connection, Dialect

__all__ = ["DRIVERS", "VERSIONS", "after_commit", "metadata", "store_on", "upgrade_on"]

DRIVERS: Mapping[tuple[str, str], type[Dialect]] = {
    ("sqlite", "pysqlite"): SqliteDialect,
    ("postgresql", "psycopg"): PostgresDialect,
    ("mysql", "pymysql"): MysqlDialect,
    ("mariadb", "pymysql"): MysqlDialect,
}
"""(database, driver) of a SQLAlchemy URL → the dialect the store speaks to it with. Other
drivers are refused: the dialects call their driver's own API (psycopg 3's ``prepare=`` and
``COPY``, for one, which psycopg2 does not have)."""

VERSIONS = str(Path(__file__).with_name("migrations"))
"""The directory of the library's Alembic revisions: add it to ``version_locations``."""

Host = sa.Connection | Session
"""What the host hands over: its ``Connection``, or its ``Session``."""


def store_on(host: Host, **options: Any) -> SqlStore:
    """A store that writes inside ``host``'s transaction (its ``Connection`` or ``Session``).

    Each write of the store is a savepoint (``begin_nested``): a step the library refuses is
    undone alone, and everything else stands or falls with the host's commit or rollback. The
    store never commits, rolls back or closes what is the host's, and sets up no schema
    (``create=True`` does, outside MySQL; else ``reviewflow db upgrade`` or the Alembic
    revisions). ``options`` go to :class:`~reviewflow.store.sql.SqlStore`.

    SQLite through a plain ``create_engine("sqlite:///...")`` works: sqlite3 begins no
    transaction before a savepoint, so the store begins one (``BEGIN IMMEDIATE``) when the
    connection is in none, and the host's commit ends it.
    """
    connection = _connection(host)
    dialect = dialect_of(connection)
    _refuse_autocommit(connection, dialect)
    if isinstance(host, Session):
        session = host

        def dbapi() -> Connection:
            return _dbapi(_connection(session))

        nested: Callable[[], AbstractContextManager[object]] = session.begin_nested
    else:

        def dbapi() -> Connection:
            return _dbapi(connection)

        nested = connection.begin_nested
    source = HostTransaction(dbapi, nested=lambda: _in_transaction(dbapi(), nested))
    return SqlStore(_url(connection), dialect, source=source, **options)


def after_commit(host: Host) -> Callable[[Callable[[], None]], None]:
    """What ``ReviewService(after_commit=...)`` takes for a store on ``host``: each function
    given runs once the host's transaction commits, and is dropped if it rolls back.

    A ``Session`` runs them from its ``after_commit`` event, after the database's COMMIT. A
    ``Connection`` has no event after its COMMIT: they run from its ``commit`` event, as
    SQLAlchemy commits (a COMMIT the database then refuses has been announced all the same:
    hand the service a ``Session`` where that matters).
    """
    pending: list[Callable[[], None]] = []

    def run(*_: object) -> None:
        todo = list(pending)
        pending.clear()
        for callback in todo:
            callback()

    def drop(*_: object) -> None:
        pending.clear()

    if isinstance(host, Session):
        event.listen(host, "after_commit", _outermost_commit(run))
        event.listen(host, "after_transaction_end", _outermost_end(drop))
    else:
        event.listen(host, "commit", run)
        event.listen(host, "rollback", drop)
    return pending.append


def _outermost_commit(run: Callable[[], None]) -> Callable[[Session], None]:
    """A Session's ``after_commit`` listener that runs the pending functions when its
    outermost transaction commits (the event fires for each savepoint released, too)."""

    def committed(session: Session) -> None:
        if session.get_nested_transaction() is None:
            run()

    return committed


def _outermost_end(drop: Callable[[], None]) -> Callable[[Session, Any], None]:
    """A Session's ``after_transaction_end`` listener that drops the pending functions when
    its outermost transaction ends (after a commit ran them, or on a rollback); a
    savepoint's end (a refused step) leaves them."""

    def ended(_session: Session, transaction: Any) -> None:
        if transaction.parent is None:
            drop()

    return ended


def upgrade_on(connection: sa.Connection, version: int | None = None) -> int:
    """Bring the library's tables on ``connection`` to schema ``version`` (default: this
    library's), inside the connection's transaction, one migration at a time; a database at
    that version or later is left alone. Returns the version the database is at.

    What each Alembic revision runs (on ``op.get_bind()``); MySQL commits DDL as it goes."""
    target = schema.SCHEMA_VERSION if version is None else version
    db = Database(
        _url(connection),
        dialect_of(connection),
        # No savepoint: MySQL ends one with the first DDL statement.
        HostTransaction(
            lambda: _dbapi(connection),
            nested=lambda: _in_transaction(_dbapi(connection), contextlib.nullcontext),
        ),
    )
    found = schema.schema_version(db)
    if found > schema.SCHEMA_VERSION:
        raise schema.SchemaMismatch(db.url, found, schema.SCHEMA_VERSION)
    for step in range(found + 1, target + 1):
        with db.write() as cur:
            schema.migrate(db, cur, step)
    return max(found, target)


def alembic_upgrade(version: int) -> None:
    """The upgrade of the library's Alembic revision for schema ``version``."""
    from alembic import op  # noqa: PLC0415 - only inside an Alembic run

    upgrade_on(op.get_bind(), version)


def dialect_of(connection: sa.Connection) -> Dialect:
    """The store's dialect for ``connection``'s engine, or a refusal naming what is supported."""
    url = connection.engine.url
    found = (url.get_backend_name(), url.get_driver_name())
    dialect = DRIVERS.get(found)
    if dialect is None:
        known = ", ".join(f"{db}+{driver}" for db, driver in DRIVERS)
        raise StoreUnavailable(
            _url(connection),
            f"reviewflow does not speak to {found[0]} through the driver {found[1]}; "
            f"use one of {known} (create_engine('postgresql+psycopg://...'), say)",
        )
    return dialect()


def _connection(host: Host) -> sa.Connection:
    return host.connection() if isinstance(host, Session) else host


def _dbapi(connection: sa.Connection) -> Connection:
    """The DB-API connection under ``connection`` now (SQLAlchemy may replace it)."""
    dbapi: Connection = connection.connection.dbapi_connection  # type: ignore[assignment]
    return dbapi


def _refuse_autocommit(connection: sa.Connection, dialect: Dialect) -> None:
    """Refuse a connection that commits each statement: the store's writes would be committed
    at once, outside any transaction of the host's. (sqlite3 set to autocommit is SQLAlchemy's
    documented setup for savepoints, its ``begin`` event emitting BEGIN: it is allowed.)"""
    level = connection.get_execution_options().get("isolation_level")
    if level != "AUTOCOMMIT" and (
        isinstance(dialect, SqliteDialect) or not dialect.autocommits(_dbapi(connection))
    ):
        return
    raise InvalidInput("connection", "AUTOCOMMIT", because("host_autocommits"))


def _url(connection: sa.Connection) -> str:
    return connection.engine.url.render_as_string(hide_password=True)


@contextlib.contextmanager
def _in_transaction(
    dbapi: Connection, nested: Callable[[], AbstractContextManager[object]]
) -> Iterator[None]:
    """``nested()`` in a transaction of the database's own (:func:`begin_if_idle`: SQLAlchemy's
    savepoint on a sqlite3 connection in none would be released into a commit)."""
    begin_if_idle(dbapi)
    with nested():
        yield
