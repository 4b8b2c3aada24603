"""Which review rows a :class:`~reviewflow.store.base.ReviewQuery` names, as SQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from reviewflow.domain.periods import Period
from reviewflow.store.base import ReviewQuery
from reviewflow.store.sql.codec import marks
from reviewflow.store.sql.connection import Database

__all__ = ["IN_CHUNK", "chunks", "select", "within"]

_T = TypeVar("_T")

IN_CHUNK = 1_000
"""Values per IN (...) list: far below every database's limit on parameters."""

# A review within a period: it starts and ends within it. The third condition follows from the
# other two (a period starts before it ends) and bounds the range an index on (period_start, …)
# or (org_id, period_start) scans: without it, every later period's entries are read and dropped.
_WITHIN = "{p}period_start >= ? AND {p}period_end <= ? AND {p}period_start <= ?"


def within(period: Period, table: str = "") -> tuple[str, list[Any]]:
    """The condition that a review (of the table aliased ``table``) lies within ``period``,
    with its parameters."""
    end = period.end.isoformat()
    prefix = f"{table}." if table else ""
    return _WITHIN.format(p=prefix), [period.start.isoformat(), end, end]


def chunks(values: Sequence[_T]) -> Iterator[Sequence[_T]]:
    """``values`` in lists of at most :data:`IN_CHUNK`."""
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def select(db: Database, query: ReviewQuery, columns: str) -> list[Any]:
    """The ``columns`` of the review rows matching ``query`` (unordered)."""
    where: list[str] = []
    params: list[Any] = []
    if query.within is not None:
        condition, values = within(query.within)
        where.append(condition)
        params += values
    for column, value in (("reviewer_id", query.reviewer_id), ("subject_id", query.subject_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    for column, one_of in (
        ("org_id", query.org_ids),
        ("state", None if query.states is None else {s.value for s in query.states}),
        ("subject_id", query.subject_ids),
    ):
        if one_of is not None:
            if not one_of:
                return []
            where.append(f"{column} IN ({marks(len(one_of))})")
            params += sorted(one_of)
    if query.ids is None:
        statements = [(where, params)]
    else:
        statements = [
            ([*where, f"id IN ({marks(len(chunk))})"], [*params, *chunk])
            for chunk in chunks(sorted(query.ids))
        ]
    rows: list[Any] = []
    with db.read() as cur:
        for conditions, values in statements:
            clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            rows += db.q(cur, f"SELECT {columns} FROM reviews{clause}", values).fetchall()
    return rows
