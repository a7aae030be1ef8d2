"""Read the numbers of a review from the published marts file (read-only).

A review reads only rows of its own period and earlier periods, so a report rebuilt later for a
past period shows the same numbers as long as the published history is unchanged.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from northstar.reports.anomalies import HISTORY_PERIODS
from northstar.reports.periods import PERIODS_PER_YEAR, Period
from northstar.reports.scope import Scope
from northstar.settings import get_settings

log = logging.getLogger(__name__)

# Periods the trend chart shows, the report period included.
TREND_PERIODS = {"weekly": 13, "monthly": 12, "quarterly": 8}
# Gate statuses that let a report go out (the ones the publish step accepts).
READY_GATE_STATUSES = ("passed", "passed_with_warnings")


class ReportDataError(LookupError):
    """The published marts cannot supply a report; the message names the period and the fix."""


@dataclass(frozen=True)
class MetricValue:
    """One metric's value in one period and scope, with its target where the scope has one."""

    metric_id: str
    value: float | None
    target: float | None = None
    attainment: float | None = None
    status: str | None = None
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class TrendPoint:
    period_start: date
    key: str
    value: float | None
    target: float | None


@dataclass(frozen=True)
class FailingWarning:
    """A warning-level expectation that failed: the stored reason and the technical name."""

    reason: str | None
    expectation: str
    column: str | None


@dataclass(frozen=True)
class QualitySummary:
    """The latest publish: when, through which day, and what the quality gate found."""

    run_id: str
    published_at: datetime
    data_through: date
    gate_status: str
    passed: int
    warnings: int
    failed: int
    failing_warnings: tuple[FailingWarning, ...]


@dataclass(frozen=True)
class Readiness:
    """Whether the published marts cover a period and passed the gate; `reason` when not."""

    period: Period
    ready: bool
    reason: str | None  # not_published, data_late, no_data or gate_failed
    quality: QualitySummary | None


@dataclass(frozen=True)
class ReviewData:
    period: Period
    scope: Scope
    current: dict[str, MetricValue]
    previous: dict[str, MetricValue]
    last_year: dict[str, MetricValue]
    trend: list[TrendPoint]
    # Per metric, one value per period (None for a gap), oldest first, ending with this period.
    history: dict[str, list[float | None]]
    # (dimension, metric id) -> segment -> (previous, current); only the scope's own segments.
    segments: dict[tuple[str, str], dict[str, tuple[MetricValue | None, MetricValue | None]]]
    quality: QualitySummary
    store_regions: dict[str, str] = field(default_factory=dict)
    # False when the same period last year starts before the first day of published data, so
    # `last_year` is left empty rather than compared with a partial period.
    last_year_covered: bool = True
    first_data_day: date | None = None


def _connect_published():
    import duckdb

    path = get_settings().published_path
    if not Path(path).exists():
        return None, path
    # Read-only, and closed before returning, because the publish step replaces the file.
    return duckdb.connect(str(path), read_only=True), path


def check_readiness(period: Period) -> Readiness:
    """Check that the latest publish covers `period` to its last day and passed the gate."""
    con, path = _connect_published()
    if con is None:
        return Readiness(period, False, "not_published", None)
    try:
        quality = _load_quality(con, path)
        # A publish can cover the period's dates without any rows for it, for example when the
        # sources stopped delivering and only the freshness warning fired.
        period_rows = con.execute(
            "select count(*) from metric_values "
            "where grain = ? and period_start = ? and dimension_name = 'total'",
            [period.grain, period.start],
        ).fetchone()[0]
    finally:
        con.close()
    if str(quality.gate_status).lower() not in READY_GATE_STATUSES:
        reason = "gate_failed"
    elif quality.data_through < period.end:
        reason = "data_late"
    elif period_rows == 0:
        reason = "no_data"
    else:
        reason = None
    log.info(
        "Readiness of period %s: %s (publish run %s, data through %s, gate %s)",
        period.key,
        reason or "ready",
        quality.run_id,
        quality.data_through,
        quality.gate_status,
    )
    return Readiness(period, reason is None, reason, quality)


