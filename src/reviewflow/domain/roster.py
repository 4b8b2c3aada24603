"""The roster: organizations as a tree, their members, liaison assignments and the office staff.

A :class:`Roster` is an immutable, validated snapshot with the indexes the rules need. Changes are
made by building the changed records and a new snapshot; the service stores the records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import TypeVar

import attrs

from reviewflow.domain.periods import Period
from reviewflow.domain.vocabulary import MemberStatus, OrgKind, ReviewKind, Role
from reviewflow.errors import InvalidInput, RosterConflict
from reviewflow.reasons import because, kind_zh

_T = TypeVar("_T")
_K = TypeVar("_K")

__all__ = [
    "FormerOrg",
    "HeadTerm",
    "LiaisonAssignment",
    "Member",
    "OfficeStaff",
    "Organization",
    "Person",
    "Roster",
    "RosterRecord",
]


def _non_empty(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(attribute.name, value, because("empty_string"))


def _roles(roles: Iterable[Role | str]) -> frozenset[Role]:
    return frozenset(Role(r) for r in roles)


@attrs.frozen
class HeadTerm:
    """A former head's term of office (R-ROSTER-1): from ``since`` (None: from the start of the
    records) until the day ``until`` on which the next head took over."""

    member_id: str = attrs.field(validator=_non_empty)
    """The former head."""
    since: date | None
    """The day the term began; None when it began before the records do."""
    until: date
    """The day the next head took over (not part of the term)."""

    def covers(self, day: date) -> bool:
        """Whether the term includes ``day``."""
        return (self.since is None or self.since <= day) and day < self.until


@attrs.frozen
class FormerOrg:
    """An organization a member belonged to before a transfer (R-ROSTER-2): the member was
    there until ``until``, the day of the transfer."""

    org_id: str = attrs.field(validator=_non_empty)
    """The organization the member belonged to."""
    until: date
    """The day of the transfer: the member belonged there until the day before."""


def _terms(terms: Iterable[HeadTerm]) -> tuple[HeadTerm, ...]:
    return tuple(sorted(terms, key=lambda t: t.until))


def _former_orgs(stints: Iterable[FormerOrg]) -> tuple[FormerOrg, ...]:
    return tuple(sorted(stints, key=lambda s: s.until))


@attrs.frozen
class Organization:
    """A Party organization (基层党组织) in the tree. ``org_type`` is its class (R-CLASS).

    The dates make the roster effective-dated (R-ROSTER-1): ``founded_on`` and ``dissolved_on``
    bound the periods it is reviewed for; ``head_since`` is the day its head took office, and
    ``former_heads`` are the terms before (see :meth:`ReviewService.change_head`).
    """

    id: str = attrs.field(validator=_non_empty)
    """The organization's id, stable across renames."""
    name: str = attrs.field(validator=_non_empty)
    """Its name (内科党支部), as forms and reports print it."""
    kind: OrgKind = attrs.field(converter=OrgKind)
    """Its level in the tree: committee, general branch, branch or group."""
    org_type: str = ""
    """Its class (a hospital branch, a retirees' branch ...) by which the policy overrides cadences
    and methods (R-CLASS); empty: none."""
    parent_id: str | None = None
    """The organization above it; None for a root of the tree (the reviewing committee)."""
    head_id: str | None = None
    """The member who heads it (党组织负责人, usually the secretary); None while the post is
    vacant."""
    dissolved_on: date | None = None
    """The day it was dissolved; None while it exists."""
    founded_on: date | None = None
    """The day it was founded; None when it existed before the records."""
    head_since: date | None = None
    """The day the present head took office; None when before the records."""
    former_heads: tuple[HeadTerm, ...] = attrs.field(default=(), converter=_terms)
    """The terms of the heads before the present one, oldest first (R-ROSTER-1)."""

    @property
    def active(self) -> bool:
        """Whether the organization still exists."""
        return self.dissolved_on is None

    def exists_in(self, period: Period) -> bool:
        """Whether the organization is reviewed for ``period``: founded by its end, and not
        dissolved by then (a dissolution ends the reviews of the period it falls in)."""
        return (self.founded_on is None or self.founded_on <= period.end) and (
            self.dissolved_on is None or self.dissolved_on > period.end
        )

    def exists_in_any(self, period: Period) -> bool:
        """Whether the organization is reviewed for some part of ``period``."""
        return (self.founded_on is None or self.founded_on <= period.end) and (
            self.dissolved_on is None or self.dissolved_on > period.start
        )


