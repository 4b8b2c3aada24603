"""R-DEADLINE: later years' holidays and 调休 workdays as data, and the error without them.

The 2027 schedule below is test data in the file format (New Year's Day, a spring festival
break and two worked weekend days), not the State Council's notice.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import reviewflow as rf
from reviewflow.cli import main
from reviewflow.demo import OFFICE, scenario_service

TEST_2027 = """\
# test data in the file's format, not the official 2027 schedule
[2027]
holidays = [
    "2027-01-01",
    "2027-02-06/2027-02-12",
]
workdays = ["2027-02-14", "2027-02-20"]
"""


@pytest.fixture
def calendar() -> rf.HolidayCalendar:
    return rf.HolidayCalendar.from_toml(TEST_2027, source="test-2027.toml")


def due(text: str, start: date, calendar: rf.WorkCalendar) -> date:
    return rf.Deadline.parse(text).due(start, calendar)


def test_r_deadline_a_calendar_file_supplies_a_later_year(calendar: rf.HolidayCalendar) -> None:
    """Working days cross into 2027 with the file: its holidays are off, its 调休 days worked,
    and 2026 still comes from the packaged data."""
    # Mon 2026-12-28: 29, 30, 31 Dec; 2027-01-01 is off; 4..8 Jan; 11, 12 Jan: the 10th.
    assert due("10个工作日", date(2026, 12, 28), calendar) == date(2027, 1, 12)
    # Thu 2027-02-04: Fri 5th (1); 6th-12th off; Sat 13th off; Sun 14th worked (2); 15-17th.
    assert due("5 working days", date(2027, 2, 4), calendar) == date(2027, 2, 17)
    # Sun 2026-12-20 + 15 days = Mon 2027-01-04, a working day.
    assert due("15天", date(2026, 12, 20), calendar) == date(2027, 1, 4)
    # 2027-01-31 + 7 = Sun 02-07, in the break: on to the next working day, Sun 02-14 (调休).
    assert due("7 calendar days", date(2027, 1, 31), calendar) == date(2027, 2, 14)
    assert calendar.is_workday(date(2027, 2, 20))  # a worked Saturday
    assert not calendar.is_workday(date(2027, 2, 13))  # a plain Saturday
    assert not calendar.is_workday(date(2026, 10, 1))  # the packaged data: National Day


def test_r_deadline_without_the_years_data_the_error_names_the_year_and_the_way() -> None:
    """Issue #14, seen 4: the error names the year and how to supply it, and does not send the
    caller to calendar days, which need the same data."""
    packaged = rf.ChineseWorkCalendar()
    assert packaged.last_year == 2026  # the installed data; this test is about the year after
    for text, start in (
        ("20个工作日", date(2026, 12, 5)),
        ("15 calendar days", date(2026, 12, 20)),
    ):
        with pytest.raises(rf.CalendarDataMissing) as caught:
            due(text, start, packaged)
        error = caught.value
        assert error.year == 2027
        message = str(error)
        assert "2027" in message
        assert "--calendar" in message
        assert "[calendar] holidays" in message
        assert "calendar days" not in message
        assert error.details()["year"] == 2027


def test_r_deadline_a_deadline_that_does_not_touch_the_year_never_needs_it() -> None:
    """Only a deadline whose days reach the missing year asks for it."""
    packaged = rf.ChineseWorkCalendar()
    assert due("10 working days", date(2026, 12, 1), packaged) == date(2026, 12, 15)
    assert due("2027-03-01", date(2026, 12, 28), packaged) == date(2027, 3, 1)
    assert due("12-30", date(2027, 1, 1), packaged) == date(2027, 12, 30)
    with pytest.raises(rf.CalendarDataMissing) as caught:
        due("3 working days", date(2028, 6, 1), rf.HolidayCalendar.from_toml(TEST_2027))
    assert (caught.value.year, caught.value.supplied) == (2028, (2027,))


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        ("[2027]\nholidays = ['2026-12-31']", "2027.holidays", "not in 2027"),
        ("[2027]\nworkdays = ['2027-02-15']", "2027.workdays", "Monday"),
        ("[2027]\nholidays = ['2027-02-14']\nworkdays = ['2027-02-14']", "2027.workdays", "both"),
        ("[2027]\nholidays = ['2027-02-12/2027-02-06']", "2027.holidays", "backwards"),
        ("[2027]\nholidays = ['2027-02-30']", "2027.holidays", "2027-01-01"),
        ("[2027]\nholidays = '2027-01-01'", "2027.holidays", "list of dates"),
        ("[2027]\nholiday = ['2027-01-01']", "2027.holiday", "holidays and workdays"),
        ("[next]\nholidays = []", "next", "year"),
        ("[2027\n", "(file)", "TOML"),
    ],
)
def test_r_deadline_a_bad_calendar_file_is_refused_naming_the_place(
    text: str, key: str, says: str
) -> None:
    with pytest.raises(rf.InvalidCalendar) as caught:
        rf.HolidayCalendar.from_toml(text, source="holidays.toml")
    error = caught.value
    assert error.key == key
    assert says in str(error)
    assert "holidays.toml" in str(error)
    assert isinstance(error, rf.InvalidInput)


def test_r_deadline_a_calendar_file_saved_on_a_chinese_pc(tmp_path: Path) -> None:
    """UTF-8 with a byte-order mark (Notepad) is read; GBK is refused with what to do."""
    path = tmp_path / "holidays.toml"
    path.write_bytes(("\ufeff" + TEST_2027.replace("# test", "# 测试")).encode("utf-8"))
    assert not rf.HolidayCalendar.load(path).is_workday(date(2027, 1, 1))
    path.write_bytes(TEST_2027.replace("# test", "# 测试数据").encode("gbk"))
    with pytest.raises(rf.InvalidCalendar, match="UTF-8"):
        rf.HolidayCalendar.load(path)
    with pytest.raises(rf.InvalidCalendar, match="cannot be read"):
        rf.HolidayCalendar.load(tmp_path / "missing.toml")


def test_r_deadline_the_policy_names_the_calendar_file(tmp_path: Path) -> None:
    """``[calendar] holidays`` in the policy, relative to the policy file; the service counts
    a ledger item's working days into 2027 with it."""
    (tmp_path / "holidays-2027.toml").write_text(TEST_2027, encoding="utf-8")
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text('[calendar]\nholidays = "holidays-2027.toml"\n', encoding="utf-8")
    policy = rf.Policy.load(policy_file)
    assert Path(policy.holidays) == tmp_path / "holidays-2027.toml"
    service = rf.ReviewService(rf.MemoryStore(), policy=policy)
    assert due("10个工作日", date(2026, 12, 28), service.calendar) == date(2027, 1, 12)
    (tmp_path / "holidays-2027.toml").write_text("[2027]\nworkdays = ['2027-01-04']\n")
    with pytest.raises(rf.InvalidCalendar) as caught:
        rf.Policy.load(policy_file)
    assert caught.value.key == "2027.workdays"


