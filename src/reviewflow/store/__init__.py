"""Storage: the store protocol, the in-memory reference store, and :func:`open_store`.

Everything an adapter needs is here: the protocol's tiers (:class:`Store`,
:class:`CountingStore`, :class:`OutboxStore`), what they take and return (:class:`ChangeSet`,
:class:`Applied`, :class:`ReviewQuery`, :class:`CoverageFacts`, :class:`OutboxMessage`,
:class:`Delivery`), the checks a store makes before it writes
(:func:`check_entry`, :func:`check_imported`), the reference computations of the optional tier
(:func:`refs_of`, :func:`slot_keys_of`, :func:`facts_of`, :func:`slot_key`, :func:`slot_hash`),
the stores' order (:func:`by_period_then_id`), and the plain (JSON-ready) form of the domain's
values (:func:`unstructure`, :func:`structure`, :func:`canonical_json`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from reviewflow.domain.office import CoverageFacts, slot_hash, slot_key
from reviewflow.domain.serial import canonical_json, structure, unstructure
from reviewflow.errors import StoreUnavailable
from reviewflow.store.base import (
    Applied,
    ChangeSet,
    CountingStore,
    OfficeRecords,
    OutboxMessage,
    ReviewQuery,
    Store,
    by_period_then_id,
    check_entry,
    check_imported,
    facts_of,
    refs_of,
    slot_keys_of,
)
from reviewflow.store.copy import CopyReport, copy_store
from reviewflow.store.memory import MemoryStore
from reviewflow.store.outbox import Delivery, DeliveryState, OutboxStore
from reviewflow.store.sql import DIALECTS, Dialect, SchemaMismatch, SqlStore, redact_url

__all__ = [
    "Applied",
    "ChangeSet",
    "CopyReport",
    "CountingStore",
    "CoverageFacts",
    "Delivery",
    "DeliveryState",
    "MemoryStore",
    "OfficeRecords",
    "OutboxMessage",
    "OutboxStore",
    "ReviewQuery",
    "SchemaMismatch",
    "SqlStore",
    "Store",
    "by_period_then_id",
    "canonical_json",
    "check_entry",
    "check_imported",
    "copy_store",
    "facts_of",
    "open_store",
    "redact_url",
    "refs_of",
    "slot_hash",
    "slot_key",
    "slot_keys_of",
    "structure",
    "unstructure",
    "upgrade_store",
]


def open_store(url: str) -> Store:
    """The store a URL names.

    - ``memory://``: the in-memory reference store;
    - ``sqlite:///path.db`` (``sqlite://`` alone: an in-memory database), the embedded default;
    - ``postgresql://user@host:5432/db`` (psycopg 3, extra ``postgres``);
    - ``mysql://user:password@host:3306/db`` (MySQL or MariaDB through PyMySQL, extra ``mysql``).

    A SQL database is set up on first open; see :class:`~reviewflow.store.sql.SqlStore`.
    """
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        return MemoryStore()
    return SqlStore(url, _dialect(url))


def upgrade_store(url: str) -> int:
    """Bring the database at ``url`` to this library's schema; returns the schema version.

    The explicit migration step: a database set up by an older reviewflow is refused by
    :func:`open_store` (:class:`SchemaMismatch`) until this has run once.
    """
    store = SqlStore(url, _dialect(url, sql_only=True), check=False)
    try:
        return store.upgrade()
    finally:
        store.close()


def _dialect(url: str, *, sql_only: bool = False) -> Dialect:
    """The SQL dialect of ``url``, or a refusal naming the schemes this version knows."""
    scheme = urlsplit(url).scheme
    dialect = DIALECTS.get(scheme)
    if dialect is None:
        known = ", ".join(f"{s}://" for s in ((*DIALECTS,) if sql_only else ("memory", *DIALECTS)))
        kind = "SQL store" if sql_only else "store"
        raise StoreUnavailable(
            redact_url(url), f"no {kind} for the scheme {scheme!r}; this version knows {known}"
        )
    return dialect()
