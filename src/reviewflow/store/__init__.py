"""Storage: the store protocol, the in-memory reference store, and :func:`open_store`."""

from __future__ import annotations

from urllib.parse import urlsplit

from reviewflow.errors import StoreUnavailable
from reviewflow.store.base import Applied, ChangeSet, ReviewQuery, Store
from reviewflow.store.memory import MemoryStore

__all__ = ["Applied", "ChangeSet", "MemoryStore", "ReviewQuery", "Store", "open_store"]


def open_store(url: str) -> Store:
    """The store a URL names.

    ``memory://`` is the in-memory reference store. SQL stores (``sqlite:///path.db``,
    ``postgresql://…``, ``mysql://…``) come with the storage adapters.
    """
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        return MemoryStore()
    raise StoreUnavailable(
        redact_url(url),
        f"no store for the scheme {scheme!r}; this version knows 'memory://'",
    )


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
