"""Slots the office opens again or ends as not applicable (R-REOPEN, R-NA).

A slot (reviewer, kind, subject, period) is filled once by scheduling (R-CAD-4). Its review,
once cancelled, can be followed by a new review of the same slot one round later
(:meth:`Slots.reopen`), linked to the cancelled one, so that coverage can reach 100 % again; a
planned slot that should never have existed is ended as not applicable (不适用) before any review
of it exists (:meth:`Slots.mark_not_applicable`), counted neither as covered nor as a gap. Each
writes one new review with its first history entry: the action says which (``reopen``,
``mark_slot_not_applicable``) and the reason why.
"""

from __future__ import annotations

from collections.abc import Sequence

from reviewflow.domain.content import MethodRecord
from reviewflow.domain.limits import check_id, check_text
from reviewflow.domain.payloads import choice
from reviewflow.domain.periods import Period
from reviewflow.domain.planning import Slot
from reviewflow.domain.review import (
    NOT_APPLICABLE_ACTION,
    REOPEN_ACTION,
    HistoryEntry,
    Review,
    ReviewState,
    schedule_data,
)
from reviewflow.domain.scope import require_office
from reviewflow.domain.vocabulary import ReviewKind
from reviewflow.errors import (
    GuardFailed,
    InvalidInput,
    NextStep,
    NotFound,
    TransitionNotAllowed,
)
from reviewflow.events import ReviewsScheduled
from reviewflow.reasons import Reason, because
from reviewflow.service._core import Core
from reviewflow.service._plans import Plans
from reviewflow.store.base import ChangeSet, ReviewQuery

__all__ = ["Slots"]

_SLOT_TAKEN = "slot_free"
_ACTIONS_ZH = {REOPEN_ACTION: "重新点评", "mark_slot_not_applicable": "标记不适用"}
"""The office's operations on slots, which are no step of the workflow, in Chinese."""
"""The guard a new review of a slot meets: no review of it is live, and none opened it again
after the one named (R-CAD-4)."""
_END_STEP = "mark_not_applicable"
"""The step that ends a live review as not applicable (R-NA)."""


class Slots:
    """The office's operations on slots of one service."""

    def __init__(self, core: Core, plans: Plans) -> None:
        self.core = core
        self.plans = plans

    def reopen(self, actor: str, review_id: str, reason: str) -> Review:
        """See :meth:`ReviewService.reopen`."""
        core = self.core
        with core.refusals(actor, REOPEN_ACTION, review_id):
            check_text("reason", reason)
            cancelled = core.load(review_id)
            require_office(core.store.roster(), actor, cancelled.subject_id, "reopen (重新点评)")
            if cancelled.state is not ReviewState.CANCELLED:
                workflow = core.workflow
                raise TransitionNotAllowed(
                    cancelled.id, cancelled.state.value, REOPEN_ACTION, workflow.open(cancelled),
                    next_steps=workflow.way_on(cancelled), state_zh=cancelled.state.label_zh,
                    step_zh=_ACTIONS_ZH[REOPEN_ACTION],
                )  # fmt: skip
            _require_reason(reason, because("say_why_reopened"))
            later = _latest(self._slot_reviews(cancelled))
            if later.id != cancelled.id:
                raise _taken(cancelled.id, REOPEN_ACTION, later)
            review = self._write(
                actor, REOPEN_ACTION, ReviewState.SCHEDULED, reason,
                _next_round(cancelled, self.core.ids("review")),
            )  # fmt: skip
        core.emit([ReviewsScheduled(review.period, (review,), actor)])
        return review

    def mark_not_applicable(  # noqa: PLR0917 - the slot, who ends it and why
        self,
        actor: str,
        period: Period,
        kind: ReviewKind | str,
        subject_id: str,
        reviewer_id: str,
        reason: str,
    ) -> Review:
        """See :meth:`ReviewService.mark_slot_not_applicable`."""
        core = self.core
        with core.refusals(actor, NOT_APPLICABLE_ACTION):
            chosen = choice(ReviewKind, kind, "kind")
            check_id("subject_id", subject_id)
            check_id("reviewer_id", reviewer_id)
            check_text("reason", reason)
            roster = core.store.roster()
            require_office(roster, actor, subject_id, "mark a slot not applicable (不适用)")
            _require_reason(reason, because("say_why_not_applicable"))
            new_id = core.ids("review")
            held = [
                r
                for r in core.store.reviews(
                    ReviewQuery(within=period, reviewer_id=reviewer_id, subject_id=subject_id)
                )
                if r.kind is chosen and r.period == period
            ]
            if held:  # every review of the slot cancelled: ended one round later
                latest = _latest(held)
                if latest.state is not ReviewState.CANCELLED:
                    end = () if latest.state.final else (_END_STEP,)
                    steps = tuple(core.workflow.next_step(t) for t in end)
                    raise _taken(latest.id, NOT_APPLICABLE_ACTION, latest, steps)
                draft = _next_round(latest, new_id)
            else:
                plan = self.plans.plan(roster, core.policy, period, None)
                slot = _planned(plan.slots, chosen, subject_id, reviewer_id, period)
                method = MethodRecord(slot.method, slot.occasion)
                draft = Review(
                    new_id, slot.kind, slot.reviewer_id, slot.subject_id, slot.period,
                    slot.basis, slot.org_id, planned_method=method,
                )  # fmt: skip
            return self._write(
                actor, NOT_APPLICABLE_ACTION, ReviewState.NOT_APPLICABLE, reason, draft
            )

    def _slot_reviews(self, review: Review) -> list[Review]:
        """Every review of ``review``'s slot, whatever its round."""
        query = ReviewQuery(
            within=review.period, reviewer_id=review.reviewer_id, subject_id=review.subject_id
        )
        return [r for r in self.core.store.reviews(query) if r.key == review.key]

    def _write(
        self, actor: str, action: str, state: ReviewState, reason: str, draft: Review
    ) -> Review:
        """Write ``draft`` as a new review in ``state``, its first entry ``action``; refused
        when another writer filled the slot's round first."""
        core = self.core
        entry = HistoryEntry.create(
            review_id=draft.id,
            seq=1,
            at=core.now(),
            actor_id=actor,
            action=action,
            from_state=None,
            to_state=state,
            data=schedule_data(draft),
            reason=reason,
            prev_digest="",
        )
        review = core.workflow.apply_entry(None, entry)
        applied = core.store.apply(
            ChangeSet(new_reviews=((review, entry),), outbox=core.queue_scheduled(actor, [review]))
        )
        if review.id not in applied.inserted:  # another writer took the round meanwhile
            raise _taken(draft.reopens or draft.id, action, _latest(self._slot_reviews(draft)))
        return review


