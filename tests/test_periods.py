"""Periods, working-day calendars and deadlines (R-CAD periods, R-DEADLINE)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewflow.domain.periods import (
    ChineseWorkCalendar,
    Deadline,
    DeadlineKind,
    Period,
    PeriodKind,
    WeekendCalendar,
    add_workdays,
    next_workday_on_or_after,
)
from reviewflow.errors import CalendarDataMissing, InvalidDeadline, InvalidInput, InvalidPeriod

# No test is timed: hypothesis' per-example deadline is switched off; example counts stay with the
# active profile.
untimed = settings(deadline=None)

CHINA = ChineseWorkCalendar()
WEEKEND = WeekendCalendar()

years = st.integers(min_value=1900, max_value=9999)
periods = st.one_of(
    st.builds(Period.month, years, st.integers(min_value=1, max_value=12)),
    st.builds(Period.quarter, years, st.integers(min_value=1, max_value=4)),
    st.builds(Period.of_year, years),
)
kinds = st.sampled_from(PeriodKind)
period_days = st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31))
# Starts whose deadlines (up to 60 days on, then to the next workday) stay within the data.
china_days = st.dates(
    min_value=date(CHINA.first_year, 1, 1), max_value=date(CHINA.last_year, 10, 15)
)

_LEAP_DAYS = tuple(date(2000, 1, 1) + timedelta(days=i) for i in range(366))
deadlines = st.one_of(
    st.builds(Deadline.on, st.dates()),
    st.builds(lambda d: Deadline.day_of_year(d.month, d.day), st.sampled_from(_LEAP_DAYS)),
    st.builds(Deadline.calendar_days, st.integers(min_value=1, max_value=100_000)),
    st.builds(Deadline.working_days, st.integers(min_value=1, max_value=100_000)),
)

M, Q, Y = PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR


def _workdays_between(calendar: WeekendCalendar | ChineseWorkCalendar, a: date, b: date) -> int:
    """Working days in the half-open span (a, b]."""
    return sum(calendar.is_workday(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))


# --------------------------------------------------------------------------------------------------
# Period kinds and periods
# --------------------------------------------------------------------------------------------------


def test_period_kind_labels() -> None:
    assert [k.label_zh for k in PeriodKind] == ["月", "季度", "年"]
    assert [k.label_en for k in PeriodKind] == ["month", "quarter", "year"]
    assert [str(k) for k in PeriodKind] == ["month", "quarter", "year"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-11", Period(2023, M, 11)),
        ("2023-01", Period(2023, M, 1)),
        ("2023-Q4", Period(2023, Q, 4)),
        ("2023-q1", Period(2023, Q, 1)),
        ("2023", Period(2023, Y, 1)),
        ("1900-01", Period(1900, M, 1)),
        ("9999-Q4", Period(9999, Q, 4)),
        ("2023年11月", Period(2023, M, 11)),
        ("2023年1月份", Period(2023, M, 1)),
        ("2023年第四季度", Period(2023, Q, 4)),
        ("2023年第4季度", Period(2023, Q, 4)),
        ("2023年一季度", Period(2023, Q, 1)),
        ("2023年", Period(2023, Y, 1)),
        ("2023年度", Period(2023, Y, 1)),
    ],
)
def test_period_parse_accepted_forms(text: str, expected: Period) -> None:
    assert Period.parse(text) == expected


@pytest.mark.parametrize(
    ("period", "text", "label"),
    [
        (Period.month(2023, 11), "2023-11", "2023年11月"),
        (Period.month(2023, 2), "2023-02", "2023年2月"),
        (Period.quarter(2023, 4), "2023-Q4", "2023年第四季度"),
        (Period.quarter(2024, 1), "2024-Q1", "2024年第一季度"),
        (Period.of_year(2023), "2023", "2023年"),
    ],
)
def test_period_str_and_chinese_label(period: Period, text: str, label: str) -> None:
    assert str(period) == text
    assert period.label_zh == label


@untimed
@given(periods)
def test_period_parse_print_round_trip(period: Period) -> None:
    assert Period.parse(str(period)) == period


@untimed
@given(periods)
def test_period_parses_its_chinese_label(period: Period) -> None:
    """Issue #16: the app's period box refused 2023年第四季度, its own title's form."""
    assert Period.parse(period.label_zh) == period


