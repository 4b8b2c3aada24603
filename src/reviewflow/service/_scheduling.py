"""Scheduling a period: every review the rules call for, created once (R-CAD-1..4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from reviewflow.domain.content import MethodRecord
from reviewflow.domain.periods import Period
from reviewflow.domain.planning import Plan, PlannedGap, Slot
from reviewflow.domain.review import HistoryEntry, Review, ReviewState, schedule_record
from reviewflow.domain.scope import require_office_or_head
from reviewflow.domain.serial import unstructure
from reviewflow.domain.vocabulary import Method, Occasion
from reviewflow.errors import InvalidInput, NotFound
from reviewflow.events import ReviewsScheduled
from reviewflow.reasons import because
from reviewflow.service._core import Core, IdFactory
from reviewflow.service._plans import Plans
from reviewflow.store.base import ChangeSet, ReviewQuery

__all__ = ["ReviewMaker", "ScheduleResult", "Scheduler"]


@attrs.frozen
class ScheduleResult:
    """What :meth:`ReviewService.schedule` did for a period."""

    period: Period
    """The period scheduled."""
    created: tuple[Review, ...]
    """The reviews this call created, each in state ``scheduled``, in the plan's order."""
    existing: int
    """How many of the plan's reviews the store held already (an earlier call, R-CAD-4) and
    were not created again."""
    gaps: tuple[PlannedGap, ...]
    """The subjects the rules call to be reviewed in the period but for whom the roster has no
    reviewer: no review is created for them; the roster must be fixed first."""


class Scheduler:
    """Creates a period's reviews, ``batch`` to a transaction."""

    def __init__(self, core: Core, plans: Plans, batch: int) -> None:
        if batch < 1:
            raise InvalidInput("schedule_batch", batch, because("at_least_one"))
        self.core = core
        self.plans = plans
        self.batch = batch

    def schedule(self, actor: str, period: Period, root_id: str | None) -> ScheduleResult:
        """Create the reviews of ``period`` the plan has and the store lacks."""
        core = self.core
        with core.refusals(actor, "schedule"):
            roster = core.store.roster()
            if root_id is not None and roster.organization(root_id) is None:
                raise NotFound("organization", root_id)
            require_office_or_head(roster, actor, root_id, "schedule reviews")
            plan = self.plans.plan(roster, core.policy, period, root_id)
            reviews = self._create(actor, plan, period)
        result = ScheduleResult(period, reviews, len(plan.slots) - len(reviews), plan.gaps)
        # One event for the call, never one StepTaken per new review: a host that messages a
        # reviewer on every step would otherwise message everyone at scheduling time.
        core.emit([ReviewsScheduled(period, reviews, actor)])
        return result

    def _create(self, actor: str, plan: Plan, period: Period) -> tuple[Review, ...]:
        """Make and write the reviews of the plan's free slots; those inserted. (Their history
        entries are let go batch by batch: a million of them kept to the end would only make
        every garbage collection of the host's process walk them.)"""
        # Keys and states only: no record of the period is parsed.
        present = self.core.counts.refs(ReviewQuery(within=period))
        taken = {r.key for r in present}
        # A subject already under a live review for the period (by a former head, say) is
        # covered: scheduling does not add a second reviewer for it.
        covered = {
            (r.kind, r.subject_id, r.period)
            for r in present
            if r.state is not ReviewState.CANCELLED
        }
        made = ReviewMaker(actor, self.core.now(), self.core.ids)
        created: list[Review] = []
        batch: list[tuple[Review, HistoryEntry]] = []
        for slot in plan.slots:
            if taken and (
                slot.key in taken or (slot.kind, slot.subject_id, slot.period) in covered
            ):
                continue
            batch.append(made.review(slot))
            if len(batch) >= self.batch:
                # One transaction per batch: a large roster does not hold one huge
                # transaction, and a batch cut short is simply scheduled again (R-CAD-4).
                created.extend(self._write(actor, batch))
                batch = []
        if batch:
            created.extend(self._write(actor, batch))
        return tuple(created)

    def _write(self, actor: str, batch: list[tuple[Review, HistoryEntry]]) -> list[Review]:
        """Write one batch; the reviews inserted (a slot taken meanwhile is skipped: R-CAD-4)."""
        outbox = self.core.queue_scheduled(actor, (review for review, _ in batch))
        changes = ChangeSet(new_reviews=tuple(batch), outbox=outbox)
        inserted = set(self.core.store.apply(changes).inserted)
        return [review for review, _ in batch if review.id in inserted]


class ReviewMaker:
    """The reviews of one scheduling run, each with its ``schedule`` entry (one moment, one
    actor): the entry's data made from the slot, as :func:`~reviewflow.domain.review.
    schedule_data` of the review would give it, so no record is taken apart to make it."""

    def __init__(self, actor: str, at: datetime, ids: IdFactory) -> None:
        self.actor = actor
        self.at = at
        self.ids = ids
        # A period as text and a planned method as a record and in plain form, once each (a
        # plan holds one or two of each): every review of the run shares them.
        self._texts: dict[Period, str] = {}
        self._methods: dict[tuple[Method, Occasion | None], tuple[MethodRecord, Any]] = {}

    def review(self, slot: Slot) -> tuple[Review, HistoryEntry]:
        planned = self._methods.get((slot.method, slot.occasion))
        if planned is None:
            record = MethodRecord(slot.method, slot.occasion)
            planned = self._methods[slot.method, slot.occasion] = (record, unstructure(record))
        method, plain = planned
        text = self._texts.get(slot.period)
        if text is None:
            text = self._texts[slot.period] = str(slot.period)
        review_id = self.ids("review")
        entry = HistoryEntry.create(
            review_id=review_id,
            seq=1,
            at=self.at,
            actor_id=self.actor,
            action="schedule",
            from_state=None,
            to_state=ReviewState.SCHEDULED,
            data=schedule_record(
                review_id,
                slot.kind.value,
                slot.reviewer_id,
                slot.subject_id,
                text,
                slot.basis.value,
                slot.org_id,
                dict(plain),
            ),
            reason="",
            prev_digest="",
        )
        review = Review(
            review_id, slot.kind, slot.reviewer_id, slot.subject_id, slot.period, slot.basis,
            slot.org_id, planned_method=method, last_digest=entry.digest,
        )  # fmt: skip
        return review, entry
