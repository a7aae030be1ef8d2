"""The language-neutral content of a review: every number it shows, as JSON-ready figures.

The figures are archived beside each report and hashed for the sent log, and both languages are
formatted from them, so the zh-CN and en reports of one scope always show the same numbers.
"""

from __future__ import annotations

import logging

from northstar.metrics.registry import Registry
from northstar.reports import anomalies, attribution
from northstar.reports.data import MetricValue, ReviewData
from northstar.reports.periods import PERIODS_PER_YEAR

log = logging.getLogger(__name__)

# Segments listed per dimension in "why it moved": the largest movers, up or down.
TOP_SEGMENTS = 5
# The ratio metric split into rate and mix effects over a dimension that partitions households.
MIX_RATE_DIMENSIONS = ("income_band",)
# Dimensions whose segments partition the households, so their changes add up to the total.
# Each household has one income band. Region is no partition: a household that shops in stores
# of two regions counts in both, so region changes need not add up to the total.
PARTITION_DIMENSIONS = ("income_band",)
STATUS_NEEDING_ACTION = ("at_risk", "off_track")


def _value(rows: dict[str, MetricValue], metric_id: str) -> float | None:
    row = rows.get(metric_id)
    return row.value if row else None


def _change(current: float | None, previous: float | None) -> tuple[float | None, float | None]:
    if current is None or previous is None:
        return None, None
    change = current - previous
    return change, (change / previous if previous else None)


def _metric_figures(data: ReviewData, metric_id: str) -> dict:
    row = data.current.get(metric_id)
    value, previous = _value(data.current, metric_id), _value(data.previous, metric_id)
    last_year = _value(data.last_year, metric_id)
    change, change_ratio = _change(value, previous)
    yoy_change, yoy_ratio = _change(value, last_year)
    return {
        "metric_id": metric_id,
        "value": value,
        "target": row.target if row else None,
        "attainment": row.attainment if row else None,
        "status": row.status if row else None,
        "previous_value": previous,
        "change": change,
        "change_ratio": change_ratio,
        "last_year_value": last_year,
        "yoy_change": yoy_change,
        "yoy_ratio": yoy_ratio,
    }


def _tree_children(registry: Registry) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {
        metric.id: (metric.relation, metric.children)
        for metric in registry.metrics.values()
        if metric.relation and metric.children
    }


def _attribution(data: ReviewData, registry: Registry) -> dict:
    north_star = registry.north_star.id
    previous = {m: v.value for m, v in data.previous.items() if v.value is not None}
    current = {m: v.value for m, v in data.current.items() if v.value is not None}
    if north_star not in previous or north_star not in current:
        return {"rows": [], "residual": None, "methods": []}
    rows = attribution.decompose_tree(north_star, previous, current, _tree_children(registry))
    # The north star row's own residual: what its formula does not explain (rounding).
    residual = attribution.tree_residual(rows, north_star) if len(rows) > 1 else 0.0
    return {
        "rows": [
            {
                "metric_id": row.metric_id,
                "parent_id": row.parent_id,
                "depth": row.depth,
                "previous": row.previous,
                "current": row.current,
                "contribution": row.contribution,
                "method": row.method,
            }
            for row in rows
        ],
        "residual": residual,
        "methods": sorted({row.method for row in rows if row.method}),
    }


def _segments(data: ReviewData, north_star: str, ratio_metric: str | None) -> list[dict]:
    breakdowns = []
    for dimension in data.scope.breakdowns:
        pairs = data.segments.get((dimension, north_star), {})
        if not pairs:
            continue
        changes = attribution.segment_changes(
            {s: p.value for s, (p, _) in pairs.items() if p and p.value is not None},
            {s: c.value for s, (_, c) in pairs.items() if c and c.value is not None},
        )
        entry = {
            "dimension": dimension,
            "segments": len(changes),
            "sum_of_changes": sum(row.change for row in changes),
            "adds_up": dimension in PARTITION_DIMENSIONS,
            "rows": [
                {
                    "segment": r.segment,
                    "previous": r.previous,
                    "current": r.current,
                    "change": r.change,
                }
                for r in changes[:TOP_SEGMENTS]
            ],
            "mix_rate": None,
        }
        if ratio_metric and dimension in MIX_RATE_DIMENSIONS:
            entry["mix_rate"] = _mix_rate(data.segments.get((dimension, ratio_metric), {}))
        breakdowns.append(entry)
    return breakdowns


