"""The office's roster operations (R-ROSTER): imports, liaison points, moves, departures and
dissolutions, each with what it does to the reviews already scheduled."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import attrs

from reviewflow.domain.limits import check_id, check_record, check_text
from reviewflow.domain.periods import Period
from reviewflow.domain.review import REASSIGN_ACTION, HistoryEntry, Review, ReviewState
from reviewflow.domain.roster import (
    FormerOrg,
    HeadTerm,
    LiaisonAssignment,
    Member,
    OfficeStaff,
    Organization,
    Roster,
    RosterRecord,
)
from reviewflow.domain.roster_changes import (
    RosterOperation,
    ended_liaisons,
    refuse_hidden_changes,
    refuse_self_liaison,
    released_head,
    roster_operations,
    unique_reviews,
)
from reviewflow.domain.scope import require_office
from reviewflow.domain.vocabulary import Role
from reviewflow.errors import InvalidInput, NotFound, OutOfScope, RosterConflict
from reviewflow.events import ReviewsScheduled, StepTaken
from reviewflow.reasons import because
from reviewflow.service._core import Core
from reviewflow.service._kernel import Steps
from reviewflow.service._plans import Plans
from reviewflow.service._scheduling import ReviewMaker
from reviewflow.store.base import ChangeSet, ReviewQuery

__all__ = ["Handover", "RosterChanges"]


@attrs.frozen
class Handover:
    """What :meth:`ReviewService.change_head` did to the scheduled reviews (R-ROSTER-2)."""

    reassigned: tuple[Review, ...]
    """Open reviews handed to their new reviewer, each with a ``reassign`` history entry."""
    cancelled: tuple[Review, ...]
    """Open reviews the roster as it now stands no longer calls for, cancelled with the reason."""
    created: tuple[Review, ...]
    """Reviews the change calls for in the periods already scheduled (the former head, now a
    member, reviewed by the new one)."""


_LIVE = frozenset(s for s in ReviewState if not s.final)


class RosterChanges:
    """The roster operations of one service."""

    def __init__(self, core: Core, steps: Steps, plans: Plans) -> None:
        self.core = core
        self.steps = steps
        self.plans = plans

    def import_roster(
        self,
        actor: str,
        *,
        organizations: Iterable[Organization] = (),
        members: Iterable[Member] = (),
        liaisons: Iterable[LiaisonAssignment] = (),
        office_staff: Iterable[OfficeStaff] = (),
        effective_on: date | None = None,
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
                    because("first_import_actor"),
                )
            if not bootstrap:
                require_office(self.core.store.roster(), actor, "roster", "import the roster")
            for kind, given in (
                ("organization", orgs), ("member", mems), ("office_staff", staff),
                ("liaison", links),
            ):  # fmt: skip
                for record in given:
                    check_record(kind, record)  # R-INPUT: the same limits as every store's
            if effective_on is None:
                refuse_hidden_changes(current, orgs, mems, links)
                operations = []
            else:
                operations = roster_operations(current, orgs, mems, links)
            records: tuple[RosterRecord, ...] = (*orgs, *mems, *staff, *links)
            after = current.with_records(records)  # validate before writing: RosterConflict
            refuse_self_liaison(after, links)
            if effective_on is None or not operations:
                self.core.store.apply(ChangeSet(roster=records))
                return self.core.store.roster()
            # The additions and corrections first, the operations' fields as they stand.
            self.core.store.apply(ChangeSet(roster=_as_they_stand(current, records)))
        for op in operations:
            self._operate(actor, op, effective_on)
        roster = self.core.store.roster()
        roles = [
            attrs.evolve(roster.members[m.id], roles=m.roles)
            for m in mems
            if m.id in roster.members and roster.members[m.id].roles != m.roles
        ]
        if roles:  # a transfer or a new head changes roles: the file has the last word
            self.core.store.apply(ChangeSet(roster=tuple(roles)))
        return self.core.store.roster()

    def _operate(self, actor: str, op: RosterOperation, effective_on: date) -> None:
        """Apply one operation an import found (R-ROSTER-3), on its own date or the import's."""
        on = op.on or effective_on
        why = "名册导入"
        if op.name == "move_member" and op.value is not None:
            self.move_member(actor, op.target, to_org_id=op.value, on=on)
        elif op.name == "change_head" and op.value is not None:
            self.change_head(actor, op.target, op.value, on=on, reason=f"书记调整（{why}）")
        elif op.name == "member_leaves":
            self.member_leaves(actor, op.target, on=on, reason=op.value or why)
        elif op.name == "end_liaison" and op.value is not None:
            self.end_liaison(actor, op.target, op.value, on=on, reason=f"联系点调整（{why}）")
        elif op.name == "dissolve_organization":
            self.dissolve_organization(actor, op.target, on=on, reason=why)

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
                raise RosterConflict(because("liaison_exists"), [str(link.key)])
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

    def change_head(
        self, actor: str, org_id: str, member_id: str, *, on: date, reason: str = "书记调整"
    ) -> Handover:
        """See :meth:`ReviewService.change_head`."""
        with self.core.refusals(actor, "change_head"):
            check_id("org_id", org_id)
            check_id("member_id", member_id)
            check_text("reason", reason)
            roster = self.core.store.roster()
            org = roster.organization(org_id)
            if org is None:
                raise NotFound("organization", org_id)
            require_office(roster, actor, org_id, "change the head of an organization")
            if not reason.strip():
                raise InvalidInput("reason", reason, because("say_why_head_changes"))
            new = _member(roster, member_id)
            _refuse_head(org, new, on)
            records = _head_records(roster, org, new, on)
            people = frozenset(p for p in (org.head_id, new.id) if p is not None)
            return self._hand_over(actor, roster, records, people, on=on, reason=reason)

    def change_liaison(
        self,
        actor: str,
        org_id: str,
        *,
        from_id: str,
        to_id: str,
        on: date,
        reason: str = "联系点调整",
    ) -> Handover:
        """See :meth:`ReviewService.change_liaison`."""
        with self.core.refusals(actor, "change_liaison"):
            for field, value in (("org_id", org_id), ("from_id", from_id), ("to_id", to_id)):
                check_id(field, value)
            check_text("reason", reason)
            roster = self.core.store.roster()
            require_office(roster, actor, org_id, "change a liaison reviewer")
            if not reason.strip():
                raise InvalidInput("reason", reason, because("say_why_liaison_changes"))
            link = roster.liaisons.get((from_id, org_id))
            if link is None or not link.active:
                raise NotFound("liaison assignment", (from_id, org_id))
            if link.since is not None and on <= link.since:
                raise InvalidInput(
                    "on",
                    on,
                    because("liaison_since", since=link.since),
                )
            taken = roster.liaisons.get((to_id, org_id))
            if taken is not None and taken.active:
                raise RosterConflict(because("liaison_exists"), [to_id, org_id])
            new = LiaisonAssignment(to_id, org_id, on)
            refuse_self_liaison(roster.with_records((new,)), (new,))
            records = [attrs.evolve(link, until=on), new]
            people = frozenset({from_id, to_id})
            return self._hand_over(actor, roster, records, people, on=on, reason=reason)

    def _hand_over(
        self,
        actor: str,
        before: Roster,
        records: Sequence[RosterRecord],
        people: frozenset[str],
        *,
        on: date,
        reason: str,
    ) -> Handover:
        """Write ``records`` and bring the open reviews by or of ``people``, whose place the
        records change, in line with the roster after them, for the periods from ``on``
        (R-ROSTER-2): a review the new plan gives another reviewer is handed over, one it no
        longer has is cancelled, and the slots it adds in those periods are scheduled.
        ``before`` is the roster the caller checked the change against."""
        after = before.with_records(records)  # validated before anything is written
        open_reviews = unique_reviews(
            r for person in sorted(people) for r in self._open_reviews_of(person, on)
        )
        periods = sorted({r.period for r in open_reviews}, key=lambda p: (p.start, p.end))
        plans = {p: self.plans.plan(after, self.core.policy, p, None) for p in periods}
        wanted = {
            (s.kind, s.subject_id, s.period): s for plan in plans.values() for s in plan.slots
        }
        present = [r for p in periods for r in self.core.counts.refs(ReviewQuery(within=p))]
        held = {r.key for r in present}
        covered = {
            (r.kind, r.subject_id, r.period)
            for r in present
            if r.state is not ReviewState.CANCELLED
        }
        moved: list[tuple[Review, HistoryEntry]] = []
        doomed: list[Review] = []
        for review in open_reviews:
            slot = wanted.get((review.kind, review.subject_id, review.period))
            if slot is not None and slot.reviewer_id == review.reviewer_id:
                continue
            if slot is not None and slot.org_id == review.org_id and slot.key not in held:
                held.discard(review.key)
                held.add(slot.key)
                moved.append(self._reassign(actor, review, slot.reviewer_id, reason))
            else:
                doomed.append(review)
                covered.discard((review.kind, review.subject_id, review.period))
        cancels = [
            self.steps.decide(before, actor, "cancel", review, {}, reason, None)
            for review in doomed
        ]
        maker = ReviewMaker(actor, self.core.now(), self.core.ids)
        new_reviews = tuple(
            maker.review(slot)
            for plan in plans.values()
            for slot in plan.slots
            if people & {slot.reviewer_id, slot.subject_id}
            and slot.period.end >= on
            and slot.key not in held
            and (slot.kind, slot.subject_id, slot.period) not in covered
        )
        inserted = set(
            self.core.store.apply(
                ChangeSet(
                    roster=tuple(records),
                    review_updates=(*moved, *cancels),
                    new_reviews=new_reviews,
                    outbox=(
                        *self.core.queue(StepTaken(r, e) for r, e in (*moved, *cancels)),
                        *self.core.queue_scheduled(actor, (r for r, _ in new_reviews)),
                    ),
                )
            ).inserted
        )
        created = tuple(r for r, _ in new_reviews if r.id in inserted)
        self.core.emit(StepTaken(review, entry) for review, entry in (*moved, *cancels))
        # One ReviewsScheduled per period of the reviews made, as scheduling announces them
        # (a quarter's plan makes its months' reviews too).
        for period in sorted({r.period for r in created}, key=lambda p: (p.start, p.end)):
            of_period = tuple(r for r in created if r.period == period)
            self.core.emit([ReviewsScheduled(period, of_period, actor)])
        return Handover(tuple(r for r, _ in moved), tuple(r for r, _ in cancels), created)

    def _reassign(
        self, actor: str, review: Review, reviewer_id: str, reason: str
    ) -> tuple[Review, HistoryEntry]:
        """The review handed to ``reviewer_id``, with its ``reassign`` history entry."""
        entry = HistoryEntry.create(
            review_id=review.id,
            seq=review.version + 1,
            at=self.core.now(),
            actor_id=actor,
            action=REASSIGN_ACTION,
            from_state=review.state,
            to_state=review.state,
            data={"from": review.reviewer_id, "to": reviewer_id},
            reason=reason,
            prev_digest=review.last_digest,
        )
        return self.core.workflow.apply_entry(review, entry), entry

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
                raise RosterConflict(because("org_dissolved"), [to_org_id])
            if not member.active:
                raise RosterConflict(because("member_left"), [member_id])
            if member.org_id == to_org_id:
                raise InvalidInput("to_org_id", to_org_id, because("member_there_already"))
            moved = attrs.evolve(
                member,
                org_id=to_org_id,
                roles=frozenset(),
                former_orgs=(*member.former_orgs, FormerOrg(member.org_id, on)),
            )
            records = [
                *released_head(roster, member, on),
                moved,
                *ended_liaisons(roster, member, on),
            ]
            why = reason or f"党员组织关系转至{roster.organizations[to_org_id].name}"
            # R-ROSTER-2: reviewed in the new organization from the next period on (the
            # period of the move stays with the old one); what the member held as head ends.
            after = roster.with_records(records)
            doomed = self._unplanned(after, self._open_reviews_of(member_id, on))
            return self._roster_change(actor, records, doomed, why)

    def member_leaves(
        self, actor: str, member_id: str, *, on: date, reason: str
    ) -> tuple[Review, ...]:
        """See :meth:`ReviewService.member_leaves`."""
        with self.core.refusals(actor, "member_leaves"):
            roster = self.core.store.roster()
            member = _member(roster, member_id)
            require_office(self.core.store.roster(), actor, member_id, "record a departure")
            if not reason.strip():
                raise InvalidInput("reason", reason, because("say_why_member_left"))
            if not member.active:
                raise RosterConflict(because("member_left_already"), [member_id])
            records = [
                *released_head(roster, member, on),
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
                raise InvalidInput("reason", reason, because("say_why_dissolved"))
            if not org.active:
                raise RosterConflict(because("org_dissolved_already"), [org_id])
            blocking = [m.id for m in roster.members_of(org_id)] + [
                c for c in roster.children(org_id) if roster.organizations[c].active
            ]
            if blocking:
                raise RosterConflict(
                    because("dissolve_nonempty"),
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
        self.core.store.apply(
            ChangeSet(
                roster=tuple(records),
                review_updates=tuple(updates),
                outbox=self.core.queue(StepTaken(review, entry) for review, entry in updates),
            )
        )
        self.core.emit(StepTaken(review, entry) for review, entry in updates)
        return tuple(review for review, _ in updates)

    def _unplanned(self, after: Roster, reviews: Iterable[Review]) -> list[Review]:
        """The ``reviews`` the plans of their periods over the roster ``after`` a change no
        longer have: same reviewer, subject, period and organization."""
        keep: dict[Period, set[tuple[object, ...]]] = {}
        doomed: list[Review] = []
        for review in unique_reviews(reviews):
            slots = keep.get(review.period)
            if slots is None:
                plan = self.plans.plan(after, self.core.policy, review.period, None)
                slots = keep[review.period] = {
                    (s.reviewer_id, s.kind, s.subject_id, s.period, s.org_id) for s in plan.slots
                }
            wanted = (review.reviewer_id, review.kind, review.subject_id, review.period)
            if (*wanted, review.org_id) not in slots:
                doomed.append(review)
        return doomed

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


def _as_they_stand(current: Roster, records: Sequence[RosterRecord]) -> tuple[RosterRecord, ...]:
    """The records with what only an operation changes kept as ``current`` has it."""
    return tuple(_as_it_stands(current, record) for record in records)


def _as_it_stands(current: Roster, record: RosterRecord) -> RosterRecord:
    if isinstance(record, Member) and (old := current.member(record.id)) is not None:
        return attrs.evolve(
            record,
            org_id=old.org_id,
            left_on=old.left_on,
            left_reason=old.left_reason,
            former_orgs=old.former_orgs,
            roles=old.roles,
        )
    if isinstance(record, Organization) and (old_org := current.organization(record.id)):
        return attrs.evolve(
            record,
            head_id=old_org.head_id,
            head_since=old_org.head_since,
            former_heads=old_org.former_heads,
            dissolved_on=old_org.dissolved_on,
        )
    if isinstance(record, LiaisonAssignment) and (old_link := current.liaisons.get(record.key)):
        return attrs.evolve(record, until=old_link.until)
    return record


def _refuse_head(org: Organization, new: Member, on: date) -> None:
    """Refuses a change of head that the roster cannot take."""
    if not org.active:
        raise RosterConflict(because("org_dissolved"), [org.id])
    if not new.active:
        raise RosterConflict(because("head_left", name=new.name), [new.id])
    if new.org_id != org.id:
        raise RosterConflict(
            because("head_elsewhere", name=new.name, member_org=new.org_id, org=org.id),
            [new.id, org.id],
        )
    if org.head_id == new.id:
        raise RosterConflict(
            because("head_already", name=new.name, org_name=org.name), [new.id, org.id]
        )
    if org.head_since is not None and on <= org.head_since:
        raise InvalidInput(
            "on",
            on,
            because("head_since", since=org.head_since),
        )
    last = max((t.until for t in org.former_heads), default=None)
    if last is not None and on < last:
        raise InvalidInput("on", on, because("term_ended", ended=last))


def _head_records(roster: Roster, org: Organization, new: Member, on: date) -> list[RosterRecord]:
    """The roster records of ``new`` taking office as head of ``org`` on ``on``: the former
    head's term recorded and their secretary role gone, the new head's role given."""
    former = roster.member(org.head_id) if org.head_id else None
    terms = org.former_heads
    if former is not None:
        terms = (*terms, HeadTerm(former.id, org.head_since, on))
    records: list[RosterRecord] = [
        attrs.evolve(org, head_id=new.id, head_since=on, former_heads=tuple(terms))
    ]
    if former is not None and Role.SECRETARY in former.roles:
        records.append(attrs.evolve(former, roles=former.roles - {Role.SECRETARY}))
    records.append(attrs.evolve(new, roles=new.roles | {Role.SECRETARY}))
    return records


def _member(roster: Roster, member_id: str) -> Member:
    member = roster.member(member_id)
    if member is None:
        raise NotFound("member", member_id)
    return member
