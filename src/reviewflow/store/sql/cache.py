"""What one store keeps parsed: reviews by id, and short records by their text."""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from reviewflow.domain.review import HistoryEntry, Review
from reviewflow.store.sql.codec import record, review_of, review_with

__all__ = ["ReviewCache"]


class ReviewCache:
    """What one store keeps parsed, so that reading a review costs less than parsing it:

    - reviews by id, as last read or written (at most ``size``; the least recent go first): a
      row that still has the cached version and digest is not parsed again;
    - short records by their stored text (at most :attr:`records_kept`, all dropped when
      full): reviews that share a record (every scheduled review of one planned method holds
      the same) are built from its values without parsing it.

    Both hold immutable values. Threads share a store: the cache changes under its lock.
    """

    records_kept = 1_024
    short_record = 200
    """Characters: a record this short (a planned method, a few short fields) is kept."""

    def __init__(self, lock: threading.RLock, size: int) -> None:
        self._lock = lock
        self.size = size
        # An OrderedDict: a plain dict's oldest entry is found by skipping the slots of the
        # entries moved to the end, thousands once the cache is full (2.4 µs a review kept,
        # against 0.3).
        self._reviews: collections.OrderedDict[str, Review] = collections.OrderedDict()
        self._records: dict[str, tuple[Any, ...]] = {}

    def get(self, review_id: str) -> Review | None:
        """The review as last read or written, if kept."""
        return self._reviews.get(review_id)

    def remember(self, review: Review) -> None:
        """Keep ``review`` as the current version of its id."""
        with self._lock:
            reviews = self._reviews
            reviews[review.id] = review
            reviews.move_to_end(review.id)
            if len(reviews) > self.size:
                reviews.popitem(last=False)

    def remember_all(self, reviews: Iterable[Review]) -> None:
        """:meth:`remember` each of ``reviews``, under one take of the lock."""
        with self._lock:
            kept = self._reviews
            last = kept.move_to_end
            for review in reviews:
                kept[review.id] = review
                last(review.id)
            oldest = kept.popitem
            for _ in range(len(kept) - self.size):
                oldest(last=False)

    def before(self, review: Review, entry: HistoryEntry) -> Review | None:
        """The kept review that ``review`` replaces by ``entry``, if the cache holds that very
        version."""
        before = self._reviews.get(review.id)
        if (
            before is not None
            and before.version == review.version - 1
            and before.last_digest == entry.prev_digest
        ):
            return before
        return None

    def current(self, row: Sequence[Any]) -> Review:
        """The review of a row (see :func:`~.codec.review_of`): the kept one if the row has its
        version and digest."""
        kept = self._reviews.get(row[0])
        if kept is not None and kept.version == row[8] and kept.last_digest == row[9]:
            return kept
        return self.parse(row)

    def parse(self, row: Sequence[Any]) -> Review:
        """The review of a row (see :func:`~.codec.review_of`), its record's values shared with
        the reviews read before from the same short record."""
        text = row[10]
        values = self._records.get(text)
        if values is not None:
            return review_with(row, values)
        review = review_of(row)
        if len(text) <= self.short_record:
            with self._lock:
                if len(self._records) >= self.records_kept:
                    self._records.clear()
                self._records[text] = record(review)
        return review
