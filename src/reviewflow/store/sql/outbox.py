"""The SQL store's outbox tier (:class:`~reviewflow.store.outbox.OutboxStore`): the ``outbox``
table (schema 8), written with each change set and claimed by dispatchers."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from reviewflow.errors import InvalidInput, NotFound
from reviewflow.reasons import because
from reviewflow.store.base import OutboxMessage
from reviewflow.store.outbox import Delivery, DeliveryState, check_aware, utc_text
from reviewflow.store.sql.codec import insert, marks
from reviewflow.store.sql.connection import Database, LostRace
from reviewflow.store.sql.queries import chunks

__all__ = ["OUTBOX_COLUMNS", "OutboxTable"]

OUTBOX_COLUMNS = (
    "id", "kind", "payload", "at", "state", "due", "attempts", "last_error", "delivered",
)  # fmt: skip
_READ = f"SELECT {', '.join(OUTBOX_COLUMNS)} FROM outbox"
_QUEUED, _DEAD = DeliveryState.QUEUED.value, DeliveryState.DEAD.value


class OutboxTable:
    """The outbox table of one database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- written with a change set ----------------------------------------------------------------

    def write(self, cur: Any, messages: Sequence[OutboxMessage], inserted: Collection[str]) -> None:
        """Queue ``messages`` (those of new reviews only if ``inserted`` holds them), skipping
        the ids queued already. Two writers queuing one id at once: the second loses the race
        on the primary key, and its retry skips it."""
        wanted = [m for m in messages if m.new_review_id is None or m.new_review_id in inserted]
        if not wanted:
            return
        for message in wanted:
            check_aware("outbox.at", message.at)
        db = self._db
        present: set[str] = set()
        for chunk in chunks(sorted({m.id for m in wanted})):
            rows = db.q(cur, f"SELECT id FROM outbox WHERE id IN ({marks(len(chunk))})", chunk)
            present.update(row[0] for row in rows.fetchall())
        fresh: dict[str, OutboxMessage] = {}
        for message in wanted:
            if message.id not in present:
                fresh.setdefault(message.id, message)
        if not fresh:
            return
        row = db.q(cur, "SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()
        first = int(row[0]) + 1
        rows_ = [
            (first + n, m.id, m.kind, m.payload, m.at.isoformat(), _QUEUED, utc_text(m.at), 0, "")
            for n, m in enumerate(fresh.values())
        ]
        columns = ("seq", *OUTBOX_COLUMNS[:-1])
        try:
            db.many(cur, insert("outbox", columns), rows_)
        except Exception as error:
            if db.dialect.is_unique_violation(error):
                raise LostRace from error
            raise

    # -- the dispatcher's operations --------------------------------------------------------------

    def claim(self, now: datetime, limit: int, lease: timedelta) -> Sequence[Delivery]:
        """See :meth:`~reviewflow.store.outbox.OutboxStore.claim`."""
        if limit < 1:
            return ()
        until = utc_text(now + lease)
        db = self._db
        with db.write() as cur:
            ids = [
                row[0]
                for row in db.q(
                    cur,
                    "SELECT id FROM outbox WHERE state = ? AND due <= ? ORDER BY seq "
                    f"LIMIT {int(limit)}{db.dialect.lock_free_rows}",
                    [_QUEUED, utc_text(now)],
                ).fetchall()
            ]
            if not ids:
                return ()
            db.q(cur, f"UPDATE outbox SET due = ? WHERE id IN ({marks(len(ids))})", [until, *ids])
            rows = db.q(cur, f"{_READ} WHERE id IN ({marks(len(ids))})", ids).fetchall()
        found = {row[0]: delivery_of(row) for row in rows}
        return tuple(found[i] for i in ids)

    def mark_delivered(self, message_id: str, at: datetime) -> None:
        """See :meth:`~reviewflow.store.outbox.OutboxStore.mark_delivered`."""
        self._update(
            message_id,
            "state = ?, delivered = ?",
            [DeliveryState.DELIVERED.value, utc_text(at)],
        )

    def mark_failed(self, message_id: str, error: str, retry_at: datetime | None) -> None:
        """See :meth:`~reviewflow.store.outbox.OutboxStore.mark_failed`."""
        if retry_at is None:
            self._update(
                message_id, "state = ?, attempts = attempts + 1, last_error = ?", [_DEAD, error]
            )
        else:
            self._update(
                message_id,
                "state = ?, due = ?, attempts = attempts + 1, last_error = ?",
                [_QUEUED, utc_text(retry_at), error],
            )

    def delivery(self, message_id: str) -> Delivery | None:
        """See :meth:`~reviewflow.store.outbox.OutboxStore.delivery`."""
        db = self._db
        with db.read() as cur:
            row = db.q(cur, f"{_READ} WHERE id = ?", [message_id]).fetchone()
        return None if row is None else delivery_of(row)

    def dead_messages(self) -> Sequence[Delivery]:
        """See :meth:`~reviewflow.store.outbox.OutboxStore.dead_messages`."""
        db = self._db
        with db.read() as cur:
            rows = db.q(cur, f"{_READ} WHERE state = ? ORDER BY seq", [_DEAD]).fetchall()
        return tuple(delivery_of(row) for row in rows)

    def requeue(self, message_id: str, at: datetime) -> Delivery:
        """See :meth:`~reviewflow.store.outbox.OutboxStore.requeue`."""
        due = utc_text(at)
        db = self._db
        with db.write() as cur:
            row = db.q(cur, "SELECT state FROM outbox WHERE id = ?", [message_id]).fetchone()
            if row is None:
                raise NotFound("outbox message", message_id)
            if row[0] != _DEAD:
                raise InvalidInput(
                    "message_id",
                    message_id,
                    because("message_not_dead", state=DeliveryState(row[0])),
                )
            db.q(
                cur,
                "UPDATE outbox SET state = ?, due = ?, attempts = 0 WHERE id = ?",
                [_QUEUED, due, message_id],
            )
        again = self.delivery(message_id)
        assert again is not None  # noqa: S101 - just written
        return again

    def purge(self, delivered_before: datetime) -> int:
        """See :meth:`~reviewflow.store.outbox.OutboxStore.purge`."""
        db = self._db
        with db.write() as cur:
            db.q(
                cur,
                "DELETE FROM outbox WHERE state = ? AND delivered < ?",
                [DeliveryState.DELIVERED.value, utc_text(delivered_before)],
            )
            return int(cur.rowcount)

    def _update(self, message_id: str, assignments: str, values: list[Any]) -> None:
        db = self._db
        with db.write() as cur:
            db.q(cur, f"UPDATE outbox SET {assignments} WHERE id = ?", [*values, message_id])
            if cur.rowcount != 1:
                raise NotFound("outbox message", message_id)


def delivery_of(row: Sequence[Any]) -> Delivery:
    """The delivery of a row of :data:`OUTBOX_COLUMNS`."""
    message_id, kind, payload, at, state, due, attempts, last_error, delivered = row
    return Delivery(
        OutboxMessage(message_id, kind, payload, datetime.fromisoformat(at)),
        DeliveryState(state),
        datetime.fromisoformat(due),
        int(attempts),
        last_error,
        None if delivered is None else datetime.fromisoformat(delivered),
    )
