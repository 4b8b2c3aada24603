"""Who reviews whom, and when: the plan the rules call for in a period (R-SCOPE-1..3, R-CAD-1..3).

The plan is computed from the roster and the policy alone. Scheduling turns its slots into
reviews; coverage compares it with the reviews that exist.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import attrs

from reviewflow.domain.periods import Period, PeriodKind
from reviewflow.domain.policy import Policy
from reviewflow.domain.roster import Member, Organization, Roster
from reviewflow.domain.vocabulary import Basis, Labelled, Method, Occasion, OrgKind, ReviewKind

__all__ = ["GapReason", "Plan", "PlannedGap", "Slot", "periods_within", "plan_period"]

_RANK = {PeriodKind.MONTH: 0, PeriodKind.QUARTER: 1, PeriodKind.YEAR: 2}


class GapReason(Labelled):
    """Why a review the rules call for is missing (R-COVER)."""

    NOT_SCHEDULED = "not_scheduled", "未安排点评", "not scheduled"
    """The rules call for the review and none was scheduled."""
    NO_REVIEWER = "no_reviewer", "无点评领导", "no reviewer on the roster"
    """Nobody on the roster reviews the subject: no liaison and no head above it."""
    CANCELLED = "cancelled", "点评已撤销", "review cancelled"
    """The review was cancelled and its slot not opened again (R-REOPEN)."""


@attrs.frozen
class Slot:
    """One review the rules call for: reviewer, subject, period and why."""

    reviewer_id: str
    """Who is to review."""
    kind: ReviewKind
    """Whether an organization or a member is reviewed."""
    subject_id: str
    """Who is reviewed."""
    period: Period
    """The period the review belongs to."""
    basis: Basis
    """Why this reviewer (R-SCOPE-1..3)."""
    org_id: str
    """The organization the review belongs to."""
    method: Method
    """The method the policy plans for it (R-METH)."""
    occasion: Occasion | None
    """The occasion planned, if any."""

    @property
    def key(self) -> tuple[str, ReviewKind, str, Period]:
        """The (reviewer, subject, period) key: one review at most per key (R-CAD-4)."""
        return (self.reviewer_id, self.kind, self.subject_id, self.period)


@attrs.frozen
class PlannedGap:
    """A subject the rules call to be reviewed in a period, for whom no reviewer exists."""

    kind: ReviewKind
    """Whether an organization or a member is left without a reviewer."""
    subject_id: str
    """Who is left without one."""
    period: Period
    """The period concerned."""
    org_id: str
    """The organization the gap lies in."""
    reason: GapReason
    """Why: no reviewer on the roster."""


@attrs.frozen
class Plan:
    """Every slot the rules call for, and every subject left without a reviewer."""

    slots: tuple[Slot, ...]
    """Every review the rules call for, in a fixed order."""
    gaps: tuple[PlannedGap, ...]
    """Every subject the rules call to be reviewed but nobody can review."""


@functools.lru_cache(maxsize=1024)
def periods_within(period: Period, kind: PeriodKind) -> tuple[Period, ...]:
    """The periods of ``kind`` that lie inside ``period`` (none when ``kind`` is coarser).

    Kept once computed (periods are immutable): the plan asks for every member."""
    if _RANK[kind] > _RANK[period.kind]:
        return ()
    return period.subperiods(kind)


def plan_period(roster: Roster, policy: Policy, period: Period, root_id: str | None = None) -> Plan:
    """The reviews the rules call for whose period lies within ``period``, for a subtree.

    - R-ROSTER-1: each period is planned from the roster as it stood then: organizations
      founded by its end and not dissolved, members on the roll, the head in office on its
      last day (:meth:`Roster.head_in`), the liaisons in force (:meth:`Roster.liaisons_in`).
    - R-SCOPE-1: each liaison reviewer reviews the organization and its leadership team, at the
      organization type's liaison cadence (R-CAD-1, R-CLASS).
    - R-SCOPE-3: without a liaison reviewer, the head of the parent organization reviews the
      organization and its head. Nobody reviews themselves.
    - R-SCOPE-2: each head reviews the other members of the organization at the member cadence
      of their post category or organization type (R-CAD-2, R-CAD-3).
    - The top organizations (the reviewing committees) and their heads are reviewed by the level
      above, outside this roster: they are not subjects here.
    """
    slots: list[Slot] = []
    gaps: list[PlannedGap] = []
    org_ids = roster.subtree(root_id) if root_id is not None else _all_top_down(roster)
    for org_id in org_ids:
        org = roster.organizations[org_id]
        if org.kind is OrgKind.GROUP or not org.exists_in_any(period):
            continue
        if org.parent_id is not None:
            _plan_organization(roster, policy, period, org, slots=slots, gaps=gaps)
        _plan_members(roster, policy, period, org, slots=slots, gaps=gaps)
    return Plan(tuple(slots), tuple(gaps))


def _all_top_down(roster: Roster) -> Iterator[str]:
    for root in roster.roots():
        yield from roster.subtree(root.id)


def _plan_organization(
    roster: Roster,
    policy: Policy,
    period: Period,
    org: Organization,
    *,
    slots: list[Slot],
    gaps: list[PlannedGap],
) -> None:
    periods = [
        q
        for q in periods_within(period, policy.liaison_cadence_for(org.org_type))
        if org.exists_in(q)
    ]
    if not periods:
        return
    method, occasion = policy.liaison_method_for(org.org_type)
    parent = roster.unit_of(org.parent_id) if org.parent_id else None
    for q in periods:
        head = roster.head_in(org.id, q)
        # R-SCOPE-1 for the liaisons in force on the period's last day; without one (none
        # assigned yet, or the reviewer has left) the parent head covers the organization
        # (R-SCOPE-3). A liaison on the organization's own leadership team (a deputy secretary
        # of a 基层党委 made its liaison) would review themselves with it: it does not count.
        current = [
            link
            for link in roster.liaisons_in(org.id, q)
            if _reviews_from_outside(roster, link.committee_member_id, org.id, q)
        ]
        if current:
            team = roster.leadership_team_in(org.id, q)
            pairs = [(link.committee_member_id, Basis.LIAISON, team) for link in current]
        elif (parent_head := roster.head_in(parent.id, q) if parent else None) is not None:
            pairs = [(parent_head.id, Basis.PARENT_HEAD, (head,) if head else ())]
        else:
            gaps.append(
                PlannedGap(ReviewKind.ORGANIZATION, org.id, q, org.id, GapReason.NO_REVIEWER)
            )
            if head is not None:
                gaps.append(
                    PlannedGap(ReviewKind.MEMBER, head.id, q, org.id, GapReason.NO_REVIEWER)
                )
            continue
        for reviewer_id, basis, members in pairs:
            slots.append(
                Slot(
                    reviewer_id, ReviewKind.ORGANIZATION, org.id, q, basis, org.id, method, occasion
                )
            )
            slots.extend(
                Slot(reviewer_id, ReviewKind.MEMBER, m.id, q, basis, org.id, method, occasion)
                for m in members
                if m.id != reviewer_id  # R-SCOPE-3: nobody reviews themselves
            )


def _plan_members(
    roster: Roster,
    policy: Policy,
    period: Period,
    org: Organization,
    *,
    slots: list[Slot],
    gaps: list[PlannedGap],
) -> None:
    units = _units(roster, org)
    # The rules depend on the post category and the organization's type only: asked once per
    # category (an organization's members share a few); the head in office once per period.
    rules: dict[str, tuple[tuple[tuple[Period, Member | None], ...], Method, Occasion | None]] = {}
    for member in _members_for_review(roster, units):
        found = rules.get(member.post_category)
        if found is None:
            periods = periods_within(
                period, policy.member_cadence_for(member.post_category, org.org_type)
            )
            found = rules[member.post_category] = (
                tuple((q, roster.head_in(org.id, q)) for q in periods if org.exists_in(q)),
                *policy.member_method_for(member.post_category, org.org_type),
            )
        heads, method, occasion = found
        moved = bool(member.former_orgs)
        for q, head in heads:
            if not member.on_roll(q) or (moved and member.org_in(q) not in units):
                continue
            if head is None:
                gaps.append(
                    PlannedGap(ReviewKind.MEMBER, member.id, q, org.id, GapReason.NO_REVIEWER)
                )
            elif head.id != member.id:  # the head is covered with the organization (R-SCOPE-3)
                slots.append(
                    Slot(
                        head.id,
                        ReviewKind.MEMBER,
                        member.id,
                        q,
                        Basis.HEAD,
                        org.id,
                        method,
                        occasion,
                    )
                )


def _units(roster: Roster, org: Organization) -> frozenset[str]:
    """The organization and its Party groups, whose members it reviews (R-SUBJ)."""
    units = {org.id}
    for child_id in roster.children(org.id):
        if roster.organizations[child_id].kind is OrgKind.GROUP:
            units |= _units(roster, roster.organizations[child_id])
    return frozenset(units)


def _members_for_review(roster: Roster, units: frozenset[str]) -> Iterator[Member]:
    """Everyone who was ever a member of the organization or one of its Party groups."""
    seen: set[str] = set()
    for unit in sorted(units):
        for member in roster.members_ever_of(unit):
            if member.id not in seen:
                seen.add(member.id)
                yield member


def _reviews_from_outside(roster: Roster, member_id: str, org_id: str, period: Period) -> bool:
    """Whether a liaison is on the roll in ``period`` and not a member of ``org_id`` then."""
    member = roster.member(member_id)
    return member is not None and member.on_roll(period) and member.org_in(period) != org_id
