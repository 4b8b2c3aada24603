"""A cancelled review's slot opened again (R-REOPEN), and a slot that should never have existed
ended as not applicable (R-NA), on every store (issue #14, seen 1 and 6)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import reviewflow as rf
from reviewflow.demo import OFFICE
from reviewflow.domain.office import build_coverage
from steps import find, to_closed, to_reviewing

NOVEMBER = "2023-11"


def unchanged(service: rf.ReviewService, call: Callable[[], Any], kind: type[Exception]) -> Any:
    """``call()`` is refused with ``kind``, writes no review nor history entry, and is logged
    once in the attempt log (R-AUDIT)."""
    before = {r.id: (r, service.history(OFFICE, r.id)) for r in service.reviews(OFFICE)}
    logged = len(service.attempts(OFFICE))
    with pytest.raises(kind) as caught:
        call()
    after = {r.id: (r, service.history(OFFICE, r.id)) for r in service.reviews(OFFICE)}
    assert after == before
    assert len(service.attempts(OFFICE)) == logged + 1
    return caught.value


def cancelled_lv(service: rf.ReviewService) -> rf.Review:
    """何军's November review of 吕强 (the CDC's branch), cancelled by the office."""
    service.schedule(OFFICE, NOVEMBER)
    review = find(service, "he", "lv", NOVEMBER)
    return service.cancel(OFFICE, review.id, reason="误撤销前的安排")


def assert_replays(service: rf.ReviewService) -> None:
    """Every review is what its history replays to, and the chain is untouched."""
    assert service.verify(OFFICE) == ()
    for review in service.reviews(OFFICE):
        assert rf.replay(service.history(OFFICE, review.id)) == review


# -- R-REOPEN ---------------------------------------------------------------------------------


def test_r_reopen_a_cancelled_review_is_reviewed_again_to_full_coverage(
    any_service: rf.ReviewService,
) -> None:
    """Issue #14, seen 1: after a cancel the slot was a gap for good. Opened again, the new
    review is taken to closed, and coverage reaches 100 % with no gap."""
    service = any_service
    old = cancelled_lv(service)
    gap = service.coverage(OFFICE, NOVEMBER, root_id="cdc")
    assert [(g.subject_id, g.reason) for g in gap.gaps] == [("lv", rf.GapReason.CANCELLED)]
    assert (gap.expected, gap.missing) == (2, 1)

    new = service.reopen(OFFICE, old.id, reason="撤销有误，重新点评")
    opened = service.coverage(OFFICE, NOVEMBER, root_id="cdc")
    assert (opened.gaps, opened.missing, opened.in_progress) == ((), 0, 2)

    to_closed(service, new, problem="学习不够深入")
    to_closed(service, find(service, "he", "shi", NOVEMBER))
    done = service.coverage(OFFICE, NOVEMBER, root_id="cdc")
    assert (done.expected, done.reviewed, done.closed, done.missing) == (2, 2, 2, 0)
    assert done.gaps == ()
    assert done.rate == 1.0
    assert [(r.reviewer_id, r.expected, r.closed) for r in done.reviewers] == [("he", 2, 2)]
    whole = service.coverage(OFFICE, NOVEMBER)
    assert "lv" not in {g.subject_id for g in whole.gaps}
    assert whole.expected == 10
    assert_replays(service)


def test_r_reopen_links_the_new_review_to_the_cancelled_one(
    any_service: rf.ReviewService,
) -> None:
    """R-REOPEN: the new review holds the same slot one round later, names the cancelled one,
    and its history begins with ``reopen`` by the office with the reason; the cancelled review
    stays as it was."""
    service = any_service
    old = cancelled_lv(service)
    heard: list[object] = []
    service.subscribe(heard.append)
    new = service.reopen(OFFICE, old.id, reason="撤销有误，重新点评")

    assert new.id != old.id
    assert (new.kind, new.reviewer_id, new.subject_id, new.period) == (
        old.kind, old.reviewer_id, old.subject_id, old.period,
    )  # fmt: skip
    assert (new.basis, new.org_id, new.planned_method) == (
        old.basis,
        old.org_id,
        old.planned_method,
    )
    assert (new.round, new.reopens, new.state, new.version) == (
        2, old.id, rf.ReviewState.SCHEDULED, 1,
    )  # fmt: skip
    (entry,) = service.history(OFFICE, new.id)
    assert (entry.action, entry.actor_id, entry.reason) == ("reopen", OFFICE, "撤销有误，重新点评")
    assert (entry.from_state, entry.to_state) == (None, rf.ReviewState.SCHEDULED)
    assert service.review(OFFICE, old.id) == old
    assert old.round == 1
    assert old.reopens is None
    # Read back from the store as it keeps it, and the reviewer sees it in their work.
    stored = service.store.reviews(rf.ReviewQuery(ids=frozenset({new.id})))
    assert list(stored) == [new]
    assert new.id in {item.review.id for item in service.work_list("he")}
    assert [type(e).__name__ for e in heard] == ["ReviewsScheduled"]
    assert_replays(service)


def test_r_reopen_coverage_from_the_reviews_counts_the_live_round_in_any_order(
    service: rf.ReviewService,
) -> None:
    """R-REOPEN, R-COVER: coverage worked out review by review (a plan with a slot twice is
    counted so) takes the slot's live round, whichever of the two reviews comes first."""
    old = cancelled_lv(service)
    service.reopen(OFFICE, old.id, reason="撤销有误")
    roster, period = service.roster(), rf.Period.parse(NOVEMBER)
    plan = rf.plan_period(roster, service.policy, period)
    reviews = list(service.reviews(OFFICE, within=NOVEMBER))
    expected = service.coverage(OFFICE, NOVEMBER)
    assert (expected.missing, expected.in_progress) == (0, 10)
    for ordered in (reviews, reviews[::-1]):
        assert build_coverage(roster, plan, ordered, period, None) == expected


