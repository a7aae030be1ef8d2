"""Review periods: ISO weeks, calendar months and quarters, with their keys and neighbours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

CADENCES = ("weekly", "monthly", "quarterly")
# Grain of metric_values each cadence reads.
GRAIN_BY_CADENCE = {"weekly": "week", "monthly": "month", "quarterly": "quarter"}
# Periods per year, so "the same period last year" is this many periods back.
PERIODS_PER_YEAR = {"weekly": 52, "monthly": 12, "quarterly": 4}
MONTHS_PER_QUARTER = 3

_WEEK_KEY = re.compile(r"(\d{4})-W(\d{2})")
_MONTH_KEY = re.compile(r"(\d{4})-(\d{2})")
_QUARTER_KEY = re.compile(r"(\d{4})-Q([1-4])")


def check_cadence(cadence: str) -> str:
    if cadence not in CADENCES:
        raise ValueError(f"Unknown review cadence {cadence!r}; use one of: {', '.join(CADENCES)}.")
    return cadence


def _add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    """One review period: its cadence and first day (a Monday, a 1st of a month or quarter)."""

    cadence: str
    start: date

    def __post_init__(self) -> None:
        check_cadence(self.cadence)
        if self.start != period_containing(self.cadence, self.start).start:
            raise ValueError(
                f"{self.start} does not start a {self.cadence} period; use the first day "
                f"(a Monday for weeks, the 1st for months and quarters)."
            )

    @property
    def grain(self) -> str:
        return GRAIN_BY_CADENCE[self.cadence]

    @property
    def end(self) -> date:
        """Last day of the period, inclusive."""
        return self.shift(1).start - timedelta(days=1)

    @property
    def key(self) -> str:
        """The period_key of metric_values: 2017-W52, 2017-12 or 2017-Q4."""
        if self.cadence == "weekly":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.cadence == "monthly":
            return f"{self.start:%Y-%m}"
        return f"{self.start.year}-Q{(self.start.month - 1) // MONTHS_PER_QUARTER + 1}"

    def shift(self, periods: int) -> Period:
        if self.cadence == "weekly":
            return Period(self.cadence, self.start + timedelta(weeks=periods))
        months = periods * (1 if self.cadence == "monthly" else MONTHS_PER_QUARTER)
        return Period(self.cadence, _add_months(self.start, months))

    def previous(self) -> Period:
        return self.shift(-1)

    def same_period_last_year(self) -> Period:
        """Return the period a year earlier: for weeks, the same ISO week number (52 for 53)."""
        if self.cadence != "weekly":
            return self.shift(-PERIODS_PER_YEAR[self.cadence])
        year, week, _ = self.start.isocalendar()
        weeks_last_year = date(year - 1, 12, 28).isocalendar()[1]
        return Period(self.cadence, date.fromisocalendar(year - 1, min(week, weeks_last_year), 1))


def period_containing(cadence: str, day: date) -> Period:
    check_cadence(cadence)
    if cadence == "weekly":
        start = day - timedelta(days=day.weekday())
    elif cadence == "monthly":
        start = day.replace(day=1)
    else:
        start = date(day.year, (day.month - 1) // MONTHS_PER_QUARTER * MONTHS_PER_QUARTER + 1, 1)
    # Built without validation: __post_init__ calls this function.
    period = object.__new__(Period)
    object.__setattr__(period, "cadence", cadence)
    object.__setattr__(period, "start", start)
    return period


def latest_closed_period(cadence: str, day: date) -> Period:
    """Return the last period that ended before `day`: on Monday 2018-01-01, week 2017-W52."""
    return Period(cadence, period_containing(cadence, day).start).previous()


def parse_period(cadence: str, key: str) -> Period:
    """Parse 2017-W52 (weekly), 2017-12 (monthly) or 2017-Q4 (quarterly)."""
    check_cadence(cadence)
    examples = {"weekly": "2017-W52", "monthly": "2017-12", "quarterly": "2017-Q4"}
    try:
        if cadence == "weekly" and (match := _WEEK_KEY.fullmatch(key)):
            return Period(cadence, date.fromisocalendar(int(match[1]), int(match[2]), 1))
        if cadence == "monthly" and (match := _MONTH_KEY.fullmatch(key)):
            return Period(cadence, date(int(match[1]), int(match[2]), 1))
        if cadence == "quarterly" and (match := _QUARTER_KEY.fullmatch(key)):
            return Period(cadence, date(int(match[1]), (int(match[2]) - 1) * 3 + 1, 1))
    except ValueError:
        pass
    raise ValueError(f"Invalid {cadence} period {key!r}; write it like {examples[cadence]}.")
