"""A store adapter written against the protocol: everything in one JSON file.

For a unit with a few hundred reviews and no database server: the whole store is read when it
opens and the file is written again (atomically: a new file, then a rename) after each change.
The checks a store must make before it writes (versions, history chains, one review a slot) are
the reference store's: this adapter keeps its data in a ``MemoryStore`` and adds the file. It
passes the shipped conformance kit (``tests/test_example_adapter.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

import reviewflow as rf
from reviewflow.store import structure, unstructure

_RECORDS: dict[str, type[Any]] = {
    "organization": rf.Organization,
    "member": rf.Member,
    "office_staff": rf.OfficeStaff,
    "liaison": rf.LiaisonAssignment,
}


class JsonFileStore:
    """The whole store in one JSON file, written again after every change."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        self._memory = self._read()

    @property
    def url(self) -> str:
        """``jsonfile://`` and the file's path."""
        return f"jsonfile://{self._path}"

    def apply(self, changes: rf.ChangeSet) -> rf.Applied:
        """Check and apply ``changes`` (all or nothing), then write the file; if the file
        cannot be written, the store is what the file still holds, and the change is refused."""
        with self._lock:
            applied = self._memory.apply(changes)  # raises, having changed nothing, if refused
            try:
                self._write()
            except OSError as error:
                self._memory = self._read()
                problem = f"the file could not be written: {error}"
                raise rf.StoreUnavailable(self.url, problem) from error
            return applied

    def roster(self) -> rf.Roster:
        return self._memory.roster()

    def review(self, review_id: str) -> rf.Review | None:
        return self._memory.review(review_id)

    def reviews(self, query: rf.ReviewQuery) -> Sequence[rf.Review]:
        return self._memory.reviews(query)

    def history(self, review_id: str) -> Sequence[rf.HistoryEntry]:
        return self._memory.history(review_id)

    def attempts(self, review_id: str | None = None) -> Sequence[rf.Attempt]:
        return self._memory.attempts(review_id)

    def order(self, order_id: str) -> rf.SupervisionOrder | None:
        return self._memory.order(order_id)

    def orders(self) -> Sequence[rf.SupervisionOrder]:
        return self._memory.orders()

    def exemplars(self) -> Sequence[rf.Exemplar]:
        return self._memory.exemplars()

    def office_records(self) -> rf.OfficeRecords:
        return self._memory.office_records()

    def close(self) -> None:
        """Nothing stays open between changes."""

    # -- the file ----------------------------------------------------------------------------------

    def _write(self) -> None:
        memory = self._memory
        reviews = memory.reviews(rf.ReviewQuery())
        kinds = {cls: kind for kind, cls in _RECORDS.items()}
        document = {
            "roster": [[kinds[type(r)], unstructure(r)] for r in memory.roster().records()],
            "reviews": [
                [unstructure(r), [unstructure(e) for e in memory.history(r.id)]] for r in reviews
            ],
            "orders": [unstructure(o) for o in memory.orders()],
            "exemplars": [unstructure(e) for e in memory.exemplars()],
            "office_records": unstructure(memory.office_records()),
            "attempts": [unstructure(a) for a in memory.attempts()],
        }
        fresh = self._path.with_suffix(self._path.suffix + ".new")
        fresh.write_bytes(orjson.dumps(document, default=_sets))
        fresh.replace(self._path)  # atomic: a crash leaves the old file or the new one

    def _read(self) -> rf.MemoryStore:
        memory = rf.MemoryStore()
        if not self._path.exists():
            return memory
        document = orjson.loads(self._path.read_bytes())
        memory.apply(
            rf.ChangeSet(
                roster=tuple(structure(data, _RECORDS[kind]) for kind, data in document["roster"]),
                imported=tuple(
                    (
                        structure(review, rf.Review),
                        tuple(structure(e, rf.HistoryEntry) for e in history),
                    )
                    for review, history in document["reviews"]
                ),
                imported_orders=tuple(
                    structure(o, rf.SupervisionOrder) for o in document["orders"]
                ),
                exemplars=tuple(structure(e, rf.Exemplar) for e in document["exemplars"]),
                **_office_records(document),
                attempts=tuple(structure(a, rf.Attempt) for a in document["attempts"]),
            )
        )
        return memory


def _office_records(document: dict[str, Any]) -> dict[str, Any]:
    """The change set's fields of the office's records a file holds (none before they were)."""
    records = structure(document.get("office_records", {}), rf.OfficeRecords)
    return {
        "inspections": records.inspections,
        "exemplar_publicity": records.exemplar_publicity,
        "submissions": records.submissions,
    }


def _sets(value: object) -> list[Any]:
    """A set (a member's roles) as a sorted list; ``structure`` makes it a set again."""
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