def test_r_reopen_refused_for_a_review_that_is_not_cancelled(
    any_service: rf.ReviewService,
) -> None:
    """R-REOPEN: only a cancelled review's slot is opened again; a live, a waived or a
    not-applicable review is refused naming its state, and nothing is written."""
    service = any_service
    service.schedule(OFFICE, NOVEMBER)
    live = find(service, "he", "lv", NOVEMBER)
    error = unchanged(
        service, lambda: service.reopen(OFFICE, live.id, reason="重新点评"), rf.StepRefused
    )
    assert isinstance(error, rf.TransitionNotAllowed)
    assert (error.state, error.trigger) == ("scheduled", "reopen")
    assert [s.trigger for s in error.next_steps] == ["start"]
    waived = service.waive(OFFICE, find(service, "he", "shi", NOVEMBER).id, reason="病假")
    error = unchanged(
        service, lambda: service.reopen(OFFICE, waived.id, reason="重新点评"), rf.StepRefused
    )
    assert error.state == "waived"
    assert error.next_steps == ()
    assert "waived" in str(error)


def test_r_reopen_refused_for_anyone_but_the_office(any_service: rf.ReviewService) -> None:
    """R-REOPEN, R-SCOPE-4: the reviewer, the subject and the head are refused; nothing is
    written."""
    service = any_service
    old = cancelled_lv(service)
    for actor in ("he", "lv", "zhou"):
        unchanged(
            service, lambda a=actor: service.reopen(a, old.id, reason="重新点评"), rf.OutOfScope
        )


@pytest.mark.parametrize("reason", ["", "  \n"])
def test_r_reopen_refused_without_a_reason(any_service: rf.ReviewService, reason: str) -> None:
    """R-REOPEN: the office says why; an empty reason is refused and nothing is written."""
    service = any_service
    old = cancelled_lv(service)
    error = unchanged(
        service, lambda: service.reopen(OFFICE, old.id, reason=reason), rf.InvalidInput
    )
    assert error.field == "reason"


def test_r_reopen_the_slot_is_opened_once_and_scheduling_adds_nothing(
    any_service: rf.ReviewService,
) -> None:
    """R-REOPEN, R-CAD-4: the cancelled review is opened again once; scheduling the period
    again creates nothing, before the reopen and after it."""
    service = any_service
    old = cancelled_lv(service)
    assert service.schedule(OFFICE, NOVEMBER).created == ()
    new = service.reopen(OFFICE, old.id, reason="撤销有误")
    error = unchanged(
        service, lambda: service.reopen(OFFICE, old.id, reason="再开一次"), rf.GuardFailed
    )
    assert (error.guard, error.trigger) == ("slot_free", "reopen")
    assert new.id in str(error)
    assert service.schedule(OFFICE, NOVEMBER).created == ()
    of_lv = [r for r in service.reviews(OFFICE, within=NOVEMBER) if r.subject_id == "lv"]
    assert sorted((r.round, r.state) for r in of_lv) == [
        (1, rf.ReviewState.CANCELLED),
        (2, rf.ReviewState.SCHEDULED),
    ]