@untimed
@given(periods, periods)
def test_period_ordering_matches_start_dates(p: Period, q: Period) -> None:
    if p.kind is q.kind:
        assert (p < q) == (p.start < q.start)
        assert (p == q) == (p.start == q.start)
    if p.year < q.year:
        assert p < q


def test_period_ordering_within_a_year() -> None:
    mixed = [Period.of_year(2023), Period.quarter(2023, 1), Period.month(2023, 2)]
    mixed += [Period.month(2023, 1), Period.month(2022, 12), Period.of_year(2024)]
    assert [str(p) for p in sorted(mixed)] == [
        "2022-12",
        "2023-01",
        "2023-02",
        "2023-Q1",
        "2023",
        "2024",
    ]


@untimed
@given(periods)
def test_period_next_and_previous_are_inverse(period: Period) -> None:
    if period.year < 9999 or period.end != date(9999, 12, 31):
        following = period.next()
        assert following.kind is period.kind
        assert following.start == period.end + timedelta(days=1)
        assert following.previous() == period
    if period.year > 1900 or period.start != date(1900, 1, 1):
        preceding = period.previous()
        assert preceding.end == period.start - timedelta(days=1)
        assert preceding.next() == period


def test_period_next_and_previous_at_the_ends_of_the_range() -> None:
    assert Period.month(2023, 12).next() == Period.month(2024, 1)
    assert Period.quarter(2024, 1).previous() == Period.quarter(2023, 4)
    with pytest.raises(InvalidPeriod):
        Period.month(9999, 12).next()
    with pytest.raises(InvalidPeriod):
        Period.of_year(1900).previous()


@untimed
@given(periods, kinds)
def test_period_subperiods_partition_the_period(period: Period, kind: PeriodKind) -> None:
    sizes = {M: 1, Q: 3, Y: 12}
    if sizes[kind] > sizes[period.kind]:
        with pytest.raises(InvalidPeriod):
            period.subperiods(kind)
        return
    parts = period.subperiods(kind)
    assert all(part.kind is kind for part in parts)
    assert parts[0].start == period.start
    assert parts[-1].end == period.end
    for before, after in itertools.pairwise(parts):
        assert after.start == before.end + timedelta(days=1)
    assert all(part.within(period) for part in parts)
    if kind is period.kind:
        assert parts == (period,)


def test_period_subperiods_examples() -> None:
    assert [str(p) for p in Period.parse("2023-Q4").subperiods(M)] == [
        "2023-10",
        "2023-11",
        "2023-12",
    ]
    assert [str(p) for p in Period.of_year(2023).subperiods(Q)] == [
        "2023-Q1",
        "2023-Q2",
        "2023-Q3",
        "2023-Q4",
    ]
    assert len(Period.of_year(2023).subperiods(M)) == 12


def test_period_subperiods_refuse_a_longer_kind() -> None:
    with pytest.raises(InvalidPeriod, match="cannot be split into years") as caught:
        Period.quarter(2023, 4).subperiods(Y)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(InvalidPeriod, match="cannot be split into quarters"):
        Period.month(2023, 11).subperiods(Q)


def test_period_within() -> None:
    assert Period.month(2023, 11).within(Period.quarter(2023, 4))
    assert Period.month(2023, 11).within(Period.of_year(2023))
    assert Period.month(2023, 11).within(Period.month(2023, 11))
    assert not Period.month(2023, 9).within(Period.quarter(2023, 4))
    assert not Period.of_year(2023).within(Period.quarter(2023, 4))
    assert not Period.month(2024, 11).within(Period.of_year(2023))


