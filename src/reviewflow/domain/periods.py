"""Review periods (month, quarter, year), working-day calendars and deadlines (R-CAD, R-DEADLINE).

A :class:`Period` is the unit a review cadence counts in: ``2023-11``, ``2023-Q4`` or ``2023``.
A :class:`Deadline` is a fixed date, a day of the year (the yearly summary is due by ``12-30``),
or a duration in calendar days or working days. Working days follow a :class:`WorkCalendar`; the
default for mainland China is :class:`ChineseWorkCalendar`, which knows the statutory holidays and
the shifted workdays (调休) and refuses, rather than guesses, for years its data does not cover.
"""

from __future__ import annotations

import calendar as stdcalendar
import enum
import functools
import re
from datetime import date, datetime, timedelta
from typing import Protocol, TypeGuard

import attrs
import chinese_calendar

from reviewflow.errors import CalendarDataMissing, InvalidDeadline, InvalidInput, InvalidPeriod
from reviewflow.reasons import because

__all__ = [
    "ChineseWorkCalendar",
    "Deadline",
    "DeadlineKind",
    "Period",
    "PeriodKind",
    "WeekendCalendar",
    "WorkCalendar",
    "add_workdays",
    "next_workday_on_or_after",
]

_ONE_DAY = timedelta(days=1)


def _as_date(day: date) -> date:
    """The calendar day of ``day`` (a ``datetime`` counts as its date)."""
    return day.date() if isinstance(day, datetime) else day


def _is_int(value: object) -> TypeGuard[int]:
    """Whether ``value`` is a plain integer (booleans are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


# --------------------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------------------


class PeriodKind(enum.StrEnum):
    """The length of a review period: a month, a quarter or a year (周期：月 / 季度 / 年)."""

    MONTH = "month"
    """A calendar month (月), written ``2023-11``: the default cadence of a secretary's member
    reviews (R-CAD-2)."""
    QUARTER = "quarter"
    """A calendar quarter (季度), written ``2023-Q4``: the default cadence of a committee
    member's liaison reviews (R-CAD-1)."""
    YEAR = "year"
    """A calendar year (年), written ``2023``: the span of the yearly summary (R-SUMMARY)."""

    @property
    def label_zh(self) -> str:
        """The Chinese name of this kind: 月, 季度 or 年."""
        return _KIND_LABEL_ZH[self]

    @property
    def label_en(self) -> str:
        """The English noun for this kind: month, quarter or year."""
        return _KIND_LABEL_EN[self]


_KIND_LABEL_ZH = {PeriodKind.MONTH: "月", PeriodKind.QUARTER: "季度", PeriodKind.YEAR: "年"}
_KIND_LABEL_EN = {PeriodKind.MONTH: "month", PeriodKind.QUARTER: "quarter", PeriodKind.YEAR: "year"}
_KIND_MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}
_KIND_RANK = {PeriodKind.MONTH: 0, PeriodKind.QUARTER: 1, PeriodKind.YEAR: 2}
_QUARTER_ZH = ("一", "二", "三", "四")

_MIN_YEAR = 1900
_MAX_YEAR = 9999

_PERIOD_FORMS = because("period_forms")
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
_QUARTER_RE = re.compile(r"([0-9]{4})-[Qq]([0-9])")
_YEAR_RE = re.compile(r"[0-9]{4}")
# As people write them, and as Period.label_zh prints them: 2023年11月, 2023年第四季度, 2023年.
_MONTH_ZH_RE = re.compile(r"([0-9]{4})年([0-9]{1,2})月(?:份)?")
_QUARTER_ZH_RE = re.compile(r"([0-9]{4})年第?([1-4一二三四])季度")
_YEAR_ZH_RE = re.compile(r"([0-9]{4})年(?:度)?")


def _kind_rank(kind: PeriodKind) -> int:
    """The sort rank of a kind: months before quarters before the year."""
    return _KIND_RANK[kind]


