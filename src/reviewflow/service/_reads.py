"""Reading reviews: one, its history, the attempt log, a list in scope, a person's work list,
and the tamper check of them all (R-SCOPE-4, R-AUDIT)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import attrs

from reviewflow.domain.periods import Period
from reviewflow.domain.review import Attempt, HistoryEntry, Review, ReviewState
from reviewflow.domain.roster import Roster
from reviewflow.domain.scope import parties, require_known, require_office
from reviewflow.domain.verification import Tampering, verify_history
from reviewflow.domain.vocabulary import Party
from reviewflow.errors import OutOfScope
from reviewflow.reasons import because
from reviewflow.service._core import Core
from reviewflow.store.base import ReviewQuery

__all__ = ["Reads", "WorkItem"]

_LIVE = frozenset(s for s in ReviewState if not s.final)


@attrs.frozen
class WorkItem:
    """A review waiting for someone: which of its parties they are and which steps they may take."""

    review: Review
    """The open review, as the store holds it."""
    parties: frozenset[Party]
    """Which parties of the review the actor is: reviewer, subject, form filler, office (one
    person may be several)."""
    steps: tuple[str, ...]
    """The steps open in the review's state that the actor's parties may take, by trigger name
    (``report``, ``fill_form``...); never empty. A guard may still refuse one."""
    due: date
    """The last day of the review's period: the work list is sorted by it, soonest first."""


class Reads:
    """The reads of one service."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def review(self, actor: str, review_id: str) -> Review:
        """See :meth:`ReviewService.review`."""
        with self.core.refusals(actor, "read", review_id):
            review = self.core.load(review_id)
            self._require_reader(actor, review)
            return review

    def history(self, actor: str, review_id: str) -> tuple[HistoryEntry, ...]:
        """See :meth:`ReviewService.history`."""
        with self.core.refusals(actor, "read_history", review_id):
            review = self.core.load(review_id)
            self._require_reader(actor, review)
            return tuple(self.core.store.history(review_id))

    def attempts(self, actor: str, review_id: str | None = None) -> tuple[Attempt, ...]:
        """See :meth:`ReviewService.attempts`."""
        with self.core.refusals(actor, "read_attempts", review_id):
            require_office(
                self.core.store.roster(), actor, review_id or "attempt log", "read the attempt log"
            )
            return tuple(self.core.store.attempts(review_id))

    def reviews(
        self,
        actor: str,
        *,
        within: Period | None = None,
        root_id: str | None = None,
        states: Iterable[ReviewState] | None = None,
    ) -> tuple[Review, ...]:
        """See :meth:`ReviewService.reviews`."""
        with self.core.refusals(actor, "list_reviews"):
            roster = self.core.store.roster()
            require_known(roster, actor, "list reviews")
            org_ids = frozenset(roster.subtree(root_id)) if root_id is not None else None
            query = ReviewQuery(
                within=within,
                org_ids=org_ids,
                states=frozenset(states) if states is not None else None,
            )
            found = self.core.store.reviews(query)
            if roster.is_office(actor):
                return tuple(found)
            return tuple(r for r in found if parties(roster, actor, r))

    def work_list(self, actor: str) -> tuple[WorkItem, ...]:
        """See :meth:`ReviewService.work_list`."""
        with self.core.refusals(actor, "work_list"):
            roster = self.core.store.roster()
            require_known(roster, actor, "read a work list")
        workflow = self.core.workflow
        out: list[WorkItem] = []
        for review in self._candidates(roster, actor):
            found = parties(roster, actor, review)
            if not found:
                continue
            steps = tuple(t for t in workflow.open(review) if workflow.steps[t].by & found)
            if steps and not (found == {Party.OFFICE} and steps == ("waive", "cancel")):
                out.append(WorkItem(review, found, steps, review.period.end))
        return tuple(sorted(out, key=lambda w: (w.due, w.review.id)))

    def _candidates(self, roster: Roster, actor: str) -> list[Review]:
        """The live reviews the actor may be a party of: a few indexed reads, not the whole
        store (the office's are every live review). :meth:`parties` decides for each."""
        member = roster.member(actor)
        if roster.is_office(actor) or member is None:
            return list(self.core.store.reviews(ReviewQuery(states=_LIVE)))
        home = member.org_id
        unit = roster.unit_of(home).id
        head = roster.head_of(home)
        heads_home = head is not None and head.id == actor
        queries = [
            ReviewQuery(states=_LIVE, reviewer_id=actor),
            # the subject: the member, or an organization whose leadership team they are on
            ReviewQuery(states=_LIVE, subject_ids=frozenset({actor, home, unit})),
        ]
        if heads_home:
            # the form filler: the head of the review's organization, or of its parent when
            # that organization has no head or its head is the one reviewed (R-STEP-3)
            queries.append(ReviewQuery(states=_LIVE, org_ids=frozenset({home, unit})))
            child_heads = {c: roster.head_of(c) for c in roster.children(home)}
            headless = frozenset(c for c, h in child_heads.items() if h is None)
            heads = frozenset(h.id for h in child_heads.values() if h is not None)
            if headless:
                queries.append(ReviewQuery(states=_LIVE, org_ids=headless))
            if heads:
                queries.append(ReviewQuery(states=_LIVE, subject_ids=heads))
        found: dict[str, Review] = {}
        for query in queries:
            found.update((r.id, r) for r in self.core.store.reviews(query))
        return list(found.values())

    def verify(self, actor: str) -> tuple[Tampering, ...]:
        """See :meth:`ReviewService.verify`."""
        with self.core.refusals(actor, "verify"):
            require_office(self.core.store.roster(), actor, "the records", "verify the records")
        found: list[Tampering] = []
        for review in self.core.store.reviews(ReviewQuery()):
            found.extend(
                verify_history(review, self.core.store.history(review.id), self.core.workflow)
            )
        return tuple(found)

    def _require_reader(self, actor: str, review: Review) -> None:
        if not parties(self.core.store.roster(), actor, review):
            raise OutOfScope(
                actor, review.subject_id, "read this review", because("not_their_review")
            )
