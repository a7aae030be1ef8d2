"""Write the metric catalog: one HTML page listing every governed metric definition.

Each metric shows its labels, owner, definition, version history, lineage through the dbt
project to the raw source tables, and its latest value from the published marts when they
exist. `northstar catalog` writes it to settings.reports_dir/catalog/index.html.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from northstar.metrics.definitions import (
    MetricDefinition,
    MetricVersion,
    Registry,
    aggregate_sql,
    render_filter,
)

log = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).parent / "templates"
_VALUE_FORMATS = {
    "integer": "{:,.0f}",
    "decimal": "{:,.2f}",
    "percent": "{:.1%}",
    "currency": "${:,.0f}",
}


def write_catalog(
    output_dir: Path | None = None,
    registry: Registry | None = None,
    manifest_path: Path | None = None,
    published_path: Path | None = None,
) -> Path:
    """Render the catalog page into `output_dir` (default reports_dir/catalog); return its path."""
    import jinja2

    from northstar.metrics.registry import load_registry, registry_path
    from northstar.settings import get_settings

    settings = get_settings()
    registry = registry or load_registry()
    output_dir = output_dir or settings.reports_dir / "catalog"
    manifest_path = manifest_path or settings.dbt_project_dir / "target" / "manifest.json"
    published_path = published_path or settings.published_path
    manifest = _read_manifest(manifest_path)
    latest = _latest_values(published_path)

    metrics = [
        _metric_entry(registry, metric, manifest, latest.get(metric.id))
        for metric in registry.tree_order()
    ]
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True, keep_trailing_newline=True
    )
    html = environment.get_template("catalog.html.j2").render(
        metrics=metrics,
        north_star=registry.north_star.id,
        registry_file=registry_path(),
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    page = output_dir / "index.html"
    # Write beside the page and rename, so a reader never sees half a catalog.
    partial = page.with_suffix(".html.partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(page)
    log.info("Wrote the metric catalog of %s metrics to %s", len(metrics), page)
    return page


def definition_text(registry: Registry, fields: dict) -> str:
    """Describe how a version of a metric is computed: SQL, or a formula over metrics."""
    if fields.get("numerator"):
        return f"{fields['numerator']} / {fields['denominator']}"
    if fields.get("expr"):
        return str(fields["expr"])
    measure = registry.measures.get(fields.get("measure") or "")
    if measure is None:
        return "-"
    metric_filter = fields.get("filter")
    rendered = render_filter(metric_filter, registry.dimension_exprs) if metric_filter else None
    return aggregate_sql(measure, rendered)


def _metric_entry(
    registry: Registry, metric: MetricDefinition, manifest: dict, latest: dict | None
) -> dict[str, Any]:
    current = metric.versions[-1].fields if metric.versions else {}
    parent = registry.metrics.get(metric.parent or "")
    return {
        **{name: getattr(metric, name) for name in metric.__dataclass_fields__},
        "depth": registry.depth(metric.id),
        "relation_to_parent": f"{parent.relation} into {parent.id}"
        if parent and parent.relation
        else None,
        "definition": definition_text(registry, current),
        "history": [_version_entry(registry, version) for version in metric.versions],
        "lineage": _lineage(registry, metric, manifest),
        "latest": _format_latest(metric, latest),
    }


def _version_entry(registry: Registry, version: MetricVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "effective_date": version.effective_date,
        "author": version.author,
        "reason": version.reason,
        "definition": definition_text(registry, version.fields)
        + (" (north star)" if version.is_north_star else ""),
    }


def _read_manifest(manifest_path: Path) -> dict:
    try:
        return json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        log.warning("No dbt manifest at %s; the catalog shows no lineage", manifest_path)
        return {}


def _lineage(registry: Registry, metric: MetricDefinition, manifest: dict) -> list[str]:
    """List the steps from the metric down to the raw source tables and their columns."""
    if metric.metric_type != "simple":
        inputs = [name for name in (metric.numerator, metric.denominator) if name]
        if metric.expr:
            inputs = [name for name in registry.metrics if name in metric.expr]
        return [f"computed from metrics {', '.join(inputs)}"]
    measure = registry.measures.get(metric.measure or "")
    steps = [f"measure {measure.name}: {measure.agg} of {measure.expr}"] if measure else []
    semantic_models = [
        model
        for model in (manifest.get("semantic_models") or {}).values()
        if any(entry["name"] == metric.measure for entry in model.get("measures") or [])
    ]
    nodes = {**(manifest.get("nodes") or {}), **(manifest.get("sources") or {})}
    for model in semantic_models:
        steps.append(f"semantic model {model['name']}")
        seen: list[str] = []
        pending = list(model.get("depends_on", {}).get("nodes") or [])
        while pending:
            unique_id = pending.pop(0)
            if unique_id in seen or unique_id not in nodes:
                continue
            seen.append(unique_id)
            pending.extend(nodes[unique_id].get("depends_on", {}).get("nodes") or [])
        for unique_id in seen:
            node = nodes[unique_id]
            if node.get("resource_type") == "source":
                columns = ", ".join(node.get("columns") or {}) or "columns not documented"
                steps.append(f"source {node['source_name']}.{node['name']} ({columns})")
            else:
                steps.append(f"{node.get('resource_type', 'node')} {node['name']}")
    return steps


def _latest_values(published_path: Path) -> dict[str, dict]:
    """Read each metric's latest total month value and target from the published marts."""
    import duckdb

    if not Path(published_path).is_file():
        log.info("No published marts at %s; the catalog shows no latest values", published_path)
        return {}
    # The published file keeps its tables in the default schema, so names are unqualified.
    sql = """
        select v.metric_id, v.period_key, v.value, a.target_value, a.status
        from metric_values as v
        left join metric_attainment as a
            on a.metric_id = v.metric_id and a.grain = v.grain
            and a.period_start = v.period_start
        where v.grain = 'month' and v.dimension_name = 'total'
        qualify row_number() over (partition by v.metric_id order by v.period_start desc) = 1
    """
    with duckdb.connect(str(published_path), read_only=True) as connection:
        rows = connection.execute(sql).fetchall()
    keys = ("period_key", "value", "target_value", "status")
    return {row[0]: dict(zip(keys, row[1:], strict=True)) for row in rows}


def _format_latest(metric: MetricDefinition, latest: dict | None) -> dict | None:
    if latest is None:
        return None
    pattern = _VALUE_FORMATS.get(metric.format, "{:,.2f}")

    def text(value: float | None) -> str | None:
        return None if value is None else pattern.format(value)

    return {
        **latest,
        "value_text": text(latest["value"]) or "-",
        "target_text": text(latest["target_value"]),
    }
