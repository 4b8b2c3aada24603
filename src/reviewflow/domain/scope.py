"""Who may do what (R-SCOPE-1..4): the parties a person is of a review, and the office's and
the heads' reach.

Every operation of the service asks these before it touches anything; the store never does.
"""

from __future__ import annotations

from reviewflow.domain.review import Review, ReviewRef
from reviewflow.domain.roster import Roster
from reviewflow.domain.vocabulary import Party, ReviewKind
from reviewflow.errors import NotFound, OutOfScope
from reviewflow.reasons import because

__all__ = [
    "form_filler",
    "heads",
    "may_take",
    "org_of_subject",
    "parties",
    "require_known",
    "require_office",
    "require_office_or_head",
    "speaks_for",
]


def parties(roster: Roster, actor: str, review: Review | ReviewRef) -> frozenset[Party]:
    """Which parties of ``review`` the actor is (none: out of scope, R-SCOPE-4)."""
    found: set[Party] = set()
    if actor == review.reviewer_id:
        found.add(Party.REVIEWER)
    elif speaks_for(roster, actor, review.kind, review.subject_id):
        found.add(Party.SUBJECT)
    filler = form_filler(roster, review)
    if roster.is_office(actor):
        found.add(Party.OFFICE)
        if filler is None:  # nobody left to fill the form: the office does it
            found.add(Party.FORM_FILLER)
    elif actor == filler:
        found.add(Party.FORM_FILLER)
    return frozenset(found)


def may_take(roster: Roster, actor: str, review: Review | ReviewRef, by: frozenset[Party]) -> bool:
    """Whether the actor is one of the parties ``by`` of ``review``: the reviewer is that party
    whatever else they are, so their own steps need no more of the roster."""
    if Party.REVIEWER in by and actor == review.reviewer_id:
        return True
    return bool(by & parties(roster, actor, review))


def speaks_for(roster: Roster, actor: str, kind: ReviewKind, subject_id: str) -> bool:
    """Whether ``actor`` acts as the subject: the member, or an organization's leadership team."""
    if kind is ReviewKind.MEMBER:
        return actor == subject_id
    org = roster.organization(subject_id)
    if org is None or not org.active:
        return False
    return any(m.id == actor for m in roster.leadership_team(subject_id))


def form_filler(roster: Roster, review: Review | ReviewRef) -> str | None:
    """Who fills in the review's form for the organization (R-STEP-3).

    The head of the review's organization; when that head is the subject or there is no head,
    the head of the parent organization (党支部书记的点评表由党总支书记填写). None when there is
    neither: then the office fills it in (see :func:`parties`).
    """
    org = roster.organization(review.org_id)
    if org is None:
        return None
    head = roster.head_of(org.id)
    if head is not None and not (review.kind is ReviewKind.MEMBER and head.id == review.subject_id):
        return head.id
    if org.parent_id is not None:
        parent_head = roster.head_of(org.parent_id)
        if parent_head is not None:
            return parent_head.id
    return None


def heads(roster: Roster, actor: str, org_id: str) -> bool:
    """Whether ``actor`` heads the organization or one above it."""
    for unit in (org_id, *roster.ancestors(org_id)):
        head = roster.head_of(unit)
        if head is not None and head.id == actor:
            return True
    return False


def org_of_subject(roster: Roster, kind: ReviewKind, subject_id: str) -> str:
    """The organization a subject belongs to: itself, or the member's unit."""
    if kind is ReviewKind.ORGANIZATION:
        if roster.organization(subject_id) is None:
            raise NotFound("organization", subject_id)
        return subject_id
    member = roster.member(subject_id)
    if member is None:
        raise NotFound("member", subject_id)
    return roster.unit_of(member.org_id).id


def require_known(roster: Roster, actor: str, action: str) -> None:
    """Refuse anyone who is neither on the roster nor office staff (R-SCOPE-4): a read by an
    unknown id is refused as every other operation is, not answered with nothing."""
    if not (isinstance(actor, str) and (roster.is_office(actor) or roster.member(actor))):
        raise OutOfScope(str(actor), "the roster", action, because("not_on_roster"))


def require_office(roster: Roster, actor: str, subject: str, action: str) -> None:
    """Refuse anyone but the office (R-SCOPE-4)."""
    if not roster.is_office(actor):
        raise OutOfScope(actor, subject, action, because("only_office"))


def require_office_or_head(roster: Roster, actor: str, root_id: str | None, action: str) -> None:
    """Refuse anyone but the office and, for a subtree, the heads of its root and above it."""
    if roster.is_office(actor) or (root_id is not None and heads(roster, actor, root_id)):
        return
    raise OutOfScope(
        actor,
        root_id or "the whole roster",
        action,
        because("only_office_or_head"),
    )
