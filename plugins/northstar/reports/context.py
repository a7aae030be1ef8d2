"""Format the figures of a review for one language: the context the templates show."""

from __future__ import annotations

import logging
from datetime import date, datetime

from northstar.metrics.registry import MetricDefinition, Registry
from northstar.reports import formatting
from northstar.reports.chart import CHART_WIDTH_PX
from northstar.reports.explain import explain
from northstar.reports.messages import CADENCE_WORDS, GATE_STATUS_KEYS, MESSAGES, REGION_NAMES_ZH
from northstar.reports.periods import Period
from northstar.reports.scope import Scope

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


def check_status_rule(figures: dict) -> None:
    for row in [figures["north_star"], *figures["inputs"]]:
        if row["attainment"] is None or row["status"] is None:
            continue
        expected = expected_status(row["attainment"])
        if row["status"] != expected:
            log.warning(
                "Metric %s in period %s has status %s, but attainment %.4f gives %s. The report "
                "footnote or metric_attainment has an outdated status rule",
                row["metric_id"],
                figures["period"],
                row["status"],
                row["attainment"],
                expected,
            )


def scope_label(scope: Scope, language: str) -> str:
    text = MESSAGES[language]
    if scope.kind == "all":
        return text["scope_all"]
    value = scope.value
    if scope.kind == "region" and language == "zh-CN":
        value = REGION_NAMES_ZH.get(value, value)
    return text[f"scope_{scope.kind}"].format(value=value)


def status_cell(status: str | None, text: dict) -> dict:
    if status in STATUSES:
        return {"key": status, "label": text[status]}
    if status:
        # An unknown status from the data is shown as written rather than hidden.
        return {"key": "unknown", "label": status}
    return {"key": "none", "label": text["no_target"]}


def metric_cells(metric: MetricDefinition, row: dict, language: str) -> dict:
    def value(number):
        return formatting.format_value(number, metric.format, metric.unit, language)

    change, change_ratio = formatting.format_change(
        row["value"], row["previous_value"], metric.format, metric.unit, language
    )
    yoy, yoy_ratio = formatting.format_change(
        row["value"], row["last_year_value"], metric.format, metric.unit, language
    )
    return {
        "value": value(row["value"]),
        "target": value(row["target"]),
        "attainment": formatting.format_percent(row["attainment"]),
        "previous_value": value(row["previous_value"]),
        "last_year_value": value(row["last_year_value"]),
        "change": change,
        "change_ratio": change_ratio,
        "yoy": yoy,
        "yoy_ratio": yoy_ratio,
        "status": status_cell(row["status"], MESSAGES[language]),
    }


def _headline(figures: dict, north_star: MetricDefinition, language: str) -> dict:
    text = MESSAGES[language]
    words = CADENCE_WORDS[language][figures["cadence"]]
    row = figures["north_star"]
    cells = metric_cells(north_star, row, language)
    if row["previous_value"] is None:
        previous = text["no_previous"].format(previous=words["previous"])
    else:
        previous = text["previous"].format(
            previous=words["previous"], value=cells["previous_value"]
        )
    yoy_shown = figures.get("last_year_covered", True)
    if not yoy_shown:
        first_day = formatting.format_day(_day(figures["first_data_day"]), language)
        last_year = text["last_year_not_covered"].format(date=first_day)
    elif row["last_year_value"] is None:
        last_year = text["no_last_year"]
    else:
        last_year = text["last_year"].format(value=cells["last_year_value"])
    return {
        "label": north_star.label(language),
        "description": north_star.description(language),
        "owner_name": north_star.owner.name,
        "owner_team": north_star.owner.team,
        **cells,
        "previous": previous,
        "last_year": last_year,
        "yoy_shown": yoy_shown,
    }


def _input_rows(figures: dict, registry: Registry, language: str) -> list[dict]:
    """Rows of the metric tree table: the tree below the north star, then the rest."""
    text = MESSAGES[language]
    north_star = registry.north_star
    contributions = {
        row["metric_id"]: row["contribution"] for row in figures["attribution"]["rows"]
    }
    by_id = {row["metric_id"]: row for row in figures["inputs"]}
    rows, outside_started = [], False
    for metric in registry.tree_order():
        if metric.id == north_star.id:
            continue
        in_tree = _in_tree(registry, metric, north_star.id)
        if not in_tree and not outside_started:
            rows.append({"section": text["other_metrics"]})
            outside_started = True
        depth = registry.depth(metric.id) if in_tree else 1
        contribution = contributions.get(metric.id)
        rows.append(
            {
                "section": None,
                "metric_id": metric.id,
                "label": metric.label(language),
                "level": depth - 1,
                "indent_px": (depth - 1) * INDENT_PX_PER_DEPTH,
                "owner_name": metric.owner.name,
                "owner_team": metric.owner.team,
                **metric_cells(metric, by_id[metric.id], language),
                "contribution": formatting.format_contribution(
                    contribution, north_star.format, north_star.unit, language
                ),
            }
        )
    return rows


def _in_tree(registry: Registry, metric: MetricDefinition, root_id: str) -> bool:
    while metric.parent:
        if metric.parent == root_id:
            return True
        metric = registry.get(metric.parent)
    return False


