"""R-INPUT: the limits of ids and texts, the same on every store; control characters and half
surrogate pairs refused at input; every refusal, whatever the argument, an InvalidInput that the
attempt log keeps, the value cut (issue #14, seen 5)."""

from __future__ import annotations

from datetime import date

import pytest

import reviewflow as rf
from reviewflow.demo import OFFICE
from reviewflow.domain.limits import ID_MAX, LOGGED_MAX, NAME_MAX, TEXT_MAX
from steps import find, to_rectifying

TODAY = date(2023, 12, 28)


@pytest.fixture
def service(any_service: rf.ReviewService) -> rf.ReviewService:
    """The scenario on each store, November 2023 scheduled."""
    any_service.schedule(OFFICE, "2023-11")
    return any_service


def last_attempt(service: rf.ReviewService) -> rf.Attempt:
    return service.attempts(OFFICE)[-1]


def test_r_input_an_actor_or_an_id_that_is_no_id_is_refused_and_logged(
    service: rf.ReviewService,
) -> None:
    """None, a number, 200 characters as the actor; 5,000 characters as a review id: each an
    InvalidInput naming the argument, and each in the attempt log, cut to fit every store."""
    rid = find(service, "zhou", "wu", "2023-11").id
    for actor in (None, 42, "z" * 200, "zhou\x00"):
        logged = len(service.attempts(OFFICE))
        with pytest.raises(rf.InvalidInput) as caught:
            service.start(actor, rid)  # type: ignore[arg-type]
        assert caught.value.field == "actor"
        assert len(service.attempts(OFFICE)) == logged + 1
        attempt = last_attempt(service)
        assert attempt.action == "start"
        assert len(attempt.actor_id) <= ID_MAX
    with pytest.raises(rf.InvalidInput) as caught:
        service.review(OFFICE, "r" * 5_000)
    assert caught.value.field == "review_id"
    attempt = last_attempt(service)
    assert attempt.review_id is not None
    assert len(attempt.review_id) <= ID_MAX
    assert len(attempt.message) <= 2_100
    assert service.review(OFFICE, rid).version == 1


def test_r_input_control_characters_and_half_surrogates_are_refused_naming_the_field(
    service: rf.ReviewService,
) -> None:
    """Word's Shift+Enter (U+000B) in a ledger measure, a NUL in a comment, a lone surrogate in
    a report: refused where they enter, nothing written; line feeds and tabs are kept."""
    review = to_rectifying(service, find(service, "zhou", "wu", "2023-11"), problem="学习不够")
    item = {"requirement_id": review.requirements[0].id, "owner": "吴红", "due": date(2024, 1, 5)}
    for measure, says in (("每周学习\v整理笔记", "U+000B"), ("\ud800学习", "surrogate")):
        with pytest.raises(rf.InvalidInput) as caught:
            service.plan_item("wu", review.id, measure=measure, **item)
        assert caught.value.field == "measure"
        assert says in caught.value.reason
    assert service.review(OFFICE, review.id) == review
    kept = service.plan_item("wu", review.id, measure="每周学习\n\t整理笔记", **item)
    assert service.review(OFFICE, review.id).ledger[0].measure == "每周学习\n\t整理笔记"
    assert kept.ledger[0].measure == "每周学习\n\t整理笔记"


def test_r_input_texts_have_one_limit_on_every_store(service: rf.ReviewService) -> None:
    """A report of TEXT_MAX characters is kept whole on every store; one more is refused."""
    other = find(service, "zhou", "sun", "2023-11")
    service.start("zhou", other.id)
    with pytest.raises(rf.InvalidInput) as caught:
        service.report("sun", other.id, summary="汇" * (TEXT_MAX + 1))
    assert caught.value.field == "summary"
    message = last_attempt(service).message
    assert len(message) <= 2_100
    assert f"at most {TEXT_MAX:,}" in message
    kept = service.report("sun", other.id, summary="汇" * TEXT_MAX)
    assert service.review(OFFICE, other.id).reports[0].summary == kept.reports[0].summary
    assert len(kept.reports[0].summary) == TEXT_MAX


def test_r_input_roster_ids_and_names_have_one_limit_on_every_store(
    service: rf.ReviewService,
) -> None:
    """A member id of ID_MAX characters imports on every store and one of ID_MAX + 1 on none,
    refused before the store with the field named (no driver's error)."""
    longest = "m" * ID_MAX
    service.import_roster(OFFICE, members=[rf.Member(longest, "新党员", "internal")])
    assert service.roster().member(longest) is not None
    for member, field in (
        (rf.Member("m" * (ID_MAX + 1), "新党员", "internal"), "member.id"),
        (rf.Member("new", "名" * (NAME_MAX + 1), "internal"), "member.name"),
        (rf.Member("new", "新\x0b党员", "internal"), "member.name"),
    ):
        with pytest.raises(rf.InvalidInput) as caught:
            service.import_roster(OFFICE, members=[member])
        assert caught.value.field == field
        assert service.roster().member("new") is None


def test_r_input_a_huge_bad_value_is_logged_cut(service: rf.ReviewService) -> None:
    """A 1 MB period is refused and logged in a few hundred bytes, not megabytes."""
    with pytest.raises(rf.InvalidPeriod):
        service.schedule(OFFICE, "２" * 1_000_000)
    attempt = last_attempt(service)
    assert len(attempt.message) <= 2_100
    assert all(len(str(v)) <= LOGGED_MAX + 20 for v in attempt.details.values())


def test_r_input_a_bulk_call_refuses_each_id_that_is_no_id(service: rf.ReviewService) -> None:
    """take_many with ids that are no ids: one refusal each, logged; the good ones taken."""
    good = find(service, "zhou", "wu", "2023-11").id
    results = service.take_many("zhou", "start", [good, None, "x" * 300])  # type: ignore[list-item]
    assert [r.ok for r in results] == [True, False, False]
    assert all(isinstance(r.error, rf.InvalidInput) for r in results[1:])
    assert len(service.attempts(OFFICE)) == 2
    with pytest.raises(rf.InvalidInput):
        service.take_many("zhou", "start", good)