def _mix_rate(pairs: dict) -> dict | None:
    def parts(index: int) -> dict[str, tuple[float, float]]:
        return {
            segment: (pair[index].numerator, pair[index].denominator)
            for segment, pair in pairs.items()
            if pair[index] and pair[index].denominator
        }

    previous, current = parts(0), parts(1)
    if not previous or not current:
        return None
    split = attribution.mix_rate_split(previous, current)
    return {"rate_effect": split.rate_effect, "mix_effect": split.mix_effect, "total": split.total}


def _anomalies(data: ReviewData, registry: Registry) -> list[dict]:
    cadence = data.period.cadence
    found = []
    for metric in registry.tree_order():
        series = data.history.get(metric.id)
        check = anomalies.check_value(
            series or [], PERIODS_PER_YEAR[cadence], anomalies.HISTORY_PERIODS[cadence]
        )
        if check is not None and check.is_anomaly:
            found.append(
                {
                    "metric_id": metric.id,
                    "value": check.value,
                    "expected": check.expected,
                    "z": check.z,
                    "basis": check.basis,
                    "history": check.history,
                }
            )
    return found


def _suspects(data: ReviewData, registry: Registry) -> list[dict]:
    suspects = []
    for metric in registry.tree_order():
        pairs = data.segments.get(("store", metric.id), {})
        # A rate does not add up over stores, so "share of the increase" means nothing for it.
        if not pairs or metric.format == "percent":
            continue
        store_changes = {
            store: (c.value if c and c.value is not None else 0.0)
            - (p.value if p and p.value is not None else 0.0)
            for store, (p, c) in pairs.items()
        }
        check = anomalies.check_concentration(
            _value(data.previous, metric.id), _value(data.current, metric.id), store_changes
        )
        if check is not None and check.is_suspect:
            suspects.append(
                {
                    "metric_id": metric.id,
                    "growth": check.growth,
                    "top_share": check.top_share,
                    "top_stores": list(check.top_stores),
                }
            )
    return suspects


def analyse(data: ReviewData, registry: Registry) -> dict:
    """Compute every figure a review shows for one period and scope."""
    north_star = registry.north_star
    ratio_metric = next(
        (m.id for m in registry.metrics.values() if m.numerator == north_star.id), None
    )
    quality = data.quality
    figures = {
        "cadence": data.period.cadence,
        "period": data.period.key,
        "period_start": data.period.start.isoformat(),
        "period_end": data.period.end.isoformat(),
        "scope": {"kind": data.scope.kind, "value": data.scope.value, "key": data.scope.key},
        "north_star": _metric_figures(data, north_star.id),
        "last_year_covered": data.last_year_covered,
        "first_data_day": data.first_data_day.isoformat() if data.first_data_day else None,
        "trend": [{"period": p.key, "value": p.value, "target": p.target} for p in data.trend],
        "inputs": [
            _metric_figures(data, metric.id)
            for metric in registry.tree_order()
            if metric.id != north_star.id
        ],
        "attribution": _attribution(data, registry),
        "breakdowns": _segments(data, north_star.id, ratio_metric),
        "anomalies": _anomalies(data, registry),
        "suspects": _suspects(data, registry),
        "quality": {
            "run_id": quality.run_id,
            "published_at": quality.published_at.isoformat(timespec="seconds"),
            "data_through": quality.data_through.isoformat(),
            "gate_status": quality.gate_status,
            "passed": quality.passed,
            "warnings": quality.warnings,
            "failed": quality.failed,
            "failing_warnings": [
                {
                    "reason": warning.reason,
                    "expectation": warning.expectation,
                    "column": warning.column,
                }
                for warning in quality.failing_warnings
            ],
        },
    }
    log.info(
        "Analysed period %s scope %s: %d anomalies, %d suspect rises",
        data.period.key,
        data.scope.key,
        len(figures["anomalies"]),
        len(figures["suspects"]),
    )
    return figures