@untimed
@given(kinds, period_days)
def test_period_containing_contains_the_day(kind: PeriodKind, day: date) -> None:
    period = Period.containing(kind, day)
    assert period.kind is kind
    assert period.contains(day)
    assert period.start <= day <= period.end
    if period.end < date(9999, 12, 31):
        assert not period.contains(period.end + timedelta(days=1))
    if period.start > date(1900, 1, 1):
        assert not period.contains(period.start - timedelta(days=1))


def test_period_bounds_and_contains() -> None:
    feb = Period.month(2024, 2)
    assert (feb.start, feb.end) == (date(2024, 2, 1), date(2024, 2, 29))
    assert Period.month(2023, 2).end == date(2023, 2, 28)
    q4 = Period.quarter(2023, 4)
    assert (q4.start, q4.end) == (date(2023, 10, 1), date(2023, 12, 31))
    assert q4.contains(date(2023, 10, 1))
    assert q4.contains(date(2023, 12, 31))
    assert q4.contains(datetime(2023, 12, 31, 23, 59))  # noqa: DTZ001
    assert not q4.contains(date(2023, 9, 30))
    assert not q4.contains(date(2024, 1, 1))
    assert Period.containing(Q, date(2023, 11, 5)) == q4


_ACCEPTED_FORMS = ("'2023-11'", "'2023-Q4'", "'2023'")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "2023-1",
        "2023-13",
        "2023-00",
        "2023-Q0",
        "2023-Q5",
        "2023-Q",
        "2023Q4",
        "2023-W01",
        "2023-11-01",
        "23",
        "12023",
        "1899",
        "1899-12",
        " 2023",
        "2023 ",
        "2023-11\n",
        "２０２３",
        "2023-11 ",
        "Q4-2023",
        None,
        2023,
        date(2023, 11, 1),
    ],
)
def test_period_parse_rejects_other_forms(bad: object) -> None:
    with pytest.raises(InvalidPeriod) as caught:
        Period.parse(bad)  # type: ignore[arg-type]
    message = str(caught.value)
    assert all(form in message for form in _ACCEPTED_FORMS), message
    assert caught.value.text == bad


@pytest.mark.parametrize(
    ("year", "kind", "index"),
    [
        (2023, M, 0),
        (2023, M, 13),
        (2023, Q, 0),
        (2023, Q, 5),
        (2023, Y, 0),
        (2023, Y, 2),
        (1899, M, 1),
        (10000, Y, 1),
        (True, Y, 1),
        (2023, "month", 1),
        (2023, M, 1.0),
    ],
)
def test_period_validators_refuse_bad_fields(year: object, kind: object, index: object) -> None:
    with pytest.raises(InvalidPeriod):
        Period(year, kind, index)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Working-day calendars
# --------------------------------------------------------------------------------------------------


class _NoWorkdays:
    def is_workday(self, day: date) -> bool:
        return False


def test_chinese_calendar_range_comes_from_the_package_data() -> None:
    listed = chinese_calendar.holidays
    assert CHINA.first_year == min(listed).year
    assert CHINA.last_year == max(listed).year
    # Both ends of the range answer; just outside them the package itself has no data.
    assert isinstance(CHINA.is_workday(date(CHINA.first_year, 1, 5)), bool)
    assert isinstance(CHINA.is_workday(date(CHINA.last_year, 12, 31)), bool)
    for year in (CHINA.first_year - 1, CHINA.last_year + 1):
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(date(year, 6, 1))


@untimed
@given(china_days)
def test_chinese_calendar_agrees_with_the_package(day: date) -> None:
    assert CHINA.is_workday(day) is chinese_calendar.is_workday(day)


@untimed
@given(st.sampled_from([CHINA, WEEKEND]), china_days)
def test_next_workday_on_or_after(
    calendar: WeekendCalendar | ChineseWorkCalendar, day: date
) -> None:
    found = next_workday_on_or_after(calendar, day)
    assert found >= day
    assert calendar.is_workday(found)
    assert _workdays_between(calendar, day - timedelta(days=1), found) == 1


