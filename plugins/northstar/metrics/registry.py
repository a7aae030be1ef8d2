"""Load and validate the metric registry: dbt semantic layer YAML with North Star fields in meta."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

GRAINS = ("day", "week", "month", "quarter")
DIMENSIONS = ("store", "department", "income_band")
FORMATS = ("integer", "decimal", "percent", "currency")
DIRECTIONS = ("higher_is_better", "lower_is_better")
RELATIONS = ("sum", "product", "ratio")
METRIC_TYPES = ("simple", "ratio", "derived", "cumulative")

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# A formula combines metric ids with one operator kind, matching its relation.
_RELATION_OPERATORS = {"sum": "+", "product": "*", "ratio": "/"}


class RegistryError(ValueError):
    """The metric registry is invalid; the message names the metric, the field and the fix."""


@dataclass(frozen=True)
class Owner:
    name: str
    team: str
    email: str


@dataclass(frozen=True)
class MetricDefinition:
    """One governed metric definition."""

    id: str
    label_en: str
    label_zh: str
    description_en: str
    description_zh: str
    metric_type: str
    owner: Owner
    unit: str
    format: str
    direction: str
    grains: tuple[str, ...]
    dimensions: tuple[str, ...]
    source_systems: tuple[str, ...]
    is_north_star: bool = False
    parent: str | None = None
    relation: str | None = None
    formula: str | None = None
    identity_tolerance: float = 0.0
    compute: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    zero_denominator: str | None = None

    def label(self, language: str) -> str:
        return self.label_zh if language.startswith("zh") else self.label_en

    def description(self, language: str) -> str:
        return self.description_zh if language.startswith("zh") else self.description_en

    @property
    def children(self) -> tuple[str, ...]:
        """Metric ids the formula combines, in the order written."""
        if not self.formula:
            return ()
        return tuple(_IDENTIFIER.findall(self.formula))


@dataclass(frozen=True)
class Registry:
    metrics: dict[str, MetricDefinition] = field(default_factory=dict)

    @property
    def north_star(self) -> MetricDefinition:
        return next(m for m in self.metrics.values() if m.is_north_star)

    def get(self, metric_id: str) -> MetricDefinition:
        try:
            return self.metrics[metric_id]
        except KeyError:
            known = ", ".join(sorted(self.metrics))
            raise RegistryError(f"Unknown metric {metric_id!r}. Known metrics: {known}.") from None

    def tree_children(self, metric_id: str) -> list[MetricDefinition]:
        """Metrics whose parent is `metric_id`, in registry order."""
        return [m for m in self.metrics.values() if m.parent == metric_id]

    def tree_order(self) -> list[MetricDefinition]:
        """The north star metric tree depth-first from the north star, then metrics outside it."""
        ordered: list[MetricDefinition] = []

        def visit(metric: MetricDefinition) -> None:
            ordered.append(metric)
            for child in self.tree_children(metric.id):
                visit(child)

        visit(self.north_star)
        ordered.extend(m for m in self.metrics.values() if m not in ordered)
        return ordered

    def depth(self, metric_id: str) -> int:
        depth, metric = 0, self.get(metric_id)
        while metric.parent:
            depth, metric = depth + 1, self.get(metric.parent)
        return depth


def load_registry(path: Path | None = None) -> Registry:
    """Read and validate the registry file; raise RegistryError naming the first problem found."""
    if path is None:
        from northstar.settings import get_settings

        path = get_settings().metrics_file
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise RegistryError(f"Metric registry {path} not found.") from None
    except yaml.YAMLError as error:
        raise RegistryError(f"Metric registry {path} is not valid YAML: {error}") from None

    entries = document.get("metrics") or []
    if not entries:
        raise RegistryError(f"Metric registry {path} defines no metrics under 'metrics:'.")
    metrics: dict[str, MetricDefinition] = {}
    for entry in entries:
        metric = _parse_metric(entry, path)
        if metric.id in metrics:
            raise RegistryError(f"Metric {metric.id!r} is defined twice in {path}; keep one.")
        metrics[metric.id] = metric
    registry = Registry(metrics=metrics)
    validate_registry(registry)
    return registry


def _parse_metric(entry: dict, path: Path) -> MetricDefinition:
    metric_id = entry.get("name")
    if not metric_id or not _IDENTIFIER.fullmatch(str(metric_id)):
        raise RegistryError(
            f"Metric name {metric_id!r} in {path} is invalid: use lower_snake_case letters."
        )
    meta = (entry.get("config") or {}).get("meta") or {}
    where = f"Metric {metric_id!r} in {path}"

    def required(key: str, source: dict = meta, hint: str = "") -> object:
        value = source.get(key)
        if value in (None, "", []):
            raise RegistryError(f"{where} is missing {key!r}{hint}.")
        return value

    owner = required("owner", hint=" (name, team and email)")
    if not isinstance(owner, dict) or not all(owner.get(k) for k in ("name", "team", "email")):
        raise RegistryError(f"{where} needs an owner with name, team and email; got {owner!r}.")

    type_params = entry.get("type_params") or {}
    return MetricDefinition(
        id=metric_id,
        label_en=str(required("label", entry)),
        label_zh=str(required("label_zh", hint=" (the Chinese label shown to stakeholders)")),
        description_en=" ".join(str(required("description", entry)).split()),
        description_zh=str(required("description_zh")).strip(),
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
        compute=meta.get("compute"),
        numerator=type_params.get("numerator"),
        denominator=type_params.get("denominator"),
        zero_denominator=meta.get("zero_denominator"),
    )


def validate_registry(registry: Registry) -> None:
    """Check the registry as a whole: allowed values, one north star, the tree and formulas."""
    metrics = registry.metrics
    north_stars = [m.id for m in metrics.values() if m.is_north_star]
    if len(north_stars) != 1:
        raise RegistryError(
            "The registry must mark exactly one metric with 'north_star: true'; "
            f"found {north_stars}."
        )

    for metric in metrics.values():
        where = f"Metric {metric.id!r}"
        _check_choice(where, "type", metric.metric_type, METRIC_TYPES)
        _check_choice(where, "format", metric.format, FORMATS)
        _check_choice(where, "direction", metric.direction, DIRECTIONS)
        for grain in metric.grains:
            _check_choice(where, "grain", grain, GRAINS)
        for dimension in metric.dimensions:
            _check_choice(where, "dimension", dimension, DIMENSIONS)
        if metric.parent is not None and metric.parent not in metrics:
            raise RegistryError(
                f"{where} names parent {metric.parent!r}, which is not a metric in the registry."
            )
        if metric.metric_type == "simple" and not metric.compute:
            raise RegistryError(f"{where} is a simple metric without 'compute', its SQL aggregate.")
        if metric.metric_type == "ratio":
            _check_ratio(registry, metric)
        if metric.formula:
            _check_formula(registry, metric)
    _check_tree_has_no_cycle(registry)


def _check_choice(where: str, field_name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise RegistryError(
            f"{where} has {field_name} {value!r}; use one of: {', '.join(allowed)}."
        )


def _check_ratio(registry: Registry, metric: MetricDefinition) -> None:
    where = f"Metric {metric.id!r}"
    for role in ("numerator", "denominator"):
        operand = getattr(metric, role)
        if operand not in registry.metrics:
            raise RegistryError(f"{where} has {role} {operand!r}, which is not a metric.")
    if metric.zero_denominator not in ("null", "zero"):
        raise RegistryError(
            f"{where} is a ratio whose denominator {metric.denominator!r} can be zero; set "
            "'zero_denominator' to null (undefined) or zero."
        )


def _check_formula(registry: Registry, metric: MetricDefinition) -> None:
    where = f"Metric {metric.id!r}"
    if metric.relation not in RELATIONS:
        raise RegistryError(
            f"{where} has a formula but relation {metric.relation!r}; use one of: "
            f"{', '.join(RELATIONS)}."
        )
    operator = _RELATION_OPERATORS[metric.relation]
    operators = set(re.findall(r"[-+*/]", metric.formula or ""))
    if operators != {operator}:
        raise RegistryError(
            f"{where} has relation {metric.relation!r}, so its formula must combine metrics "
            f"with {operator!r} only; got {metric.formula!r}."
        )
    children = {m.id for m in registry.tree_children(metric.id)}
    for operand in metric.children:
        if operand not in registry.metrics:
            raise RegistryError(
                f"{where} has formula {metric.formula!r}, which uses unknown metric {operand!r}."
            )
        if operand not in children:
            raise RegistryError(
                f"{where} uses {operand!r} in its formula, but {operand!r} does not name "
                f"{metric.id!r} as its parent; set 'parent: {metric.id}' on it."
            )


def _check_tree_has_no_cycle(registry: Registry) -> None:
    for metric in registry.metrics.values():
        seen = [metric.id]
        parent = metric.parent
        while parent is not None:
            if parent in seen:
                path = " -> ".join([*seen, parent])
                raise RegistryError(f"The metric tree has a cycle: {path}. Remove one parent link.")
            seen.append(parent)
            parent = registry.metrics[parent].parent
