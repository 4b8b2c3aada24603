"""The office's work: supervision, exemplars and the yearly summary (R-SUPERVISE, R-EXEMPLAR,
R-SUMMARY)."""

from __future__ import annotations

from datetime import date

import pytest

import reviewflow as rf
from steps import find, to_closed


def issue(
    service: rf.ReviewService, office: str, deadline: date = date(2024, 1, 15)
) -> rf.SupervisionOrder:
    return service.issue_order(
        office,
        kind="organization",
        subject_id="cdc",
        criticism="活动开展不认真，措施不力",
        requirement="限期制定并落实整改方案",
        deadline=deadline,
    )


def test_r_supervise_order_is_tracked_to_verified_completion(
    service: rf.ReviewService, office: str
) -> None:
    """R-SUPERVISE: criticism and an order with a deadline, reported done, verified."""
    order = issue(service, office)
    assert (order.status, order.org_id, order.issued_by) == (rf.OrderStatus.ISSUED, "cdc", office)
    reported = service.report_order("he", order.id, report="已制定整改方案并落实")
    assert reported.status is rf.OrderStatus.REPORTED
    verified = service.verify_order(office, order.id, accepted=True)
    assert (verified.status, verified.verified_by, verified.version) == (
        rf.OrderStatus.VERIFIED,
        office,
        3,
    )


def test_r_supervise_a_report_can_be_sent_back(service: rf.ReviewService, office: str) -> None:
    """R-SUPERVISE: the office may refuse the report; the order is open again."""
    order = issue(service, office)
    service.report_order("he", order.id, report="已整改")
    back = service.verify_order(office, order.id, accepted=False, remark="未见实效")
    assert back.status is rf.OrderStatus.ISSUED
    assert "未见实效" in back.report


def test_r_supervise_overdue_orders_are_listed(service: rf.ReviewService, office: str) -> None:
    """R-SUPERVISE: orders past their deadline and not verified are listed as overdue."""
    late = issue(service, office, deadline=date(2023, 12, 1))
    issue(service, office, deadline=date(2024, 1, 31))
    assert service.orders(office, overdue_on=date(2023, 12, 28)) == (late,)
    assert service.orders("he", overdue_on=date(2023, 12, 28)) == (late,)  # the CDC's head
    assert service.orders("wu") == ()


def test_r_supervise_only_the_office_orders_and_only_the_subject_reports(
    service: rf.ReviewService, office: str
) -> None:
    """R-SUPERVISE, R-SCOPE-4: the office supervises; the subject reports; nobody else."""
    with pytest.raises(rf.OutOfScope):
        service.issue_order(
            "li", kind="organization", subject_id="cdc", criticism="c", requirement="r",
            deadline=date(2024, 1, 1),
        )  # fmt: skip
    order = issue(service, office)
    with pytest.raises(rf.OutOfScope):
        service.report_order("zhou", order.id, report="代报")
    with pytest.raises(rf.OutOfScope):
        service.verify_order("he", order.id, accepted=True)
    assert service.orders(office) == (order,)


def test_r_supervise_deadline_may_be_working_days(service: rf.ReviewService, office: str) -> None:
    """R-SUPERVISE, R-DEADLINE: an order's deadline may be stated in working days."""
    order = service.issue_order(
        office, kind="member", subject_id="lv", criticism="c", requirement="r",
        deadline="3 working days",
    )  # fmt: skip
    assert order.deadline == date(2024, 1, 3)  # from Thu 12-28: 12-29, (New Year off) 01-02, 01-03
    assert order.org_id == "cdc"


def test_r_exemplar_recorded_from_a_review_and_listed(
    service: rf.ReviewService, office: str
) -> None:
    """R-EXEMPLAR: who, deeds and source review; listed for publicity."""
    service.schedule(office, "2023-Q4")
    review = to_closed(service, find(service, "li", "hospital", "2023-Q4"))
    exemplar = service.record_exemplar(
        "li",
        kind="organization",
        subject_id="hospital",
        deeds="流程再造",
        source_review_id=review.id,
    )
    assert (exemplar.recorded_by, exemplar.source_review_id) == ("li", review.id)
    assert service.exemplars(office, root_id="hospital") == (exemplar,)
    assert service.exemplars(office, root_id="cdc") == ()


def test_r_exemplar_only_office_or_the_reviewer(service: rf.ReviewService, office: str) -> None:
    """R-EXEMPLAR, R-SCOPE-4: someone else's review is not theirs to cite."""
    service.schedule(office, "2023-Q4")
    review = find(service, "li", "hospital", "2023-Q4")
    with pytest.raises(rf.OutOfScope):
        service.record_exemplar(
            "zhao", kind="organization", subject_id="hospital", deeds="d",
            source_review_id=review.id,
        )  # fmt: skip
    with pytest.raises(rf.InvalidInput):
        service.record_exemplar(
            "li", kind="organization", subject_id="cdc", deeds="d", source_review_id=review.id
        )
    assert service.exemplars(office) == ()


def test_r_summary_gathers_the_year(service: rf.ReviewService, office: str) -> None:
    """R-SUMMARY: reviews by kind and method, coverage, items, orders and exemplars."""
    service.schedule(office, "2023-Q4")
    to_closed(service, find(service, "li", "hospital", "2023-Q4"), problem="进度滞后")
    to_closed(service, find(service, "zhou", "wu", "2023-11"))
    service.record_exemplar(office, kind="member", subject_id="wu", deeds="抢救危重病人")
    order = service.issue_order(
        office, kind="member", subject_id="sun", criticism="c", requirement="r",
        deadline=date(2023, 12, 1),
    )  # fmt: skip
    summary = service.summary(office, "hospital", 2023)
    assert summary.org_name == "区人民医院党总支"
    assert summary.reviews_by_kind[rf.ReviewKind.ORGANIZATION] == 1
    assert summary.reviews_by_kind[rf.ReviewKind.MEMBER] == 1
    assert summary.reviews_by_method[rf.Method.ON_SITE] == 2
    assert (summary.requirements_raised, summary.items_done, summary.items_overdue) == (1, 1, 0)
    assert (summary.orders_issued, summary.orders_overdue) == (1, 1)
    assert [e.subject_id for e in summary.exemplars] == ["wu"]
    assert summary.coverage.reviewed == 2
    assert order.org_id == "internal"


def test_r_summary_is_for_the_office_or_the_head(service: rf.ReviewService, office: str) -> None:
    """R-SUMMARY, R-SCOPE-4: a member cannot read the organization's summary."""
    with pytest.raises(rf.OutOfScope):
        service.summary("wu", "hospital", 2023)
    assert service.summary("liu", "hospital", 2023).org_id == "hospital"
    with pytest.raises(rf.InvalidInput):
        service.summary(office, "hospital", "2023-Q4")


def test_r_summary_counts_only_that_years_orders_and_exemplars(
    service: rf.ReviewService, office: str
) -> None:
    """R-SUMMARY: an order or exemplar of 2023 is not in the 2022 or 2024 summary."""
    issue(service, office, deadline=date(2023, 12, 20))
    service.record_exemplar(office, kind="member", subject_id="wu", deeds="抢救病人")
    assert service.summary(office, "bureau", 2023).orders_issued == 1
    for year in (2022, 2024):
        summary = service.summary(office, "bureau", year)
        assert (summary.orders_issued, summary.orders_overdue, summary.exemplars) == (0, 0, ())
