"""Read the numbers of a monthly review from the published marts file (read-only)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from northstar.settings import get_settings

log = logging.getLogger(__name__)

# The trend chart shows the report month and the eleven months before it.
TREND_MONTHS = 12


class ReportDataError(LookupError):
    """The published marts cannot supply a report; the message names the month and the fix."""


@dataclass(frozen=True)
class MetricMonth:
    """One metric's total for one month with its target, if the month has one."""

    metric_id: str
    value: float | None
    target: float | None
    attainment: float | None
    status: str | None


@dataclass(frozen=True)
class TrendPoint:
    month_start: date
    value: float | None
    target: float | None


@dataclass(frozen=True)
class QualitySummary:
    """Outcome of the quality gate for the latest publish."""

    run_id: str
    published_at: datetime
    data_through: date
    gate_status: str
    passed: int
    warnings: int
    failed: int
    failing_warnings: tuple[str, ...]


@dataclass(frozen=True)
class MonthlyData:
    month_start: date
    current: dict[str, MetricMonth]
    previous: dict[str, MetricMonth]
    trend: list[TrendPoint]
    quality: QualitySummary


def add_months(month_start: date, months: int) -> date:
    index = month_start.year * 12 + month_start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(month_start: date) -> date:
    return date.fromordinal(add_months(month_start, 1).toordinal() - 1)


def load_monthly_data(month_start: date, north_star_id: str) -> MonthlyData:
    """Read one month, the month before and the trend; raise ReportDataError if the month is absent.

    The published file is opened read-only and closed before returning, because the publish
    step replaces it and DuckDB rejects a writer while another process has the file open.
    """
    import duckdb

    if month_start.day != 1:
        raise ValueError(f"Month start {month_start} is not the first day of a month.")
    path = get_settings().published_path
    if not Path(path).exists():
        raise ReportDataError(
            f"Published marts file {path} not found, so there is no data for "
            f"{month_start:%Y-%m}. Run the publish step of the pipeline first."
        )
    con = _connect_published(duckdb, Path(path))
    try:
        quality = _load_quality(con, path)
        current = _load_month(con, month_start)
        if north_star_id not in current:
            raise ReportDataError(_missing_month_message(con, month_start, north_star_id, quality))
        previous = _load_month(con, add_months(month_start, -1))
        trend = _load_trend(con, month_start, north_star_id)
    finally:
        con.close()
    log.info(
        "Loaded monthly review data for period %s from run %s (data through %s): %d metrics",
        f"{month_start:%Y-%m}",
        quality.run_id,
        quality.data_through,
        len(current),
    )
    return MonthlyData(month_start, current, previous, trend, quality)


def _connect_published(duckdb, path: Path):
    """Open the published file read-only; its tables are in the default schema."""
    return duckdb.connect(str(path), read_only=True)


def _load_month(con, month_start: date) -> dict[str, MetricMonth]:
    rows = con.execute(
        """
        select v.metric_id, v.value, a.target_value, a.attainment, a.status
        from metric_values as v
        left join metric_attainment as a
            on a.metric_id = v.metric_id and a.grain = v.grain and a.period_start = v.period_start
        where v.grain = 'month' and v.dimension_name = 'total' and v.period_start = ?
        """,
        [month_start],
    ).fetchall()
    return {row[0]: MetricMonth(*row) for row in rows}


def _load_trend(con, month_start: date, north_star_id: str) -> list[TrendPoint]:
    first = add_months(month_start, 1 - TREND_MONTHS)
    rows = con.execute(
        """
        select v.period_start, v.value, a.target_value
        from metric_values as v
        left join metric_attainment as a
            on a.metric_id = v.metric_id and a.grain = v.grain and a.period_start = v.period_start
        where v.metric_id = ? and v.grain = 'month' and v.dimension_name = 'total'
            and v.period_start between ? and ?
        """,
        [north_star_id, first, month_start],
    ).fetchall()
    by_month = {row[0]: row for row in rows}
    # Months without published data stay in the trend as gaps, so the x axis is always 12 months.
    points = []
    for offset in range(TREND_MONTHS):
        month = add_months(first, offset)
        _, value, target = by_month.get(month, (month, None, None))
        points.append(TrendPoint(month, value, target))
    return points


def _load_quality(con, path: Path) -> QualitySummary:
    latest = con.execute(
        """
        select run_id, published_at, data_through, gate_status
        from publish_log
        order by published_at desc
        limit 1
        """
    ).fetchone()
    if latest is None:
        raise ReportDataError(
            f"Published marts file {path} has no row in publish_log, so its data-through "
            "date is unknown. Run the publish step of the pipeline again."
        )
    run_id, published_at, data_through, gate_status = latest
    rows = con.execute(
        """
        select suite, expectation, column_name, severity, success
        from dq_results
        where run_id = ?
        order by suite, expectation, column_name
        """,
        [run_id],
    ).fetchall()
    passed = sum(1 for row in rows if row[4])
    failed = sum(1 for row in rows if not row[4] and row[3] != "warning")
    failing_warnings = tuple(
        _expectation_name(expectation, column)
        for _, expectation, column, severity, success in rows
        if not success and severity == "warning"
    )
    return QualitySummary(
        run_id=run_id,
        published_at=published_at,
        data_through=data_through,
        gate_status=gate_status,
        passed=passed,
        warnings=len(failing_warnings),
        failed=failed,
        failing_warnings=failing_warnings,
    )


def _expectation_name(expectation: str, column: str | None) -> str:
    return f"{expectation} ({column})" if column else expectation


def _missing_month_message(con, month_start: date, north_star_id: str, quality) -> str:
    first, last = con.execute(
        """
        select min(period_start), max(period_start)
        from metric_values
        where metric_id = ? and grain = 'month' and dimension_name = 'total'
        """,
        [north_star_id],
    ).fetchone()
    available = f"{first:%Y-%m} to {last:%Y-%m}" if first else "none"
    return (
        f"No published data for month {month_start:%Y-%m}: the published marts hold data "
        f"through {quality.data_through} (run {quality.run_id}; months published: {available}). "
        "Choose a published month or run the pipeline for that month first."
    )
