"""The office's records on every store (issue #14, seen 6): the yearly summary's submission
(R-SUMMARY-SUBMIT), inspections behind supervision orders (R-SUPERVISE) and exemplars'
publicity (R-EXEMPLAR)."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest

import reviewflow as rf
from reviewflow.demo import scenario_service
from reviewflow.scenario import OFFICE

# The scenario's Party organizations (the nursing group is a 党小组, R-SUBJ) and their heads.
HEADS = {
    "bureau": "wang",
    "hospital": "liu",
    "internal": "zhou",
    "surgery": "qian",
    "cdc": "he",
    "organ": "zhang",
}


def logged(service: rf.ReviewService, action: str) -> list[str]:
    """The errors of the attempt log's entries for ``action``."""
    return [a.error for a in service.store.attempts() if a.action == action]


# -- R-SUMMARY-SUBMIT ---------------------------------------------------------------------------


def test_r_summary_submit_the_office_lists_who_has_not_submitted(
    any_service: rf.ReviewService,
) -> None:
    """R-SUMMARY-SUBMIT: the head submits (who, when, the reference); the office's list names
    every Party organization, submitted or not, with the 12-30 deadline."""
    sent = any_service.submit_summary("he", "cdc", 2023, reference="疾控党支〔2023〕5号")
    assert (sent.org_id, sent.year, sent.submitted_by, sent.recorded_by) == (
        "cdc",
        2023,
        "he",
        "he",
    )
    assert (sent.submitted_on, sent.reference) == (date(2023, 12, 28), "疾控党支〔2023〕5号")
    listed = any_service.summary_submissions(OFFICE, 2023)
    assert {s.org_id: s.head_id for s in listed} == HEADS
    assert {s.org_id for s in listed if not s.submitted} == set(HEADS) - {"cdc"}
    (cdc,) = (s for s in listed if s.org_id == "cdc")
    assert (cdc.submission, cdc.due, cdc.on_time) == (sent, date(2023, 12, 30), True)


def test_r_summary_submit_by_the_office_on_the_organizations_behalf(
    any_service: rf.ReviewService,
) -> None:
    """R-SUMMARY-SUBMIT: the office records a summary it received, with the day it came in;
    one that came after the deadline is listed as submitted, not on time."""
    sent = any_service.submit_summary(
        OFFICE, "organ", 2022, reference="机关党支〔2023〕1号", submitted_on=date(2023, 1, 4)
    )
    assert (sent.submitted_by, sent.recorded_by, sent.recorded_on) == (
        "zhang", OFFICE, date(2023, 12, 28)
    )  # fmt: skip
    (organ,) = (s for s in any_service.summary_submissions(OFFICE, 2022) if s.org_id == "organ")
    assert (organ.submitted, organ.on_time, organ.due) == (True, False, date(2022, 12, 30))
    assert not any(s.submitted for s in any_service.summary_submissions(OFFICE, 2023))


def test_r_summary_submit_only_the_head_or_the_office(any_service: rf.ReviewService) -> None:
    """R-SUMMARY-SUBMIT, R-SCOPE-4: a member, or the head of the organization above, does not
    submit for the organization; refused, logged, nothing written."""
    for actor in ("zhou-not-on-roster", "wu", "liu"):
        with pytest.raises(rf.OutOfScope):
            any_service.submit_summary(actor, "internal", 2023, reference="内科〔2023〕1号")
    assert any_service.store.office_records().submissions == ()
    assert logged(any_service, "submit_summary") == ["OutOfScope"] * 3


def test_r_summary_submit_once_per_organization_and_year(any_service: rf.ReviewService) -> None:
    """R-SUMMARY-SUBMIT: a second submission of the same year is refused and names the first;
    another year's is accepted."""
    first = any_service.submit_summary("zhou", "internal", 2023, reference="A")
    with pytest.raises(rf.InvalidInput, match="submitted already") as caught:
        any_service.submit_summary(OFFICE, "internal", 2023, reference="B")
    assert caught.value.field == "year"
    assert any_service.store.office_records().submissions == (first,)
    assert logged(any_service, "submit_summary") == ["InvalidInput"]
    other = any_service.submit_summary(OFFICE, "internal", 2022, reference="C")
    assert set(any_service.store.office_records().submissions) == {first, other}