@attrs.frozen
class Member:
    """A Party member (党员). ``roles`` are leadership-team roles in their own organization."""

    id: str = attrs.field(validator=_non_empty)
    """The member's id (a staff number, say), stable across transfers."""
    name: str = attrs.field(validator=_non_empty)
    """The member's name, as forms and reports print it."""
    org_id: str = attrs.field(validator=_non_empty)
    """The organization the member belongs to now."""
    post_category: str = ""
    """The member's post category (doctor, nurse, administrator ...), by which the policy may
    override the cadence (R-CAD-3); empty: none."""
    status: MemberStatus = attrs.field(default=MemberStatus.FULL, converter=MemberStatus)
    """Full or probationary membership."""
    roles: frozenset[Role] = attrs.field(default=frozenset(), converter=_roles)
    """The member's roles in the leadership team of their own organization; empty for an ordinary
    member."""
    left_on: date | None = None
    """The day the member left (transfer out, death ...); None while on the roster."""
    left_reason: str = ""
    """Why the member left."""
    joined_on: date | None = None
    """The day the member joined the organization's roll; None when before the records."""
    former_orgs: tuple[FormerOrg, ...] = attrs.field(default=(), converter=_former_orgs)
    """The organizations the member belonged to before transfers, oldest first (R-ROSTER-2)."""

    @property
    def active(self) -> bool:
        """Whether the member is still on the roster."""
        return self.left_on is None

    def on_roll(self, period: Period) -> bool:
        """Whether the member is reviewed for ``period``: joined by its end and not gone by
        then (a departure ends the reviews of the period it falls in)."""
        return (self.joined_on is None or self.joined_on <= period.end) and (
            self.left_on is None or self.left_on > period.end
        )

    def org_in(self, period: Period) -> str:
        """The organization the member is reviewed in for ``period``: the one they belonged to
        when it began (a member who moves is reviewed in the new one from the next period on,
        R-ROSTER-2)."""
        for stint in self.former_orgs:
            if stint.until > period.start:
                return stint.org_id
        return self.org_id


@attrs.frozen
class OfficeStaff:
    """A person acting for the campaign leading-group office (领导小组办公室)."""

    id: str = attrs.field(validator=_non_empty)
    """The id the staff member acts under; it reads and does the office's part (R-SCOPE-4)."""
    name: str = attrs.field(validator=_non_empty)
    """Their name."""


@attrs.frozen
class LiaisonAssignment:
    """A committee leadership-team member's liaison point (联系点) (R-SCOPE-1)."""

    committee_member_id: str = attrs.field(validator=_non_empty)
    """The committee leadership-team member who reviews the organization."""
    org_id: str = attrs.field(validator=_non_empty)
    """The organization that is their liaison point."""
    since: date | None = None
    """The day the assignment began; None when before the records."""
    until: date | None = None
    """The day it ended; None while it lasts."""

    @property
    def key(self) -> tuple[str, str]:
        """The assignment's identity: (committee member, organization)."""
        return (self.committee_member_id, self.org_id)

    @property
    def active(self) -> bool:
        """Whether the assignment has not ended."""
        return self.until is None


Person = Member | OfficeStaff
RosterRecord = Organization | Member | LiaisonAssignment | OfficeStaff


