"""Number, percentage and date formats of the report languages (zh-CN and en).

Both languages group thousands with a comma and write percentages with one decimal, so a
manager reads 1,234 户 or 1,234 households and 12.3% in either report.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from northstar.reports.periods import Period

LANGUAGES = ("zh-CN", "en")

# Unit words follow the number. Units missing here are shown as written in the registry.
UNIT_WORDS = {
    "zh-CN": {"households": "户", "USD": "美元"},
    "en": {"households": "households", "USD": ""},
}
EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# A change between two rates is in percentage points, not percent.
PERCENT_POINT_WORDS = {"zh-CN": "个百分点", "en": "pp"}
# Shown where a value is undefined (no target, no previous month, zero denominator).
MISSING = "—"
PERCENT_DECIMALS = 1
DECIMAL_PLACES = 2
# Contributions to a change of a count are fractions of a household (LMDI splits are not
# integers), so they keep one decimal.
CONTRIBUTION_DECIMALS = 1
# Effects on a rate are often a fraction of a point, so they keep two decimals.
CONTRIBUTION_POINT_DECIMALS = 2
EN_MONTHS_SHORT = tuple(name[:3] for name in EN_MONTHS)
ZH_QUARTERS = ("一", "二", "三", "四")


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"Unsupported report language {language!r}; use one of: {LANGUAGES}.")
    return language


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_month(month_start: date, language: str) -> str:
    """Format a month as 2017年12月 or December 2017."""
    if check_language(language) == "zh-CN":
        return f"{month_start.year}年{month_start.month}月"
    return f"{EN_MONTHS[month_start.month - 1]} {month_start.year}"


def format_day(day: date, language: str) -> str:
    """Format a date as 2017年12月31日 or December 31, 2017."""
    if check_language(language) == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{EN_MONTHS[day.month - 1]} {day.day}, {day.year}"


def format_timestamp(moment: datetime, language: str) -> str:
    """Format a date and time as 2018年1月1日 02:30 or January 1, 2018 02:30."""
    return f"{format_day(moment.date(), language)} {moment:%H:%M}"


def format_percent(
    ratio: float | None, signed: bool = False, decimals: int = PERCENT_DECIMALS
) -> str:
    """Format a ratio (0.123) as a percentage (12.3%)."""
    if _is_missing(ratio):
        return MISSING
    sign = "+" if signed else ""
    return _unsigned_zero(f"{ratio * 100:{sign},.{decimals}f}%")


def format_number(value: float | None, number_format: str, signed: bool = False) -> str:
    """Format a bare number by the registry format (integer, decimal, percent or currency)."""
    if _is_missing(value):
        return MISSING
    if number_format == "percent":
        return format_percent(value, signed=signed)
    sign = "+" if signed else ""
    if number_format == "integer":
        return _unsigned_zero(f"{round(value):{sign},d}")
    if number_format in ("decimal", "currency"):
        return _unsigned_zero(f"{value:{sign},.{DECIMAL_PLACES}f}")
    raise ValueError(
        f"Unknown number format {number_format!r}; use integer, decimal, percent or currency."
    )


def format_value(
    value: float | None, number_format: str, unit: str, language: str, signed: bool = False
) -> str:
    """Format a metric value with its unit: 1,234 户, 1,234 households, $1,234.50, 12.3%."""
    number = format_number(value, number_format, signed=signed)
    if number == MISSING or number_format == "percent":
        return number
    if number_format == "currency" and unit == "USD" and check_language(language) == "en":
        # "$" goes after the sign: -$12.00, +$12.00.
        if number[0] in "+-":
            return f"{number[0]}${number[1:]}"
        return f"${number}"
    word = UNIT_WORDS[check_language(language)].get(unit, unit)
    return f"{number} {word}" if word else number


def format_change(
    current: float | None, previous: float | None, number_format: str, unit: str, language: str
) -> tuple[str, str]:
    """Format the change from previous to current as (+46 户, +4.0%); MISSING where undefined."""
    if _is_missing(current) or _is_missing(previous):
        return MISSING, MISSING
    absolute = format_value(current - previous, number_format, unit, language, signed=True)
    if number_format == "percent":
        points = (current - previous) * 100
        number = _unsigned_zero(f"{points:+.{PERCENT_DECIMALS}f}")
        absolute = f"{number} {PERCENT_POINT_WORDS[language]}"
    relative = MISSING if previous == 0 else format_percent((current - previous) / previous, True)
    return absolute, relative


def format_period(period: Period, language: str) -> str:
    """Format a period: 2017年第52周（12月25日—12月31日） or Week 52, 2017 (Dec 25–31)."""
    check_language(language)
    if period.cadence == "monthly":
        return format_month(period.start, language)
    if period.cadence == "quarterly":
        quarter = (period.start.month - 1) // 3 + 1
        if language == "zh-CN":
            return f"{period.start.year}年第{ZH_QUARTERS[quarter - 1]}季度"
        return f"Q{quarter} {period.start.year}"
    year, week, _ = period.start.isocalendar()
    start, end = period.start, period.end
    if language == "zh-CN":
        return f"{year}年第{week}周（{start.month}月{start.day}日—{end.month}月{end.day}日）"
    end_text = (
        f"{end.day}" if end.month == start.month else f"{EN_MONTHS_SHORT[end.month - 1]} {end.day}"
    )
    return f"Week {week}, {year} ({EN_MONTHS_SHORT[start.month - 1]} {start.day}–{end_text})"


def format_contribution(value: float | None, number_format: str, unit: str, language: str) -> str:
    """Format a signed contribution: +55.2 户, -9.2 households, +1.5 个百分点."""
    if _is_missing(value):
        return MISSING
    if number_format == "percent":
        points = f"{value * 100:+.{CONTRIBUTION_POINT_DECIMALS}f}"
        return f"{_unsigned_zero(points)} {PERCENT_POINT_WORDS[language]}"
    number = _unsigned_zero(f"{value:+,.{CONTRIBUTION_DECIMALS}f}")
    word = UNIT_WORDS[check_language(language)].get(unit, unit)
    if number_format == "currency" and unit == "USD" and language == "en":
        return f"{number[0]}${number[1:]}" if number[0] in "+-" else f"${number}"
    return f"{number} {word}" if word else number


def _unsigned_zero(number: str) -> str:
    """Drop the sign of a number that rounds to zero: +0, -0.0% and -0.00 read as 0, 0.0% and 0.00.

    A change too small to show is neither a rise nor a fall, in either language.
    """
    if number[:1] in ("+", "-") and not any(digit in number for digit in "123456789"):
        return number[1:]
    return number
