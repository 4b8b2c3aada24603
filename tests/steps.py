"""Test helpers: find a review of the scenario and take it through its steps with the right actors.

Each helper uses only the public API and returns the review after its last step.
"""

from __future__ import annotations

from datetime import date

import reviewflow as rf
from reviewflow.demo import OFFICE

HELD = date(2023, 11, 20)


def find(service: rf.ReviewService, reviewer: str, subject: str, period: str) -> rf.Review:
    """The review of ``subject`` by ``reviewer`` for ``period`` (scheduled beforehand)."""
    found = [
        r
        for r in service.reviews(OFFICE)
        if (r.reviewer_id, r.subject_id, str(r.period)) == (reviewer, subject, period)
    ]
    assert len(found) == 1, found
    return found[0]


def actor_for(service: rf.ReviewService, review: rf.Review, party: rf.Party) -> str:
    """Someone on the roster who is ``party`` of ``review`` (office staff last)."""
    roster = service.roster()
    people = [*roster.members, *roster.office_staff]
    for person in people:
        if party in service.parties(roster, person, review):
            return person
    raise AssertionError(f"nobody is {party} of {review.id}")


def subject_actor(service: rf.ReviewService, review: rf.Review) -> str:
    """Who speaks for the subject: the member, or the organization's head."""
    return actor_for(service, review, rf.Party.SUBJECT)


def to_reviewing(service: rf.ReviewService, review: rf.Review) -> rf.Review:
    """Step 1 done: started, a situation report heard, fact finding concluded."""
    service.start(review.reviewer_id, review.id)
    service.report(
        subject_actor(service, review),
        review.id,
        summary="立足岗位，推进重点任务。",
        commitments=[rf.Commitment("c1", "开展义诊4次", rf.FulfilmentStatus.IN_PROGRESS)],
        reported_on=HELD,
    )
    return service.conclude_fact_finding(review.reviewer_id, review.id)


def review_content(
    service: rf.ReviewService, review: rf.Review, *, problem: str | None = None
) -> rf.Review:
    """Step 2's record: method, every aspect, direction; one problem with a requirement if given."""
    rid, who = review.id, review.reviewer_id
    service.record_method(who, rid, method=rf.Method.ON_SITE, held_on=HELD)
    for i, aspect in enumerate(review.aspects):
        problems = [problem] if problem and i == 0 else []
        review = service.comment(
            who, rid, aspect=aspect, achievements="成绩突出", problems=problems
        )
    review = service.set_direction(who, rid, direction="继续发挥作用")
    if problem:
        review = service.require(who, rid, text="限期整改", problem_ids=list(review.problem_ids()))
    return review


def to_publicizing(
    service: rf.ReviewService, review: rf.Review, *, problem: str | None = None
) -> rf.Review:
    """Steps 1 and 2 done."""
    review = to_reviewing(service, review)
    review_content(service, review, problem=problem)
    return service.conclude_review(review.reviewer_id, review.id)


def publicize(service: rf.ReviewService, review: rf.Review) -> rf.Review:
    """Step 3's record: the form filled in, filed, made public."""
    filler = actor_for(service, review, rf.Party.FORM_FILLER)
    service.fill_form(filler, review.id, filled_on=HELD)
    service.file(OFFICE, review.id, filing_no=f"备-{review.id}", filed_on=HELD)
    return service.publicize(
        filler, review.id, scope="本支部", medium=rf.Medium.MEETING, published_on=HELD
    )


def to_rectifying(
    service: rf.ReviewService, review: rf.Review, *, problem: str | None = None
) -> rf.Review:
    """Steps 1 to 3 done."""
    review = to_publicizing(service, review, problem=problem)
    publicize(service, review)
    return service.begin_rectification(OFFICE, review.id)


def rectify(service: rf.ReviewService, review: rf.Review) -> rf.Review:
    """Step 4's record: a done ledger item per requirement, the reply, the closeout."""
    subject = subject_actor(service, review)
    for requirement in review.requirements:
        review = service.plan_item(
            subject,
            review.id,
            requirement_id=requirement.id,
            measure="制定措施",
            owner="本人",
            due=date(2023, 12, 31),
        )
        item = review.ledger[-1]
        review = service.update_item(
            subject, review.id, item_id=item.id, status="done", done_on=date(2023, 12, 1)
        )
    if review.requirements:
        review = service.reply(subject, review.id, text="已整改完毕", replied_on=date(2023, 12, 2))
    return service.confirm_closeout(review.reviewer_id, review.id, confirmed_on=date(2023, 12, 3))


def to_closed(
    service: rf.ReviewService, review: rf.Review, *, problem: str | None = None
) -> rf.Review:
    """All four steps done."""
    review = to_rectifying(service, review, problem=problem)
    rectify(service, review)
    return service.close(review.reviewer_id, review.id)
