"""The store's connection: where it comes from, its transactions, its statements and errors.

A :class:`Database` runs everything the store sends: statements in the dialect's style,
transactions under one lock, driver errors turned into the library's. The connection and what
begins, commits and rolls back a transaction come from one small object, a
:class:`ConnectionSource`: :class:`OwnedConnection` owns a connection the store opened;
:class:`HostTransaction` writes inside a transaction the host owns, each write a savepoint in it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar, cast

from reviewflow.errors import IntegrityError, ReviewflowError, StoreError, StoreUnavailable
from reviewflow.store.sql.codec import insert, marks
from reviewflow.store.sql.dialect import Connection, Dialect

__all__ = [
    "ConnectionSource",
    "Database",
    "HostTransaction",
    "LostRace",
    "OwnedConnection",
    "begin_if_idle",
    "driver_message",
]

_W = TypeVar("_W")
RETRIES = 5
"""How many times a transaction that loses a race (a deadlock, another scheduler) is tried."""


class ConnectionSource(Protocol):
    """Where the store's connection comes from, and who begins and ends its transactions."""

    @property
    def connection(self) -> Connection:
        """The DB-API connection the store's statements run on."""
        ...

    @property
    def owned(self) -> bool:
        """Whether the store owns the transactions it runs: then it may run a lost race again
        and a commit is final. False: they are savepoints in a transaction the host owns."""
        ...

    autocommits: bool
    """Whether each statement runs in a transaction of its own unless the store begins one:
    then a read needs no COMMIT, and the store may run a step or a snapshot read as a
    transaction of its own (in one round trip). False: every read ends with :meth:`commit`."""

    def begin(self) -> None:
        """Start a write transaction."""
        ...

    def commit(self) -> None:
        """End the transaction, keeping what it wrote."""
        ...

    def rollback(self) -> None:
        """End the transaction, undoing what it wrote."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


class OwnedConnection:
    """A connection the store opened and owns: it begins, commits, rolls back and closes it."""

    owned = True

    def __init__(self, dialect: Dialect, connection: Connection) -> None:
        self.dialect = dialect
        self.connection = connection
        self.autocommits = dialect.autocommits(connection)
        self._closed = False

    def begin(self) -> None:
        self.dialect.begin(self.connection)

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    def close(self) -> None:
        if not self._closed:  # PyMySQL refuses to close a connection twice
            self._closed = True
            self.connection.close()


class HostTransaction:
    """A connection the host owns, in a transaction the host begins and ends: the store never
    commits, rolls back or closes it. Each write of the store is a savepoint inside the host's
    transaction (``nested``, entered when the write begins and left when it ends): a write the
    store refuses is undone alone, and the rest (the step with its history, the host's own rows)
    stands or falls with the host's commit or rollback.

    ``connection`` is the DB-API connection, or a function that gives it (a host whose
    connection may be replaced, Django's after a reconnect). ``nested`` makes the savepoint's
    context manager: SQLAlchemy's ``Connection.begin_nested``, Django's
    ``transaction.atomic``; by default the SQL ``SAVEPOINT`` statements on the connection.
    """

    owned = False
    """The host owns the transactions: the store's are savepoints in them, never retried."""
    autocommits = False
    """Every read runs in the host's transaction, as the host's own reads do."""

    def __init__(
        self,
        connection: Connection | Callable[[], Connection],
        nested: Callable[[], AbstractContextManager[object]] | None = None,
    ) -> None:
        self._connection = connection
        self._nested = nested if nested is not None else self._savepoint
        self._open: list[AbstractContextManager[object]] = []

    @property
    def connection(self) -> Connection:
        """The host's DB-API connection, as it is now."""
        connection = self._connection
        # A DB-API connection has cursor(); sqlite3's is callable too, so that does not tell.
        if hasattr(connection, "cursor"):
            return cast("Connection", connection)
        return connection()

    def begin(self) -> None:
        """Enter a savepoint in the host's transaction (one is begun if there is none)."""
        savepoint = self._nested()
        savepoint.__enter__()
        self._open.append(savepoint)

    def commit(self) -> None:
        """Release the savepoint: what it wrote is the host's, kept if the host commits."""
        if self._open:  # a read began nothing: nothing to end
            self._open.pop().__exit__(None, None, None)

    def rollback(self) -> None:
        """Roll back to the savepoint: what the store wrote since is undone, the host's
        earlier writes stay."""
        if self._open:
            refused = _Undo()
            self._open.pop().__exit__(_Undo, refused, None)

    def close(self) -> None:
        """Nothing: the connection is the host's."""

    @contextlib.contextmanager
    def _savepoint(self) -> Iterator[None]:
        """A ``SAVEPOINT`` on the connection, released on success and rolled back to on
        failure, in a transaction of the database's own (:func:`begin_if_idle`)."""
        connection = self.connection
        begin_if_idle(connection)
        cursor = connection.cursor()
        name = f"reviewflow_{len(self._open) + 1}"  # entered before begin() keeps it
        cursor.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            cursor.execute(f"ROLLBACK TO SAVEPOINT {name}")
            cursor.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            cursor.execute(f"RELEASE SAVEPOINT {name}")


def begin_if_idle(connection: Connection) -> None:
    """Begin a transaction on ``connection`` if it is in none, before a savepoint is taken.

    sqlite3 (in its default, legacy mode) begins one only before an INSERT, UPDATE or DELETE:
    a SAVEPOINT outside one would begin it, and its RELEASE commit it, the host's rows with it.
    ``BEGIN IMMEDIATE`` also waits for another writer to finish, so that the version checks see
    its commit; sqlite3 then commits it with the host's commit. Other drivers (no
    ``in_transaction``) are left as they are."""
    if getattr(connection, "in_transaction", True) is False:
        connection.cursor().execute("BEGIN IMMEDIATE")


class _Undo(Exception):
    """What :meth:`HostTransaction.rollback` hands the savepoint's context manager: leave it,
    undoing what it wrote."""


class LostRace(Exception):
    """The transaction lost a race with another writer (a deadlock, a serialization failure,
    a review of the same slot inserted first): it was rolled back and may run again."""


class Database:
    """What the store sends to its database, through its dialect, under one lock (threads
    share a store)."""

    def __init__(self, url: str, dialect: Dialect, source: ConnectionSource) -> None:
        self.url = url
        self.dialect = dialect
        self.source = source
        self.lock = threading.RLock()
        self.ends_reads = not source.autocommits
        self.steps_in_one = source.autocommits and dialect.one_statement_steps(source.connection)
        """Whether a step may be written by :meth:`Dialect.write_step`, its own transaction."""

    # -- transactions -----------------------------------------------------------------------------

    def transaction(self, *, write: bool, retry: bool = False) -> Transaction:
        """A transaction under the lock: commit on success; on failure roll back and translate
        the driver's error (:class:`LostRace` where it may be retried)."""
        return Transaction(self, write=write, retry=write or retry)

    def write(self) -> Transaction:
        """A write transaction (a lost race is retried by :meth:`retrying`)."""
        return Transaction(self, write=True, retry=True)

    def read(self) -> Transaction:
        """A read (a transaction only where the connection does not autocommit)."""
        return Transaction(self, write=False, retry=False)

    def retrying(self, write: Callable[[bool], _W]) -> _W:
        """``write(careful)`` again, carefully, while it loses races, up to :data:`RETRIES`.

        In a host's transaction it runs once: a lost race may have ended the host's whole
        transaction (MySQL rolls back the lot on a deadlock), so the host runs it again."""
        if not self.source.owned:
            try:
                return write(False)  # noqa: FBT003 - as below: not careful
            except LostRace as error:
                raise StoreError(
                    f"{self.url}: the transaction lost a race with another writer "
                    f"({driver_message(error.__cause__ or error)}); roll back the host's "
                    "transaction and run it again"
                ) from error.__cause__
        for attempt in range(RETRIES):
            try:
                return write(attempt > 0)
            except LostRace:
                if attempt == RETRIES - 1:
                    raise StoreUnavailable(
                        self.url, "the transaction kept losing races with other writers; try again"
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    @contextlib.contextmanager
    def snapshot(self, cursor: Any) -> Iterator[list[object]]:
        """The statements within read one state of the database (:attr:`Dialect.snapshot`),
        and the list given holds its watermark afterwards; empty where the database cannot
        say, or where the store does not run its own transactions."""
        watermark: list[object] = []
        begin = self.dialect.snapshot
        if begin is None or not self.source.autocommits:
            yield watermark
            return
        cursor.execute(begin)
        yield watermark
        found = self.dialect.watermark(cursor)
        cursor.execute("COMMIT")
        watermark.append(found)

    def translate(self, error: BaseException) -> StoreError:
        """The library's error for a driver's."""
        if self.dialect.is_unavailable(error):
            return StoreUnavailable(self.url, driver_message(error))
        if self.dialect.is_integrity_error(error):
            return IntegrityError(driver_message(error))
        return StoreError(f"{self.url}: {driver_message(error)}")

    # -- statements -------------------------------------------------------------------------------

    def q(self, cursor: Any, statement: str, params: Sequence[Any] = ()) -> Any:
        """Run ``statement`` (``?`` placeholders); returns the cursor."""
        self.dialect.execute(cursor, self.dialect.sql(statement), tuple(params))
        return cursor

    def many(self, cursor: Any, statement: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run ``statement`` once per row; returns the rows it changed."""
        if len(rows) == 1:
            cursor.execute(self.dialect.sql(statement), tuple(rows[0]))
        elif rows:
            cursor.executemany(self.dialect.sql(statement), [tuple(r) for r in rows])
        else:
            return 0
        return int(cursor.rowcount)

    def bulk(
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
            values = ", ".join([f"({marks(len(columns))})"] * at_once)
            statement = self.dialect.sql(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}"
            )
            for start in range(0, whole, at_once):
                cursor.execute(statement, [v for row in rows[start : start + at_once] for v in row])
        self.many(cursor, insert(table, columns), rows[whole:])

    def close(self) -> None:
        """Release the connection."""
        with self.lock:
            self.source.close()


class Transaction:
    """:meth:`Database.transaction` (a class, not a generator: it runs on every step)."""

    __slots__ = ("db", "retry", "write")

    def __init__(self, db: Database, *, write: bool, retry: bool) -> None:
        self.db = db
        self.write = write
        self.retry = retry

    def __enter__(self) -> Any:
        db = self.db
        db.lock.acquire()
        try:
            if self.write:
                db.source.begin()
            return db.source.connection.cursor()
        except BaseException as error:
            self.__exit__(type(error), error, None)
            raise  # pragma: no cover - __exit__ raised already

    def __exit__(self, kind: object, error: BaseException | None, _tb: object) -> None:
        db = self.db
        try:
            if error is None:
                if self.write or db.ends_reads:  # a read on a non-autocommit connection too
                    try:
                        db.source.commit()
                    except BaseException as failed:
                        self._fail(failed)
                return
            self._fail(error)
        finally:
            db.lock.release()

    def _fail(self, error: BaseException) -> None:
        db = self.db
        with contextlib.suppress(Exception):
            db.source.rollback()
        if isinstance(error, ReviewflowError) or not db.dialect.is_driver_error(error):
            raise error
        if self.retry and db.dialect.is_retryable(error):
            raise LostRace from error
        raise db.translate(error) from error


def driver_message(error: BaseException) -> str:
    """A driver error in one line: its class and the first line of its text."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"{type(error).__name__}: {text}"
