"""The production calendar: the one answer to "is D a working day?" for the whole project.

Working days are Monday to Friday except the public holidays, with the government's annual
transfers of days off (a Saturday worked instead of a Monday off, and so on). The holidays and
transfers come from the maintained `holidays` package (its Russia calendar, which cites each
year's decree); an administrator's `CalendarOverride` rows win over it, so a new decree can be
entered before the library knows it. A year for which neither the library lists the decree's
transfers nor an override exists is *unconfirmed*: it still follows the Labour Code's fixed
holidays (art. 112), and the admin and the collector's pages say that it is unconfirmed.

230-FZ contact hours, due dates (Civil Code art. 193), COB's overdue marking and the bureau
reporting deadlines all ask this module.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays
from holidays.countries.russia import RussiaStaticHolidays

from kernel.request_memo import remembered
from loans.models import CalendarOverride

# A run of non-working days is never longer than this (the New Year holidays are ~10 days).
MAX_RUN_DAYS = 31


@cache
def _library_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """(holidays and days off with their names, weekend days worked) for a year."""
    calendar = holidays.country_holidays("RU", years=year, language="ru")
    return dict(calendar.items()), frozenset(getattr(calendar, "weekend_workdays", ()))


@cache
def library_confirmed_years() -> frozenset[int]:
    """The years whose transfers of days off the library has from a decree."""
    years: set[int] = set()
    for name in ("special_public_holidays", "special_public_holidays_observed"):
        years.update(getattr(RussiaStaticHolidays, name, {}).keys())
    return frozenset(years)


def library_is_working(day: date) -> bool:
    days_off, weekend_workdays = _library_year(day.year)
    if day in weekend_workdays:
        return True
    return day.weekday() < 5 and day not in days_off


@dataclass(frozen=True)
class Day:
    day: date
    is_working: bool
    source: str  # "override", "library" or "unconfirmed"
    name: str = ""


def _overrides_of_year(year: int) -> dict[date, CalendarOverride]:
    """The administrator's overrides of one year, read once per request."""
    return remembered(
        ("calendar_overrides", year),
        lambda: {row.day: row for row in CalendarOverride.objects.filter(day__year=year)},
    )


class WorkCalendar:
    """The production calendar; the overrides are read once per year asked (once per request
    where the request memo holds them). `start` and `end` say which years to read first."""

    def __init__(self, start: date, end: date):
        self._years: dict[int, dict[date, CalendarOverride]] = {}
        for year in range(start.year, end.year + 1):
            self._overrides(year)

    def _overrides(self, year: int) -> dict[date, CalendarOverride]:
        if year not in self._years:
            self._years[year] = _overrides_of_year(year)
        return self._years[year]

    def _override(self, day: date) -> CalendarOverride | None:
        return self._overrides(day.year).get(day)

    def is_working(self, day: date) -> bool:
        override = self._override(day)
        if override is not None:
            return override.is_working
        return library_is_working(day)

    def describe(self, day: date) -> Day:
        override = self._override(day)
        if override is not None:
            return Day(day, override.is_working, "override", override.name or override.decree)
        days_off, _ = _library_year(day.year)
        source = "library" if self.year_confirmed(day.year) else "unconfirmed"
        return Day(day, library_is_working(day), source, days_off.get(day, ""))

    def year_confirmed(self, year: int) -> bool:
        return year in library_confirmed_years() or bool(self._overrides(year))

    def on_or_after(self, day: date) -> date:
        """`day` if it is a working day, else the next working day (Civil Code art. 193)."""
        for _step in range(MAX_RUN_DAYS):
            if self.is_working(day):
                return day
            day += timedelta(days=1)
        return day

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        return self.on_or_after(day + timedelta(days=1))

    def add_working_days(self, day: date, count: int) -> date:
        """The working day `count` working days after `day` (`day` itself is not counted)."""
        for _step in range(count):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        count, day = 0, start + timedelta(days=1)
        while day <= end:
            count += self.is_working(day)
            day += timedelta(days=1)
        return count


def calendar_for(start: date, end: date | None = None) -> WorkCalendar:
    return WorkCalendar(start, end or start)


def is_working_day(day: date) -> bool:
    return calendar_for(day).is_working(day)


def on_or_after(day: date) -> date:
    return calendar_for(day, day + timedelta(days=MAX_RUN_DAYS)).on_or_after(day)


def next_working_day(day: date) -> date:
    return calendar_for(day, day + timedelta(days=MAX_RUN_DAYS)).next_working_day(day)


def add_working_days(day: date, count: int) -> date:
    return calendar_for(day, day + timedelta(days=2 * count + MAX_RUN_DAYS)).add_working_days(
        day, count
    )


def year_confirmed(year: int) -> bool:
    return calendar_for(date(year, 1, 1)).year_confirmed(year)


def unconfirmed_years(start: date, end: date) -> list[int]:
    """The years from `start` to `end` whose calendar no decree confirms yet."""
    calendar = calendar_for(start, start)
    return [year for year in range(start.year, end.year + 1) if not calendar.year_confirmed(year)]


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    return calendar_for(start, end).working_days_between(start, end)
