"""Turn the published numbers into what the monthly review shows: template context and figures."""

from __future__ import annotations

import logging

from northstar.metrics.registry import MetricDefinition, Registry
from northstar.reports import formatting
from northstar.reports.chart import CHART_WIDTH_PX
from northstar.reports.data import MetricMonth, MonthlyData, month_end
from northstar.reports.messages import GATE_STATUS_KEYS, MESSAGES

log = logging.getLogger(__name__)

# The status rule of metric_attainment, restated for the report footnote: on track at
# 100% of target or more, at risk from 95%, off track below. The rows keep their own status, and
# `check_status_rule` warns when a row disagrees, because the footnote would then be wrong.
ON_TRACK_MIN_ATTAINMENT = 1.0
AT_RISK_MIN_ATTAINMENT = 0.95
STATUSES = ("on_track", "at_risk", "off_track")
# Left indent of an input metric label per level below the north star.
INDENT_PX_PER_DEPTH = 18
# Width of the report column: the chart plus 20 px padding each side. Desktop mail clients show
# up to about 800 px; narrower screens scale the column down (max-width: 100%).
CONTAINER_WIDTH_PX = CHART_WIDTH_PX + 40


def expected_status(attainment: float) -> str:
    if attainment >= ON_TRACK_MIN_ATTAINMENT:
        return "on_track"
    if attainment >= AT_RISK_MIN_ATTAINMENT:
        return "at_risk"
    return "off_track"


def check_status_rule(data: MonthlyData) -> None:
    for row in data.current.values():
        if row.attainment is None or row.status is None:
            continue
        expected = expected_status(row.attainment)
        if row.status != expected:
            log.warning(
                "Metric %s in period %s has status %s, but attainment %.4f gives %s. The report "
                "footnote or metric_attainment has an outdated status rule",
                row.metric_id,
                f"{data.month_start:%Y-%m}",
                row.status,
                row.attainment,
                expected,
            )


def _status(row: MetricMonth | None, text: dict) -> dict:
    key = row.status if row is not None and row.status in STATUSES else None
    if key is None and row is not None and row.status:
        # An unknown status from the data is shown as written rather than hidden.
        return {"key": "unknown", "label": row.status}
    return {"key": key or "none", "label": text[key] if key else text["no_target"]}


def _metric_cells(metric: MetricDefinition, row: MetricMonth | None, language: str) -> dict:
    value = row.value if row else None
    target = row.target if row else None
    attainment = row.attainment if row else None
    return {
        "value": formatting.format_value(value, metric.format, metric.unit, language),
        "target": formatting.format_value(target, metric.format, metric.unit, language),
        "attainment": formatting.format_percent(attainment),
    }


def _headline(data: MonthlyData, north_star: MetricDefinition, language: str) -> dict:
    text = MESSAGES[language]
    row = data.current[north_star.id]
    previous = data.previous.get(north_star.id)
    previous_value = previous.value if previous else None
    change, change_ratio = formatting.format_change(
        row.value, previous_value, north_star.format, north_star.unit, language
    )
    if previous_value is None:
        previous_text = text["no_previous"]
    else:
        value = formatting.format_value(
            previous_value, north_star.format, north_star.unit, language
        )
        previous_text = text["previous"].format(value=value)
    return {
        "label": north_star.label(language),
        "description": north_star.description(language),
        "owner_name": north_star.owner.name,
        "owner_team": north_star.owner.team,
        **_metric_cells(north_star, row, language),
        "status": _status(row, text),
        "change": change,
        "change_ratio": change_ratio,
        "previous": previous_text,
        "direction": _direction(row.value, previous_value),
    }


def _direction(current: float | None, previous: float | None) -> str:
    if current is None or previous is None or current == previous:
        return "flat"
    return "up" if current > previous else "down"


def _input_rows(data: MonthlyData, registry: Registry, language: str) -> list[dict]:
    """Rows of the input metric table: the metric tree below the north star, then the rest."""
    text = MESSAGES[language]
    north_star = registry.north_star
    rows = []
    outside_started = False
    for metric in registry.tree_order():
        if metric.id == north_star.id:
            continue
        in_tree = _in_tree(registry, metric, north_star.id)
        if not in_tree and not outside_started:
            rows.append({"section": text["other_metrics"]})
            outside_started = True
        depth = registry.depth(metric.id) if in_tree else 1
        row = data.current.get(metric.id)
        rows.append(
            {
                "section": None,
                "metric_id": metric.id,
                "label": metric.label(language),
                "level": depth - 1,
                "indent_px": (depth - 1) * INDENT_PX_PER_DEPTH,
                "owner_name": metric.owner.name,
                "owner_team": metric.owner.team,
                **_metric_cells(metric, row, language),
                "status": _status(row, text),
            }
        )
    return rows