@untimed
@given(
    st.sampled_from([CHINA, WEEKEND]),
    china_days,
    st.integers(min_value=1, max_value=30),
)
def test_add_workdays_counts_n_workdays_after_start(
    calendar: WeekendCalendar | ChineseWorkCalendar, start: date, n: int
) -> None:
    due = add_workdays(calendar, start, n)
    assert calendar.is_workday(due)
    assert _workdays_between(calendar, start, due) == n


def test_add_workdays_zero_is_start_or_next_workday() -> None:
    friday, saturday, monday = date(2023, 11, 3), date(2023, 11, 4), date(2023, 11, 6)
    assert add_workdays(WEEKEND, friday, 0) == friday
    assert add_workdays(WEEKEND, saturday, 0) == monday
    assert add_workdays(WEEKEND, friday, 1) == monday


@pytest.mark.parametrize("n", [-1, -10, True, 1.5])
def test_add_workdays_refuses_a_bad_count(n: object) -> None:
    with pytest.raises(InvalidInput):
        add_workdays(WEEKEND, date(2023, 11, 3), n)  # type: ignore[arg-type]


def test_a_calendar_without_workdays_raises_instead_of_looping() -> None:
    with pytest.raises(InvalidInput, match="no working day"):
        next_workday_on_or_after(_NoWorkdays(), date(2023, 1, 1))
    with pytest.raises(InvalidInput, match="no working day"):
        add_workdays(_NoWorkdays(), date(2023, 1, 1), 3)


# --------------------------------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "canonical", "label"),
    [
        ("2023-12-30", Deadline.on(date(2023, 12, 30)), "2023-12-30", "2023年12月30日前"),
        ("12-30", Deadline.day_of_year(12, 30), "12-30", "12月30日前"),
        ("02-29", Deadline.day_of_year(2, 29), "02-29", "2月29日前"),
        ("10 working days", Deadline.working_days(10), "10 working days", "10个工作日内"),
        ("1 working day", Deadline.working_days(1), "1 working day", "1个工作日内"),
        ("15 calendar days", Deadline.calendar_days(15), "15 calendar days", "15天内"),
        ("1 calendar day", Deadline.calendar_days(1), "1 calendar day", "1天内"),
        ("10个工作日", Deadline.working_days(10), "10 working days", "10个工作日内"),
        ("15天", Deadline.calendar_days(15), "15 calendar days", "15天内"),
        ("15日", Deadline.calendar_days(15), "15 calendar days", "15天内"),
    ],
)
def test_deadline_parse_accepted_forms(
    text: str, expected: Deadline, canonical: str, label: str
) -> None:
    parsed = Deadline.parse(text)
    assert parsed == expected
    assert str(parsed) == canonical
    assert parsed.label_zh == label


def test_deadline_kinds_and_data() -> None:
    assert Deadline.on(date(2023, 12, 30)).kind is DeadlineKind.DATE
    assert Deadline.day_of_year(12, 30).kind is DeadlineKind.DAY_OF_YEAR
    assert Deadline.calendar_days(15).kind is DeadlineKind.CALENDAR_DAYS
    assert Deadline.working_days(10).kind is DeadlineKind.WORKING_DAYS
    assert Deadline.working_days(10).count == 10
    assert (Deadline.day_of_year(12, 30).month, Deadline.day_of_year(12, 30).day) == (12, 30)


@untimed
@given(deadlines)
def test_deadline_parse_print_round_trip(deadline: Deadline) -> None:
    assert Deadline.parse(str(deadline)) == deadline


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "02-30",
        "04-31",
        "13-01",
        "00-10",
        "12-00",
        "2-28",
        "2023-02-29",
        "2023-13-01",
        "2023/12/30",
        "12/30",
        "0 working days",
        "0 calendar days",
        "-1 calendar days",
        "10 workdays",
        "10 working",
        "10 days",
        "10  working days",
        "10 Working Days",
        " 12-30",
        "12-30 ",
        "10个工作",
        "十个工作日",
        "0天",
        "12月30日",
        None,
        10,
        date(2023, 12, 30),
    ],
)
def test_deadline_parse_rejects_other_forms(bad: object) -> None:
    with pytest.raises(InvalidDeadline) as caught:
        Deadline.parse(bad)  # type: ignore[arg-type]
    assert "'10 working days'" in str(caught.value)
    assert caught.value.text == bad