def load_review_data(period: Period, scope: Scope, north_star_id: str) -> ReviewData:
    """Read one period of one scope with its comparisons, history and breakdowns.

    Raises ReportDataError when the published file or the period's north star row is missing.
    """
    con, path = _connect_published()
    if con is None:
        raise ReportDataError(
            f"Published marts file {path} not found, so there is no data for {period.key}. "
            "Run the publish step of the pipeline first."
        )
    try:
        quality = _load_quality(con, path)
        span = max(TREND_PERIODS[period.cadence], HISTORY_PERIODS[period.cadence] + 1)
        first = period.shift(-(span + PERIODS_PER_YEAR[period.cadence]))
        tables = _table_names(con)
        totals = _load_totals(con, period, scope, first, tables)
        if (north_star_id, period.start) not in totals:
            raise ReportDataError(_missing_period_message(con, period, scope, north_star_id))
        segments = _load_segments(con, period, scope)
        store_regions = _load_store_regions(con, tables)
        first_data_day = _first_data_day(con, tables)
    finally:
        con.close()

    periods = [first.shift(offset) for offset in range(span + PERIODS_PER_YEAR[period.cadence] + 1)]
    metric_ids = sorted({metric_id for metric_id, _ in totals})

    def at(p: Period) -> dict[str, MetricValue]:
        return {m: totals[(m, p.start)] for m in metric_ids if (m, p.start) in totals}

    history = {
        m: [totals[(m, p.start)].value if (m, p.start) in totals else None for p in periods]
        for m in metric_ids
    }
    trend = [
        TrendPoint(p.start, p.key, *_value_target(totals.get((north_star_id, p.start))))
        for p in periods[-TREND_PERIODS[period.cadence] :]
    ]
    last_year_period = period.same_period_last_year()
    last_year_covered = first_data_day is None or last_year_period.start >= first_data_day
    log.info(
        "Loaded review data for period %s scope %s from publish run %s: %d metrics, "
        "same period last year %s %s",
        period.key,
        scope.key,
        quality.run_id,
        len(at(period)),
        last_year_period.key,
        "covered" if last_year_covered else f"not covered (data begins {first_data_day})",
    )
    return ReviewData(
        period=period,
        scope=scope,
        current=at(period),
        previous=at(period.previous()),
        last_year=at(last_year_period) if last_year_covered else {},
        trend=trend,
        history=history,
        segments=segments,
        quality=quality,
        store_regions=store_regions,
        last_year_covered=last_year_covered,
        first_data_day=first_data_day,
    )


def _value_target(row: MetricValue | None) -> tuple[float | None, float | None]:
    return (row.value, row.target) if row else (None, None)


def _load_totals(con, period: Period, scope: Scope, first: Period, tables: set[str]) -> dict:
    """Read the scope's values with the scope's own targets, where planners set any."""
    if scope.kind == "all":
        targets = "metric_attainment"
    elif "metric_target_attainment" in tables:
        # One row per metric, grain, period and dimension value that has a target.
        targets = """(
            select * from metric_target_attainment
            where dimension_name = ? and dimension_value = ?
        )"""
    else:
        targets = None
    if targets is None:
        # A published file without metric_target_attainment has no targets below the total.
        target_columns = "null, null, null"
        join = ""
        parameters = []
    else:
        target_columns = "a.target_value, a.attainment, a.status"
        join = f"""
        left join {targets} as a
            on a.metric_id = v.metric_id and a.grain = v.grain
            and a.period_start = v.period_start
        """
        parameters = [] if scope.kind == "all" else [scope.dimension_name, scope.dimension_value]
    rows = con.execute(
        f"""
        select v.metric_id, v.period_start, v.value, {target_columns},
            v.numerator, v.denominator
        from metric_values as v
        {join}
        where v.grain = ? and v.dimension_name = ? and v.dimension_value = ?
            and v.period_start between ? and ?
        """,
        [
            *parameters,
            period.grain,
            scope.dimension_name,
            scope.dimension_value,
            first.start,
            period.start,
        ],
    ).fetchall()
    return {(row[0], row[1]): MetricValue(row[0], *row[2:]) for row in rows}


