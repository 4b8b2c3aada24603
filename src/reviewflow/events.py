"""What the service tells its listeners, after the change is stored (never inside it).

A host system subscribes with :meth:`reviewflow.ReviewService.subscribe` to send its own
reminders and messages. A listener that raises is logged and skipped: the change stands. A
host that must not lose one turns the outbox on (``ReviewService(store, outbox=True)``,
:mod:`reviewflow.outbox`): each event is then also queued in the store with its change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import attrs

from reviewflow.domain.office import Exemplar, SupervisionOrder
from reviewflow.domain.periods import Period
from reviewflow.domain.review import HistoryEntry, Review
from reviewflow.domain.vocabulary import Labelled

__all__ = [
    "DeadlineNear",
    "DueKind",
    "Event",
    "ExemplarRecorded",
    "Listener",
    "OrderChanged",
    "OrderIssued",
    "ReviewsScheduled",
    "StepTaken",
]


@attrs.frozen
class StepTaken:
    """A review changed: ``entry`` is its new history entry, ``review`` the record after it."""

    review: Review
    entry: HistoryEntry


@attrs.frozen
class ReviewsScheduled:
    """One call of ``schedule`` created these reviews (none when everything existed already),
    by ``actor``. It is the only event of a schedule: a new review is not a ``StepTaken``. A
    host that tells each reviewer of their new reviews groups ``created`` by
    :meth:`by_reviewer`."""

    period: Period
    created: tuple[Review, ...]
    actor: str = ""

    def by_reviewer(self) -> dict[str, tuple[Review, ...]]:
        """The new reviews, by reviewer id, in the order they were created."""
        grouped: dict[str, list[Review]] = {}
        for review in self.created:
            grouped.setdefault(review.reviewer_id, []).append(review)
        return {reviewer: tuple(reviews) for reviewer, reviews in grouped.items()}


@attrs.frozen
class OrderIssued:
    """The office issued a supervision order (R-SUPERVISE)."""

    order: SupervisionOrder


@attrs.frozen
class OrderChanged:
    """A supervision order was reported done, verified or sent back."""

    order: SupervisionOrder


@attrs.frozen
class ExemplarRecorded:
    """An exemplar was recorded (R-EXEMPLAR)."""

    exemplar: Exemplar


class DueKind(Labelled):
    """What a near deadline belongs to."""

    LEDGER_ITEM = "ledger_item", "整改事项", "ledger item"
    ORDER = "order", "限期整改", "supervision order"
    REVIEW = "review", "点评", "review"
    SUMMARY = "summary", "点评情况总结", "yearly summary"


@attrs.frozen
class DeadlineNear:
    """Something is due within the policy's ``reminder_days`` (or overdue) and not done."""

    kind: DueKind
    due: date
    overdue: bool
    owner_id: str | None
    review_id: str | None = None
    item_id: str | None = None
    order_id: str | None = None
    org_id: str | None = None
    description: str = ""


Event = StepTaken | ReviewsScheduled | OrderIssued | OrderChanged | ExemplarRecorded | DeadlineNear
Listener = Callable[[Event], None]