@attrs.frozen(order=True, cache_hash=True)
class Period:
    """One month, quarter or year of the calendar: the span a scheduled review belongs to.

    ``index`` is the month (1-12), the quarter (1-4), or 1 for a year. Years run from 1900 to 9999.

    Periods sort by year, then by kind (the months of a year, then its quarters, then the year
    itself), then by position; periods of one kind therefore sort in the order of their start
    dates. ``str(period)`` is ``2023-11``, ``2023-Q4`` or ``2023``, and :meth:`parse` reads it back.
    """

    year: int = attrs.field()
    """The calendar year the period lies in, 1900 to 9999."""
    kind: PeriodKind = attrs.field(order=_kind_rank)
    """Whether the period is a month, a quarter or the whole year."""
    index: int = attrs.field()
    """The position of the period in its year: the month (1-12), the quarter (1-4), or 1 for
    the year itself."""

    @year.validator
    def _check_year(self, _attribute: attrs.Attribute[int], value: int) -> None:
        if not _is_int(value) or not _MIN_YEAR <= value <= _MAX_YEAR:
            raise InvalidPeriod(value, because("period_year", first=_MIN_YEAR, last=_MAX_YEAR))

    @kind.validator
    def _check_kind(self, _attribute: attrs.Attribute[PeriodKind], value: PeriodKind) -> None:
        if not isinstance(value, PeriodKind):
            raise InvalidPeriod(value, because("period_kind"))

    @index.validator
    def _check_index(self, _attribute: attrs.Attribute[int], value: int) -> None:
        count = 12 // _KIND_MONTHS[self.kind]
        if not _is_int(value) or not 1 <= value <= count:
            if count == 1:
                raise InvalidPeriod(value, because("period_index_year"))
            raise InvalidPeriod(value, because("period_index", kind=self.kind, count=count))

    # ---- constructors ----------------------------------------------------------------------------

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """The month ``month`` (1-12) of ``year``."""
        return cls(year, PeriodKind.MONTH, month)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """The quarter ``quarter`` (1-4) of ``year``."""
        return cls(year, PeriodKind.QUARTER, quarter)

    @classmethod
    def of_year(cls, year: int) -> Period:
        """The whole of ``year``."""
        return cls(year, PeriodKind.YEAR, 1)

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> Period:
        """The period of ``kind`` that ``day`` falls in."""
        if not isinstance(kind, PeriodKind):
            raise InvalidPeriod(kind, because("period_kind"))
        day = _as_date(day)
        return cls(day.year, kind, (day.month - 1) // _KIND_MONTHS[kind] + 1)

    @classmethod
    def parse(cls, text: str) -> Period:
        """The period written as ``2023-11``, ``2023-Q4`` (or ``2023-q4``) or ``2023``, or as
        people write it and :attr:`label_zh` prints it: ``2023年11月``, ``2023年第四季度`` (or
        ``2023年第4季度``, ``2023年四季度``), ``2023年`` (or ``2023年度``).

        Anything else, a non-string included, raises :class:`InvalidPeriod` naming these forms.
        """
        if not isinstance(text, str):
            raise InvalidPeriod(text, _PERIOD_FORMS)
        return _parse(text)

    # ---- reading ---------------------------------------------------------------------------------

    def __str__(self) -> str:
        text = _TEXT.get(self)
        if text is None:  # written once per period: rows and keys ask for it all the time
            if self.kind is PeriodKind.MONTH:
                text = f"{self.year:04d}-{self.index:02d}"
            elif self.kind is PeriodKind.QUARTER:
                text = f"{self.year:04d}-Q{self.index}"
            else:
                text = f"{self.year:04d}"
            _TEXT[self] = text
        return text

    @property
    def _first_month(self) -> int:
        return (self.index - 1) * _KIND_MONTHS[self.kind] + 1

    @property
    def start(self) -> date:
        """The first day of the period."""
        return date(self.year, self._first_month, 1)

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        last_month = self._first_month + _KIND_MONTHS[self.kind] - 1
        return date(self.year, last_month, stdcalendar.monthrange(self.year, last_month)[1])

    @property
    def label_zh(self) -> str:
        """The Chinese name of the period: 2023年11月, 2023年第四季度 or 2023年."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.year}年{self.index}月"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}年第{_QUARTER_ZH[self.index - 1]}季度"
        return f"{self.year}年"

    def contains(self, d: date) -> bool:
        """Whether the day ``d`` lies in this period."""
        return self.start <= _as_date(d) <= self.end

    def within(self, other: Period) -> bool:
        """Whether this period lies wholly inside ``other`` (a period lies within itself)."""
        return other.start <= self.start and self.end <= other.end

    def next(self) -> Period:
        """The period of the same kind that follows this one.

        Raises :class:`InvalidPeriod` after the last period of 9999.
        """
        if self.index < 12 // _KIND_MONTHS[self.kind]:
            return Period(self.year, self.kind, self.index + 1)
        return Period(self.year + 1, self.kind, 1)

    def previous(self) -> Period:
        """The period of the same kind that precedes this one.

        Raises :class:`InvalidPeriod` before the first period of 1900.
        """
        if self.index > 1:
            return Period(self.year, self.kind, self.index - 1)
        return Period(self.year - 1, self.kind, 12 // _KIND_MONTHS[self.kind])

    def subperiods(self, kind: PeriodKind) -> tuple[Period, ...]:
        """The periods of ``kind`` that make up this one, in order.

        The same kind gives ``(self,)``. A longer kind than this period's raises
        :class:`InvalidPeriod` (a :class:`ValueError`).
        """
        if not isinstance(kind, PeriodKind):
            raise InvalidPeriod(kind, because("period_kind"))
        size = _KIND_MONTHS[kind]
        own = _KIND_MONTHS[self.kind]
        if size > own:
            raise InvalidPeriod(
                str(self),
                because("period_split", kind=self.kind, part=kind),
            )
        first = (self._first_month - 1) // size + 1
        return tuple(Period(self.year, kind, first + i) for i in range(own // size))


# --------------------------------------------------------------------------------------------------
# Working-day calendars
# --------------------------------------------------------------------------------------------------


class WorkCalendar(Protocol):
    """Says which days are working days."""

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day."""
        ...


@functools.cache
def _chinese_data_years() -> tuple[int, int]:
    """The first and last year the installed ``chinesecalendar`` data covers.

    These are the bounds the package itself enforces: the years of its earliest and latest
    listed holiday.
    """
    listed = chinese_calendar.holidays.keys()
    return min(listed).year, max(listed).year


@attrs.frozen
class ChineseWorkCalendar:
    """Mainland China's working days: statutory holidays are off, shifted workdays (调休) are on.

    The data comes from the ``chinesecalendar`` package and covers the years
    :attr:`first_year` to :attr:`last_year`; any other year raises :class:`CalendarDataMissing`.
    """

    @property
    def first_year(self) -> int:
        """The first year the holiday data covers."""
        return _chinese_data_years()[0]

    @property
    def last_year(self) -> int:
        """The last year the holiday data covers."""
        return _chinese_data_years()[1]

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day in mainland China.

        Raises :class:`CalendarDataMissing` for a year outside the holiday data.
        """
        day = _as_date(day)
        first, last = _chinese_data_years()
        if not first <= day.year <= last:
            raise CalendarDataMissing(day.year, first, last)
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError as exc:
            raise CalendarDataMissing(day.year, first, last) from exc


@attrs.frozen
class WeekendCalendar:
    """Monday to Friday are working days, every year, with no holidays."""

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` falls on Monday to Friday."""
        return day.weekday() < 5


_MAX_WORKDAY_GAP = 366


def next_workday_on_or_after(calendar: WorkCalendar, day: date) -> date:
    """The first working day that is ``day`` or later.

    Raises :class:`InvalidInput` if the calendar has no working day in the year from ``day``.
    """
    day = _as_date(day)
    for _ in range(_MAX_WORKDAY_GAP):
        if calendar.is_workday(day):
            return day
        day += _ONE_DAY
    raise InvalidInput(
        "calendar",
        calendar,
        because("no_workday", days=_MAX_WORKDAY_GAP, day=day),
    )


def add_workdays(calendar: WorkCalendar, start: date, n: int) -> date:
    """The ``n``-th working day after ``start``; ``start`` itself is not counted.

    ``n == 0`` gives ``start`` if it is a working day, otherwise the next working day (the same as
    :func:`next_workday_on_or_after`). A negative ``n`` raises :class:`InvalidInput`.
    """
    if not _is_int(n) or n < 0:
        raise InvalidInput("n", n, because("whole_number"))
    day = _as_date(start)
    if n == 0:
        return next_workday_on_or_after(calendar, day)
    for _ in range(n):
        day = next_workday_on_or_after(calendar, day + _ONE_DAY)
    return day


# --------------------------------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------------------------------


class DeadlineKind(enum.StrEnum):
    """How a deadline is stated."""

    DATE = "date"
    """On one fixed date (``2023-12-30``), whatever the start."""
    DAY_OF_YEAR = "day_of_year"
    """On a month and day of the year in question (``12-30``), as the yearly summary is due
    (R-DEADLINE)."""
    CALENDAR_DAYS = "calendar_days"
    """A number of calendar days after the start; a last day that is not a working day moves
    on to the next working day."""
    WORKING_DAYS = "working_days"
    """A number of working days after the start: weekends and statutory holidays are skipped,
    shifted workdays (调休) count."""


_DEADLINE_FORMS = because("deadline_forms")
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DAY_OF_YEAR_RE = re.compile(r"([0-9]{2})-([0-9]{2})")
_WORKING_RE = re.compile(r"([0-9]+) working days?|([0-9]+)个工作日")
_CALENDAR_RE = re.compile(r"([0-9]+) calendar days?|([0-9]+)[天日]")
_LEAP_YEAR = 2000


@attrs.frozen
class Deadline:
    """When something is due: a fixed date, a day of the year, or a number of days from a start.

    Exactly the data of its kind is set: ``fixed_date`` for ``DATE``, ``month`` and ``day`` for
    ``DAY_OF_YEAR``, ``count`` (1 or more) for ``CALENDAR_DAYS`` and ``WORKING_DAYS``.
    ``str(deadline)`` is the canonical English form, which :meth:`parse` reads back.
    """

    kind: DeadlineKind
    """How the deadline is stated; it decides which of the other fields are set."""
    fixed_date: date | None = None
    """The day it is due, for ``DATE``; None for every other kind."""
    month: int | None = None
    """The month (1-12) of the day it is due, for ``DAY_OF_YEAR``; None for every other kind."""
    day: int | None = None
    """The day of the month it is due, for ``DAY_OF_YEAR``; None for every other kind."""
    count: int | None = None
    """How many days (1 or more) after the start it is due, for ``CALENDAR_DAYS`` and
    ``WORKING_DAYS``; None for the other kinds."""

    def __attrs_post_init__(self) -> None:
        kind = self.kind
        if not isinstance(kind, DeadlineKind):
            raise InvalidDeadline(kind, because("deadline_kind"))
        has = (self.fixed_date is not None, self.month is not None, self.count is not None)
        if kind is DeadlineKind.DATE:
            if has != (True, False, False) or self.day is not None:
                raise InvalidDeadline(self, because("deadline_fixed_shape"))
            if isinstance(self.fixed_date, datetime) or not isinstance(self.fixed_date, date):
                raise InvalidDeadline(self.fixed_date, because("deadline_fixed_date"))
        elif kind is DeadlineKind.DAY_OF_YEAR:
            if has != (False, True, False) or self.day is None:
                raise InvalidDeadline(self, because("deadline_day_of_year_shape"))
            _check_day_of_year(self.month, self.day)
        else:
            if has != (False, False, True) or self.day is not None:
                raise InvalidDeadline(self, because("deadline_days_shape"))
            if not _is_int(self.count) or self.count < 1:
                raise InvalidDeadline(self.count, because("deadline_days_count"))

    # ---- constructors ----------------------------------------------------------------------------

    @classmethod
    def on(cls, day: date) -> Deadline:
        """Due on the fixed date ``day``."""
        return cls(DeadlineKind.DATE, fixed_date=day)

    @classmethod
    def day_of_year(cls, month: int, day: int) -> Deadline:
        """Due on ``month``-``day`` of the year in question (e.g. 12-30).

        02-29 is accepted and falls on 02-28 in a year that is not a leap year.
        """
        return cls(DeadlineKind.DAY_OF_YEAR, month=month, day=day)

    @classmethod
    def calendar_days(cls, n: int) -> Deadline:
        """Due ``n`` calendar days after the start, moved on to the next working day if need be."""
        return cls(DeadlineKind.CALENDAR_DAYS, count=n)

    @classmethod
    def working_days(cls, n: int) -> Deadline:
        """Due on the ``n``-th working day after the start."""
        return cls(DeadlineKind.WORKING_DAYS, count=n)

    @classmethod
    def parse(cls, text: str) -> Deadline:
        """The deadline written as ``2023-12-30``, ``12-30``, ``10 working days``,
        ``15 calendar days`` (``day`` or ``days`` either way), ``10个工作日``, ``15天`` or ``15日``.

        Anything else, a non-string included, raises :class:`InvalidDeadline` naming these forms.
        """
        if not isinstance(text, str):
            raise InvalidDeadline(text, _DEADLINE_FORMS)
        try:
            if m := _DATE_RE.fullmatch(text):
                try:
                    fixed = date(int(m[1]), int(m[2]), int(m[3]))
                except ValueError as exc:
                    raise InvalidDeadline(text, because("no_such_date", detail=str(exc))) from exc
                return cls.on(fixed)
            if m := _DAY_OF_YEAR_RE.fullmatch(text):
                return cls.day_of_year(int(m[1]), int(m[2]))
            if m := _WORKING_RE.fullmatch(text):
                return cls.working_days(int(m[1] or m[2]))
            if m := _CALENDAR_RE.fullmatch(text):
                return cls.calendar_days(int(m[1] or m[2]))
        except InvalidDeadline as exc:
            raise InvalidDeadline(
                text,
                because("deadline_part", inner=exc.because or exc.reason, forms=_DEADLINE_FORMS),
            ) from exc
        raise InvalidDeadline(text, _DEADLINE_FORMS)

    # ---- reading ---------------------------------------------------------------------------------

    def __str__(self) -> str:
        value = self._value()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, tuple):
            return f"{value[0]:02d}-{value[1]:02d}"
        noun = "working" if self.kind is DeadlineKind.WORKING_DAYS else "calendar"
        return f"{value} {noun} day{'' if value == 1 else 's'}"

    @property
    def label_zh(self) -> str:
        """The Chinese wording: 2023年12月30日前, 12月30日前, 10个工作日内 or 15天内."""
        value = self._value()
        if isinstance(value, date):
            return f"{value.year}年{value.month}月{value.day}日前"
        if isinstance(value, tuple):
            return f"{value[0]}月{value[1]}日前"
        if self.kind is DeadlineKind.WORKING_DAYS:
            return f"{value}个工作日内"
        return f"{value}天内"

    def _value(self) -> date | tuple[int, int] | int:
        """The data of this deadline: its date, its (month, day), or its day count."""
        if self.fixed_date is not None:
            return self.fixed_date
        if self.month is not None and self.day is not None:
            return (self.month, self.day)
        if self.count is not None:
            return self.count
        raise AssertionError("a validated deadline always carries the data of its kind")

    def due(self, start: date, calendar: WorkCalendar, *, year: int | None = None) -> date:
        """The day this deadline falls on, for work that starts on ``start``.

        - ``DATE``: the fixed date, as it stands.
        - ``DAY_OF_YEAR``: that day in ``year`` (default: the year of ``start``), as it stands;
          02-29 falls on 02-28 in a year that is not a leap year.
        - ``CALENDAR_DAYS``: ``count`` days after ``start``; if that day is not a working day,
          the next working day (R-DEADLINE).
        - ``WORKING_DAYS``: the ``count``-th working day after ``start`` (:func:`add_workdays`).

        Raises :class:`CalendarDataMissing` when the calendar lacks data for a day it needs, and
        :class:`InvalidDeadline` when the day would fall outside the years a date can hold.
        """
        start = _as_date(start)
        value = self._value()
        try:
            if isinstance(value, date):
                return value
            if isinstance(value, tuple):
                return _resolve_day_of_year(start.year if year is None else year, *value)
            if self.kind is DeadlineKind.CALENDAR_DAYS:
                return next_workday_on_or_after(calendar, start + timedelta(days=value))
            return add_workdays(calendar, start, value)
        except OverflowError as exc:
            raise InvalidDeadline(str(self), because("deadline_after_9999", start=start)) from exc


