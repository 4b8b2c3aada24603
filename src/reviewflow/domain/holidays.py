"""Later years' holidays as data (R-DEADLINE): a calendar file a deployment supplies.

The packaged data (``chinesecalendar``) ends with the last year whose schedule the State Council
had published when it was released. For a later year, the office copies that year's notice
(国务院办公厅关于××年部分节假日安排的通知) into a small TOML file::

    # 2027年部分节假日安排
    [2027]
    holidays = [
        "2027-01-01",                 # 元旦
        "2027-02-06/2027-02-12",      # 春节: a range, both ends included
    ]
    workdays = ["2027-02-14"]         # 调休上班: a Saturday or Sunday that is worked

A day of a listed year is a working day when it is listed under ``workdays``; else not when
under ``holidays``; else when it falls on Monday to Friday. A year the file does not list is
asked of the packaged data; a year neither knows raises
:class:`~reviewflow.errors.CalendarDataMissing` naming the year and how to supply it. A file
that cannot be used raises :class:`~reviewflow.errors.InvalidCalendar` naming the place in it:
a day outside its year, a worked day that is not a weekend day, a day both off and worked, a
range that runs backwards, a key that is not a year or not one of the two lists.

(The ``holidays`` package was considered as a second source: its China calendar for a year
without a published schedule is computed from the rules, without the 调休 workdays, so it would
count a worked Saturday as a day off. It is not used.)
"""

from __future__ import annotations

import os
import pathlib
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

import attrs

from reviewflow.domain.periods import ChineseWorkCalendar, WorkCalendar
from reviewflow.errors import CalendarDataMissing, InvalidCalendar
from reviewflow.reasons import because

__all__ = ["HolidayCalendar", "YearSchedule"]

_LISTS = ("holidays", "workdays")
_SATURDAY = 5


