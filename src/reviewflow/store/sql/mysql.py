"""MySQL and MariaDB through PyMySQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from reviewflow.store.sql.codec import HISTORY_FROM_SELECT, marks
from reviewflow.store.sql.dialect import Connection, Dialect
from reviewflow.store.sql.schema import ONE_PER_ROUND, ROUND_COLUMNS

__all__ = ["MysqlDialect"]

_DEADLOCK, _LOCK_WAIT_TIMEOUT, _DUPLICATE_KEY = 1213, 1205, 1062


class MysqlDialect(Dialect):
    """MySQL and MariaDB through PyMySQL (InnoDB, utf8mb4, binary collation for ids).

    Coverage cannot ask what was written since it counted (no snapshot it could compare
    transactions against): it counts afresh on every call.
    """

    name = "mysql"
    driver = "pymysql"
    extra = "mysql"
    id_type = "VARCHAR(128)"
    text_type = "TEXT"
    big_text_type = "LONGTEXT"
    table_suffix = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    unit_separator = "CHAR(31 USING utf8mb4)"  # CHAR(31) alone is a binary string
    current_schema = "DATABASE()"

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

    def autocommits(self, conn: Connection) -> bool:
        get = getattr(conn, "get_autocommit", None)
        return bool(get()) if get is not None else False

    def concat(self, parts: Sequence[str]) -> str:
        return f"CONCAT({', '.join(parts)})"

    def upsert(self, table: str, columns: Sequence[str], keys: Sequence[str]) -> str:
        names = ", ".join(columns)
        updates = ", ".join(f"{c} = VALUES({c})" for c in columns if c not in keys)
        return (
            f"INSERT INTO {table} ({names}) VALUES ({marks(len(columns))}) "
            f"ON DUPLICATE KEY UPDATE {updates}"
        )

    def one_statement_steps(self, conn: Connection) -> bool:
        from pymysql.constants import CLIENT  # noqa: PLC0415

        return bool(getattr(conn, "client_flag", 0) & CLIENT.MULTI_STATEMENTS)

    def write_step(
        self, cursor: Any, update: str, values: Sequence[Any], entry: Sequence[Any]
    ) -> int:
        # One round trip: the entry is inserted only when the update moved the review
        # (ROW_COUNT() of the statement before), and the transaction commits either way (a
        # refused update wrote nothing). An error stops the batch before COMMIT; the store's
        # transaction then rolls back.
        statement = (
            f"START TRANSACTION; {update}; {HISTORY_FROM_SELECT} FROM DUAL "
            "WHERE ROW_COUNT() = 1; COMMIT"
        )
        cursor.execute(self.sql(statement), (*values, *entry))
        cursor.nextset()
        moved = int(cursor.rowcount)
        while cursor.nextset():
            pass
        return moved

    def drop_index(self, index: str, table: str) -> str:
        return f"DROP INDEX {index} ON {table}"

    def migration(self, version: int) -> list[str]:
        if version == 7:  # one review per slot and round; the new index first (see schema 7)
            return [
                f"ALTER TABLE reviews ADD CONSTRAINT {ONE_PER_ROUND} UNIQUE ({ROUND_COLUMNS})",
                self.drop_index("reviews_one_per_slot", "reviews"),
            ]
        return []

    def is_unique_violation(self, error: BaseException) -> bool:
        import pymysql  # noqa: PLC0415

        return isinstance(error, pymysql.err.IntegrityError) and error.args[0] == _DUPLICATE_KEY

    def is_unavailable(self, error: BaseException) -> bool:
        import pymysql  # noqa: PLC0415

        return isinstance(error, pymysql.err.OperationalError)

    def is_integrity_error(self, error: BaseException) -> bool:
        import pymysql  # noqa: PLC0415

        return isinstance(error, pymysql.err.IntegrityError)

    def is_retryable(self, error: BaseException) -> bool:
        import pymysql  # noqa: PLC0415

        return isinstance(error, pymysql.err.OperationalError) and error.args[0] in (
            _DEADLOCK,
            _LOCK_WAIT_TIMEOUT,
        )

    def is_driver_error(self, error: BaseException) -> bool:
        import pymysql  # noqa: PLC0415

        return isinstance(error, pymysql.err.Error)
