"""The store's connection: where it comes from, its transactions, its statements and errors.

A :class:`Database` runs everything the store sends: statements in the dialect's style,
transactions under one lock, driver errors turned into the library's. The connection and what
begins, commits and rolls back a transaction come from one small object, a
:class:`ConnectionSource`; the default, :class:`OwnedConnection`, owns a connection the store
opened.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from reviewflow.errors import IntegrityError, ReviewflowError, StoreError, StoreUnavailable
from reviewflow.store.sql.codec import insert, marks
from reviewflow.store.sql.dialect import Connection, Dialect

__all__ = ["ConnectionSource", "Database", "LostRace", "OwnedConnection", "driver_message"]

_W = TypeVar("_W")
RETRIES = 5
"""How many times a transaction that loses a race (a deadlock, another scheduler) is tried."""


class ConnectionSource(Protocol):
    """Where the store's connection comes from, and who begins and ends its transactions."""

    connection: Connection
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
        """``write(careful)`` again, carefully, while it loses races, up to :data:`RETRIES`."""
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