@attrs.frozen
class YearSchedule:
    """One year's schedule: the days off that are not weekends, and the weekend days worked."""

    year: int
    """The calendar year this schedule covers; every listed day falls in it."""
    holidays: frozenset[date] = frozenset()
    """The days off of the statutory holidays (法定节假日) as the State Council's notice lists
    them; a weekend day listed here is off anyway."""
    workdays: frozenset[date] = frozenset()
    """The Saturdays and Sundays that are worked (调休上班); only weekend days may be listed."""

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` (of this year) is a working day."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < _SATURDAY


def _default_fallback() -> WorkCalendar:
    return ChineseWorkCalendar()


@attrs.frozen
class HolidayCalendar:
    """Working days from the years of a calendar file, and from ``fallback`` (the packaged
    Chinese data, by default) for the others."""

    years: Mapping[int, YearSchedule] = attrs.field(factory=dict, hash=False)
    """The schedule of each year the file lists, by year; these years override ``fallback``."""
    fallback: WorkCalendar = attrs.field(factory=_default_fallback, hash=False)
    """The calendar asked for the years not in ``years``: the packaged Chinese data
    (:class:`ChineseWorkCalendar`) unless the caller gives another."""
    source: str = ""
    """Where the years came from, as errors name it: the file's path for :meth:`load`,
    ``<string>`` or ``<mapping>`` unless the caller names it, empty when built directly."""

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day; :class:`CalendarDataMissing` for a year that
        neither the file nor the fallback knows."""
        schedule = self.years.get(day.year)
        if schedule is not None:
            return schedule.is_workday(day)
        try:
            return self.fallback.is_workday(day)
        except CalendarDataMissing as missing:
            raise CalendarDataMissing(
                missing.year, missing.first, missing.last, (*missing.supplied, *self.years)
            ) from None

    # -- reading a file ------------------------------------------------------------------------

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, fallback: WorkCalendar | None = None
    ) -> HolidayCalendar:
        """The calendar of the TOML file at ``path`` (UTF-8), over ``fallback`` for the years
        it does not list (the packaged data when None)."""
        where = str(path)
        try:
            text = pathlib.Path(path).read_bytes().decode("utf-8-sig")
        except OSError as error:
            raise InvalidCalendar(
                "(file)",
                because("calendar_unreadable", detail=str(error.strerror or error)),
                source=where,
            ) from None
        except UnicodeDecodeError:
            raise InvalidCalendar("(file)", because("calendar_not_utf8"), source=where) from None
        return cls.from_toml(text, source=where, fallback=fallback)

    @classmethod
    def from_toml(
        cls, text: str, *, source: str = "<string>", fallback: WorkCalendar | None = None
    ) -> HolidayCalendar:
        """The calendar written in ``text`` (the file's format)."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise InvalidCalendar(
                "(file)", because("calendar_not_toml", detail=str(error)), source=source
            ) from None
        return cls.from_mapping(data, source=source, fallback=fallback)

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, object],
        *,
        source: str = "<mapping>",
        fallback: WorkCalendar | None = None,
    ) -> HolidayCalendar:
        """The calendar of ``{"2027": {"holidays": [...], "workdays": [...]}, ...}``."""
        if not isinstance(data, Mapping):
            raise InvalidCalendar("(file)", because("calendar_years"), value=data, source=source)
        years: dict[int, YearSchedule] = {}
        for key, table in data.items():
            schedule = _year(str(key), table, source)
            years[schedule.year] = schedule
        return cls(years, fallback if fallback is not None else _default_fallback(), source)


def _year(key: str, table: object, source: str) -> YearSchedule:
    if not (key.isascii() and key.isdigit() and len(key) == 4):
        raise InvalidCalendar(key, because("calendar_year_name"), source=source)
    if not isinstance(table, Mapping):
        raise InvalidCalendar(key, because("calendar_year_table"), source=source)
    unknown = sorted(str(k) for k in table if k not in _LISTS)
    if unknown:
        raise InvalidCalendar(f"{key}.{unknown[0]}", because("calendar_unknown_key"), source=source)
    year = int(key)
    holidays = _days(year, f"{key}.holidays", table.get("holidays", []), source)
    workdays = _days(year, f"{key}.workdays", table.get("workdays", []), source)
    for day in sorted(workdays):
        if day.weekday() < _SATURDAY:
            raise InvalidCalendar(
                f"{key}.workdays",
                because("calendar_weekday_worked", day=day, weekday=day.strftime("%A")),
                value=day.isoformat(),
                source=source,
            )
    both = sorted(holidays & workdays)
    if both:
        raise InvalidCalendar(
            f"{key}.workdays",
            because("calendar_both", day=both[0]),
            value=both[0].isoformat(),
            source=source,
        )
    return YearSchedule(year, frozenset(holidays), frozenset(workdays))


def _days(year: int, key: str, entries: object, source: str) -> set[date]:
    if not isinstance(entries, list):
        raise InvalidCalendar(key, because("calendar_list"), value=entries, source=source)
    days: set[date] = set()
    for entry in entries:
        days.update(_entry(year, key, entry, source))
    return days


def _entry(year: int, key: str, entry: object, source: str) -> Iterable[date]:
    """A date (``2027-01-01``, or a TOML date) or a range ``2027-02-06/2027-02-12``."""
    if isinstance(entry, date):
        first = last = entry
    elif isinstance(entry, str):
        ends = entry.split("/")
        if len(ends) > 2:
            raise InvalidCalendar(key, because("calendar_range_ends"), value=entry, source=source)
        try:
            first, last = date.fromisoformat(ends[0].strip()), date.fromisoformat(ends[-1].strip())
        except ValueError:
            raise InvalidCalendar(
                key, because("calendar_date_form"), value=entry, source=source
            ) from None
    else:
        raise InvalidCalendar(key, because("calendar_entry"), value=entry, source=source)
    if last < first:
        raise InvalidCalendar(key, because("calendar_backwards"), value=str(entry), source=source)
    for day in (first, last):
        if day.year != year:
            raise InvalidCalendar(
                key,
                because("calendar_other_year", day=day, year=year),
                value=str(entry),
                source=source,
            )
    return (first + timedelta(days=n) for n in range((last - first).days + 1))