@pytest.mark.parametrize(
    "build",
    [
        lambda: Deadline.day_of_year(2, 30),
        lambda: Deadline.day_of_year(13, 1),
        lambda: Deadline.calendar_days(0),
        lambda: Deadline.working_days(-3),
        lambda: Deadline.working_days(True),
        lambda: Deadline.on(datetime(2023, 12, 30, 12, 0)),  # noqa: DTZ001
        lambda: Deadline(DeadlineKind.WORKING_DAYS, month=12, day=30),
        lambda: Deadline(DeadlineKind.DATE, fixed_date=date(2023, 12, 30), count=3),
        lambda: Deadline(DeadlineKind.DAY_OF_YEAR, month=12),
        lambda: Deadline("date", fixed_date=date(2023, 12, 30)),  # type: ignore[arg-type]
    ],
)
def test_deadline_validation_refuses_bad_data(build: Callable[[], Deadline]) -> None:
    with pytest.raises(InvalidDeadline):
        build()


def test_deadline_day_of_year_feb_29_falls_on_feb_28_outside_leap_years() -> None:
    leap_day = Deadline.day_of_year(2, 29)
    assert leap_day.due(date(2024, 1, 1), WEEKEND) == date(2024, 2, 29)
    assert leap_day.due(date(2023, 1, 1), WEEKEND) == date(2023, 2, 28)
    assert leap_day.due(date(2023, 1, 1), WEEKEND, year=2028) == date(2028, 2, 29)


def test_deadline_fixed_date_stands_whatever_the_start() -> None:
    fixed = Deadline.on(date(2023, 12, 30))
    assert fixed.due(date(2023, 1, 1), CHINA) == date(2023, 12, 30)
    assert fixed.due(date(2030, 1, 1), CHINA) == date(2023, 12, 30)


def test_deadline_past_the_last_date_raises_invalid_deadline() -> None:
    with pytest.raises(InvalidDeadline, match="9999-12-31"):
        Deadline.calendar_days(10).due(date(9999, 12, 25), WEEKEND)
    with pytest.raises(InvalidDeadline, match="9999-12-31"):
        Deadline.working_days(10).due(date(9999, 12, 25), WEEKEND)


# ---- R-DEADLINE ----------------------------------------------------------------------------------


def test_r_deadline_yearly_summary_due_by_12_30() -> None:
    summary = Deadline.parse("12-30")
    assert summary == Deadline.day_of_year(12, 30)
    assert summary.label_zh == "12月30日前"
    assert summary.due(date(2023, 3, 1), CHINA) == date(2023, 12, 30)
    assert summary.due(date(2023, 3, 1), CHINA, year=2024) == date(2024, 12, 30)
    # A day of the year is a fixed day: 2023-12-30 is a Saturday and stays the due day.
    assert not CHINA.is_workday(date(2023, 12, 30))
    assert summary.due(date(2023, 12, 1), CHINA) == date(2023, 12, 30)
    # It needs no holiday data, so it resolves past the data's last year too.
    assert summary.due(date(CHINA.last_year + 1, 1, 1), CHINA) == date(CHINA.last_year + 1, 12, 30)


def test_r_deadline_working_days_skip_national_day_golden_week_and_count_shifted_saturday() -> None:
    golden_week = [date(2023, 9, 29) + timedelta(days=i) for i in range(8)]  # 09-29..10-06
    shifted_saturday, shifted_sunday = date(2023, 10, 7), date(2023, 10, 8)
    # The package data says what the rule says.
    assert not any(chinese_calendar.is_workday(d) for d in golden_week)
    assert chinese_calendar.is_workday(shifted_saturday)
    assert chinese_calendar.is_workday(shifted_sunday)
    assert shifted_saturday.weekday() == 5
    assert not any(CHINA.is_workday(d) for d in golden_week)
    assert CHINA.is_workday(shifted_saturday)

    thursday = date(2023, 9, 28)
    assert add_workdays(CHINA, thursday, 1) == shifted_saturday
    assert add_workdays(CHINA, thursday, 2) == shifted_sunday
    assert add_workdays(CHINA, thursday, 3) == date(2023, 10, 9)
    three = Deadline.parse("3个工作日")
    assert three.due(date(2023, 9, 27), CHINA) == shifted_sunday
    # A Monday-Friday calendar would have counted the holidays instead.
    assert three.due(date(2023, 9, 27), WEEKEND) == date(2023, 10, 2)


