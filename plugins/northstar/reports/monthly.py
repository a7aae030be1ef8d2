"""The monthly review: the month-shaped entry points over northstar.reports.review."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from northstar.reports import formatting
from northstar.reports.periods import Period
from northstar.reports.review import Report, build_review, report_id
from northstar.reports.scope import SCOPE_ALL, Scope

REPORT_ID = report_id("monthly")

__all__ = [
    "REPORT_ID",
    "Report",
    "build_monthly_review",
    "build_monthly_reviews",
    "write_monthly_reports",
]


def build_monthly_review(month_start: date, language: str, scope: Scope = SCOPE_ALL) -> Report:
    """Build the review of the month starting `month_start` in `language` for `scope`."""
    return build_review(Period("monthly", month_start), language, scope)


def build_monthly_reviews(month_start: date, scope: Scope = SCOPE_ALL) -> dict[str, Report]:
    """Build the monthly review in every report language, keyed by language."""
    return {
        language: build_monthly_review(month_start, language, scope)
        for language in formatting.LANGUAGES
    }


def write_monthly_reports(month_start: date, run_id: str) -> list[Path]:
    """Archive the company-wide review of the month in every language; return the file paths."""
    from northstar.reports.archive import archive_reports

    return archive_reports(list(build_monthly_reviews(month_start).values()), run_id=run_id)
