"""The one way a review changes: a step, decided by the workflow definition and written by the
store.

Every step, single or bulk, with data or without, goes through :meth:`Steps.decide`: scope
(R-SCOPE-4), the version the caller expects, the shared ``transitions`` machine (the step open
in the review's state, its guards), the step's payload rule, the hash-chained history entry
(R-AUDIT) and the record after it. A single step writes its one change; a bulk call
(:meth:`Steps.take_many`) decides each review on its own and writes them all in one change set,
the refused ones in the attempt log beside them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from reviewflow.domain.guards import GuardContext
from reviewflow.domain.limits import check_id, check_text
from reviewflow.domain.payloads import StepInput
from reviewflow.domain.review import Attempt, HistoryEntry, Review
from reviewflow.domain.roster import Roster
from reviewflow.domain.scope import may_take
from reviewflow.errors import (
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    OutOfScope,
    ReviewflowError,
)
from reviewflow.events import StepTaken
from reviewflow.reasons import because
from reviewflow.service._core import Core
from reviewflow.store.base import ChangeSet, ReviewQuery

__all__ = ["StepResult", "Steps"]


@attrs.frozen
class StepResult:
    """The outcome of one review in :meth:`ReviewService.take_many`: the review, or the error."""

    review_id: str
    """The review id as the caller named it (``repr`` of it, when it was not a string)."""
    review: Review | None = None
    """The review after the step, as written; None when the step was refused."""
    error: ReviewflowError | None = None
    """Why the step was refused for this review (it is in the attempt log too); None when it
    was taken."""

    @property
    def ok(self) -> bool:
        """Whether the step was taken."""
        return self.error is None


class Steps:
    """The step kernel of one service."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def decide(  # noqa: PLR0917 - a step's whole question
        self,
        roster: Roster,
        actor: str,
        trigger: str,
        review: Review,
        arguments: Mapping[str, Any],
        reason: str,
        expected_version: int | None,
    ) -> tuple[Review, HistoryEntry]:
        """The review after the step, and its history entry; or the refusal, raised. Nothing
        is written."""
        core = self.core
        workflow = core.workflow
        step = workflow.step(trigger)
        check_text("reason", reason)
        if not may_take(roster, actor, review, step.by):
            raise OutOfScope(
                actor,
                review.subject_id,
                f"{trigger} ({step.label_zh})",
                because(
                    "only_parties",
                    parties=" or the ".join(sorted(p.label_en for p in step.by)),
                    parties_zh="或".join(p.label_zh for p in sorted(step.by)),
                ),
            )
        if expected_version is not None and expected_version != review.version:
            raise ConcurrencyConflict(review.id, expected_version, review.version)
        ctx = GuardContext(closeout_required=core.policy.closeout_required)
        new_state = workflow.fire(review, trigger, ctx)
        at = core.now()
        given = StepInput(actor, at.date(), core.ids, core.calendar, reason)
        data = workflow.payloads[step.payload].data(review, arguments, given)
        entry = HistoryEntry.create(
            review_id=review.id,
            seq=review.version + 1,
            at=at,
            actor_id=actor,
            action=trigger,
            from_state=review.state,
            to_state=new_state,
            data=data,
            reason=reason,
            prev_digest=review.last_digest,
        )
        return workflow.apply_entry(review, entry), entry

    def take(  # noqa: PLR0917 - the step, its review and its data
        self,
        actor: str,
        trigger: str,
        review_id: str,
        arguments: Mapping[str, Any],
        reason: str = "",
        expected_version: int | None = None,
    ) -> Review:
        """Take one step on one review: written, heard by the listeners, returned."""
        core = self.core
        with core.refusals(actor, trigger, review_id):
            review = core.load(review_id)
            roster = core.store.roster()
            changed, entry = self.decide(
                roster, actor, trigger, review, arguments, reason, expected_version
            )
            core.store.apply(
                ChangeSet(
                    review_updates=((changed, entry),),
                    outbox=core.queue([StepTaken(changed, entry)]),
                )
            )
        core.emit([StepTaken(changed, entry)])
        return changed

    def take_many(
        self,
        actor: str,
        trigger: str,
        review_ids: Iterable[str],
        arguments: Mapping[str, Any],
        reason: str = "",
    ) -> tuple[StepResult, ...]:
        """Take one step on many reviews: each decided on its own, all written together."""
        core = self.core
        with core.refusals(actor, trigger):
            core.workflow.step(trigger)  # an unknown step refuses the call as a whole
            if isinstance(review_ids, str):
                raise InvalidInput("review_ids", review_ids, because("not_an_id_list"))
            ids = list(review_ids)
        roster = core.store.roster()
        # One read for all of them; the write refuses any review another writer changed since.
        # (An id that is not one is refused below, one result of its own.)
        named = frozenset(i for i in ids if isinstance(i, str))
        loaded = {r.id: r for r in core.store.reviews(ReviewQuery(ids=named))}
        results: dict[str, StepResult] = {}
        updates: list[tuple[Review, HistoryEntry]] = []
        attempts: list[Attempt] = []
        for review_id in ids:
            try:
                check_id("review_ids", review_id)
                if review_id in results and results[review_id].ok:
                    raise InvalidInput("review_ids", review_id, because("named_twice"))
                review = loaded.get(review_id)
                if review is None:
                    raise NotFound("review", review_id)
                change = self.decide(roster, actor, trigger, review, arguments, reason, None)
            except ReviewflowError as error:
                attempts.append(core.attempt(actor, trigger, review_id, error))
                key = review_id if isinstance(review_id, str) else repr(review_id)
                results.setdefault(key, StepResult(key, error=error))
                continue
            updates.append(change)
            results[review_id] = StepResult(review_id, change[0])
        written = self._write(updates, attempts, results)
        core.emit(StepTaken(review, entry) for review, entry in written)
        return tuple(results.values())

    def _write(
        self,
        updates: list[tuple[Review, HistoryEntry]],
        attempts: list[Attempt],
        results: dict[str, StepResult],
    ) -> list[tuple[Review, HistoryEntry]]:
        """Write a bulk call's changes in one change set; if another writer changed one of its
        reviews meanwhile, write them one by one, so that only that one is refused."""
        store = self.core.store
        queue = self.core.queue
        try:
            store.apply(
                ChangeSet(
                    review_updates=tuple(updates),
                    attempts=tuple(attempts),
                    outbox=queue(StepTaken(review, entry) for review, entry in updates),
                )
            )
        except ConcurrencyConflict:
            pass
        else:
            return updates
        if attempts:
            store.apply(ChangeSet(attempts=tuple(attempts)))
        written = []
        for changed, entry in updates:
            try:
                with self.core.refusals(entry.actor_id, entry.action, changed.id):
                    store.apply(
                        ChangeSet(
                            review_updates=((changed, entry),),
                            outbox=queue([StepTaken(changed, entry)]),
                        )
                    )
            except ConcurrencyConflict as error:
                results[changed.id] = StepResult(changed.id, error=error)
                continue
            written.append((changed, entry))
        return written