def test_r_deadline_calendar_days_ending_on_a_holiday_run_to_the_next_workday() -> None:
    start = date(2023, 9, 25)
    # Five days on is 09-30, inside the golden week: the deadline runs to 10-07 (shifted workday).
    assert not CHINA.is_workday(start + timedelta(days=5))
    assert Deadline.calendar_days(5).due(start, CHINA) == date(2023, 10, 7)
    assert Deadline.parse("8天").due(start, CHINA) == date(2023, 10, 7)
    # Ending on a working day, it ends there.
    assert Deadline.calendar_days(2).due(start, CHINA) == date(2023, 9, 27)
    # Ending on an ordinary weekend, it runs to Monday.
    assert Deadline.calendar_days(19).due(start, CHINA) == date(2023, 10, 16)


@untimed
@given(st.integers(min_value=1, max_value=60), china_days)
def test_r_deadline_calendar_days_land_on_the_first_workday_from_the_plain_sum(
    n: int, start: date
) -> None:
    due = Deadline.calendar_days(n).due(start, CHINA)
    plain = start + timedelta(days=n)
    assert due == next_workday_on_or_after(CHINA, plain)
    assert CHINA.is_workday(due)
    assert (due == plain) is CHINA.is_workday(plain)


def test_r_deadline_year_past_the_data_raises_calendar_data_missing() -> None:
    # With chinesecalendar 1.11 the data covers 2004-2026, so this is 2027; it follows upgrades.
    past = CHINA.last_year + 1
    with pytest.raises(CalendarDataMissing) as caught:
        CHINA.is_workday(date(past, 1, 4))
    error = caught.value
    assert (error.year, error.first, error.last) == (past, CHINA.first_year, CHINA.last_year)
    assert str(past) in str(error)
    assert f"{CHINA.first_year}-{CHINA.last_year}" in str(error)
    assert isinstance(error, LookupError)
    # A working-day deadline that runs into that year refuses rather than guessing.
    with pytest.raises(CalendarDataMissing) as crossing:
        Deadline.working_days(5).due(date(CHINA.last_year, 12, 30), CHINA)
    assert crossing.value.year == past
    with pytest.raises(CalendarDataMissing):
        Deadline.calendar_days(3).due(date(CHINA.last_year, 12, 30), CHINA)
    with pytest.raises(CalendarDataMissing) as before:
        CHINA.is_workday(date(CHINA.first_year - 1, 6, 1))
    assert before.value.year == CHINA.first_year - 1


def test_r_deadline_weekend_calendar_knows_no_holidays() -> None:
    # National Day 2023-10-02 is a Monday: a working day for the weekend calendar.
    assert WEEKEND.is_workday(date(2023, 10, 2))
    # The shifted Saturday 2023-10-07 is not.
    assert not WEEKEND.is_workday(date(2023, 10, 7))
    assert add_workdays(WEEKEND, date(2023, 9, 29), 1) == date(2023, 10, 2)
    assert Deadline.working_days(5).due(date(2023, 9, 29), WEEKEND) == date(2023, 10, 6)
    assert Deadline.calendar_days(1).due(date(2023, 9, 29), WEEKEND) == date(2023, 10, 2)
    # It needs no data, so any year works.
    assert Deadline.working_days(1).due(date(2027, 1, 1), WEEKEND) == date(2027, 1, 4)


@untimed
@given(st.dates())
def test_r_deadline_weekend_calendar_is_monday_to_friday(day: date) -> None:
    assert WEEKEND.is_workday(day) is (day.weekday() < 5)
