"""Format "why it moved", the anomalies and the owners' actions of a review for one language."""

from __future__ import annotations

from northstar.metrics.registry import Registry
from northstar.reports import anomalies, formatting
from northstar.reports.analysis import STATUS_NEEDING_ACTION
from northstar.reports.messages import (
    CADENCE_WORDS,
    MESSAGES,
    REGION_NAMES_ZH,
    SEGMENT_NAMES_ZH,
)

# Contributions smaller than this share of the north star change are not named as drivers.
DRIVER_MIN_SHARE = 0.05
# A formula gap below this (in north star units) is float rounding and not shown.
RESIDUAL_SHOWN = 0.05
# Left indent per level of the attribution table.
INDENT_PX_PER_DEPTH = 18


def in_sentence(label: str, language: str) -> str:
    """Lower-case a label's first letter inside an English sentence ("organic returning ...").

    Labels starting with an acronym (two capitals, e.g. "CRM") keep their case, and so does
    Chinese, which has no case.
    """
    if language != "en" or len(label) < 2 or not label[1].islower():
        return label
    return label[0].lower() + label[1:]


def _segment_name(dimension: str, segment: str, language: str) -> str:
    text = MESSAGES[language]
    if dimension == "store":
        return text["store_name"].format(store=segment)
    if language == "zh-CN":
        if dimension == "region" and segment in REGION_NAMES_ZH:
            return REGION_NAMES_ZH[segment]
        return SEGMENT_NAMES_ZH.get(segment, segment)
    return segment


def _direction(signed_change: str) -> str:
    """Return up, down or flat from a formatted change, which is unsigned when it rounds to 0."""
    return {"+": "up", "-": "down"}.get(signed_change[:1], "flat")


def _why_inputs(figures: dict, registry: Registry, language: str) -> list[dict]:
    north_star = registry.north_star
    rows = []
    for row in figures["attribution"]["rows"]:
        metric = registry.get(row["metric_id"])
        rows.append(
            {
                "metric_id": row["metric_id"],
                "label": metric.label(language),
                "indent_px": row["depth"] * INDENT_PX_PER_DEPTH,
                "level": row["depth"],
                "previous": formatting.format_value(
                    row["previous"], metric.format, metric.unit, language
                ),
                "current": formatting.format_value(
                    row["current"], metric.format, metric.unit, language
                ),
                "contribution": formatting.format_contribution(
                    row["contribution"], north_star.format, north_star.unit, language
                ),
            }
        )
    return rows


def _why_dimensions(figures: dict, registry: Registry, language: str) -> list[dict]:
    text = MESSAGES[language]
    north_star = registry.north_star
    ratio = next((m for m in registry.metrics.values() if m.numerator == north_star.id), None)

    def value(number, signed=False):
        return formatting.format_value(number, north_star.format, north_star.unit, language, signed)

    breakdowns = []
    for entry in figures["breakdowns"]:
        dimension = text["dimensions"][entry["dimension"]]
        total = value(entry["sum_of_changes"], signed=True)
        note_key = "adds_up" if entry["adds_up"] else "overlaps"
        mix_rate = None
        if entry["mix_rate"] and ratio is not None:
            effects = {
                key: formatting.format_contribution(
                    entry["mix_rate"][field], "percent", "", language
                )
                for key, field in (
                    ("rate", "rate_effect"),
                    ("mix", "mix_effect"),
                    ("total", "total"),
                )
            }
            mix_rate = text["mix_rate"].format(
                ratio_label=ratio.label(language), dimension=dimension, **effects
            )
        breakdowns.append(
            {
                "dimension": entry["dimension"],
                "title": text["by_dimension"].format(dimension=dimension, count=len(entry["rows"])),
                "column": text["segment"].format(dimension=dimension.capitalize()),
                "rows": [
                    {
                        "segment": _segment_name(entry["dimension"], row["segment"], language),
                        "previous": value(row["previous"]),
                        "current": value(row["current"]),
                        "change": value(row["change"], signed=True),
                        "direction": _direction(value(row["change"], signed=True)),
                    }
                    for row in entry["rows"]
                ],
                "note": text[note_key].format(dimension=dimension, total=total),
                "mix_rate": mix_rate,
            }
        )
    return breakdowns


def _summary(figures: dict, registry: Registry, language: str, breakdowns: list[dict]) -> list[str]:
    """Write the two-minute summary: where the north star is, how it moved, and what drove it."""
    text = MESSAGES[language]
    words = CADENCE_WORDS[language][figures["cadence"]]
    north_star = registry.north_star
    row = figures["north_star"]

    def value(number, signed=False):
        return formatting.format_value(number, north_star.format, north_star.unit, language, signed)

    label = north_star.label(language)
    sentences = []
    change = value(row["change"], signed=True)
    if row["change"] is not None and _direction(change) != "flat":
        sentences.append(
            text["summary_change"].format(
                label=label,
                this=words["this"],
                value=value(row["value"]),
                vs_previous=words["vs_previous"],
                change=change,
                change_ratio=formatting.format_percent(row["change_ratio"], signed=True),
            )
        )
    elif row["change"] is not None:
        sentences.append(text["summary_flat"].format(label=label, previous=words["previous"]))
    if row["target"] is not None:
        sentences.append(
            text["summary_target"].format(
                target=value(row["target"]),
                attainment=formatting.format_percent(row["attainment"]),
                status=in_sentence(text.get(row["status"], row["status"]), language),
            )
        )
    driver = _driver_sentence(figures, registry, language)
    if driver:
        sentences.append(driver)
    for breakdown in breakdowns[:2]:
        if breakdown["rows"]:
            top = breakdown["rows"][0]
            sentences.append(
                text["summary_segment"].format(
                    dimension=text["dimensions"][breakdown["dimension"]],
                    segment=top["segment"],
                    change=top["change"],
                )
            )
    return sentences


