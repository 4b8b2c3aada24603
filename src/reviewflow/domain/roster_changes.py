"""The roster-change rules (R-ROSTER): what an import may change, and what a move, a departure
or the end of a liaison point changes besides the record itself."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import attrs

from reviewflow.domain.review import Review
from reviewflow.domain.roster import (
    LiaisonAssignment,
    Member,
    Organization,
    Roster,
    RosterRecord,
)
from reviewflow.errors import RosterConflict

__all__ = [
    "ended_liaisons",
    "refuse_hidden_changes",
    "refuse_self_liaison",
    "released_head",
    "unique_reviews",
]


def unique_reviews(reviews: Iterable[Review]) -> list[Review]:
    seen: dict[str, Review] = {}
    for review in reviews:
        seen.setdefault(review.id, review)
    return list(seen.values())


def refuse_self_liaison(roster: Roster, links: Iterable[LiaisonAssignment]) -> None:
    """R-SCOPE-3: a liaison point is never the liaison's own organization (its leadership team
    is reviewed with it, the liaison among them). ``roster`` holds the new records already."""
    for link in links:
        member = roster.member(link.committee_member_id)
        if link.active and member is not None and member.org_id == link.org_id:
            raise RosterConflict(
                f"liaison {link.key!r}: {link.org_id!r} is {member.name}'s own organization, "
                "and nobody reviews themselves (R-SCOPE-3): name a point outside it; the "
                "organization above reviews this one",
                [link.committee_member_id, link.org_id],
            )


def released_head(roster: Roster, member: Member) -> list[RosterRecord]:
    org = roster.organizations[member.org_id]
    if org.head_id == member.id:
        return [attrs.evolve(org, head_id=None)]
    return []


def ended_liaisons(roster: Roster, member: Member, on: date) -> list[RosterRecord]:
    """A member who leaves the committee's team leaves their liaison points on the same day."""
    return [
        attrs.evolve(link, until=on)
        for link in roster.liaisons.values()
        if link.committee_member_id == member.id and link.active
    ]


def refuse_hidden_changes(
    current: Roster,
    orgs: Sequence[Organization],
    members: Sequence[Member],
    liaisons: Sequence[LiaisonAssignment],
) -> None:
    """An import may add and correct records, not move, remove or dissolve them."""
    moved = [
        m.id
        for m in members
        if (old := current.member(m.id)) is not None
        and (old.org_id != m.org_id or old.left_on != m.left_on)
    ]
    if moved:
        raise RosterConflict(
            "an import may not move members or record departures; use move_member or "
            "member_leaves, which deal with their scheduled reviews",
            moved,
        )
    dissolved = [
        o.id
        for o in orgs
        if (old_org := current.organization(o.id)) is not None
        and (old_org.dissolved_on != o.dissolved_on or old_org.parent_id != o.parent_id)
    ]
    if dissolved:
        raise RosterConflict(
            "an import may not dissolve or re-parent organizations; use dissolve_organization",
            dissolved,
        )
    ended = [
        f"{a.committee_member_id}->{a.org_id}"
        for a in liaisons
        if (old_link := current.liaisons.get(a.key)) is not None and old_link.until != a.until
    ]
    if ended:
        raise RosterConflict("an import may not end liaisons; use end_liaison", ended)