def _require_reason(reason: str, why: Reason) -> None:
    if not reason.strip():
        raise InvalidInput("reason", reason, because("empty_because", why=why))


def _latest(reviews: Sequence[Review]) -> Review:
    """The review of a slot in its last round."""
    return max(reviews, key=lambda r: r.round)


def _next_round(cancelled: Review, new_id: str) -> Review:
    """A new review of ``cancelled``'s slot, one round later, linked to it (R-REOPEN)."""
    return Review(
        new_id, cancelled.kind, cancelled.reviewer_id, cancelled.subject_id, cancelled.period,
        cancelled.basis, cancelled.org_id, planned_method=cancelled.planned_method,
        round=cancelled.round + 1, reopens=cancelled.id,
    )  # fmt: skip


def _taken(
    review_id: str, action: str, holder: Review, next_steps: Sequence[NextStep] = ()
) -> GuardFailed:
    """The refusal of a new review of a slot that ``holder`` holds (R-CAD-4)."""
    if holder.state is ReviewState.CANCELLED:
        advice = because("slot_reopen_last", review=holder.id)
    elif holder.state.final:
        advice = because("slot_ended", review=holder.id, state=holder.state)
    else:
        advice = because("slot_open", review=holder.id, state=holder.state)
    return GuardFailed(
        review_id, action, _SLOT_TAKEN, because("slot_taken", advice=advice),
        next_steps=next_steps, step_zh=_ACTIONS_ZH.get(action, ""), guard_zh="点评位置空闲",
    )  # fmt: skip


def _planned(
    slots: Sequence[Slot], kind: ReviewKind, subject_id: str, reviewer_id: str, period: Period
) -> Slot:
    """The plan's slot of ``subject_id`` by ``reviewer_id`` in ``period``, or NotFound."""
    for slot in slots:
        if (
            slot.kind is kind
            and slot.subject_id == subject_id
            and slot.reviewer_id == reviewer_id
            and slot.period == period
        ):
            return slot
    raise NotFound(
        "planned review",
        f"{kind.value} {subject_id} by {reviewer_id} in {period}",
        key_zh=f"{period}由“{reviewer_id}”点评“{subject_id}”的{kind.label_zh}点评计划",
    )