def _check_day_of_year(month: object, day: object) -> None:
    """Raise :class:`InvalidDeadline` unless ``month``-``day`` is a day of some year."""
    if not _is_int(month) or not _is_int(day):
        raise InvalidDeadline((month, day), because("day_of_year_numbers"))
    try:
        date(_LEAP_YEAR, month, day)
    except ValueError as exc:
        raise InvalidDeadline(
            f"{month:02d}-{day:02d}",
            because("no_such_day_of_year"),
        ) from exc


def _resolve_day_of_year(year: int, month: int, day: int) -> date:
    """``month``-``day`` in ``year``; 02-29 becomes 02-28 outside leap years."""
    if not _is_int(year):
        raise InvalidDeadline(year, because("day_of_year_year"))
    if month == 2 and day == 29 and not stdcalendar.isleap(year):
        day = 28
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise InvalidDeadline(
            f"{month:02d}-{day:02d}",
            because("day_of_year_not_in_year", year=year, detail=str(exc)),
        ) from exc


_TEXT: dict[Period, str] = {}


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> Period:
    """:meth:`Period.parse` for a string; periods are immutable, so each text is read once."""
    try:
        if m := _MONTH_RE.fullmatch(text):
            return Period.month(int(m[1]), int(m[2]))
        if m := _QUARTER_RE.fullmatch(text):
            return Period.quarter(int(m[1]), int(m[2]))
        if _YEAR_RE.fullmatch(text):
            return Period.of_year(int(text))
        if m := _MONTH_ZH_RE.fullmatch(text):
            return Period.month(int(m[1]), int(m[2]))
        if m := _QUARTER_ZH_RE.fullmatch(text):
            quarter = m[2]
            index = int(quarter) if quarter.isascii() else _QUARTER_ZH.index(quarter) + 1
            return Period.quarter(int(m[1]), index)
        if m := _YEAR_ZH_RE.fullmatch(text):
            return Period.of_year(int(m[1]))
    except InvalidPeriod as exc:
        inner = exc.because or exc.reason
        raise InvalidPeriod(
            text, because("period_part", inner=inner, value=exc.value, forms=_PERIOD_FORMS)
        ) from exc
    raise InvalidPeriod(text, _PERIOD_FORMS)
