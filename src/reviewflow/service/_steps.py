"""The typed methods of the four steps: one per step of the document's workflow, each a call
of the one step kernel (:meth:`StepMethods.take`) with the step's arguments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from reviewflow.domain.content import Commitment
from reviewflow.domain.periods import Deadline
from reviewflow.domain.review import Review
from reviewflow.domain.vocabulary import (
    Aspect,
    FulfilmentStatus,
    ItemStatus,
    Medium,
    Method,
    Occasion,
    ParticipantCapacity,
)
from reviewflow.service._kernel import StepResult, Steps

__all__ = ["StepMethods"]


class StepMethods:
    """The steps of :class:`~reviewflow.ReviewService`, each with the acting person first."""

    _steps: Steps

    def take(
        self,
        /,  # the step's arguments are keywords: ``self`` is not one of them
        actor: str,
        trigger: str,
        review_id: str,
        *,
        reason: str = "",
        expected_version: int | None = None,
        **arguments: Any,
    ) -> Review:
        """Take the step ``trigger`` on a review, with the step's arguments: the typed methods
        below call this, and so does a step a deployment adds to its workflow definition."""
        return self._steps.take(actor, trigger, review_id, arguments, reason, expected_version)

    def take_many(
        self,
        /,
        actor: str,
        trigger: str,
        review_ids: Iterable[str],
        *,
        reason: str = "",
        **data: Any,
    ) -> tuple[StepResult, ...]:
        """Take one step on many reviews at once, with one result per review.

        For the bulk work of a meeting: a secretary who held forty member reviews at the branch
        general meeting records the method for all of them in one call. ``data`` are the
        keyword arguments of the step's method (``take_many(a, "record_method", ids,
        method="centralized")``). Each review is checked on its own, as one step at a time:
        the refused ones come back with their error (and go to the attempt log), the others
        are written together in one transaction. If another writer changed one of them
        meanwhile, the rest are written one by one, so that only the changed one is refused.
        """
        return self._steps.take_many(actor, trigger, review_ids, data, reason)

    # -- step 1: fact finding (R-STEP-1) -----------------------------------------------------------

    def start(self, actor: str, review_id: str, *, expected_version: int | None = None) -> Review:
        """Begin fact finding (了解情况)."""
        return self.take(actor, "start", review_id, expected_version=expected_version)

    def report(
        self,
        actor: str,
        review_id: str,
        *,
        summary: str,
        ideas_and_measures: str = "",
        commitments: Iterable[Commitment] = (),
        reported_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """The subject reports its work, commitments and their fulfilment, ideas and measures."""
        return self.take(
            actor,
            "report",
            review_id,
            expected_version=expected_version,
            summary=summary,
            ideas_and_measures=ideas_and_measures,
            commitments=tuple(commitments),
            reported_on=reported_on,
        )

    def conclude_fact_finding(
        self, actor: str, review_id: str, *, expected_version: int | None = None
    ) -> Review:
        """Move on to the review itself; needs a situation report."""
        return self.take(
            actor, "conclude_fact_finding", review_id, expected_version=expected_version
        )

    # -- step 2: the review (R-STEP-2, R-CONT, R-METH, R-PART, R-COMMIT) ---------------------------

    def record_method(
        self,
        actor: str,
        review_id: str,
        *,
        method: Method | str,
        occasion: Occasion | str | None = None,
        held_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """Record how and when the review was held (R-METH); another method than planned is fine."""
        return self.take(
            actor,
            "record_method",
            review_id,
            expected_version=expected_version,
            method=method,
            occasion=occasion,
            held_on=held_on,
        )

    def comment(
        self,
        actor: str,
        review_id: str,
        *,
        aspect: Aspect | str,
        achievements: str = "",
        problems: Iterable[str] = (),
        expected_version: int | None = None,
    ) -> Review:
        """The reviewer's comment on one aspect: achievements and problems (R-CONT-ORG/-MEM).

        Commenting on an aspect again replaces the earlier comment, except the problems a
        requirement cites, which stay. Each problem gets an id (see
        ``review.comment_on(aspect).problems``) that requirements cite.
        """
        return self.take(
            actor,
            "comment",
            review_id,
            expected_version=expected_version,
            aspect=aspect,
            achievements=achievements,
            problems=problems,
        )

    def set_direction(
        self,
        actor: str,
        review_id: str,
        *,
        direction: str,
        suggestions: str = "",
        expected_version: int | None = None,
    ) -> Review:
        """State the direction of effort (努力方向) and the opinions and suggestions (意见建议)."""
        return self.take(
            actor,
            "set_direction",
            review_id,
            expected_version=expected_version,
            direction=direction,
            suggestions=suggestions,
        )

    def judge_commitment(
        self,
        actor: str,
        review_id: str,
        *,
        commitment_id: str,
        status: FulfilmentStatus | str,
        remark: str = "",
        expected_version: int | None = None,
    ) -> Review:
        """The reviewer's judgement of a reported commitment's fulfilment (R-COMMIT)."""
        return self.take(
            actor,
            "judge_commitment",
            review_id,
            expected_version=expected_version,
            commitment_id=commitment_id,
            status=status,
            remark=remark,
        )

    def add_participant(
        self,
        actor: str,
        review_id: str,
        *,
        name: str,
        capacity: ParticipantCapacity | str,
        opinion: str = "",
        expected_version: int | None = None,
    ) -> Review:
        """Record an invited member or masses representative and their opinion (R-PART)."""
        return self.take(
            actor,
            "add_participant",
            review_id,
            expected_version=expected_version,
            name=name,
            capacity=capacity,
            opinion=opinion,
        )

    def require(
        self,
        actor: str,
        review_id: str,
        *,
        text: str,
        problem_ids: Iterable[str] = (),
        participant_id: str | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """Add a rectification requirement, citing the problems and the opinion it answers."""
        return self.take(
            actor,
            "require",
            review_id,
            expected_version=expected_version,
            text=text,
            problem_ids=tuple(problem_ids),
            participant_id=participant_id,
        )

    def declare_no_rectification(
        self, actor: str, review_id: str, *, expected_version: int | None = None
    ) -> Review:
        """State that the problems raised need no rectification requirement (R-STEP-2)."""
        return self.take(
            actor, "declare_no_rectification", review_id, expected_version=expected_version
        )

    def conclude_review(
        self, actor: str, review_id: str, *, expected_version: int | None = None
    ) -> Review:
        """Conclude step 2: method and date, every aspect, achievements and direction, and a
        requirement for every problem (or none needed) must be on record."""
        return self.take(actor, "conclude_review", review_id, expected_version=expected_version)

    # -- step 3: compile and publicize (R-STEP-3) --------------------------------------------------

    def fill_form(
        self,
        actor: str,
        review_id: str,
        *,
        filled_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """The organization confirms the review form (点评表) as filled in from the record."""
        return self.take(
            actor, "fill_form", review_id, expected_version=expected_version, filled_on=filled_on
        )

    def file(
        self,
        actor: str,
        review_id: str,
        *,
        filing_no: str,
        filed_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """The office files the form (备案) under a filing number."""
        return self.take(
            actor,
            "file",
            review_id,
            expected_version=expected_version,
            filing_no=filing_no,
            filed_on=filed_on,
        )

    def publicize(
        self,
        actor: str,
        review_id: str,
        *,
        scope: str,
        medium: Medium | str,
        published_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """Record that the review was made public in writing, within a scope and medium."""
        return self.take(
            actor,
            "publicize",
            review_id,
            expected_version=expected_version,
            scope=scope,
            medium=medium,
            published_on=published_on,
        )

    def begin_rectification(
        self, actor: str, review_id: str, *, expected_version: int | None = None
    ) -> Review:
        """Move on to rectification: the form must be filled in, filed and public."""
        return self.take(actor, "begin_rectification", review_id, expected_version=expected_version)

    # -- step 4: rectify (R-STEP-4) ----------------------------------------------------------------

    def plan_item(
        self,
        actor: str,
        review_id: str,
        *,
        requirement_id: str,
        measure: str,
        owner: str,
        due: date | Deadline | str,
        expected_version: int | None = None,
    ) -> Review:
        """Add a ledger item (整改台账) for a requirement: measure, owner and due date.

        ``due`` is a date, or a :class:`Deadline` (``"10 working days"``) counted from today.
        """
        return self.take(
            actor,
            "plan_item",
            review_id,
            expected_version=expected_version,
            requirement_id=requirement_id,
            measure=measure,
            owner=owner,
            due=due,
        )

    def update_item(
        self,
        actor: str,
        review_id: str,
        *,
        item_id: str,
        status: ItemStatus | str,
        done_on: date | None = None,
        note: str = "",
        expected_version: int | None = None,
    ) -> Review:
        """Report a ledger item's progress; ``done`` needs the day it was done (default today)."""
        return self.take(
            actor,
            "update_item",
            review_id,
            expected_version=expected_version,
            item_id=item_id,
            status=status,
            done_on=done_on,
            note=note,
        )

    def reply(
        self,
        actor: str,
        review_id: str,
        *,
        text: str,
        replied_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """The subject's written reply to the reviewer (书面回复), once every item is done."""
        return self.take(
            actor,
            "reply",
            review_id,
            expected_version=expected_version,
            text=text,
            replied_on=replied_on,
        )

    def confirm_closeout(
        self,
        actor: str,
        review_id: str,
        *,
        remark: str = "",
        confirmed_on: date | None = None,
        expected_version: int | None = None,
    ) -> Review:
        """The reviewer confirms the ledger is done (销号)."""
        return self.take(
            actor,
            "confirm_closeout",
            review_id,
            expected_version=expected_version,
            remark=remark,
            confirmed_on=confirmed_on,
        )

    def close(self, actor: str, review_id: str, *, expected_version: int | None = None) -> Review:
        """Close the review: every item done, the reply recorded, the closeout confirmed."""
        return self.take(actor, "close", review_id, expected_version=expected_version)

    # -- ends (R-CAD-3) ----------------------------------------------------------------------------

    def waive(
        self, actor: str, review_id: str, *, reason: str, expected_version: int | None = None
    ) -> Review:
        """Waive a review (office only, with a reason); it shows as waived, never as covered."""
        return self.take(
            actor, "waive", review_id, reason=reason, expected_version=expected_version
        )

    def cancel(
        self, actor: str, review_id: str, *, reason: str, expected_version: int | None = None
    ) -> Review:
        """Cancel a review that should not have been scheduled (office only, with a reason)."""
        return self.take(
            actor, "cancel", review_id, reason=reason, expected_version=expected_version
        )

    def mark_not_applicable(
        self, actor: str, review_id: str, *, reason: str, expected_version: int | None = None
    ) -> Review:
        """End a review whose slot should never have existed as not applicable (不适用; office
        only, with a reason, R-NA): counted neither as covered nor as a gap."""
        return self.take(
            actor,
            "mark_not_applicable",
            review_id,
            reason=reason,
            expected_version=expected_version,
        )
