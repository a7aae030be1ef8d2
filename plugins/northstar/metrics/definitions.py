"""The metric registry's data model: metric definitions, their versions, and the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

GRAINS = ("day", "week", "month", "quarter")
# The retail warehouse's cuts; a registry's semantic model may list its own in
# config.meta.metric_dimensions.
DIMENSIONS = ("store", "region", "department", "income_band")
FORMATS = ("integer", "decimal", "percent", "currency")
DIRECTIONS = ("higher_is_better", "lower_is_better")
RELATIONS = ("sum", "product", "ratio")
METRIC_TYPES = ("simple", "ratio", "derived", "cumulative")
TARGET_ROLLUPS = ("sum", "mean", "none")
ZERO_DENOMINATOR_POLICIES = ("null", "zero")
# SQL aggregate of each MetricFlow measure agg that metric_values supports.
AGGREGATES = {
    "sum": "sum({expr})",
    "count": "count({expr})",
    "count_distinct": "count(distinct {expr})",
    "average": "avg({expr})",
    "min": "min({expr})",
    "max": "max({expr})",
    "sum_boolean": "sum(cast({expr} as integer))",
}
# Fields a change may record under `previous`: what defines the numbers and the tree.
VERSIONED_FIELDS = (
    "measure",
    "filter",
    "numerator",
    "denominator",
    "expr",
    "north_star",
    "parent",
    "relation",
    "formula",
    "unit",
)

IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# A MetricFlow filter names dimensions as {{ Dimension('entity__dimension') }}.
DIMENSION_REFERENCE = re.compile(r"\{\{\s*Dimension\(\s*['\"]([a-z0-9_]+)['\"]\s*\)\s*\}\}")


class RegistryError(ValueError):
    """The metric registry is invalid; the message names the metric, the field and the fix."""


@dataclass(frozen=True)
class Owner:
    name: str
    team: str
    email: str


@dataclass(frozen=True)
class Measure:
    """A MetricFlow measure of the semantic model: an aggregate over one SQL expression."""

    name: str
    agg: str
    expr: str


@dataclass(frozen=True)
class MetricVersion:
    """One version of a metric definition, in effect from `effective_date` (None: always)."""

    version: int
    effective_date: date | None
    author: str | None
    reason: str | None
    fields: dict = field(default_factory=dict)

    @property
    def is_north_star(self) -> bool:
        return bool(self.fields.get("north_star"))


@dataclass(frozen=True)
class MetricDefinition:
    """One governed metric definition (its current version) with its version history."""

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
    target_rollup: str = "none"
    measure: str | None = None
    filter: str | None = None
    expr: str | None = None
    version: int = 1
    effective_date: date | None = None
    versions: tuple[MetricVersion, ...] = ()

    def label(self, language: str) -> str:
        return self.label_zh if language.startswith("zh") else self.label_en

    def description(self, language: str) -> str:
        return self.description_zh if language.startswith("zh") else self.description_en

    @property
    def children(self) -> tuple[str, ...]:
        """Metric ids the formula combines, in the order written."""
        if not self.formula:
            return ()
        return tuple(IDENTIFIER.findall(self.formula))

    def version_on(self, day: date) -> MetricVersion | None:
        """The version in effect on `day`, or None before the metric existed."""
        in_effect = [
            version
            for version in self.versions
            if version.effective_date is None or version.effective_date <= day
        ]
        return in_effect[-1] if in_effect else None


@dataclass(frozen=True)
class Registry:
    metrics: dict[str, MetricDefinition] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    allowed_dimensions: tuple[str, ...] = DIMENSIONS
    # Dimension name -> SQL expression on the activity model, for MetricFlow filters.
    dimension_exprs: dict[str, str] = field(default_factory=dict)

    @property
    def north_star(self) -> MetricDefinition:
        return next(m for m in self.metrics.values() if m.is_north_star)

    def north_star_on(self, day: date) -> MetricDefinition | None:
        """The metric that was the north star on `day`, following recorded changes."""
        for metric in self.metrics.values():
            version = metric.version_on(day)
            if version is not None and version.is_north_star:
                return metric
        return None

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


def aggregate_sql(measure: Measure, filter_sql: str | None = None) -> str:
    """The SQL aggregate of `measure` over the activity rows that pass `filter_sql`."""
    expr = measure.expr
    if filter_sql:
        expr = f"case when ({filter_sql}) then {expr} end"
    return AGGREGATES[measure.agg].format(expr=expr)


def render_filter(metric_filter: str, dimension_exprs: dict[str, str]) -> str:
    """Replace {{ Dimension('entity__name') }} in a MetricFlow filter by the dimension's SQL."""

    def replace(match: re.Match) -> str:
        name = match.group(1).split("__")[-1]
        return f"({dimension_exprs.get(name, name)})"

    return DIMENSION_REFERENCE.sub(replace, metric_filter)
