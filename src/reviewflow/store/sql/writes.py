"""The SQL store's one write: a change set, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reviewflow.domain.office import SummarySubmission, SupervisionOrder, slot_hash
from reviewflow.domain.periods import Period
from reviewflow.domain.review import REASSIGN_ACTION, Attempt, HistoryEntry, Review
from reviewflow.errors import ConcurrencyConflict, IntegrityError
from reviewflow.store.base import Applied, ChangeSet, check_entry, check_imported
from reviewflow.store.sql import codec
from reviewflow.store.sql.cache import ReviewCache
from reviewflow.store.sql.codec import (
    HISTORY_COLUMNS,
    INSERT_HISTORY,
    INSERT_ITEM,
    INSERT_ORDER,
    KINDS,
    UPDATE_REASSIGN,
    UPDATE_REVIEW,
    UPDATE_STATE,
    doc,
    history_row,
    item_rows,
    marks,
    same_record,
)
from reviewflow.store.sql.connection import Database, LostRace
from reviewflow.store.sql.outbox import OutboxTable
from reviewflow.store.sql.queries import chunks
from reviewflow.store.sql.roster import RosterTables

__all__ = ["Writer"]

_Update = tuple[Review, HistoryEntry]


class Writer:
    """Writes change sets: all of one or nothing, a lost race tried again."""

    def __init__(
        self, db: Database, cache: ReviewCache, rosters: RosterTables, outbox: OutboxTable
    ) -> None:
        self._db = db
        self._cache = cache
        self._rosters = rosters
        self._outbox = outbox

    def apply(self, changes: ChangeSet) -> Applied:
        """Write ``changes`` in one transaction, or raise and write nothing."""
        return self._db.retrying(lambda careful: self._apply_once(changes, careful=careful))

    def _apply_once(self, changes: ChangeSet, *, careful: bool = False) -> Applied:
        self._rosters.seen = None
        if self._one_step(changes):
            return Applied()
        with self._db.write() as cur:
            if changes.roster:
                self._rosters.write(cur, changes.roster)
            inserted = self._insert_reviews(cur, changes.new_reviews, careful=careful)
            inserted += self._import_reviews(cur, changes.imported)
            self._update_reviews(cur, changes.review_updates)
            self._write_orders(cur, changes.orders)
            self._import_orders(cur, changes.imported_orders)
            self._write_records(cur, "exemplars", changes.exemplars)
            self._write_records(cur, "inspections", changes.inspections)
            self._write_records(cur, "exemplar_publicity", changes.exemplar_publicity)
            self._write_submissions(cur, changes.submissions)
            self._write_attempts(cur, changes.attempts)
            self._outbox.write(cur, changes.outbox, set(inserted))
        # Committed: what the store now holds.
        self._cache.remember_all(review for review, _ in changes.review_updates)
        return Applied(inserted=inserted)

    # -- one step on one review -------------------------------------------------------------------

    def _one_step(self, changes: ChangeSet) -> bool:
        """One step on one review, the common write, in as few round trips as the database
        allows (:meth:`~.dialect.Dialect.write_step`). False when the change set is anything
        else, or the step changes the review's ledger; then nothing was done."""
        if (
            not self._db.steps_in_one
            or len(changes.review_updates) != 1
            or changes.roster
            or changes.new_reviews
            or changes.orders
            or changes.exemplars
            or changes.inspections
            or changes.exemplar_publicity
            or changes.submissions
            or changes.attempts
            or changes.imported
            or changes.imported_orders
            or changes.outbox
        ):
            return False
        review, entry = changes.review_updates[0]
        if entry.action == REASSIGN_ACTION or not self._same_ledger(review, entry):
            return False
        check_entry(review, entry, review.version)
        update, values = self._update_of(review, entry, same=self._same_record(review, entry))
        with self._db.transaction(write=False, retry=True) as cur:
            moved = self._db.dialect.write_step(cur, update, values, history_row(entry))
            if moved != 1:  # nothing was written: say why
                self._refuse_update(cur, review, entry)
                raise IntegrityError(f"review {review.id!r} changed while it was being updated")
        self._cache.remember(review)
        return True

    @staticmethod
    def _update_of(
        review: Review, entry: HistoryEntry, *, same: bool
    ) -> tuple[str, tuple[Any, ...]]:
        """The UPDATE that moves ``review`` by ``entry`` and its values: the state alone when
        the stored record holds the review's already (``same``), else the record too."""
        key = (review.id, review.version - 1, entry.prev_digest)
        if entry.action == REASSIGN_ACTION:
            hashed = slot_hash(review.kind, review.reviewer_id, review.subject_id, review.period)
            slot = (review.reviewer_id, hashed, review.state.value, review.version)
            return UPDATE_REASSIGN, (*slot, review.last_digest, doc(review), *key)
        if same:
            return UPDATE_STATE, (review.state.value, review.version, review.last_digest, *key)
        values = (review.state.value, review.version, review.last_digest, doc(review), *key)
        return UPDATE_REVIEW, values

    # -- new and imported reviews -----------------------------------------------------------------

    def _insert_reviews(
        self, cur: Any, new: Sequence[_Update], *, careful: bool
    ) -> tuple[str, ...]:
        """Insert the new reviews whose slots are free, with their entries."""
        for review, entry in new:
            check_entry(review, entry, 1)
        reviews = [review for review, _ in new]
        return self._insert_new(cur, reviews, lambda n: history_row(new[n][1]), careful=careful)

    def _insert_new(
        self,
        cur: Any,
        reviews: Sequence[Review],
        entry_row: Callable[[int], tuple[Any, ...]],
        *,
        careful: bool,
    ) -> tuple[str, ...]:
        """Insert the reviews whose slots are free, each with its entry's row
        (``entry_row(n)`` for ``reviews[n]``). Optimistic first: the one-per-slot constraint
        refuses a taken slot, and the retry (``careful``) reads the batch's taken slots first
        and skips them (R-CAD-4), so a fresh period is written without a read."""
        if not reviews:
            return ()
        fresh: list[int] = []
        seen: set[tuple[object, ...]] = set()
        existing = self._existing_keys(cur, reviews) if careful else set()
        for n, review in enumerate(reviews):
            key = review.round_key
            if key in existing or key in seen:
                continue  # R-CAD-4: the slot is filled; scheduling again creates nothing
            seen.add(key)
            fresh.append(n)
        db = self._db
        try:
            # codec.review_rows and codec.REVIEW_COLUMNS are looked up on the module: the
            # schema tests write rows as older versions did.
            rows = codec.review_rows(reviews[n] for n in fresh)
            db.bulk(cur, "reviews", codec.REVIEW_COLUMNS, rows, len(fresh))
        except Exception as error:
            if db.dialect.is_unique_violation(error):
                raise LostRace from error  # another scheduler inserted some first: retry
            raise
        db.bulk(cur, "history", HISTORY_COLUMNS, (entry_row(n) for n in fresh), len(fresh))
        db.many(cur, INSERT_ITEM, [row for n in fresh for row in item_rows(reviews[n])])
        self._created(cur, fresh)
        return tuple(reviews[n].id for n in fresh)

    def _created(self, cur: Any, fresh: Sequence[object]) -> None:
        """Run the dialect's statement for a transaction that created reviews."""
        statement = self._db.dialect.on_create
        if fresh and statement is not None:
            self._db.q(cur, statement)

    def _import_reviews(
        self, cur: Any, imported: Sequence[tuple[Review, tuple[HistoryEntry, ...]]]
    ) -> tuple[str, ...]:
        if not imported:
            return ()
        db = self._db
        ids = [r.id for r, _ in imported]
        rows = db.q(cur, f"SELECT id FROM reviews WHERE id IN ({marks(len(ids))})", ids).fetchall()
        present = {row[0] for row in rows}
        fresh = [(r, h) for r, h in imported if r.id not in present]
        for review, entries in fresh:
            check_imported(review, entries)
        reviews = codec.review_rows(r for r, _ in fresh)
        db.bulk(cur, "reviews", codec.REVIEW_COLUMNS, reviews, len(fresh))
        history = [history_row(e) for _, h in fresh for e in h]
        db.bulk(cur, "history", HISTORY_COLUMNS, history, len(history))
        db.many(cur, INSERT_ITEM, [row for r, _ in fresh for row in item_rows(r)])
        self._created(cur, fresh)
        return tuple(r.id for r, _ in fresh)

    def _existing_keys(self, cur: Any, reviews: Sequence[Review]) -> set[tuple[object, ...]]:
        """The slots of ``reviews`` that are taken already: only these subjects' rows in these
        periods are read (by the subject index), however many reviews the periods hold."""
        periods = sorted({str(r.period) for r in reviews})
        subjects = sorted({r.subject_id for r in reviews})
        rows: list[Any] = []
        for chunk in chunks(subjects):
            rows += self._db.q(
                cur,
                "SELECT reviewer_id, kind, subject_id, period, slot_round FROM reviews "
                f"WHERE subject_id IN ({marks(len(chunk))}) AND period IN ({marks(len(periods))})",
                [*chunk, *periods],
            ).fetchall()
        return {(rid, KINDS[k], sid, Period.parse(p), int(n)) for rid, k, sid, p, n in rows}

    # -- steps ------------------------------------------------------------------------------------

    def _update_reviews(self, cur: Any, updates: Sequence[_Update]) -> None:
        if not updates:
            return
        ids = [r.id for r, _ in updates]
        if len(set(ids)) != len(ids):
            raise IntegrityError("a review is changed twice in one change set")
        for review, entry in updates:
            check_entry(review, entry, review.version)
        # The record is rewritten only when the step changed it; most steps move the state
        # alone, which lives in columns of its own.
        same = {r.id for r, e in updates if self._same_record(r, e)}
        by_statement: dict[str, list[tuple[Any, ...]]] = {
            UPDATE_STATE: [],
            UPDATE_REVIEW: [],
            UPDATE_REASSIGN: [],
        }
        for review, entry in updates:
            update, values = self._update_of(review, entry, same=review.id in same)
            by_statement[update].append(values)
        if len(updates) > 1:
            self._check_versions(cur, updates)
        # One review: the UPDATE's own version and digest check is the test (one query less).
        moved = sum(self._db.many(cur, update, rows) for update, rows in by_statement.items())
        if moved != len(updates):
            if len(updates) == 1:
                self._refuse_update(cur, *updates[0])
            raise IntegrityError("a review changed while it was being updated")
        self._db.many(cur, INSERT_HISTORY, [history_row(e) for _, e in updates])
        # Ledger rows are rewritten only where the ledger changed (most steps leave it alone).
        changed = [r for r, e in updates if r.id not in same and not self._same_ledger(r, e)]
        self._db.many(
            cur, "DELETE FROM ledger_items WHERE review_id = ?", [(r.id,) for r in changed]
        )
        self._db.many(cur, INSERT_ITEM, [row for r in changed for row in item_rows(r)])

    def _check_versions(self, cur: Any, updates: Sequence[_Update]) -> None:
        """Check every review's version, with the rows locked (SQLite holds the write lock
        already), so that the one not where expected is named before anything is written;
        then the updates go in one batch the driver pipelines."""
        ids = [r.id for r, _ in updates]
        current = {
            rid: (int(version), digest)
            for rid, version, digest in self._db.q(
                cur,
                f"SELECT id, version, last_digest FROM reviews WHERE id IN ({marks(len(ids))})"
                + self._db.dialect.lock_rows,
                ids,
            ).fetchall()
        }
        for review, entry in updates:
            if current.get(review.id) != (review.version - 1, entry.prev_digest):
                self._refuse_update(cur, review, entry)

    def _same_ledger(self, review: Review, entry: HistoryEntry) -> bool:
        """Whether the store's rows already hold ``review``'s ledger."""
        before = self._cache.before(review, entry)
        return before is not None and before.ledger == review.ledger

    def _same_record(self, review: Review, entry: HistoryEntry) -> bool:
        """Whether the stored record already holds ``review``'s (all but the state, version
        and digest, which have columns of their own)."""
        before = self._cache.before(review, entry)
        return before is not None and same_record(before, review)

    def _refuse_update(self, cur: Any, review: Review, entry: HistoryEntry) -> None:
        # A locking read: it sees the row as last committed, where a plain read in MySQL's
        # REPEATABLE READ sees it as the transaction's first read did (a host's transaction
        # may have read it before another committed).
        row = self._db.q(
            cur,
            "SELECT version, last_digest FROM reviews WHERE id = ?" + self._db.dialect.lock_rows,
            [review.id],
        ).fetchone()
        if row is None:
            raise IntegrityError(f"review {review.id!r} does not exist")
        version, digest = int(row[0]), row[1]
        if version != review.version - 1:
            raise ConcurrencyConflict(review.id, review.version - 1, version)
        raise IntegrityError(
            f"review {review.id!r}: the entry does not follow the last history entry "
            f"({entry.prev_digest[:12]} is not {digest[:12]})"
        )

    # -- orders, exemplars, attempts --------------------------------------------------------------

    def _write_orders(self, cur: Any, orders: Sequence[SupervisionOrder]) -> None:
        db = self._db
        for order in orders:
            if order.version == 1:
                try:
                    db.q(cur, INSERT_ORDER, codec.order_row(self._next_seq(cur, "orders"), order))
                except Exception as error:
                    if db.dialect.is_unique_violation(error):
                        raise ConcurrencyConflict(order.id, 0, 1) from error
                    raise
                continue
            db.q(
                cur,
                "UPDATE orders SET status = ?, deadline = ?, version = ?, doc = ? "
                "WHERE id = ? AND version = ?",
                [order.status.value, order.deadline.isoformat(), order.version,
                 codec.order_doc(order), order.id, order.version - 1],
            )  # fmt: skip
            if cur.rowcount != 1:
                row = db.q(cur, "SELECT version FROM orders WHERE id = ?", [order.id]).fetchone()
                raise ConcurrencyConflict(order.id, order.version - 1, int(row[0]) if row else None)

    def _import_orders(self, cur: Any, orders: Sequence[SupervisionOrder]) -> None:
        if not orders:
            return
        present = {row[0] for row in self._db.q(cur, "SELECT id FROM orders").fetchall()}
        first = self._next_seq(cur, "orders")
        fresh = [o for o in orders if o.id not in present]
        self._db.many(
            cur, INSERT_ORDER, [codec.order_row(first + n, o) for n, o in enumerate(fresh)]
        )

    def _write_records(
        self, cur: Any, table: str, records: Sequence[codec.OfficeRecord], *extra: str
    ) -> None:
        """Append office records (exemplars, inspections, publicity, submissions) to ``table``,
        in order."""
        if records:
            first = self._next_seq(cur, table)
            self._db.many(
                cur,
                codec.insert(table, ("id", "seq", "org_id", "doc", *extra)),
                [codec.record_row(first + n, r) for n, r in enumerate(records)],
            )

    def _write_submissions(self, cur: Any, submissions: Sequence[SummarySubmission]) -> None:
        """Append yearly summaries submitted; the database refuses a second one of an
        organization and year (R-SUMMARY-SUBMIT)."""
        keys = [(s.org_id, s.year) for s in submissions]
        if len(set(keys)) != len(keys):
            raise IntegrityError("a summary is submitted twice in one change set")
        try:
            self._write_records(cur, "summary_submissions", submissions, "year")
        except Exception as error:
            if self._db.dialect.is_unique_violation(error):
                raise IntegrityError(
                    "the summary of an organization and year is submitted already"
                ) from error
            raise

    def _write_attempts(self, cur: Any, attempts: Sequence[Attempt]) -> None:
        if attempts:
            first = self._next_seq(cur, "attempts")
            self._db.many(
                cur,
                codec.insert("attempts", ("seq", *codec.ATTEMPT_COLUMNS)),
                [codec.attempt_row(first + n, a) for n, a in enumerate(attempts)],
            )

    def _next_seq(self, cur: Any, table: str) -> int:
        row = self._db.q(cur, f"SELECT COALESCE(MAX(seq), 0) FROM {table}").fetchone()
        return int(row[0]) + 1