def test_r_reopen_a_reopened_review_cancelled_again_is_a_gap_until_opened_a_third_time(
    any_service: rf.ReviewService,
) -> None:
    """R-REOPEN: the second round cancelled is the slot's gap again; the first round is no
    longer the one to open (the refusal names the last), the second opens round 3."""
    service = any_service
    first = cancelled_lv(service)
    second = service.reopen(OFFICE, first.id, reason="重新点评")
    service.cancel(OFFICE, second.id, reason="又撤销")
    report = service.coverage(OFFICE, NOVEMBER, root_id="cdc")
    assert [(g.subject_id, g.reason) for g in report.gaps] == [("lv", rf.GapReason.CANCELLED)]
    error = unchanged(
        service, lambda: service.reopen(OFFICE, first.id, reason="重新点评"), rf.GuardFailed
    )
    assert second.id in str(error)
    third = service.reopen(OFFICE, second.id, reason="第三次")
    assert (third.round, third.reopens) == (3, second.id)
    assert service.coverage(OFFICE, NOVEMBER, root_id="cdc").gaps == ()
    assert_replays(service)


# -- R-NA -------------------------------------------------------------------------------------


def test_r_na_an_open_review_ends_as_not_applicable(any_service: rf.ReviewService) -> None:
    """R-NA: the office ends an open review as not applicable (不适用) with a reason: a final
    state, counted neither as covered nor as a gap; the rate leaves it out."""
    service = any_service
    service.schedule(OFFICE, NOVEMBER)
    review = to_reviewing(service, find(service, "he", "lv", NOVEMBER))
    before = service.coverage(OFFICE, NOVEMBER, root_id="cdc")  # kept, then counted on
    assert (before.in_progress, before.not_applicable) == (2, 0)
    ended = service.mark_not_applicable(OFFICE, review.id, reason="该党员10月已调出")
    assert ended.state is rf.ReviewState.NOT_APPLICABLE
    assert ended.state.final
    assert ended.state.label("zh") == "不适用"
    assert ended.end_reason == "该党员10月已调出"
    last = service.history(OFFICE, review.id)[-1]
    assert (last.action, last.from_state) == ("mark_not_applicable", rf.ReviewState.REVIEWING)

    to_closed(service, find(service, "he", "shi", NOVEMBER))
    cdc = service.coverage(OFFICE, NOVEMBER, root_id="cdc")
    assert (cdc.expected, cdc.reviewed, cdc.not_applicable, cdc.waived, cdc.missing) == (
        2, 1, 1, 0, 0,
    )  # fmt: skip
    assert cdc.gaps == ()
    assert cdc.rate == 1.0
    (he,) = cdc.reviewers
    assert (he.expected, he.reviewed, he.not_applicable, he.rate) == (2, 1, 1, 1.0)
    whole = service.coverage(OFFICE, NOVEMBER)
    assert whole.not_applicable == 1
    assert whole.rate == whole.reviewed / (whole.expected - whole.waived - 1)
    summary = service.summary(OFFICE, "bureau", 2023)
    assert summary.not_applicable == 1
    assert summary.coverage.not_applicable == 1
    assert summary.reviews_by_kind[rf.ReviewKind.MEMBER] == 1
    unchanged(
        service, lambda: service.start("he", review.id), rf.TransitionNotAllowed
    )  # final: no step leaves it
    assert_replays(service)


def test_r_na_a_slot_with_no_review_yet_is_ended_and_never_scheduled(
    any_service: rf.ReviewService,
) -> None:
    """R-NA: a planned slot with no review yet is ended as not applicable: a review made
    already ended, which scheduling then leaves alone; coverage shows it as not applicable."""
    service = any_service
    ended = service.mark_slot_not_applicable(
        OFFICE, NOVEMBER, kind="member", subject_id="yang", reviewer_id="zhang",
        reason="该党员12月才转入",
    )  # fmt: skip
    assert (ended.state, ended.round, ended.reopens) == (rf.ReviewState.NOT_APPLICABLE, 1, None)
    assert (ended.org_id, ended.basis, ended.end_reason) == (
        "organ",
        rf.Basis.HEAD,
        "该党员12月才转入",
    )
    assert ended.planned_method is not None
    (entry,) = service.history(OFFICE, ended.id)
    assert (entry.action, entry.from_state, entry.to_state) == (
        "mark_slot_not_applicable", None, rf.ReviewState.NOT_APPLICABLE,
    )  # fmt: skip
    assert service.coverage(OFFICE, NOVEMBER, root_id="organ").not_applicable == 1
    created = service.schedule(OFFICE, NOVEMBER).created
    assert len(created) == 9
    assert "yang" not in {r.subject_id for r in created}
    assert service.schedule(OFFICE, NOVEMBER).created == ()
    organ = service.coverage(OFFICE, NOVEMBER, root_id="organ")
    assert (organ.expected, organ.not_applicable, organ.missing, organ.gaps) == (1, 1, 0, ())
    assert organ.rate == 1.0
    assert_replays(service)


