"""The roster-change rules (R-ROSTER): what an import may change, and what a move, a departure
or the end of a liaison point changes besides the record itself."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import attrs

from reviewflow.domain.review import Review
from reviewflow.domain.roster import (
    HeadTerm,
    LiaisonAssignment,
    Member,
    Organization,
    Roster,
    RosterRecord,
)
from reviewflow.errors import RosterConflict

__all__ = [
    "RosterOperation",
    "ended_liaisons",
    "refuse_hidden_changes",
    "refuse_self_liaison",
    "released_head",
    "roster_operations",
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


def released_head(roster: Roster, member: Member, on: date) -> list[RosterRecord]:
    """A head who leaves or moves leaves office on ``on``: their term is recorded
    (R-ROSTER-1) and the organization has no head until the office names one."""
    org = roster.organizations[member.org_id]
    if org.head_id == member.id:
        term = HeadTerm(member.id, org.head_since, on)
        return [
            attrs.evolve(org, head_id=None, head_since=None, former_heads=(*org.former_heads, term))
        ]
    return []


def ended_liaisons(roster: Roster, member: Member, on: date) -> list[RosterRecord]:
    """A member who leaves the committee's team leaves their liaison points on the same day."""
    return [
        attrs.evolve(link, until=on)
        for link in roster.liaisons.values()
        if link.committee_member_id == member.id and link.active
    ]


@attrs.frozen
class RosterOperation:
    """One change an import found that only an office operation makes (R-ROSTER-3): the
    operation's name, what it acts on, and the day the file gives (or the import's date)."""

    name: str
    target: str
    value: str | None
    on: date | None

    def __str__(self) -> str:
        to = f" -> {self.value}" if self.value is not None else ""
        return f"{self.name}({self.target}{to})"


def roster_operations(
    current: Roster,
    orgs: Sequence[Organization],
    members: Sequence[Member],
    liaisons: Sequence[LiaisonAssignment],
) -> list[RosterOperation]:
    """The changes in an import's records that are office operations, in the order they are
    applied: transfers first (a new head must be a member of the organization), then heads,
    departures, the end of liaison points, and dissolutions last (their members gone)."""
    moves, heads, leaves, ends, dissolutions = [], [], [], [], []
    for m in members:
        old = current.member(m.id)
        if old is None:
            continue
        if old.org_id != m.org_id:
            moves.append(RosterOperation("move_member", m.id, m.org_id, None))
        if old.left_on is None and m.left_on is not None:
            leaves.append(RosterOperation("member_leaves", m.id, m.left_reason, m.left_on))
        elif old.left_on is not None and m.left_on != old.left_on:
            _refuse_redating("member", m.id, "left", old.left_on)
    for o in orgs:
        old_org = current.organization(o.id)
        if old_org is None:
            continue
        if old_org.parent_id != o.parent_id:
            raise RosterConflict(
                "an import may not re-parent organizations: found a new parent for "
                f"{o.id!r}; set up the organization under its new parent and move its members "
                "(move_member)",
                [o.id],
            )
        if o.head_id is not None and old_org.head_id != o.head_id:
            heads.append(RosterOperation("change_head", o.id, o.head_id, None))
        elif o.head_id is None and old_org.head_id is not None and o.dissolved_on is None:
            raise RosterConflict(
                f"the file names no head for {o.id!r}, whose head is {old_org.head_id!r}: "
                "name the new head (change_head), or record the head's departure "
                "(member_leaves, move_member)",
                [o.id],
            )
        if old_org.dissolved_on is not None and o.dissolved_on != old_org.dissolved_on:
            _refuse_redating("organization", o.id, "was dissolved", old_org.dissolved_on)
        if old_org.dissolved_on is None and o.dissolved_on is not None:
            dissolutions.append(
                RosterOperation("dissolve_organization", o.id, None, o.dissolved_on)
            )
    for a in liaisons:
        old_link = current.liaisons.get(a.key)
        if old_link is not None and old_link.until is not None and a.until != old_link.until:
            _refuse_redating("liaison point", f"{a.committee_member_id}->{a.org_id}", "ended",
                             old_link.until)  # fmt: skip
        if old_link is not None and old_link.until is None and a.until is not None:
            ends.append(RosterOperation("end_liaison", a.committee_member_id, a.org_id, a.until))
    return [*moves, *heads, *leaves, *ends, *dissolutions]


def _refuse_redating(what: str, target: str, verb: str, on: date) -> None:
    raise RosterConflict(
        f"{what} {target!r} {verb} on {on.isoformat()}: an import does not change or undo that "
        "(leave the record out of the file, or give the same date)",
        [target.split("->", maxsplit=1)[0]],
    )


def refuse_hidden_changes(
    current: Roster,
    orgs: Sequence[Organization],
    members: Sequence[Member],
    liaisons: Sequence[LiaisonAssignment],
) -> None:
    """An import without an effective date may add and correct records, not change what only
    an office operation changes (R-ROSTER-3): the error names each operation to use."""
    found = roster_operations(current, orgs, members, liaisons)
    if found:
        names = " / ".join(sorted({op.name for op in found}))
        raise RosterConflict(
            "the file changes what only an office operation changes: "
            + ", ".join(str(op) for op in found)
            + "; import it with the day the changes take effect (effective_on, the command "
            f"line's --effective), or use {names}, which deal with the reviews already scheduled",
            list(dict.fromkeys(op.target for op in found)),
        )