@attrs.frozen(eq=False)
class Roster:
    """A validated snapshot of the roster with lookup indexes.

    Build it with :meth:`Roster.build`; it refuses a roster that breaks the tree or names
    records that do not exist (:class:`~reviewflow.errors.RosterConflict`).
    """

    organizations: Mapping[str, Organization]
    """Every organization by id, dissolved ones included."""
    members: Mapping[str, Member]
    """Every member by id, those who left included."""
    liaisons: Mapping[tuple[str, str], LiaisonAssignment]
    """Every liaison assignment by (committee member, organization), ended ones included."""
    office_staff: Mapping[str, OfficeStaff]
    """The office staff by id."""
    _children: Mapping[str, tuple[str, ...]]
    _members_of: Mapping[str, tuple[str, ...]]
    _liaisons_of_org: Mapping[str, tuple[LiaisonAssignment, ...]]
    _ever_members_of: Mapping[str, tuple[str, ...]]
    _role_holders_of: Mapping[str, tuple[str, ...]]
    _all_liaisons_of_org: Mapping[str, tuple[LiaisonAssignment, ...]]

    @classmethod
    def empty(cls) -> Roster:
        """A roster with nothing in it."""
        return cls.build()

    @classmethod
    def build(
        cls,
        organizations: Iterable[Organization] = (),
        members: Iterable[Member] = (),
        liaisons: Iterable[LiaisonAssignment] = (),
        office_staff: Iterable[OfficeStaff] = (),
    ) -> Roster:
        """Validate the records and index them.

        Records are kept in the order of their ids, whatever order they came in: the same
        roster plans the same reviews in the same order in every store.
        """
        orgs = _unique("organization", sorted(organizations, key=lambda o: o.id), lambda o: o.id)
        mems = _unique("member", sorted(members, key=lambda m: m.id), lambda m: m.id)
        links = _unique(
            "liaison assignment", sorted(liaisons, key=lambda a: a.key), lambda a: a.key
        )
        staff = _unique("office staff", sorted(office_staff, key=lambda s: s.id), lambda s: s.id)
        clash = sorted(set(mems) & set(staff))
        if clash:
            raise RosterConflict(because("person_id_twice"), clash)
        children = _children_by_parent(orgs)
        _check_acyclic(orgs)
        members_of = _members_by_org(orgs, mems)
        _check_heads(orgs, mems)
        _check_history(orgs, mems)
        liaisons_of = _liaisons_by_org(orgs, mems, links)
        ever: dict[str, list[str]] = {}
        for mem in mems.values():
            ever.setdefault(mem.org_id, []).append(mem.id)
            for stint in mem.former_orgs:
                if stint.org_id != mem.org_id:
                    ever.setdefault(stint.org_id, []).append(mem.id)
        holders = {org_id: tuple(m for m in ids if mems[m].roles) for org_id, ids in ever.items()}
        all_links: dict[str, list[LiaisonAssignment]] = {}
        for link in links.values():
            all_links.setdefault(link.org_id, []).append(link)
        return cls(
            organizations=orgs,
            members=mems,
            liaisons=links,
            office_staff=staff,
            children={k: tuple(v) for k, v in children.items()},
            members_of={k: tuple(v) for k, v in members_of.items()},
            liaisons_of_org={k: tuple(v) for k, v in liaisons_of.items()},
            ever_members_of={k: tuple(dict.fromkeys(v)) for k, v in ever.items()},
            role_holders_of={k: tuple(dict.fromkeys(v)) for k, v in holders.items() if v},
            all_liaisons_of_org={k: tuple(v) for k, v in all_links.items()},
        )

    def records(self) -> Iterator[RosterRecord]:
        """Every record, organizations first (parents before children), then the rest."""
        yield from self._orgs_top_down()
        yield from self.members.values()
        yield from self.office_staff.values()
        yield from self.liaisons.values()

    def _orgs_top_down(self) -> Iterator[Organization]:
        for root in self.roots():
            for org_id in self.subtree(root.id):
                yield self.organizations[org_id]

    def with_records(self, records: Iterable[RosterRecord]) -> Roster:
        """A new snapshot with these records added or replaced (validated)."""
        orgs = dict(self.organizations)
        mems = dict(self.members)
        links = dict(self.liaisons)
        staff = dict(self.office_staff)
        for record in records:
            match record:
                case Organization():
                    orgs[record.id] = record
                case Member():
                    mems[record.id] = record
                case LiaisonAssignment():
                    links[record.key] = record
                case OfficeStaff():
                    staff[record.id] = record
        return Roster.build(orgs.values(), mems.values(), links.values(), staff.values())

    # -- lookups ---------------------------------------------------------------------------

    def organization(self, org_id: str) -> Organization | None:
        """The organization with this id, if any."""
        return self.organizations.get(org_id)

    def member(self, member_id: str) -> Member | None:
        """The member with this id, if any."""
        return self.members.get(member_id)

    def person(self, person_id: str) -> Person | None:
        """The member or office staff with this id, if any."""
        return self.members.get(person_id) or self.office_staff.get(person_id)

    def subject_name(self, kind: ReviewKind, subject_id: str) -> str:
        """The display name of a subject, or its id when it is not on the roster."""
        record = (
            self.organizations.get(subject_id)
            if kind is ReviewKind.ORGANIZATION
            else self.members.get(subject_id)
        )
        return record.name if record is not None else subject_id

    def person_name(self, person_id: str) -> str:
        """The display name of a person, or the id when unknown."""
        person = self.person(person_id)
        return person.name if person is not None else person_id

    def is_office(self, person_id: str) -> bool:
        """Whether the person acts for the office."""
        return person_id in self.office_staff

    def roots(self) -> tuple[Organization, ...]:
        """The top organizations (the reviewing committees)."""
        return tuple(o for o in self.organizations.values() if o.parent_id is None)

    def children(self, org_id: str) -> tuple[str, ...]:
        """The ids of the organization's direct children."""
        return self._children.get(org_id, ())

    def subtree(self, org_id: str) -> tuple[str, ...]:
        """The organization and everything below it, parents before children."""
        order = [org_id]
        i = 0
        while i < len(order):
            order.extend(self._children.get(order[i], ()))
            i += 1
        return tuple(order)

    def ancestors(self, org_id: str) -> tuple[str, ...]:
        """The parent, grandparent, ... of an organization."""
        out: list[str] = []
        parent = self.organizations[org_id].parent_id
        while parent is not None:
            out.append(parent)
            parent = self.organizations[parent].parent_id
        return tuple(out)

    def members_of(self, org_id: str) -> tuple[Member, ...]:
        """The active members whose own organization is this one."""
        return tuple(self.members[m] for m in self._members_of.get(org_id, ()))

    def unit_of(self, org_id: str) -> Organization:
        """The Party organization a member of ``org_id`` belongs to for reviews.

        A Party group (党小组) is not a Party organization (R-SUBJ): its members are reviewed
        by the head of the branch it belongs to.
        """
        org = self.organizations[org_id]
        while org.kind is OrgKind.GROUP and org.parent_id is not None:
            org = self.organizations[org.parent_id]
        return org

    def head_of(self, org_id: str) -> Member | None:
        """The organization's head (负责人): its ``head_id``, else its active secretary."""
        org = self.organizations[org_id]
        if org.head_id is not None:
            head = self.members[org.head_id]
            return head if head.active else None
        for mem in self.members_of(org_id):
            if Role.SECRETARY in mem.roles:
                return mem
        return None

    def leadership_team(self, org_id: str) -> tuple[Member, ...]:
        """The organization's leadership team (班子成员): its head and members with a role."""
        head = self.head_of(org_id)
        team = [m for m in self.members_of(org_id) if m.roles or (head and m.id == head.id)]
        return tuple(team)

    def liaisons_of(self, org_id: str) -> tuple[LiaisonAssignment, ...]:
        """The active liaison assignments to this organization."""
        return self._liaisons_of_org.get(org_id, ())

    # -- the roster as it stood in a period (R-ROSTER-1) -----------------------------------------

    def members_ever_of(self, org_id: str) -> tuple[Member, ...]:
        """Everyone who is or was a member of ``org_id`` (left or moved since included)."""
        return tuple(self.members[m] for m in self._ever_members_of.get(org_id, ()))

    def members_in(self, org_id: str, period: Period) -> tuple[Member, ...]:
        """The members reviewed in ``org_id`` for ``period``: on the roll then, and there when
        it began (:meth:`Member.org_in`); those who have left or moved since included."""
        return self._there(self._ever_members_of.get(org_id, ()), org_id, period)

    def _there(self, member_ids: Iterable[str], org_id: str, period: Period) -> tuple[Member, ...]:
        out = []
        for member_id in member_ids:
            member = self.members[member_id]
            if member.on_roll(period) and (
                not member.former_orgs or member.org_in(period) == org_id
            ):
                out.append(member)
        return tuple(out)

    def head_in(self, org_id: str, period: Period) -> Member | None:
        """The organization's head for ``period``: the one in office on its last day.

        The current head from the day they took office (``head_since``); a former head for the
        days of their term (``former_heads``); without either, the secretary by role, as
        :meth:`head_of`. None for a period before any recorded head took office: no review is
        owed by a head for a period before they took office (R-ROSTER-1)."""
        org = self.organizations[org_id]
        day = period.end
        for term in org.former_heads:
            if term.covers(day):
                return self.members.get(term.member_id)
        if org.head_id is not None:
            if org.head_since is not None and org.head_since > day:
                return None
            head = self.members[org.head_id]
            return head if head.on_roll(period) else None
        if org.former_heads:
            return None  # the last head's term ended and nobody has taken office since
        for mem in self._there(self._role_holders_of.get(org_id, ()), org_id, period):
            if Role.SECRETARY in mem.roles:
                return mem
        return None

    def leadership_team_in(self, org_id: str, period: Period) -> tuple[Member, ...]:
        """The leadership team for ``period``: its head then, and the members with a role
        (roles carry no dates: a member's present roles count)."""
        head = self.head_in(org_id, period)
        team = self._there(self._role_holders_of.get(org_id, ()), org_id, period)
        if head is None or head in team:
            return team
        return tuple(sorted((head, *team), key=lambda m: m.id))

    def liaisons_in(self, org_id: str, period: Period) -> tuple[LiaisonAssignment, ...]:
        """The liaison assignments to ``org_id`` in force on the period's last day (an
        assignment that ends in the period hands it to whoever covers the organization next,
        as :meth:`ReviewService.end_liaison` does with its reviews)."""
        day = period.end
        return tuple(
            link
            for link in self._all_liaisons_of_org.get(org_id, ())
            if (link.since is None or link.since <= day)
            and (link.until is None or link.until > day)
        )

    def in_subtree(self, org_id: str, root_id: str | None) -> bool:
        """Whether ``org_id`` lies in the subtree of ``root_id`` (everything when None)."""
        return root_id is None or org_id == root_id or root_id in self.ancestors(org_id)


