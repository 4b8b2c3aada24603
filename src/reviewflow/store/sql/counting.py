"""The optional tier (:class:`~reviewflow.store.base.CountingStore`): what the database counts
for scheduling and coverage, without a record read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reviewflow.domain.office import CoverageFacts
from reviewflow.domain.periods import Period
from reviewflow.domain.review import REASSIGN_ACTION, ReviewRef
from reviewflow.store.base import ReviewQuery, by_period_then_id
from reviewflow.store.sql.codec import KINDS, STATES, Group, facts, marks
from reviewflow.store.sql.connection import Database
from reviewflow.store.sql.queries import chunks, select, within

__all__ = ["Counting"]

_BY_SUBJECT = "LEFT JOIN members m ON r.kind = 'member' AND m.id = r.subject_id"
"""A review's subject's member row, whose post category coverage counts by."""
_GROUP = "r.reviewer_id, r.org_id, r.kind, m.post_category, r.state"
_COUNT = (
    f"SELECT {_GROUP}, COUNT(*), SUM(r.slot_hash) FROM reviews r {_BY_SUBJECT} "
    f"WHERE {{where}} GROUP BY {_GROUP}"
)
_SLOTS = (
    "SELECT r.id, r.reviewer_id, r.org_id, r.kind, m.post_category, r.slot_hash, "
    f"r.period_start, r.period_end FROM reviews r {_BY_SUBJECT} WHERE r.id IN ({{marks}})"
)


class _Tally:
    """Counts and sums of slot hashes: the live reviews by group, the cancelled ones by
    organization."""

    def __init__(self) -> None:
        self.counts: dict[Group, list[int]] = {}
        self.cancelled: dict[str, list[int]] = {}

    def add(self, group: Group, n: int, fingerprint: int) -> None:
        if group[4] == "cancelled":
            found = self.cancelled.setdefault(group[1], [0, 0])
        else:
            found = self.counts.setdefault(group, [0, 0])
        found[0] += n
        found[1] += fingerprint

    def facts(self, watermark: object) -> CoverageFacts:
        return facts(self.counts, self.cancelled, watermark)


class Counting:
    """Review refs, slot keys and coverage facts, counted by the database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def refs(self, query: ReviewQuery) -> Sequence[ReviewRef]:
        """The id, slot and state of the reviews matching ``query``: columns only, no record
        parsed (what scheduling and coverage read of a whole period)."""
        rows = select(self._db, query, "id, kind, reviewer_id, subject_id, period, org_id, state")
        kinds, states, parse = KINDS, STATES, Period.parse
        found = [
            ReviewRef(i, kinds[k], rid, sid, parse(p), org, states[st])
            for i, k, rid, sid, p, org, st in rows
        ]
        return by_period_then_id(found)

    def slot_keys(self, query: ReviewQuery) -> tuple[frozenset[str], frozenset[str]]:
        """The slots of the live and of the cancelled reviews matching ``query``: one string
        each, built by the database."""
        d = self._db.dialect
        sep = d.unit_separator
        key = d.concat(["kind", sep, "reviewer_id", sep, "subject_id", sep, "period"])
        live: set[str] = set()
        cancelled: set[str] = set()
        for slot, state in select(self._db, query, f"{key}, state"):
            (cancelled if state == "cancelled" else live).add(slot)
        return frozenset(live), frozenset(cancelled)

    def coverage_facts(self, period: Period, org_ids: frozenset[str] | None) -> CoverageFacts:
        """What coverage needs of the reviews within ``period`` (of ``org_ids``): one query a
        thousand organizations, the live reviews counted in the database with the sum of their
        slot hashes, and the cancelled ones by organization; no record nor slot is read."""
        condition, params = within(period, "r")
        lists = [None] if org_ids is None else list(chunks(sorted(org_ids)))
        tally = _Tally()
        db = self._db
        with db.read() as cur, db.snapshot(cur) as watermark:
            for chunk in lists:
                where, values = condition, params
                if chunk is not None:
                    where += f" AND r.org_id IN ({marks(len(chunk))})"
                    values = [*params, *chunk]
                rows = db.q(cur, _COUNT.format(where=where), values).fetchall()
                for reviewer_id, org_id, kind, category, state, n, fingerprint in rows:
                    tally.add(
                        (reviewer_id, org_id, kind, category, state), int(n), int(fingerprint)
                    )
        return tally.facts(watermark[0] if watermark else None)

    def coverage_changes(
        self, period: Period, org_ids: frozenset[str] | None, since: object, limit: int
    ) -> CoverageFacts | None:
        """What changed in :meth:`coverage_facts` since the facts whose ``watermark`` is
        ``since``: the facts of the reviews written since (created, or moved to another state),
        their new state counted and their former one taken out (negative counts), with the new
        watermark. None when the database cannot say (:meth:`Dialect.changes_since`, or no
        watermark), or when more than ``limit`` history entries were written since: then
        count again.

        A review's organization and subject never change once written, its reviewer only by a
        ``reassign`` entry (then this counts afresh); its state
        does, and each change adds one history entry (from_state NULL: its creation). So the
        entries written since a watermark are exactly the changes."""
        newer = None if since is None else self._db.dialect.changes_since(since)
        if newer is None:
            return None
        read = self._changes(newer, limit)
        if read is None:
            return None
        entries, slots, now = read
        if not self._db.dialect.same_creations(since, now):
            return None  # reviews were created since that the entries do not show
        start_on, end_on = period.start.isoformat(), period.end.isoformat()
        tally = _Tally()
        for review_id, before, after, _ in entries:
            reviewer_id, org_id, kind, category, fingerprint, starts, ends = slots[review_id]
            if starts < start_on or ends > end_on:  # not within the period (see queries.within)
                continue
            if org_ids is not None and org_id not in org_ids:
                continue
            for state, sign in ((before, -1), (after, 1)):
                if state is not None:
                    group = (reviewer_id, org_id, kind, category, state)
                    tally.add(group, sign, sign * int(fingerprint))
        return tally.facts(now)

    def _changes(
        self, newer: tuple[str, list[Any]], limit: int
    ) -> tuple[list[Any], dict[str, tuple[Any, ...]], object] | None:
        """The history entries ``newer`` names (review, from and to state), the slot of each of
        their reviews, and the watermark now; None when more than ``limit`` or no watermark."""
        condition, params = newer
        slots: dict[str, tuple[Any, ...]] = {}
        db = self._db
        with db.read() as cur, db.snapshot(cur) as watermark:
            db.dialect.before_changes(cur)
            entries = db.q(
                cur,
                "SELECT review_id, from_state, to_state, action FROM history "
                f"WHERE {condition} LIMIT ?",
                [*params, limit + 1],
            ).fetchall()
            # A review handed to another reviewer changed its slot: count afresh.
            if len(entries) > limit or any(e[3] == REASSIGN_ACTION for e in entries):
                return None
            for chunk in chunks(sorted({entry[0] for entry in entries})):
                rows = db.q(cur, _SLOTS.format(marks=marks(len(chunk))), chunk).fetchall()
                for review_id, *slot in rows:
                    slots[review_id] = tuple(slot)
        return (entries, slots, watermark[0]) if watermark else None