def _quality(figures: dict, language: str) -> dict:
    text = MESSAGES[language]
    quality = figures["quality"]
    gate_key = GATE_STATUS_KEYS.get(str(quality["gate_status"]).lower())
    published = _published(figures, language)
    data_through = formatting.format_day(_day(quality["data_through"]), language)
    return {
        "run_id": quality["run_id"],
        "gate_status": text[gate_key] if gate_key else quality["gate_status"],
        "gate_key": gate_key or "unknown",
        "checks": text["checks"].format(
            passed=quality["passed"],
            warnings=quality["warnings"],
            failed=quality["failed"],
            warning_word=text["warning_one" if quality["warnings"] == 1 else "warning_other"],
        ),
        "failing_warnings": [_failing_warning(warning) for warning in quality["failing_warnings"]],
        "freshness": text["freshness"].format(date=data_through, published=published),
    }


def _failing_warning(warning: dict) -> dict:
    """Pair the stored reason with the expectation's technical name, which is shown smaller."""
    expectation, column = warning["expectation"], warning["column"]
    if warning["reason"]:
        technical = f"{expectation} · {column}" if column else expectation
    else:
        technical = f"{expectation} ({column})" if column else expectation
    return {"reason": warning["reason"], "technical_name": technical}


def _published(figures: dict, language: str) -> str:
    """Format the publish time (UTC) that readers see in place of the publish run id."""
    published_at = datetime.fromisoformat(figures["quality"]["published_at"])
    return formatting.format_timestamp(published_at, language)


def _day(iso: str) -> date:
    return date.fromisoformat(iso)


def titles(period: Period, scope: Scope, language: str) -> dict:
    text = MESSAGES[language]
    words = CADENCE_WORDS[language][period.cadence]
    period_label = formatting.format_period(period, language)
    if scope.kind == "all":
        title = text["title"].format(review=words["review"], period=period_label)
    else:
        title = text["title_scoped"].format(
            review=words["review"], period=period_label, scope=scope_label(scope, language)
        )
    return {
        "title": title,
        "period_label": period_label,
        "scope_label": scope_label(scope, language),
    }


def _stamps(figures: dict, period: Period, scope: Scope, names: dict, language: str) -> dict:
    """Format the data-through line, the partial-period warning and the note on targets."""
    text = MESSAGES[language]
    data_through = formatting.format_day(_day(figures["quality"]["data_through"]), language)
    target_note = None
    if period.cadence == "weekly":
        target_note = text["target_note_weekly"]
    elif scope.kind != "all":
        rows = [figures["north_star"], *figures["inputs"]]
        has_targets = any(row["target"] is not None for row in rows)
        key = "target_note_scope" if has_targets else "target_note_scope_none"
        target_note = text[key].format(scope=names["scope_label"])
    partial = _day(figures["quality"]["data_through"]) < period.end
    return {
        "data_through": text["data_through"].format(date=data_through),
        "partial_period": text["partial_period"].format(date=data_through) if partial else None,
        "target_note": target_note,
    }


def _status_rule(text: dict) -> str:
    return text["status_rule"].format(
        on_track=formatting.format_percent(ON_TRACK_MIN_ATTAINMENT, decimals=0),
        at_risk=formatting.format_percent(AT_RISK_MIN_ATTAINMENT, decimals=0),
        on_track_label=text["on_track"],
        at_risk_label=text["at_risk"],
        off_track_label=text["off_track"],
    )


def build_context(
    figures: dict, registry: Registry, period: Period, scope: Scope, language: str, definitions: str
) -> dict:
    """Format everything the review templates show for `language`."""
    formatting.check_language(language)
    check_status_rule(figures)
    text = MESSAGES[language]
    words = CADENCE_WORDS[language][period.cadence]
    headline = _headline(figures, registry.north_star, language)
    names = titles(period, scope, language)
    subject = text["subject"].format(
        title=names["title"],
        label=headline["label"],
        value=headline["value"],
        vs_previous=words["vs_previous"],
        change_ratio=headline["change_ratio"],
    )
    return {
        "container_width": CONTAINER_WIDTH_PX,
        "chart_width": CHART_WIDTH_PX,
        "language": language,
        "html_lang": "zh-CN" if language == "zh-CN" else "en",
        "text": text,
        "words": words,
        **names,
        "subject": subject,
        **_stamps(figures, period, scope, names, language),
        "headline": headline,
        "trend_title": text["trend_title"].format(
            count=len(figures["trend"]), unit=words["trend_unit"]
        ),
        # The dashed target line is drawn only where a period of the trend has a target.
        "trend_caption": text[
            "trend_caption"
            if any(point["target"] is not None for point in figures["trend"])
            else "trend_caption_no_target"
        ].format(label=headline["label"]),
        "inputs": _input_rows(figures, registry, language),
        "status_rule": _status_rule(text),
        **explain(figures, registry, language),
        "quality": _quality(figures, language),
        "footer": text["footer"].format(
            published=_published(figures, language), definitions=definitions
        ),
    }
