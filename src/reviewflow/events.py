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
    """The review as stored after the change, at its new version."""
    entry: HistoryEntry
    """The history entry the change appended (its ``seq`` is the review's new version): who,
    when, which step or office operation, from which state to which, and why."""


@attrs.frozen
class ReviewsScheduled:
    """One call of ``schedule`` created these reviews (none when everything existed already),
    by ``actor``. It is the only event of a schedule: a new review is not a ``StepTaken``. A
    host that tells each reviewer of their new reviews groups ``created`` by
    :meth:`by_reviewer`."""

    period: Period
    """The period the new reviews are of (a month, quarter or year)."""
    created: tuple[Review, ...]
    """The reviews created, in the order they were created; empty when every slot of the
    plan was filled already (R-CAD-4)."""
    actor: str = ""
    """The id of the person whose call created them: office staff, or a head scheduling their
    own subtree; empty when the event was made without one."""

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
    """The order as issued: its subject, requirement and deadline, at version 1."""


@attrs.frozen
class OrderChanged:
    """A supervision order was reported done, verified or sent back."""

    order: SupervisionOrder
    """The order after the change, at its new version: ``status`` says which it was."""


@attrs.frozen
class ExemplarRecorded:
    """An exemplar was recorded (R-EXEMPLAR)."""

    exemplar: Exemplar
    """The exemplar as recorded: whose deeds, which deeds, and the review they were found in
    (if any)."""


class DueKind(Labelled):
    """What a near deadline belongs to."""

    LEDGER_ITEM = "ledger_item", "整改事项", "ledger item"
    """整改事项: a rectification ledger item not yet done, due on its own date (R-STEP-4)."""
    ORDER = "order", "限期整改", "supervision order"
    """限期整改: a supervision order not yet verified, due by its deadline (R-SUPERVISE)."""
    REVIEW = "review", "点评", "review"
    """点评: a review not yet held (step 2 not concluded), due by the end of its period."""
    SUMMARY = "summary", "点评情况总结", "yearly summary"
    """点评情况总结: an organization's yearly summary not yet submitted to the office, due by
    12-30 by default (R-DEADLINE, R-SUMMARY-SUBMIT)."""


@attrs.frozen
class DeadlineNear:
    """Something is due within the policy's ``reminder_days`` (or overdue) and not done."""

    kind: DueKind
    """What is due: a review, a ledger item, a supervision order or a yearly summary."""
    due: date
    """The day it is due: the review's period end, the item's due date, the order's deadline
    or the summary's deadline."""
    overdue: bool
    """Whether ``due`` has passed (on the day asked about)."""
    owner_id: str | None
    """Who must act: the reviewer of a review, the member of a member's ledger item or order,
    the head of an organization for its summary. None when an organization owes it (its
    heads see it by ``org_id``) or the organization has no head."""
    review_id: str | None = None
    """The review it belongs to: set for a review and its ledger items."""
    item_id: str | None = None
    """The ledger item's id within its review; set for a ledger item only."""
    order_id: str | None = None
    """The supervision order's id; set for an order only."""
    org_id: str | None = None
    """The organization concerned (for a member, the member's organization): its heads and
    the office see the reminder."""
    description: str = ""
    """What is due, in Chinese, as a reminder shows it: the review's period (``2026年11月 点评``),
    the item's measure, the order's requirement or ``2026年点评情况总结``."""


Event = StepTaken | ReviewsScheduled | OrderIssued | OrderChanged | ExemplarRecorded | DeadlineNear
"""Every event the service emits; a listener matches on the class it cares for."""
Listener = Callable[[Event], None]
"""What :meth:`~reviewflow.ReviewService.subscribe` takes: a callable given each event after
its change is stored. What it returns is ignored; what it raises is logged and skipped."""
