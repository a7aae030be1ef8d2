"""Load and validate the metric registry: dbt semantic layer YAML with North Star fields in meta.

The registry file is NORTHSTAR_METRICS_FILE when that variable is set (another business, a
test's copy), else the retail registry at settings.metrics_file.
"""

from __future__ import annotations

import itertools
import os
from datetime import date
from pathlib import Path

import yaml

from northstar.metrics.definitions import (
    DIMENSIONS,
    DIRECTIONS,
    FORMATS,
    GRAINS,
    IDENTIFIER,
    METRIC_TYPES,
    RELATIONS,
    TARGET_ROLLUPS,
    VERSIONED_FIELDS,
    Measure,
    MetricDefinition,
    MetricVersion,
    Owner,
    Registry,
    RegistryError,
    aggregate_sql,
    render_filter,
)
from northstar.metrics.validation import validate_registry

METRICS_FILE_ENV = "NORTHSTAR_METRICS_FILE"

__all__ = [
    "DIMENSIONS",
    "DIRECTIONS",
    "FORMATS",
    "GRAINS",
    "METRIC_TYPES",
    "RELATIONS",
    "TARGET_ROLLUPS",
    "MetricDefinition",
    "Registry",
    "RegistryError",
    "load_registry",
    "registry_path",
    "validate_registry",
]


def registry_path() -> Path:
    """Return the registry file in use: NORTHSTAR_METRICS_FILE, else settings.metrics_file."""
    configured = os.environ.get(METRICS_FILE_ENV)
    if configured:
        return Path(configured)
    from northstar.settings import get_settings

    return get_settings().metrics_file


def load_registry(path: Path | None = None) -> Registry:
    """Read and validate the registry file; raise RegistryError naming the first problem found."""
    path = Path(path) if path is not None else registry_path()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise RegistryError(
            f"Metric registry {path} not found; set {METRICS_FILE_ENV} to the registry file."
        ) from None
    except yaml.YAMLError as error:
        raise RegistryError(f"Metric registry {path} is not valid YAML: {error}") from None

    entries = document.get("metrics") or []
    if not entries:
        raise RegistryError(f"Metric registry {path} defines no metrics under 'metrics:'.")
    measures, allowed_dimensions, dimension_exprs = _parse_semantic_models(document, path)
    metrics: dict[str, MetricDefinition] = {}
    for entry in entries:
        metric = _parse_metric(entry, path, measures, dimension_exprs)
        if metric.id in metrics:
            raise RegistryError(f"Metric {metric.id!r} is defined twice in {path}; keep one.")
        metrics[metric.id] = metric
    registry = Registry(
        metrics=metrics,
        measures=measures,
        allowed_dimensions=allowed_dimensions,
        dimension_exprs=dimension_exprs,
    )
    validate_registry(registry)
    return registry


def _parse_semantic_models(
    document: dict, path: Path
) -> tuple[dict[str, Measure], tuple[str, ...], dict[str, str]]:
    measures: dict[str, Measure] = {}
    dimension_exprs: dict[str, str] = {}
    allowed: list[str] = []
    for model in document.get("semantic_models") or []:
        meta = (model.get("config") or {}).get("meta") or {}
        allowed.extend(meta.get("metric_dimensions") or ())
        for dimension in model.get("dimensions") or []:
            dimension_exprs[dimension["name"]] = str(dimension.get("expr") or dimension["name"])
        for entry in model.get("measures") or []:
            name = entry.get("name")
            if name in measures:
                raise RegistryError(f"Measure {name!r} is defined twice in {path}; keep one.")
            measures[name] = Measure(
                name=name, agg=str(entry.get("agg")), expr=str(entry.get("expr") or name)
            )
    return measures, tuple(allowed) or DIMENSIONS, dimension_exprs


def _parse_metric(
    entry: dict, path: Path, measures: dict[str, Measure], dimension_exprs: dict[str, str]
) -> MetricDefinition:
    metric_id = entry.get("name")
    if not metric_id or not IDENTIFIER.fullmatch(str(metric_id)):
        raise RegistryError(
            f"Metric name {metric_id!r} in {path} is invalid: use lower_snake_case letters."
        )
    meta = (entry.get("config") or {}).get("meta") or {}
    where = f"Metric {metric_id!r} in {path}"

    def required(key: str, source: dict = meta, hint: str = "") -> object:
        value = source.get(key)
        if value in (None, "", []):
            place = "" if source is entry else " under config.meta"
            raise RegistryError(f"{where} is missing {key!r}{place}{hint}.")
        return value

    owner = required("owner", hint=" (name, team and email)")
    if not isinstance(owner, dict) or not all(owner.get(k) for k in ("name", "team", "email")):
        raise RegistryError(f"{where} needs an owner with name, team and email; got {owner!r}.")

    type_params = entry.get("type_params") or {}
    fields = _current_fields(entry, meta, type_params)
    versions = _parse_versions(where, meta, fields)
    return MetricDefinition(
        id=metric_id,
        label_en=str(required("label", entry)),
        label_zh=str(required("label_zh", hint=" (the Chinese label shown to stakeholders)")),
        description_en=" ".join(str(required("description", entry)).split()),
        description_zh=str(required("description_zh", hint=" (the Chinese description)")).strip(),
        metric_type=str(required("type", entry)),
        owner=Owner(name=owner["name"], team=owner["team"], email=owner["email"]),
        unit=str(required("unit")),
        format=str(required("format")),
        direction=str(required("direction")),
        grains=tuple(required("grains")),
        dimensions=tuple(meta.get("dimensions") or ()),
        source_systems=tuple(required("source_systems")),
        is_north_star=bool(meta.get("north_star", False)),
        parent=meta.get("parent"),
        relation=meta.get("relation"),
        formula=meta.get("formula"),
        identity_tolerance=float(meta.get("identity_tolerance", 0.0)),
        compute=_compute_sql(fields, measures, dimension_exprs),
        numerator=fields["numerator"],
        denominator=fields["denominator"],
        zero_denominator=meta.get("zero_denominator"),
        target_rollup=str(meta.get("target_rollup", "none")),
        measure=fields["measure"],
        filter=fields["filter"],
        expr=fields["expr"],
        version=versions[-1].version,
        effective_date=versions[-1].effective_date,
        versions=tuple(versions),
    )


