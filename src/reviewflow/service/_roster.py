"""The office's roster operations (R-ROSTER): imports, liaison points, moves, departures and
dissolutions, each with what it does to the reviews already scheduled."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import attrs

from reviewflow.domain.limits import check_record
from reviewflow.domain.review import Review, ReviewState
from reviewflow.domain.roster import (
    LiaisonAssignment,
    Member,
    OfficeStaff,
    Organization,
    Roster,
    RosterRecord,
)
from reviewflow.domain.roster_changes import (
    ended_liaisons,
    refuse_hidden_changes,
    refuse_self_liaison,
    released_head,
    unique_reviews,
)
from reviewflow.domain.scope import require_office
from reviewflow.errors import InvalidInput, NotFound, OutOfScope, RosterConflict
from reviewflow.events import StepTaken
from reviewflow.service._core import Core
from reviewflow.service._kernel import Steps
from reviewflow.store.base import ChangeSet, ReviewQuery

__all__ = ["RosterChanges"]

_LIVE = frozenset(s for s in ReviewState if not s.final)


class RosterChanges:
    """The roster operations of one service."""

    def __init__(self, core: Core, steps: Steps) -> None:
        self.core = core
        self.steps = steps

    def import_roster(
        self,
        actor: str,
        *,
        organizations: Iterable[Organization] = (),
        members: Iterable[Member] = (),
        liaisons: Iterable[LiaisonAssignment] = (),
        office_staff: Iterable[OfficeStaff] = (),
    ) -> Roster:
        """See :meth:`ReviewService.import_roster`."""
        orgs, mems, links, staff = (
            tuple(organizations),
            tuple(members),
            tuple(liaisons),
            tuple(office_staff),
        )
        with self.core.refusals(actor, "import_roster"):
            current = self.core.store.roster()
            bootstrap = not current.office_staff
            if bootstrap and actor not in {s.id for s in staff}:
                raise OutOfScope(
                    actor,
                    "roster",
                    "import the roster",
                    "the first import must name its actor among the office staff it imports",
                )
            if not bootstrap:
                require_office(self.core.store.roster(), actor, "roster", "import the roster")
            for kind, given in (
                ("organization", orgs), ("member", mems), ("office_staff", staff),
                ("liaison", links),
            ):  # fmt: skip
                for record in given:
                    check_record(kind, record)  # R-INPUT: the same limits as every store's
            refuse_hidden_changes(current, orgs, mems, links)
            records: tuple[RosterRecord, ...] = (*orgs, *mems, *staff, *links)
            after = current.with_records(records)  # validate before writing: RosterConflict
            refuse_self_liaison(after, links)
            self.core.store.apply(ChangeSet(roster=records))
            return self.core.store.roster()

    def assign_liaison(
        self, actor: str, committee_member_id: str, org_id: str, *, since: date | None = None
    ) -> LiaisonAssignment:
        """See :meth:`ReviewService.assign_liaison`."""
        with self.core.refusals(actor, "assign_liaison"):
            roster = self.core.store.roster()
            require_office(self.core.store.roster(), actor, org_id, "assign a liaison")
            link = LiaisonAssignment(committee_member_id, org_id, since or self.core.today())
            existing = roster.liaisons.get(link.key)
            if existing is not None and existing.active:
                raise RosterConflict("this liaison assignment exists already", [str(link.key)])
            refuse_self_liaison(roster.with_records((link,)), (link,))
            self.core.store.apply(ChangeSet(roster=(link,)))
            return link

    def end_liaison(
        self,
        actor: str,
        committee_member_id: str,
        org_id: str,
        *,
        on: date,
        reason: str = "联系点调整",
    ) -> tuple[Review, ...]:
        """See :meth:`ReviewService.end_liaison`."""
        with self.core.refusals(actor, "end_liaison"):
            roster = self.core.store.roster()
            require_office(self.core.store.roster(), actor, org_id, "end a liaison")
            link = roster.liaisons.get((committee_member_id, org_id))
            if link is None or not link.active:
                raise NotFound("liaison assignment", (committee_member_id, org_id))
            ended = attrs.evolve(link, until=on)
            doomed = [
                r
                for r in self._open_reviews_from(on, reviewer_id=committee_member_id)
                if r.org_id == org_id
            ]
            return self._roster_change(actor, (ended,), doomed, reason)

    def move_member(
        self, actor: str, member_id: str, *, to_org_id: str, on: date, reason: str = ""
    ) -> tuple[Review, ...]:
        """See :meth:`ReviewService.move_member`."""
        with self.core.refusals(actor, "move_member"):
            roster = self.core.store.roster()
            member = _member(roster, member_id)
            require_office(self.core.store.roster(), actor, member_id, "move a member")
            if roster.organization(to_org_id) is None:
                raise NotFound("organization", to_org_id)
            if not roster.organizations[to_org_id].active:
                raise RosterConflict("the organization is dissolved", [to_org_id])
            if not member.active:
                raise RosterConflict("the member has left", [member_id])
            if member.org_id == to_org_id:
                raise InvalidInput("to_org_id", to_org_id, "the member is there already")
            records = [
                *released_head(roster, member),
                attrs.evolve(member, org_id=to_org_id, roles=frozenset(), joined_on=on),
                *ended_liaisons(roster, member, on),
            ]
            why = reason or f"党员组织关系转至{roster.organizations[to_org_id].name}"
            return self._roster_change(actor, records, self._open_reviews_of(member_id, on), why)

    def member_leaves(
        self, actor: str, member_id: str, *, on: date, reason: str
    ) -> tuple[Review, ...]:
        """See :meth:`ReviewService.member_leaves`."""
        with self.core.refusals(actor, "member_leaves"):
            roster = self.core.store.roster()
            member = _member(roster, member_id)
            require_office(self.core.store.roster(), actor, member_id, "record a departure")
            if not reason.strip():
                raise InvalidInput("reason", reason, "say why the member left")
            if not member.active:
                raise RosterConflict("the member has left already", [member_id])
            records = [
                *released_head(roster, member),
                attrs.evolve(member, left_on=on, left_reason=reason, roles=frozenset()),
                *ended_liaisons(roster, member, on),
            ]
            return self._roster_change(actor, records, self._open_reviews_of(member_id, on), reason)

    def dissolve_organization(
        self, actor: str, org_id: str, *, on: date, reason: str
    ) -> tuple[Review, ...]:
        """See :meth:`ReviewService.dissolve_organization`."""
        with self.core.refusals(actor, "dissolve_organization"):
            roster = self.core.store.roster()
            org = roster.organization(org_id)
            if org is None:
                raise NotFound("organization", org_id)
            require_office(self.core.store.roster(), actor, org_id, "dissolve an organization")
            if not reason.strip():
                raise InvalidInput("reason", reason, "say why the organization is dissolved")
            if not org.active:
                raise RosterConflict("the organization is dissolved already", [org_id])
            blocking = [m.id for m in roster.members_of(org_id)] + [
                c for c in roster.children(org_id) if roster.organizations[c].active
            ]
            if blocking:
                raise RosterConflict(
                    "move its members and organizations elsewhere first, then dissolve it",
                    blocking,
                )
            records: list[RosterRecord] = [attrs.evolve(org, dissolved_on=on, head_id=None)]
            records += [attrs.evolve(link, until=on) for link in roster.liaisons_of(org_id)]
            doomed = [
                r
                for r in self.core.store.reviews(
                    ReviewQuery(org_ids=frozenset({org_id}), states=_LIVE)
                )
                if r.period.end >= on
            ]
            return self._roster_change(actor, records, doomed, reason)

    def _roster_change(
        self,
        actor: str,
        records: Sequence[RosterRecord],
        doomed: Iterable[Review],
        reason: str,
    ) -> tuple[Review, ...]:
        """Write ``records`` and cancel the ``doomed`` reviews with ``reason``, together."""
        roster = self.core.store.roster()
        roster.with_records(records)  # validate first
        updates = [
            self.steps.decide(roster, actor, "cancel", review, {}, reason, None)
            for review in unique_reviews(doomed)
        ]
        self.core.store.apply(ChangeSet(roster=tuple(records), review_updates=tuple(updates)))
        self.core.emit(StepTaken(review, entry) for review, entry in updates)
        return tuple(review for review, _ in updates)

    def _open_reviews_of(self, person_id: str, on: date) -> list[Review]:
        return [
            *self._open_reviews_from(on, subject_id=person_id),
            *self._open_reviews_from(on, reviewer_id=person_id),
        ]

    def _open_reviews_from(
        self, on: date, *, subject_id: str | None = None, reviewer_id: str | None = None
    ) -> list[Review]:
        query = ReviewQuery(subject_id=subject_id, reviewer_id=reviewer_id, states=_LIVE)
        return [r for r in self.core.store.reviews(query) if r.period.end >= on]


def _member(roster: Roster, member_id: str) -> Member:
    member = roster.member(member_id)
    if member is None:
        raise NotFound("member", member_id)
    return member