def _driver_sentence(figures: dict, registry: Registry, language: str) -> str | None:
    text = MESSAGES[language]
    north_star = registry.north_star
    path = _driver_path(figures)
    if not path:
        return None

    def contribution(row):
        return formatting.format_contribution(
            row["contribution"], north_star.format, north_star.unit, language
        )

    top, deepest = path[0], path[-1]
    key = "summary_driver" if deepest is top else "summary_driver_detail"
    return text[key].format(
        label=registry.get(top["metric_id"]).label(language),
        contribution=contribution(top),
        detail=in_sentence(registry.get(deepest["metric_id"]).label(language), language),
        detail_contribution=contribution(deepest),
    )


def _driver_path(figures: dict) -> list[dict]:
    """Return the chain of metrics that carry most of the change, from the north star's largest
    input down to the deepest metric that still carries DRIVER_MIN_SHARE of the change."""
    rows = figures["attribution"]["rows"]
    change = figures["north_star"]["change"]
    if not rows or not change:
        return []
    path, node = [], rows[0]
    while True:
        children = [r for r in rows if r["parent_id"] == node["metric_id"]]
        if not children:
            break
        largest = max(children, key=lambda r: abs(r["contribution"]))
        if abs(largest["contribution"]) < DRIVER_MIN_SHARE * abs(change):
            break
        path.append(largest)
        node = largest
    return path


def _anomaly_lines(figures: dict, registry: Registry, language: str) -> list[str]:
    text = MESSAGES[language]
    lines = []
    for item in figures["suspects"]:
        metric = registry.get(item["metric_id"])
        stores = [_segment_name("store", store, language) for store in item["top_stores"]]
        lines.append(
            text["suspect"].format(
                label=metric.label(language),
                growth=formatting.format_percent(item["growth"], signed=True),
                share=formatting.format_percent(item["top_share"], decimals=0),
                count=len(stores),
                stores=text["comma"].join(stores),
            )
        )
    for item in figures["anomalies"]:
        metric = registry.get(item["metric_id"])
        key = "anomaly_high" if item["z"] > 0 else "anomaly_low"
        lines.append(
            text[key].format(
                label=metric.label(language),
                value=formatting.format_value(item["value"], metric.format, metric.unit, language),
                expected=formatting.format_value(
                    item["expected"], metric.format, metric.unit, language
                ),
                z=f"{item['z']:+.1f}",
            )
        )
    return lines


def _actions(figures: dict, registry: Registry, language: str) -> list[dict]:
    """Metrics needing action, grouped by owner in metric tree order."""
    text = MESSAGES[language]
    flagged = {item["metric_id"]: "action_anomaly" for item in figures["anomalies"]}
    flagged.update({item["metric_id"]: "action_suspect" for item in figures["suspects"]})
    rows = {row["metric_id"]: row for row in [figures["north_star"], *figures["inputs"]]}
    owners: dict[str, dict] = {}
    for metric in registry.tree_order():
        row = rows.get(metric.id)
        items = []
        if row and row["status"] in STATUS_NEEDING_ACTION:
            items.append(
                text["action_status"].format(
                    label=metric.label(language),
                    status=text[row["status"]],
                    attainment=formatting.format_percent(row["attainment"]),
                )
            )
        if metric.id in flagged:
            items.append(text[flagged[metric.id]].format(label=metric.label(language)))
        if items:
            owner = owners.setdefault(
                metric.owner.name,
                {"name": metric.owner.name, "team": metric.owner.team, "tasks": []},
            )
            owner["tasks"].extend(items)
    return list(owners.values())


def explain(figures: dict, registry: Registry, language: str) -> dict:
    """Context entries for the summary, why it moved, anomalies and actions."""
    text = MESSAGES[language]
    north_star = registry.north_star
    breakdowns = _why_dimensions(figures, registry, language)
    residual = figures["attribution"]["residual"]
    show_residual = residual is not None and abs(residual) >= RESIDUAL_SHOWN
    return {
        "summary": _summary(figures, registry, language, breakdowns),
        "why_inputs_title": text["by_inputs"].format(
            label=north_star.label(language),
            change=formatting.format_value(
                figures["north_star"]["change"], north_star.format, north_star.unit, language, True
            ),
        ),
        "why_inputs": _why_inputs(figures, registry, language),
        "why_residual": (
            text["residual"].format(
                value=formatting.format_contribution(
                    residual, north_star.format, north_star.unit, language
                )
            )
            if show_residual
            else None
        ),
        "why_dimensions": breakdowns,
        "method_note": text["method_note"],
        "anomalies": _anomaly_lines(figures, registry, language),
        "anomaly_method": text["anomaly_method"].format(
            history=anomalies.HISTORY_PERIODS[figures["cadence"]],
            threshold=anomalies.ANOMALY_THRESHOLD,
            spike=formatting.format_percent(anomalies.SPIKE_MIN_GROWTH, decimals=0),
            share=formatting.format_percent(anomalies.CONCENTRATION_SHARE, decimals=0),
            top=anomalies.CONCENTRATION_TOP_STORES,
        ),
        "actions": _actions(figures, registry, language),
    }