def test_r_deadline_a_ledger_item_due_in_working_days_in_the_next_year(
    calendar: rf.HolidayCalendar,
) -> None:
    """Issue #14, seen 4: in December 2026 a ledger item due in 20 working days is refused
    without next year's data (nothing written), and accepted with it."""
    from steps import find, to_rectifying  # noqa: PLC0415 - the scenario's helpers

    bare = scenario_service(today=date(2026, 12, 5))
    supplied = rf.ReviewService(
        rf.MemoryStore(), calendar=calendar, clock=bare.now, ids=rf.sequential_ids()
    )
    for service in (bare, supplied):
        if service is supplied:
            from reviewflow.demo import scenario_roster  # noqa: PLC0415

            service.import_roster(OFFICE, **scenario_roster())  # type: ignore[arg-type]
        service.schedule(OFFICE, "2026-11")
        review = to_rectifying(service, find(service, "zhou", "wu", "2026-11"), problem="学习不够")
        item = {"requirement_id": review.requirements[0].id, "measure": "每周学习",
                "owner": "吴红", "due": "20个工作日"}  # fmt: skip
        if service is bare:
            with pytest.raises(rf.CalendarDataMissing):
                service.plan_item("wu", review.id, **item)
            assert service.review(OFFICE, review.id) == review
        else:
            planned = service.plan_item("wu", review.id, **item)
            # Sat 2026-12-05: 7..11, 14..18, 21..25, 28..31 Dec (19), 2027-01-04 is the 20th.
            assert planned.ledger[0].due == date(2027, 1, 4)


def test_r_deadline_the_command_line_takes_a_calendar_file(tmp_path: Path) -> None:
    """``--calendar FILE`` (or REVIEWFLOW_CALENDAR) on every command; a bad file is refused
    before the store is touched, naming the place in it."""
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(TEST_2027, encoding="utf-8")
    bad.write_text("[2027]\nworkdays = ['2027-01-04']\n", encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'reviews.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["--store", store, "--as", OFFICE, "demo"]).exit_code == 0
    args = ["--store", store, "--as", OFFICE, "summary", "bureau", "2023"]
    ok = runner.invoke(main, ["--calendar", str(good), *args])
    assert ok.exit_code == 0, ok.output
    refused = runner.invoke(main, [*args, "--calendar", str(bad)])
    assert refused.exit_code == 1
    assert "节假日文件" in refused.output
    assert "有误" in refused.output
    assert "2027.workdays" in refused.output
    by_env = runner.invoke(main, args, env={"REVIEWFLOW_CALENDAR": str(bad)})
    assert by_env.exit_code == 1
    assert "2027.workdays" in by_env.output