def _in_tree(registry: Registry, metric: MetricDefinition, root_id: str) -> bool:
    while metric.parent:
        if metric.parent == root_id:
            return True
        metric = registry.get(metric.parent)
    return False


def _quality(data: MonthlyData, language: str) -> dict:
    text = MESSAGES[language]
    quality = data.quality
    gate_key = GATE_STATUS_KEYS.get(str(quality.gate_status).lower())
    return {
        "run_id": quality.run_id,
        "gate_status": text[gate_key] if gate_key else quality.gate_status,
        "gate_key": gate_key or "unknown",
        "checks": text["checks"].format(
            passed=quality.passed,
            warnings=quality.warnings,
            failed=quality.failed,
            warning_word=text["warning_one" if quality.warnings == 1 else "warning_other"],
        ),
        "failing_warnings": list(quality.failing_warnings),
    }


def build_context(data: MonthlyData, registry: Registry, language: str) -> dict:
    """Everything the templates show, already formatted for `language`."""
    check_status_rule(data)
    text = MESSAGES[language]
    month = formatting.format_month(data.month_start, language)
    data_through = formatting.format_day(data.quality.data_through, language)
    headline = _headline(data, registry.north_star, language)
    partial = data.quality.data_through < month_end(data.month_start)
    return {
        "container_width": CONTAINER_WIDTH_PX,
        "chart_width": CHART_WIDTH_PX,
        "language": language,
        "html_lang": "zh-CN" if language == "zh-CN" else "en",
        "text": text,
        "title": text["title"].format(month=month),
        "month": month,
        "data_through": text["data_through"].format(date=data_through),
        "partial_month": text["partial_month"].format(date=data_through) if partial else None,
        "headline": headline,
        "trend_caption": text["trend_caption"].format(label=headline["label"]),
        "inputs": _input_rows(data, registry, language),
        "status_rule": text["status_rule"].format(
            on_track=formatting.format_percent(ON_TRACK_MIN_ATTAINMENT, decimals=0),
            at_risk=formatting.format_percent(AT_RISK_MIN_ATTAINMENT, decimals=0),
            on_track_label=text["on_track"],
            at_risk_label=text["at_risk"],
            off_track_label=text["off_track"],
        ),
        "quality": _quality(data, language),
        "footer": text["footer"].format(run_id=data.quality.run_id),
    }


def build_figures(data: MonthlyData, registry: Registry) -> dict:
    """Collect the unformatted numbers a report shows: JSON-serialisable, equal in all languages."""
    north_star = registry.north_star
    row = data.current[north_star.id]
    previous = data.previous.get(north_star.id)
    previous_value = previous.value if previous else None
    change = None if previous_value is None or row.value is None else row.value - previous_value
    change_ratio = None if change is None or previous_value == 0 else change / previous_value
    quality = data.quality
    return {
        "month": f"{data.month_start:%Y-%m}",
        "data_through": quality.data_through.isoformat(),
        "north_star": {
            "metric_id": north_star.id,
            "value": row.value,
            "target": row.target,
            "attainment": row.attainment,
            "status": row.status,
            "previous_value": previous_value,
            "change": change,
            "change_ratio": change_ratio,
        },
        "trend": [
            {"month": f"{point.month_start:%Y-%m}", "value": point.value, "target": point.target}
            for point in data.trend
        ],
        "inputs": [
            _figure_row(metric.id, data.current.get(metric.id))
            for metric in registry.tree_order()
            if metric.id != north_star.id
        ],
        "quality": {
            "run_id": quality.run_id,
            "gate_status": quality.gate_status,
            "passed": quality.passed,
            "warnings": quality.warnings,
            "failed": quality.failed,
            "failing_warnings": list(quality.failing_warnings),
        },
    }


def _figure_row(metric_id: str, row: MetricMonth | None) -> dict:
    return {
        "metric_id": metric_id,
        "value": row.value if row else None,
        "target": row.target if row else None,
        "attainment": row.attainment if row else None,
        "status": row.status if row else None,
    }
