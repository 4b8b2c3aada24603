"""What differs between databases: the base :class:`Dialect`.

The store, its queries and the schema speak to every database through a dialect; each
database module (:mod:`.sqlite`, :mod:`.postgres`, :mod:`.mysql`) fills in its own. Every
difference is an attribute or a method here, never a test of the database's name elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

__all__ = ["Connection", "Dialect"]


class Connection(Protocol):
    """The part of a DB-API connection the store uses."""

    def cursor(self) -> Any: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


class Dialect:
    """What differs between databases. Subclasses fill in the details."""

    name = "sql"
    """A name for people (errors, logs); nothing branches on it."""
    driver = ""
    """The driver's module and the extra that installs it (``psycopg``, ``postgres``); empty
    where the standard library has it."""
    extra = ""
    """The reviewflow extra that installs the driver (``pip install 'reviewflow[postgres]'``);
    empty where the standard library has it."""

    def missing_driver(self, error: ModuleNotFoundError) -> str | None:
        """What to say when connecting failed because the driver is not installed, or None
        when ``error`` is about another module."""
        if not self.driver or error.name != self.driver:
            return None
        return (
            f"the {self.name} driver {self.driver} is not installed: "
            f"pip install 'reviewflow[{self.extra}]'"
        )

    def drives(self, connection: object) -> bool:
        """Whether ``connection`` (a host's DB-API connection) is one this dialect's driver
        made: another driver for the same database (psycopg2, mysqlclient) is not."""
        return type(connection).__module__.partition(".")[0] == self.driver

    placeholder = "%s"
    """The driver's parameter marker (DB-API paramstyle): ``%s`` (format) or ``?`` (qmark).
    Statements are written with ``?``; :meth:`sql` puts this in its place."""
    id_type = "VARCHAR(128)"
    """The column type of ids (of reviews, members, organizations...); it holds
    :data:`~reviewflow.domain.limits.ID_MAX` characters."""
    text_type = "TEXT"
    """The column type of names and free texts the roster and the records carry (up to
    :data:`~reviewflow.domain.limits.TEXT_MAX` characters)."""
    big_text_type = "TEXT"
    """The column type of whole documents stored as JSON text (a review, a history entry's
    data, an attempt's details), which can run past 64 KB."""
    table_suffix = ""
    """Appended to every CREATE TABLE: the storage engine, character set and collation where
    the database needs them named; empty for none."""
    lock_rows = " FOR UPDATE"
    """Appended to a SELECT to lock the rows it reads until the transaction ends."""
    lock_free_rows = " FOR UPDATE SKIP LOCKED"
    """Appended to a SELECT to lock the rows it reads that no other transaction holds, and to
    pass over those that one does (two outbox dispatchers claim different messages without
    waiting for each other)."""
    rows_per_insert = 1
    """Rows one INSERT carries where a statement of many VALUES beats ``executemany`` (bulk
    inserts: scheduling, imports; 1: ``executemany``)."""
    unit_separator = "char(31)"
    """The ASCII unit separator as an SQL expression (it joins a slot's parts into one key)."""
    snapshot: str | None = None
    """The statement that begins a read-only transaction which reads one state of the database
    and whose :meth:`watermark` says what was written after it; None when this database cannot
    say (coverage then counts afresh)."""
    on_create: str | None = None
    """A statement that a transaction which created reviews runs once (PostgreSQL counts such
    transactions: :meth:`changes_since` does not see the reviews they created); None: none."""

    # -- connections and transactions -------------------------------------------------------------

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

    current_schema = "current_schema()"
    """SQL naming the schema (MySQL: the database) unqualified table names are found in."""

    def has_table(self, cursor: Any, table: str) -> bool:
        """Whether ``table`` exists where the connection finds its tables: asked of the
        catalogue, so that nothing fails (a failed statement would end a PostgreSQL
        transaction, the host's own where the store is inside it)."""
        cursor.execute(
            self.sql(
                "SELECT 1 FROM information_schema.tables WHERE table_name = ? "
                f"AND table_schema = {self.current_schema}"
            ),
            (table,),
        )
        return cursor.fetchone() is not None

    # -- statements -------------------------------------------------------------------------------

    def sql(self, statement: str) -> str:
        """``statement`` with ``?`` placeholders in this driver's style."""
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)

    def execute(self, cursor: Any, statement: str, params: tuple[Any, ...]) -> None:
        """Run one statement with its parameters."""
        cursor.execute(statement, params)

    def concat(self, parts: Sequence[str]) -> str:
        """SQL that joins the string expressions ``parts``."""
        return " || ".join(parts)

    def upsert(self, table: str, columns: Sequence[str], keys: Sequence[str]) -> str:
        """An INSERT that replaces the row with the same ``keys``."""
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
        return (
            f"INSERT INTO {table} ({names}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
        )

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

    # -- a step in one round trip -----------------------------------------------------------------

    def one_statement_steps(self, conn: Connection) -> bool:  # noqa: ARG002 - none by default
        """Whether :meth:`write_step` may write a step on ``conn`` (an autocommit connection)."""
        return False

    def write_step(
        self,
        cursor: Any,
        update: str,
        values: Sequence[Any],
        entry: Sequence[Any],
    ) -> int:
        """One step as one transaction of its own, in as few round trips as the database
        allows: ``update`` (``?`` placeholders) with ``values`` moves the review, and the
        history row ``entry`` is inserted only when it did. Returns the rows the update moved
        (not 1: nothing was written). Only called where :meth:`one_statement_steps` said so."""
        raise NotImplementedError

    # -- the schema -------------------------------------------------------------------------------

    def drop_index(self, index: str, table: str) -> str:  # noqa: ARG002 - the name is enough
        """The statement that drops ``index`` of ``table``."""
        return f"DROP INDEX {index}"

    def migration(self, version: int) -> list[str]:  # noqa: ARG002 - none by default
        """This database's own statements in the migration to schema ``version``, after the
        statements every database runs (see :mod:`.schema`)."""
        return []

    # -- what was written since -------------------------------------------------------------------

    def watermark(self, cursor: Any) -> object:
        """Where the database stands, read within :attr:`snapshot` (only called when it is
        set)."""
        raise NotImplementedError

    def changes_since(self, since: object) -> tuple[str, list[Any]] | None:  # noqa: ARG002
        """A condition on the history's rows that holds for the entries written after the
        watermark ``since``, with its parameters; None when this database cannot say."""
        return None

    def before_changes(self, cursor: Any) -> None:
        """Prepare the read of :meth:`changes_since`'s entries (a planner hint, say)."""

    def same_creations(self, since: object, now: object) -> bool:  # noqa: ARG002 - always
        """Whether every review created between the watermarks ``since`` and ``now`` shows
        among the entries :meth:`changes_since` finds."""
        return True

    # -- driver errors ----------------------------------------------------------------------------

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
