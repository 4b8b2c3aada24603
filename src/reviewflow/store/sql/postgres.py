"""PostgreSQL through psycopg 3."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from reviewflow.store.sql.codec import HISTORY_FROM_SELECT
from reviewflow.store.sql.dialect import Connection, Dialect
from reviewflow.store.sql.schema import ONE_PER_ROUND, ROUND_COLUMNS

__all__ = ["PostgresDialect"]

_PREPARED_PARAMS = 16  # statements with more values than this are never prepared


class PostgresDialect(Dialect):
    """PostgreSQL through psycopg 3, at the default isolation (read committed)."""

    name = "postgresql"
    driver = "psycopg"
    extra = "postgres"
    unit_separator = "chr(31)"
    # A snapshot says exactly which transactions it saw: serial numbers are not committed in
    # their order, transaction ids against a snapshot are.
    snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    on_create = (
        "UPDATE reviewflow_meta SET value = (value::bigint + 1)::text WHERE name = 'created'"
    )

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

    def execute(self, cursor: Any, statement: str, params: tuple[Any, ...]) -> None:
        # psycopg prepares a statement on the server once it has run a few times, and
        # PostgreSQL then may run it by a generic plan, made without the values. For a long
        # IN list that plan can be ruinous: coverage of a city (ten lists of 1,000
        # organizations) went from 14 ms a list to 3.4 s, scanning the period's rows and
        # testing each against the list. Statements with many values are planned each time.
        cursor.execute(statement, params, prepare=False if len(params) > _PREPARED_PARAMS else None)

    def copy(
        self, cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> bool:
        # COPY: a scheduled period's rows in one stream instead of a statement each; the
        # server takes each chunk as it arrives, while the next rows are made.
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return True

    def one_statement_steps(self, conn: Connection) -> bool:  # noqa: ARG002 - always
        return True

    def write_step(
        self, cursor: Any, update: str, values: Sequence[Any], entry: Sequence[Any]
    ) -> int:
        # One statement, its own transaction: the update, its version check and the history
        # entry (inserted only for the row the update moved), atomic on their own.
        statement = f"WITH moved AS ({update} RETURNING id) {HISTORY_FROM_SELECT} FROM moved"
        self.execute(cursor, self.sql(statement), (*values, *entry))
        return int(cursor.rowcount)

    def migration(self, version: int) -> list[str]:
        if version == 2:  # room in each page for a step's new row version (a HOT update)
            return ["ALTER TABLE reviews SET (fillfactor = 85)"]
        if version == 4:  # each history entry's transaction (see schema 4)
            return [
                "ALTER TABLE history ADD COLUMN xid xid8 NULL",
                "ALTER TABLE history ALTER COLUMN xid SET DEFAULT pg_current_xact_id()",
                (
                    "CREATE INDEX history_by_xid ON history (xid) "
                    "WHERE xid IS NOT NULL AND from_state IS NOT NULL"
                ),
                "INSERT INTO reviewflow_meta (name, value) VALUES ('created', '0')",
            ]
        if version == 7:  # one review per slot and round (see schema 7)
            return [
                f"ALTER TABLE reviews ADD CONSTRAINT {ONE_PER_ROUND} UNIQUE ({ROUND_COLUMNS})",
                "ALTER TABLE reviews DROP CONSTRAINT reviews_one_per_slot",
            ]
        return []

    def watermark(self, cursor: Any) -> object:
        """The snapshot (as text) and the count of transactions that created reviews."""
        cursor.execute(
            "SELECT pg_current_snapshot()::text, value FROM reviewflow_meta WHERE name = 'created'"
        )
        return tuple(cursor.fetchone())

    def changes_since(self, since: object) -> tuple[str, list[Any]] | None:
        # The steps of the transactions the snapshot did not see; the entries that create a
        # review are not in the index (see same_creations).
        snapshot, _ = _watermark(since)
        newer = (
            "xid >= pg_snapshot_xmin(?::pg_snapshot) AND xid IS NOT NULL "
            "AND from_state IS NOT NULL AND NOT pg_visible_in_snapshot(xid, ?::pg_snapshot)"
        )
        return newer, [snapshot, snapshot]

    def before_changes(self, cursor: Any) -> None:
        # The newest entries by their index, whatever the statistics say (a column just added
        # has none): a scan of the whole history would cost seconds.
        cursor.execute("SET LOCAL enable_seqscan = off")

    def same_creations(self, since: object, now: object) -> bool:
        return _watermark(since)[1] == _watermark(now)[1]

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


def _watermark(watermark: object) -> tuple[str, str]:
    """A PostgreSQL watermark: the snapshot (as text) and the ``created`` count."""
    if not isinstance(watermark, tuple) or len(watermark) != 2:
        raise TypeError(f"not a PostgreSQL watermark: {watermark!r}")
    return str(watermark[0]), str(watermark[1])