def _unique(what: str, items: Iterable[_T], key: Callable[[_T], _K]) -> dict[_K, _T]:
    out: dict[_K, _T] = {}
    for item in items:
        k = key(item)
        if k in out:
            raise RosterConflict(
                because("appears_twice", what=what, key=k, what_zh=kind_zh(what)), [str(k)]
            )
        out[k] = item
    return out


def _children_by_parent(orgs: Mapping[str, Organization]) -> dict[str, list[str]]:
    """Each parent's children; refuses an organization whose parent is not on the roster."""
    children: dict[str, list[str]] = {}
    for org in orgs.values():
        if org.parent_id is not None:
            if org.parent_id not in orgs:
                raise RosterConflict(
                    because("parent_not_on_roster", org=org.id, parent=org.parent_id),
                    [org.id],
                )
            children.setdefault(org.parent_id, []).append(org.id)
    return children


def _members_by_org(
    orgs: Mapping[str, Organization], mems: Mapping[str, Member]
) -> dict[str, list[str]]:
    """Each organization's active members; refuses a member of an organization not on the
    roster."""
    members_of: dict[str, list[str]] = {}
    for mem in mems.values():
        if mem.org_id not in orgs:
            raise RosterConflict(
                because("org_not_on_roster", member=mem.id, org=mem.org_id),
                [mem.id],
            )
        if mem.active:
            members_of.setdefault(mem.org_id, []).append(mem.id)
    return members_of