def test_r_na_a_cancelled_slot_is_ended_one_round_later(any_service: rf.ReviewService) -> None:
    """R-NA, R-REOPEN: a slot whose review was cancelled, then found never to have been due,
    is ended as not applicable one round later, linked to the cancelled review: no gap."""
    service = any_service
    old = cancelled_lv(service)
    ended = service.mark_slot_not_applicable(
        OFFICE, NOVEMBER, kind="member", subject_id="lv", reviewer_id="he", reason="误排"
    )
    assert (ended.round, ended.reopens, ended.state) == (
        2, old.id, rf.ReviewState.NOT_APPLICABLE,
    )  # fmt: skip
    cdc = service.coverage(OFFICE, NOVEMBER, root_id="cdc")
    assert (cdc.gaps, cdc.not_applicable) == ((), 1)
    error = unchanged(
        service, lambda: service.reopen(OFFICE, old.id, reason="再开"), rf.GuardFailed
    )
    assert "not_applicable" in str(error)
    assert_replays(service)


def test_r_na_refusals_write_nothing(any_service: rf.ReviewService) -> None:
    """R-NA: refused for anyone but the office, without a reason, for a slot the plan lacks,
    for a slot with a live review (the refusal names mark_not_applicable), and for a review
    that has ended; nothing is written."""
    service = any_service
    service.schedule(OFFICE, "2023-10")

    def mark(actor: str = OFFICE, reason: str = "误排", **slot: str) -> Callable[[], Any]:
        chosen = {"kind": "member", "subject_id": "yang", "reviewer_id": "zhang", **slot}
        return lambda: service.mark_slot_not_applicable(actor, NOVEMBER, reason=reason, **chosen)

    unchanged(service, mark(actor="zhang"), rf.OutOfScope)
    assert unchanged(service, mark(reason=" "), rf.InvalidInput).field == "reason"
    unchanged(service, mark(reviewer_id="he"), rf.NotFound)
    unchanged(service, mark(kind="organization"), rf.NotFound)
    assert unchanged(service, mark(kind="nobody"), rf.InvalidInput).field == "kind"
    service.schedule(OFFICE, NOVEMBER)
    live = find(service, "zhang", "yang", NOVEMBER)
    error = unchanged(service, mark(), rf.GuardFailed)
    assert [(s.trigger, s.by) for s in error.next_steps] == [("mark_not_applicable", ("office",))]
    assert live.id in str(error)
    unchanged(
        service,
        lambda: service.mark_not_applicable("zhang", live.id, reason="误排"),
        rf.OutOfScope,
    )
    unchanged(
        service, lambda: service.mark_not_applicable(OFFICE, live.id, reason=""), rf.InvalidInput
    )
    closed = to_closed(service, live)
    unchanged(
        service,
        lambda: service.mark_not_applicable(OFFICE, closed.id, reason="误排"),
        rf.TransitionNotAllowed,
    )
    error = unchanged(service, mark(), rf.GuardFailed)
    assert error.next_steps == ()


def test_r_reopen_r_na_a_copy_keeps_each_slots_rounds(
    any_service: rf.ReviewService, tmp_path: Path
) -> None:
    """R-REOPEN, R-NA: copying a store takes the cancelled review, its later round and a slot
    ended as not applicable as they are; the copy verifies and counts coverage alike."""
    service = any_service
    old = cancelled_lv(service)
    new = service.reopen(OFFICE, old.id, reason="撤销有误")
    ended = service.mark_not_applicable(
        OFFICE, find(service, "zhang", "yang", NOVEMBER).id, reason="误排"
    )
    copy = rf.open_store(f"sqlite:///{tmp_path / 'copy.db'}")
    report = rf.copy_store(service.store, copy)
    assert report.verified, report.differences
    copied = rf.ReviewService(copy, policy=service.policy, clock=service.now)
    assert copied.review(OFFICE, new.id) == new
    assert copied.review(OFFICE, ended.id) == ended
    assert copied.coverage(OFFICE, NOVEMBER) == service.coverage(OFFICE, NOVEMBER)
    assert copied.verify(OFFICE) == ()
    copy.close()
