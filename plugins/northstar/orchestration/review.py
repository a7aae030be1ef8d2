"""Task bodies of the review DAGs."""

from __future__ import annotations

import logging
from datetime import date, datetime

log = logging.getLogger(__name__)

LANGUAGES = ("zh-CN", "en")


def resolve_month(requested: str | None, data_interval_start: datetime | None) -> date:
    """Return the first day of the month to review: the `month` param, else the data interval's."""
    if requested:
        try:
            return datetime.strptime(requested, "%Y-%m").date()
        except ValueError:
            raise ValueError(
                f"Invalid month {requested!r}: give the month to review as YYYY-MM, e.g. 2017-12."
            ) from None
    if data_interval_start is None:
        raise ValueError("The run has no data interval; pass the conf {\"month\": \"YYYY-MM\"}.")
    return data_interval_start.date().replace(day=1)


def render_monthly(month: str, run_id: str) -> list[str]:
    from northstar.reports.monthly import write_monthly_reports

    paths = write_monthly_reports(date.fromisoformat(month), run_id=run_id)
    return [str(path) for path in paths]


def deliver_monthly(month: str, run_id: str) -> list[dict]:
    from dataclasses import asdict

    from northstar.delivery.email import deliver_report, load_recipients
    from northstar.reports.monthly import build_monthly_review

    month_start = date.fromisoformat(month)
    reports = {language: build_monthly_review(month_start, language) for language in LANGUAGES}
    records = deliver_report(reports, load_recipients())
    log.info("Run %s delivered the %s review %d times", run_id, month, len(records))
    return [asdict(record) for record in records]
