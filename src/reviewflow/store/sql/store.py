"""The SQL store: :class:`SqlStore`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from reviewflow.domain.office import (
    CoverageFacts,
    Exemplar,
    ExemplarPublicity,
    Inspection,
    SummarySubmission,
    SupervisionOrder,
)
from reviewflow.domain.periods import Period
from reviewflow.domain.review import Attempt, HistoryEntry, Review, ReviewRef
from reviewflow.domain.roster import Roster
from reviewflow.errors import StoreUnavailable
from reviewflow.store.base import (
    Applied,
    ChangeSet,
    OfficeRecords,
    ReviewQuery,
    by_period_then_id,
)
from reviewflow.store.outbox import Delivery
from reviewflow.store.sql import schema
from reviewflow.store.sql.cache import ReviewCache
from reviewflow.store.sql.codec import (
    ATTEMPT_COLUMNS,
    HISTORY_COLUMNS,
    REVIEW_HEAD,
    REVIEW_READ,
    attempt_of,
    history_of,
    order_of,
    record_of,
)
from reviewflow.store.sql.connection import (
    ConnectionSource,
    Database,
    OwnedConnection,
    driver_message,
)
from reviewflow.store.sql.counting import Counting
from reviewflow.store.sql.dialect import Connection, Dialect
from reviewflow.store.sql.outbox import OutboxTable
from reviewflow.store.sql.queries import select
from reviewflow.store.sql.roster import RosterTables
from reviewflow.store.sql.writes import Writer

__all__ = ["SqlStore", "redact_url"]

_Record = TypeVar("_Record", Exemplar, Inspection, ExemplarPublicity, SummarySubmission)


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


class SqlStore:
    """A :class:`~reviewflow.store.Store` over a SQL database. Open it with ``open_store(url)``.

    One connection, used under a lock: share the store between the threads of a process, or
    open one per process. The roster is cached and reloaded when another writer changed it.

    An empty database gets the schema on first open (``create=False`` refuses instead); a
    database at another schema version raises :class:`SchemaMismatch`, unless ``check=False``,
    which opens it only to run :meth:`upgrade`. ``connect`` replaces the dialect's own
    connection: a DB-API connection to a database the dialect speaks to (a
    PostgreSQL-compatible KingbaseES through its own driver, say).

    ``source`` puts the store inside a transaction the host owns
    (:class:`~reviewflow.store.sql.connection.HostTransaction`): the store then never commits,
    rolls back or closes the host's connection, each of its writes is a savepoint in the host's
    transaction, and it sets up no schema unless ``create=True`` is given (DDL would commit the
    host's transaction on MySQL): the host's migrations or ``reviewflow db upgrade`` do.
    """

    cache_size = 10_000
    """How many reviews the store keeps parsed in memory (per store, least recent go first;
    read when the store opens)."""

    def __init__(
        self,
        url: str,
        dialect: Dialect,
        *,
        connect: Callable[[], Connection] | None = None,
        source: ConnectionSource | None = None,
        create: bool | None = None,
        check: bool = True,
    ) -> None:
        self._url = redact_url(url)
        self.dialect = dialect
        """What the store speaks to its database with: the SQL differences of SQLite,
        PostgreSQL or MySQL/MariaDB, and how to connect."""
        if source is None:
            source = OwnedConnection(dialect, self._connect(url, connect))
        if create is None:
            create = source.owned
        self._db = db = Database(self._url, dialect, source)
        self._cache = ReviewCache(db.lock, self.cache_size)
        self._rosters = RosterTables(db)
        self._outbox = OutboxTable(db)
        self._writer = Writer(db, self._cache, self._rosters, self._outbox)
        self._counting = Counting(db)
        if not check:  # to run upgrade() on an older database
            return
        try:
            schema.check(db, create=create)
        except BaseException:
            source.close()
            raise

    def _connect(self, url: str, connect: Callable[[], Connection] | None) -> Connection:
        try:
            return connect() if connect is not None else self.dialect.connect(url)
        except ModuleNotFoundError as error:
            why = self.dialect.missing_driver(error) or driver_message(error)
            raise StoreUnavailable(self._url, why) from None
        except Exception as error:
            raise StoreUnavailable(self._url, driver_message(error)) from None

    @property
    def url(self) -> str:
        """Where the store lives, without any password."""
        return self._url

    @property
    def in_host_transaction(self) -> bool:
        """Whether the store writes inside a transaction the host owns (``source``)."""
        return not self._db.source.owned

    @property
    def _conn(self) -> Connection:
        """The DB-API connection (for tests and benchmarks that read its settings)."""
        return self._db.source.connection

    def __repr__(self) -> str:
        return f"SqlStore({self._url!r})"

    # -- schema -----------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The database's schema version (0 for an empty database)."""
        return schema.schema_version(self._db)

    def upgrade(self, to: int | None = None) -> int:
        """Bring the schema to version ``to`` (None: :data:`SCHEMA_VERSION`), one migration at
        a time; returns the version it is at (a host's migrations bring it one version each:
        :mod:`reviewflow.contrib.django`).

        Each migration runs in its own transaction where the database allows DDL in one
        (SQLite, PostgreSQL); MySQL commits DDL as it goes.
        """
        return schema.upgrade(self._db, to)

    # -- the one write ----------------------------------------------------------------------------

    def apply(self, changes: ChangeSet) -> Applied:
        """Write ``changes`` in one transaction, or raise and write nothing."""
        return self._writer.apply(changes)

    # -- reads ------------------------------------------------------------------------------------

    def roster(self) -> Roster:
        """The current roster (cached; reloaded when another writer changed it)."""
        return self._rosters.current()

    def review(self, review_id: str) -> Review | None:
        """One review, at its current version (parsed again only when it has changed)."""
        cached = self._cache.get(review_id)
        version, digest = (cached.version, cached.last_digest) if cached else (0, "")
        db = self._db
        with db.read() as cur:
            row = db.q(
                cur,
                f"SELECT {REVIEW_HEAD}, "
                "CASE WHEN version = ? AND last_digest = ? THEN NULL ELSE doc END, "
                "(SELECT value FROM reviewflow_meta WHERE name = ?) FROM reviews WHERE id = ?",
                [version, digest, "roster", review_id],
            ).fetchone()
        if row is None:
            return None
        self._rosters.seen = int(row[11])
        if row[10] is None and cached is not None:
            self._cache.remember(cached)
            return cached
        review = self._cache.parse(row[:11])
        self._cache.remember(review)
        return review

    def reviews(self, query: ReviewQuery) -> Sequence[Review]:
        """The reviews matching ``query``, by period then id."""
        rows = select(self._db, query, REVIEW_READ)
        if query.ids is None:  # what the database holds, parsed afresh (verify reads this)
            found = [self._cache.parse(row) for row in rows]
        else:  # read to be worked on (a bulk step): from the cache where it is current
            found = [self._cache.current(row) for row in rows]
            self._cache.remember_all(found)
        # within() for a year includes its quarters and months: the date range says the same.
        return by_period_then_id(found)

    def history(self, review_id: str) -> Sequence[HistoryEntry]:
        """A review's history, in order."""
        rows = self._all(
            f"SELECT {', '.join(HISTORY_COLUMNS)} FROM history WHERE review_id = ? ORDER BY seq",
            [review_id],
        )
        return tuple(history_of(r) for r in rows)

    def attempts(self, review_id: str | None = None) -> Sequence[Attempt]:
        """The attempt log, oldest first."""
        columns = ", ".join(ATTEMPT_COLUMNS)
        if review_id is None:
            rows = self._all(f"SELECT {columns} FROM attempts ORDER BY seq, id")
        else:
            rows = self._all(
                f"SELECT {columns} FROM attempts WHERE review_id = ? ORDER BY seq, id", [review_id]
            )
        return tuple(attempt_of(row) for row in rows)

    def order(self, order_id: str) -> SupervisionOrder | None:
        """One supervision order."""
        rows = self._all("SELECT doc FROM orders WHERE id = ?", [order_id])
        return order_of(rows[0][0]) if rows else None

    def orders(self) -> Sequence[SupervisionOrder]:
        """Every supervision order, oldest first."""
        return tuple(
            order_of(doc) for (doc,) in self._all("SELECT doc FROM orders ORDER BY seq, id")
        )

    def exemplars(self) -> Sequence[Exemplar]:
        """Every exemplar, oldest first."""
        return self._records("exemplars", Exemplar)

    def office_records(self) -> OfficeRecords:
        """Every inspection, exemplar's publicity and yearly summary submitted, oldest first."""
        return OfficeRecords(
            self._records("inspections", Inspection),
            self._records("exemplar_publicity", ExemplarPublicity),
            self._records("summary_submissions", SummarySubmission),
        )

    def _records(self, table: str, cls: type[_Record]) -> tuple[_Record, ...]:
        rows = self._all(f"SELECT doc FROM {table} ORDER BY seq, id")
        return tuple(record_of(doc, cls) for (doc,) in rows)

    def _all(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._db.read() as cur:
            rows: list[Any] = self._db.q(cur, statement, params).fetchall()
        return rows

    # -- the optional tier: counted by the database -----------------------------------------------

    def refs(self, query: ReviewQuery) -> Sequence[ReviewRef]:
        """The id, slot and state of the reviews matching ``query``: columns only, no record
        parsed (what scheduling and coverage read of a whole period)."""
        return self._counting.refs(query)

    def slot_keys(self, query: ReviewQuery) -> tuple[frozenset[str], frozenset[str]]:
        """The slots of the live and of the cancelled reviews matching ``query``: one string
        each, built by the database."""
        return self._counting.slot_keys(query)

    def coverage_facts(self, within: Period, org_ids: frozenset[str] | None) -> CoverageFacts:
        """What coverage needs of the reviews within ``within`` (of ``org_ids``), counted in the
        database: see :meth:`.counting.Counting.coverage_facts`."""
        return self._counting.coverage_facts(within, org_ids)

    def coverage_changes(
        self, within: Period, org_ids: frozenset[str] | None, since: object, limit: int
    ) -> CoverageFacts | None:
        """What changed in :meth:`coverage_facts` since the facts whose ``watermark`` is
        ``since`` (None: count again): see :meth:`.counting.Counting.coverage_changes`."""
        return self._counting.coverage_changes(within, org_ids, since, limit)

    # -- the outbox tier: see reviewflow.store.outbox ---------------------------------------------

    def claim(self, now: datetime, limit: int, lease: timedelta) -> Sequence[Delivery]:
        """Up to ``limit`` queued messages due at ``now``, claimed until ``now + lease``
        (``FOR UPDATE SKIP LOCKED`` where the database has it: two dispatchers pass each
        other's messages over)."""
        return self._outbox.claim(now, limit, lease)

    def mark_delivered(self, message_id: str, at: datetime) -> None:
        """The message was handed over."""
        self._outbox.mark_delivered(message_id, at)

    def mark_failed(self, message_id: str, error: str, retry_at: datetime | None) -> None:
        """A failed attempt; due again at ``retry_at``, or dead."""
        self._outbox.mark_failed(message_id, error, retry_at)

    def delivery(self, message_id: str) -> Delivery | None:
        """One message and how its delivery stands."""
        return self._outbox.delivery(message_id)

    def dead_messages(self) -> Sequence[Delivery]:
        """The messages that kept failing, oldest first."""
        return self._outbox.dead_messages()

    def requeue(self, message_id: str, at: datetime) -> Delivery:
        """Queue a dead message again, due at ``at``."""
        return self._outbox.requeue(message_id, at)

    def purge(self, delivered_before: datetime) -> int:
        """Delete the messages delivered before ``delivered_before``; returns how many."""
        return self._outbox.purge(delivered_before)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