def _check_heads(orgs: Mapping[str, Organization], mems: Mapping[str, Member]) -> None:
    """Refuses an organization whose head is not one of its own members."""
    for org in orgs.values():
        if org.head_id is not None:
            head = mems.get(org.head_id)
            if head is None or head.org_id != org.id:
                raise RosterConflict(
                    because("head_not_member", head=org.head_id, org=org.id),
                    [org.id],
                )


def _check_history(orgs: Mapping[str, Organization], mems: Mapping[str, Member]) -> None:
    """Refuses a former head or a former organization that is not on the roster."""
    for org in orgs.values():
        for term in org.former_heads:
            if term.member_id not in mems:
                raise RosterConflict(
                    because("former_head_not_on_roster", org=org.id, head=term.member_id),
                    [org.id],
                )
    for mem in mems.values():
        for stint in mem.former_orgs:
            if stint.org_id not in orgs:
                raise RosterConflict(
                    because("former_org_not_on_roster", member=mem.id, org=stint.org_id),
                    [mem.id],
                )


def _liaisons_by_org(
    orgs: Mapping[str, Organization],
    mems: Mapping[str, Member],
    links: Mapping[tuple[str, str], LiaisonAssignment],
) -> dict[str, list[LiaisonAssignment]]:
    """Each organization's active liaison assignments; refuses an assignment whose committee
    member is not a member, an active one whose member is not on a Party committee's leadership
    team (R-SCOPE-1), and one whose organization is not on the roster."""
    liaisons_of: dict[str, list[LiaisonAssignment]] = {}
    for link in links.values():
        committee_member = mems.get(link.committee_member_id)
        if committee_member is None:
            raise RosterConflict(
                because("liaison_not_member", link=link.key, member=link.committee_member_id),
                [link.committee_member_id],
            )
        home = orgs[committee_member.org_id]
        if link.active and (home.kind is not OrgKind.COMMITTEE or not committee_member.roles):
            raise RosterConflict(
                because("liaison_not_committee", link=link.key, member=link.committee_member_id),
                [link.committee_member_id],
            )
        if link.org_id not in orgs:
            raise RosterConflict(
                because("liaison_org_not_on_roster", link=link.key, org=link.org_id),
                [link.org_id],
            )
        if link.active:
            liaisons_of.setdefault(link.org_id, []).append(link)
    return liaisons_of


def _check_acyclic(orgs: Mapping[str, Organization]) -> None:
    for start in orgs.values():
        seen = {start.id}
        parent = start.parent_id
        while parent is not None:
            if parent in seen:
                raise RosterConflict(
                    because("tree_cycle", org=start.id),
                    sorted(seen),
                )
            seen.add(parent)
            parent = orgs[parent].parent_id