def _operand(value: object) -> str | None:
    """Return the name in a MetricFlow metric or measure reference (a name or a mapping)."""
    if isinstance(value, dict):
        return value.get("name")
    return value if value is None else str(value)


def _current_fields(entry: dict, meta: dict, type_params: dict) -> dict:
    return {
        "measure": _operand(type_params.get("measure")),
        "filter": entry.get("filter"),
        "numerator": _operand(type_params.get("numerator")),
        "denominator": _operand(type_params.get("denominator")),
        "expr": type_params.get("expr"),
        "north_star": bool(meta.get("north_star", False)),
        "parent": meta.get("parent"),
        "relation": meta.get("relation"),
        "formula": meta.get("formula"),
        "unit": meta.get("unit"),
    }


def _compute_sql(
    fields: dict, measures: dict[str, Measure], dimension_exprs: dict[str, str]
) -> str | None:
    """Build the SQL aggregate of a simple metric, or None for an unknown measure."""
    measure = measures.get(fields["measure"] or "")
    if measure is None:
        return None
    metric_filter = fields["filter"]
    rendered = render_filter(metric_filter, dimension_exprs) if metric_filter else None
    return aggregate_sql(measure, rendered)


def _as_date(where: str, key: str, value: object) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RegistryError(f"{where} has {key} {value!r}; write a date as YYYY-MM-DD.") from None


def _parse_versions(where: str, meta: dict, current: dict) -> list[MetricVersion]:
    """The metric's versions, oldest first, each with the fields in effect in that version."""
    if meta.get("version") is None or meta.get("effective_date") is None:
        raise RegistryError(
            f"{where} is missing 'version' or 'effective_date' under config.meta; a new metric "
            "starts at version: 1 with the date its definition takes effect."
        )
    version = meta["version"]
    effective_date = _as_date(where, "effective_date", meta["effective_date"])
    changes = sorted(meta.get("changes") or [], key=lambda change: change.get("version", 0))
    by_version = {change.get("version"): change for change in changes}
    if len(by_version) != len(changes) or not isinstance(version, int):
        raise RegistryError(f"{where} has a non-integer or repeated version in 'changes'.")
    later = [number for number in by_version if number > 1]
    if later and (later[-1] != version or later != list(range(2, version + 1))):
        raise RegistryError(
            f"{where} is at version {version}, but its changes record versions {later}; record "
            f"one change per version from 2 to {version}."
        )
    if version > 1 and not later:
        raise RegistryError(
            f"{where} is at version {version} with no 'changes'; record who changed it, when, "
            "why and the previous fields."
        )

    versions: list[MetricVersion] = []
    fields = dict(current)
    for number in range(version, 0, -1):
        change = by_version.get(number, {})
        if number == version:
            changed_on = effective_date
        elif change:
            changed_on = _as_date(where, "changes effective_date", change.get("effective_date"))
        else:
            changed_on = None
        if number > 1:
            _check_change(where, change, number)
            change_date = _as_date(where, "changes effective_date", change["effective_date"])
            if number == version and change_date != effective_date:
                raise RegistryError(
                    f"{where} has effective_date {effective_date}, but its version {version} "
                    f"change is dated {change['effective_date']}; make them equal."
                )
        versions.append(
            MetricVersion(
                version=number,
                effective_date=changed_on,
                author=change.get("author"),
                reason=change.get("reason"),
                fields=dict(fields),
            )
        )
        fields = {**fields, **(change.get("previous") or {})}
    versions.reverse()
    for earlier, later_version in itertools.pairwise(versions):
        if earlier.effective_date and earlier.effective_date >= later_version.effective_date:
            raise RegistryError(
                f"{where}: version {later_version.version} takes effect on "
                f"{later_version.effective_date}, not after version {earlier.version} "
                f"({earlier.effective_date}); order the effective dates."
            )
    return versions


def _check_change(where: str, change: dict, number: int) -> None:
    missing = [key for key in ("effective_date", "author", "reason") if not change.get(key)]
    previous = change.get("previous")
    if missing or not isinstance(previous, dict) or not previous:
        raise RegistryError(
            f"{where}: the change to version {number} needs effective_date, author, reason and "
            f"'previous' (the fields before the change); missing {missing or ['previous']}."
        )
    unknown = sorted(set(previous) - set(VERSIONED_FIELDS))
    if unknown:
        raise RegistryError(
            f"{where}: the change to version {number} records unknown fields {unknown} under "
            f"'previous'; use {', '.join(VERSIONED_FIELDS)}."
        )