@pytest.mark.parametrize(
    ("org_id", "year", "changes", "field"),
    [
        ("cdc", 2024, {}, "year"),  # a year not yet begun (today is 2023-12-28)
        ("cdc", "2023", {}, "year"),
        ("cdc", 2023, {"reference": "  "}, "reference"),
        ("cdc", 2023, {"reference": "第\x0b1号"}, "reference"),
        ("cdc", 2023, {"submitted_on": date(2023, 12, 29)}, "submitted_on"),
        ("cdc", 2023, {"submitted_on": date(2022, 12, 30)}, "submitted_on"),
        ("nursing-group", 2023, {}, "org_id"),
    ],
)
def test_r_summary_submit_refuses_bad_input(
    any_service: rf.ReviewService, org_id: str, year: object, changes: dict[str, object], field: str
) -> None:
    """R-SUMMARY-SUBMIT, R-INPUT: a year to come, a blank or control-character reference, a day
    in the future or before the year, a Party group: refused by field, nothing written."""
    arguments: dict[str, object] = {"reference": "卫党〔2023〕9号", **changes}
    with pytest.raises(rf.InvalidInput) as caught:
        any_service.submit_summary(OFFICE, org_id, year, **arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert any_service.store.office_records().submissions == ()
    assert logged(any_service, "submit_summary") == ["InvalidInput"]


def test_r_summary_submit_unknown_organization(any_service: rf.ReviewService) -> None:
    with pytest.raises(rf.NotFound):
        any_service.submit_summary(OFFICE, "nowhere", 2023, reference="X")
    assert logged(any_service, "submit_summary") == ["NotFound"]


def test_r_summary_submit_a_head_lists_the_organizations_it_heads(
    any_service: rf.ReviewService,
) -> None:
    """R-SUMMARY-SUBMIT, R-SCOPE-4: a head sees its organization and those below it; a member
    who heads nothing is refused."""
    any_service.submit_summary("qian", "surgery", 2023, reference="外科〔2023〕2号")
    mine = any_service.summary_submissions("liu", 2023)
    assert [(s.org_id, s.submitted) for s in mine] == [
        ("hospital", False), ("internal", False), ("surgery", True)
    ]  # fmt: skip
    assert [s.org_id for s in any_service.summary_submissions("he", 2023)] == ["cdc"]
    with pytest.raises(rf.OutOfScope):
        any_service.summary_submissions("wu", 2023)
    assert logged(any_service, "summary_submissions") == ["OutOfScope"]


def _summary_reminders(
    service: rf.ReviewService, actor: str, as_of: date
) -> dict[str | None, tuple[date, bool, str | None]]:
    return {
        d.org_id: (d.due, d.overdue, d.owner_id)
        for d in service.check_deadlines(actor, as_of)
        if d.kind is rf.DueKind.SUMMARY
    }


def test_r_summary_submit_deadline_is_among_the_reminders(any_service: rf.ReviewService) -> None:
    """R-SUMMARY-SUBMIT: within the policy's reminder days of 12-30 every organization that has
    not submitted is reminded, its head owning the reminder; a submission ends it; after the
    deadline it is overdue into the next year; well before it, nothing."""
    any_service.submit_summary("he", "cdc", 2023, reference="疾控党支〔2023〕5号")
    due = date(2023, 12, 30)
    assert _summary_reminders(any_service, OFFICE, date(2023, 12, 28)) == {
        org_id: (due, False, head) for org_id, head in HEADS.items() if org_id != "cdc"
    }
    assert _summary_reminders(any_service, "zhou", date(2023, 12, 28)) == {
        "internal": (due, False, "zhou")
    }
    assert _summary_reminders(any_service, "he", date(2023, 12, 28)) == {}
    assert _summary_reminders(any_service, OFFICE, date(2023, 12, 20)) == {}
    late = _summary_reminders(any_service, OFFICE, date(2024, 1, 10))
    assert late["organ"] == (due, True, "zhang")
    assert "cdc" not in late


def test_r_summary_submit_deadline_comes_from_the_policy(any_service: rf.ReviewService) -> None:
    """R-SUMMARY-SUBMIT: a policy with its own summary deadline moves the list's and the
    reminders' due date."""
    policy = attrs.evolve(rf.Policy.default(), summary_deadline=rf.Deadline.day_of_year(12, 15))
    service = rf.ReviewService(any_service.store, policy=policy, clock=any_service.now)
    assert {s.due for s in service.summary_submissions(OFFICE, 2023)} == {date(2023, 12, 15)}
    reminders = _summary_reminders(service, OFFICE, date(2023, 12, 13))
    assert set(reminders) == set(HEADS)
    assert _summary_reminders(any_service, OFFICE, date(2023, 12, 13)) == {}


def test_r_summary_submit_the_summary_shows_the_submission(any_service: rf.ReviewService) -> None:
    """R-SUMMARY-SUBMIT, R-SUMMARY: the yearly summary says whether and when it was submitted."""
    assert any_service.summary(OFFICE, "cdc", 2023).submission is None
    sent = any_service.submit_summary("he", "cdc", 2023, reference="疾控党支〔2023〕5号")
    assert any_service.summary(OFFICE, "cdc", 2023).submission == sent
    assert any_service.summary(OFFICE, "bureau", 2023).submission is None


# -- R-SUPERVISE: inspections --------------------------------------------------------------------


def inspect(service: rf.ReviewService, org_id: str = "hospital") -> rf.Inspection:
    return service.record_inspection(
        OFFICE,
        org_id=org_id,
        on=date(2023, 12, 5),
        inspectors=["陈敏", "王建国"],
        place="区人民医院会议室",
        findings="点评流于形式，整改台账不全",
    )


def test_r_supervise_an_inspection_is_recorded_and_its_orders_refer_to_it(
    any_service: rf.ReviewService,
) -> None:
    """R-SUPERVISE: when, by whom, where and what was found; the order it gives rise to names
    it, on the store too, and the orders of an inspection are listed."""
    visit = inspect(any_service)
    assert (visit.org_id, visit.on, visit.inspectors, visit.recorded_by) == (
        "hospital", date(2023, 12, 5), ("陈敏", "王建国"), OFFICE
    )  # fmt: skip
    assert any_service.inspections(OFFICE) == (visit,)
    order = any_service.issue_order(
        OFFICE, kind="organization", subject_id="surgery", criticism="措施不力",
        requirement="限期整改", deadline=date(2024, 1, 15), inspection_id=visit.id,
    )  # fmt: skip
    other = any_service.issue_order(
        OFFICE, kind="organization", subject_id="cdc", criticism="c", requirement="r",
        deadline=date(2024, 1, 15),
    )  # fmt: skip
    assert any_service.store.order(order.id) == order
    assert order.inspection_id == visit.id
    assert other.inspection_id is None
    assert any_service.orders(OFFICE, inspection_id=visit.id) == (order,)


def test_r_supervise_an_orders_inspection_is_checked(any_service: rf.ReviewService) -> None:
    """R-SUPERVISE: an order names an inspection that exists and whose organization holds the
    subject; else refused, logged, nothing written."""
    visit = inspect(any_service, "hospital")
    with pytest.raises(rf.NotFound):
        any_service.issue_order(
            OFFICE, kind="member", subject_id="wu", criticism="c", requirement="r",
            deadline=date(2024, 1, 15), inspection_id="inspection-404",
        )  # fmt: skip
    with pytest.raises(rf.InvalidInput) as caught:
        any_service.issue_order(
            OFFICE, kind="member", subject_id="lv", criticism="c", requirement="r",
            deadline=date(2024, 1, 15), inspection_id=visit.id,
        )  # fmt: skip
    assert caught.value.field == "inspection_id"
    assert any_service.store.orders() == ()
    assert logged(any_service, "issue_order") == ["NotFound", "InvalidInput"]
    member = any_service.issue_order(
        OFFICE, kind="member", subject_id="zheng", criticism="c", requirement="r",
        deadline=date(2024, 1, 15), inspection_id=visit.id,
    )  # fmt: skip
    assert member.inspection_id == visit.id  # a member of a group two levels below


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"inspectors": "陈敏"}, "inspectors"),
        ({"inspectors": []}, "inspectors"),
        ({"inspectors": ["陈敏", ""]}, "inspectors"),
        ({"on": date(2023, 12, 29)}, "on"),
        ({"on": "2023-12-05"}, "on"),
        ({"place": ""}, "place"),
        ({"findings": " \n"}, "findings"),
        ({"findings": "台账\x00不全"}, "findings"),
    ],
)
def test_r_supervise_an_inspection_refuses_bad_input(
    any_service: rf.ReviewService, changes: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {
        "org_id": "cdc", "on": date(2023, 12, 5), "inspectors": ["陈敏"], "place": "疾控中心",
        "findings": "好", **changes,
    }  # fmt: skip
    with pytest.raises(rf.InvalidInput) as caught:
        any_service.record_inspection(OFFICE, **arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert any_service.store.office_records().inspections == ()
    assert logged(any_service, "record_inspection") == ["InvalidInput"]


def test_r_supervise_only_the_office_records_inspections(any_service: rf.ReviewService) -> None:
    """R-SUPERVISE, R-SCOPE-4: a head does not record an inspection of its own unit."""
    with pytest.raises(rf.OutOfScope):
        any_service.record_inspection(
            "wang", org_id="bureau", on=date(2023, 12, 5), inspectors=["王建国"], place="局",
            findings="好",
        )  # fmt: skip
    with pytest.raises(rf.NotFound):
        inspect(any_service, "nowhere")
    assert any_service.store.office_records().inspections == ()
    assert logged(any_service, "record_inspection") == ["OutOfScope", "NotFound"]


def test_r_supervise_inspections_are_read_in_scope(any_service: rf.ReviewService) -> None:
    """R-SUPERVISE, R-SCOPE-4: the office reads every inspection, a head those of its subtree,
    a plain member none; by subtree and year; the summary counts the year's."""
    hospital, cdc = inspect(any_service, "hospital"), inspect(any_service, "cdc")
    assert any_service.inspections(OFFICE) == (hospital, cdc)
    assert any_service.inspections(OFFICE, root_id="cdc") == (cdc,)
    assert any_service.inspections(OFFICE, year=2022) == ()
    assert any_service.inspections("liu") == (hospital,)
    assert any_service.inspections("wang") == (hospital, cdc)
    assert any_service.inspections("wu") == ()
    with pytest.raises(rf.OutOfScope):
        any_service.inspections("nobody")
    with pytest.raises(rf.InvalidInput):
        any_service.inspections(OFFICE, year="2023")  # type: ignore[arg-type]
    with pytest.raises(rf.NotFound):
        any_service.inspections(OFFICE, root_id="nowhere")
    assert logged(any_service, "read_inspections") == ["OutOfScope", "InvalidInput", "NotFound"]
    assert any_service.summary(OFFICE, "bureau", 2023).inspections == (hospital, cdc)
    assert any_service.summary(OFFICE, "cdc", 2023).inspections == (cdc,)


# -- R-EXEMPLAR: publicity -----------------------------------------------------------------------


def test_r_exemplar_publicity_is_recorded_and_listed(any_service: rf.ReviewService) -> None:
    """R-EXEMPLAR: where, when, in which medium; the exemplar lists its publicity, oldest first,
    for anyone who reads the exemplars."""
    exemplar = any_service.record_exemplar(OFFICE, kind="member", subject_id="wu", deeds="事迹")
    other = any_service.record_exemplar(OFFICE, kind="organization", subject_id="cdc", deeds="好")
    first = any_service.record_publicity(
        OFFICE, exemplar.id, on=date(2023, 12, 20), medium="简报", where="《创先争优简报》第3期"
    )
    second = any_service.record_publicity(
        OFFICE, exemplar.id, on=date(2023, 12, 26), medium="网站", where="区卫生局门户网站"
    )
    assert [p.medium for p in first.publicity] == ["简报"]
    assert [(p.on, p.medium, p.where, p.recorded_by) for p in second.publicity] == [
        (date(2023, 12, 20), "简报", "《创先争优简报》第3期", OFFICE),
        (date(2023, 12, 26), "网站", "区卫生局门户网站", OFFICE),
    ]
    listed = {e.id: e for e in any_service.exemplars("wu")}
    assert listed[exemplar.id] == second
    assert listed[other.id].publicity == ()
    assert any_service.exemplars(OFFICE, root_id="cdc") == (other,)


def test_r_exemplar_publicity_is_the_offices_and_checked(any_service: rf.ReviewService) -> None:
    """R-EXEMPLAR, R-SCOPE-4, R-INPUT: only the office records publicity, of an exemplar that
    exists, on a day not to come, with a medium and a place; refused, logged, nothing written."""
    exemplar = any_service.record_exemplar(OFFICE, kind="member", subject_id="wu", deeds="事迹")
    with pytest.raises(rf.OutOfScope):
        any_service.record_publicity("zhou", exemplar.id, on=date(2023, 12, 20), medium="简报",
                                     where="第3期")  # fmt: skip
    with pytest.raises(rf.NotFound):
        any_service.record_publicity(OFFICE, "exemplar-404", on=date(2023, 12, 20), medium="简报",
                                     where="第3期")  # fmt: skip
    for changes in ({"on": date(2024, 1, 2)}, {"medium": ""}, {"where": "x" * 201}):
        arguments: dict[str, object] = {
            "on": date(2023, 12, 20), "medium": "简报", "where": "第3期", **changes
        }  # fmt: skip
        with pytest.raises(rf.InvalidInput) as caught:
            any_service.record_publicity(OFFICE, exemplar.id, **arguments)  # type: ignore[arg-type]
        assert caught.value.field == next(iter(changes))
    assert any_service.store.office_records().exemplar_publicity == ()
    assert any_service.exemplars(OFFICE)[0].publicity == ()
    assert logged(any_service, "record_publicity") == [
        "OutOfScope", "NotFound", "InvalidInput", "InvalidInput", "InvalidInput"
    ]  # fmt: skip


class _UntilThisYear(rf.WeekendCalendar):
    """Monday to Friday, with no data after 2023 (as the packaged data ends with a year)."""

    def is_workday(self, day: date) -> bool:
        if day.year > 2023:
            raise rf.CalendarDataMissing(day.year, 2000, 2023)
        return super().is_workday(day)


def test_r_summary_submit_reminders_need_no_calendar_data_of_next_year(
    any_service: rf.ReviewService,
) -> None:
    """R-SUMMARY-SUBMIT, R-DEADLINE: a summary deadline in working days of a year the calendar
    lacks does not break the reminders of this year's."""
    policy = attrs.evolve(
        rf.Policy.default(), summary_deadline=rf.Deadline.parse("250 working days")
    )
    service = rf.ReviewService(
        any_service.store, policy=policy, clock=any_service.now, calendar=_UntilThisYear()
    )
    due = rf.add_workdays(rf.WeekendCalendar(), date(2023, 1, 1), 250)
    assert due == date(2023, 12, 15)
    reminders = _summary_reminders(service, OFFICE, date(2023, 12, 28))
    assert reminders == {org_id: (due, True, head) for org_id, head in HEADS.items()}


# -- who may do what: a matrix written from RULES.md (R-SCOPE-4) --------------------------------

# 周明 heads 内科党支部; 刘志强 the general branch above it; 钱伟 another branch; 吴红 is a
# member of 内科党支部; "nobody" is not on the roster. The office records inspections and
# publicity and may submit on an organization's behalf; the organization's own head submits
# (not the head above); heads list the summaries and read the inspections of their subtrees;
# anyone on the roster reads inspections (those in their reach: none for a plain member).
PEOPLE = (OFFICE, "zhou", "liu", "qian", "wu", "nobody")
MAY: dict[str, set[str]] = {
    "submit_summary": {OFFICE, "zhou"},
    "summary_submissions": {OFFICE, "zhou", "liu", "qian"},
    "record_inspection": {OFFICE},
    "inspections": {OFFICE, "zhou", "liu", "qian", "wu"},
    "record_publicity": {OFFICE},
}
SEES_SUBMISSIONS = {
    OFFICE: set(HEADS),
    "zhou": {"internal"},
    "liu": {"hospital", "internal", "surgery"},
    "qian": {"surgery"},
}
SEES_INSPECTION_OF_INTERNAL = {OFFICE, "zhou", "liu"}


def _setting() -> tuple[rf.ReviewService, rf.Exemplar]:
    """The scenario with an exemplar and an inspection of 内科党支部."""
    service = scenario_service(today=date(2023, 12, 28))
    exemplar = service.record_exemplar(OFFICE, kind="member", subject_id="wu", deeds="事迹")
    service.record_inspection(OFFICE, org_id="internal", on=date(2023, 12, 5), inspectors=["陈敏"],
                              place="内科", findings="台账不全")  # fmt: skip
    return service, exemplar


def _act(service: rf.ReviewService, exemplar: rf.Exemplar, action: str, person: str) -> object:
    calls: dict[str, Any] = {
        "submit_summary": lambda: service.submit_summary(person, "internal", 2023, reference="R"),
        "summary_submissions": lambda: service.summary_submissions(person, 2023),
        "record_inspection": lambda: service.record_inspection(
            person, org_id="internal", on=date(2023, 12, 6), inspectors=["x"], place="p",
            findings="f",
        ),
        "inspections": lambda: service.inspections(person),
        "record_publicity": lambda: service.record_publicity(
            person, exemplar.id, on=date(2023, 12, 20), medium="简报", where="第3期"
        ),
    }  # fmt: skip
    return calls[action]()


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("action", sorted(MAY))
def test_r_summary_submit_supervise_exemplar_scope_matrix(action: str, person: str) -> None:
    """R-SCOPE-4 for the office's records: who may, who is refused (and nothing is written)."""
    service, exemplar = _setting()
    if person not in MAY[action]:
        before = service.store.office_records()
        with pytest.raises(rf.OutOfScope):
            _act(service, exemplar, action, person)
        assert service.store.office_records() == before
        assert logged(service, action if action != "inspections" else "read_inspections") == [
            "OutOfScope"
        ]
        return
    found = _act(service, exemplar, action, person)
    if action == "summary_submissions":
        assert {s.org_id for s in found} == SEES_SUBMISSIONS[person]  # type: ignore[attr-defined]
    if action == "inspections":
        assert bool(found) == (person in SEES_INSPECTION_OF_INTERNAL)