def _load_segments(con, period: Period, scope: Scope) -> dict:
    dimensions = list(scope.breakdowns)
    if not dimensions:
        return {}
    store_filter = ""
    parameters = [period.grain, period.previous().start, period.start, dimensions]
    if scope.kind == "region":
        # Only the region's own stores: the other regions' figures never leave the database.
        store_filter = """
            and v.dimension_value in (
                select cast(store_id as varchar) from dim_store where region = ?)
        """
        parameters.append(scope.value)
    rows = con.execute(
        f"""
        select v.dimension_name, v.metric_id, v.dimension_value, v.period_start, v.value,
            v.numerator, v.denominator
        from metric_values as v
        where v.grain = ? and v.period_start in (?, ?) and list_contains(?, v.dimension_name)
            {store_filter}
        """,
        parameters,
    ).fetchall()
    segments: dict = {}
    for dimension, metric_id, segment, start, value, numerator, denominator in rows:
        pair = segments.setdefault((dimension, metric_id), {}).setdefault(segment, [None, None])
        pair[1 if start == period.start else 0] = MetricValue(
            metric_id, value, numerator=numerator, denominator=denominator
        )
    return {key: {s: tuple(pair) for s, pair in value.items()} for key, value in segments.items()}


def _table_names(con) -> set[str]:
    return {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}


def _load_store_regions(con, tables: set[str]) -> dict[str, str]:
    if "dim_store" not in tables:
        return {}
    rows = con.execute("select cast(store_id as varchar), region from dim_store").fetchall()
    return dict(rows)


def _first_data_day(con, tables: set[str]) -> date | None:
    """Return the first day of published data, or None when the file does not record it.

    Day-grain metric rows give it exactly. dim_date is the fallback: its spine starts at the
    quarter of the first sale, so it can start a little before the data.
    """
    (first,) = con.execute(
        "select min(period_start) from metric_values where grain = 'day'"
    ).fetchone()
    if first is None and "dim_date" in tables:
        (first,) = con.execute("select min(date_day) from dim_date").fetchone()
    return first


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
        select suite, expectation, column_name, severity, success, details
        from dq_results
        where run_id = ?
        order by suite, expectation, column_name
        """,
        [run_id],
    ).fetchall()
    passed = sum(1 for row in rows if row[4])
    failed = sum(1 for row in rows if not row[4] and row[3] != "warning")
    failing_warnings = tuple(
        FailingWarning(
            reason=_expectation_reason(details),
            expectation=expectation,
            column=column,
        )
        for _, expectation, column, severity, success, details in rows
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


def _expectation_reason(details: str | None) -> str | None:
    """Return the one-line reason of an expectation from dq_results.details.

    The quality gate stores details as JSON whose "reason" is the expectation's notes. Details
    that are not JSON are taken as the reason when they are a single line.
    """
    if not details or not details.strip():
        return None
    try:
        parsed = json.loads(details)
    except ValueError:
        text = details.strip()
        return text if "\n" not in text else None
    if isinstance(parsed, dict) and isinstance(parsed.get("reason"), str):
        return parsed["reason"].strip() or None
    return None


def _missing_period_message(con, period: Period, scope: Scope, north_star_id: str) -> str:
    first, last = con.execute(
        """
        select min(period_key), max(period_key)
        from metric_values
        where metric_id = ? and grain = ? and dimension_name = ? and dimension_value = ?
        """,
        [north_star_id, period.grain, scope.dimension_name, scope.dimension_value],
    ).fetchone()
    available = f"{first} to {last}" if first else "none"
    return (
        f"No published data for period {period.key} in scope {scope.key} (published "
        f"{period.grain}s: {available}). Choose a published period or scope, or run the "
        "pipeline for that period first."
    )
