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
from reviewflow.reasons import KINDS_ZH, because

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
                because("self_liaison", link=link.key, org=link.org_id, name=member.name),
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

    def describe_zh(self) -> str:
        """The operation in Chinese: ``负责人调整（internal → wu）``."""
        to = f" → {self.value}" if self.value is not None else ""
        return f"{_OPERATIONS_ZH.get(self.name, self.name)}（{self.target}{to}）"


_OPERATIONS_ZH = {
    "move_member": "党员组织关系转接",
    "member_leaves": "党员离开",
    "change_head": "负责人调整",
    "end_liaison": "联系点结束",
    "dissolve_organization": "撤销党组织",
}
"""The office's roster operations, in Chinese."""


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
                because("import_reparents", org=o.id),
                [o.id],
            )
        if o.head_id is not None and old_org.head_id != o.head_id:
            heads.append(RosterOperation("change_head", o.id, o.head_id, None))
        elif o.head_id is None and old_org.head_id is not None and o.dissolved_on is None:
            raise RosterConflict(
                because("import_drops_head", org=o.id, head=old_org.head_id),
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


_VERBS_ZH = {"was dissolved": "撤销", "left": "离开", "ended": "结束", "was moved": "转出"}
"""What an import may not re-date, in Chinese."""


def _refuse_redating(what: str, target: str, verb: str, on: date) -> None:
    raise RosterConflict(
        because(
            "import_redates",
            what=what,
            target=target,
            verb=verb,
            on=on,
            verb_zh=_VERBS_ZH[verb],
            what_zh=KINDS_ZH.get(what, what),
        ),
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
            because(
                "import_hidden_changes",
                operations=[str(op) for op in found],
                operations_zh=[op.describe_zh() for op in found],
                names=names,
            ),
            list(dict.fromkeys(op.target for op in found)),
        )
