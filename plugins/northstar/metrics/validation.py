"""Whole-registry checks: allowed values, measures, the tree, formulas, units and versions.

Every error names the metric and the fix, so `northstar validate-metrics` can stop a pipeline
before it computes a number from a broken definition.
"""

from __future__ import annotations

import re

from northstar.metrics.definitions import (
    AGGREGATES,
    DIRECTIONS,
    FORMATS,
    GRAINS,
    METRIC_TYPES,
    RELATIONS,
    TARGET_ROLLUPS,
    ZERO_DENOMINATOR_POLICIES,
    MetricDefinition,
    Registry,
    RegistryError,
)
from northstar.metrics.units import UnitError, divisors, expression_unit, format_unit, parse_unit

# A formula combines metric ids with one operator kind, matching its relation.
_RELATION_OPERATORS = {"sum": "+", "product": "*", "ratio": "/"}
# Measure aggregates whose values do not add up over months, so a quarter target is not the sum.
_NON_ADDITIVE_AGGREGATES = ("count_distinct", "average", "min", "max")


def validate_registry(registry: Registry) -> None:
    """Check the registry as a whole; raise RegistryError naming the metric and the fix."""
    _check_north_star_history(registry)
    for metric in registry.metrics.values():
        _check_fields(registry, metric)
        if metric.parent is not None and metric.parent not in registry.metrics:
            raise RegistryError(
                f"Metric {metric.id!r} names parent {metric.parent!r}, which is not a metric in "
                f"the registry; use one of: {', '.join(registry.metrics)}."
            )
        if metric.metric_type == "simple":
            _check_simple(registry, metric)
        elif metric.metric_type == "ratio":
            _check_ratio(registry, metric)
        elif metric.metric_type == "derived":
            _check_derived(registry, metric)
        else:
            # TODO: compute cumulative metrics (MetricFlow window / grain_to_date) in metric_values.
            raise RegistryError(
                f"Metric {metric.id!r} has type 'cumulative', which metric_values does not "
                "compute yet; define it as simple, ratio or derived."
            )
    _check_tree_has_no_cycle(registry)
    north_star = registry.north_star
    if north_star.parent:
        raise RegistryError(
            f"The north star {north_star.id!r} has parent {north_star.parent!r}, but the north "
            "star is the root of the metric tree; remove its parent."
        )
    for metric in registry.metrics.values():
        if metric.formula:
            _check_formula(registry, metric)


def _check_choice(where: str, field_name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise RegistryError(
            f"{where} has {field_name} {value!r}; use one of: {', '.join(allowed)}."
        )


def _check_fields(registry: Registry, metric: MetricDefinition) -> None:
    where = f"Metric {metric.id!r}"
    _check_choice(where, "type", metric.metric_type, METRIC_TYPES)
    _check_choice(where, "format", metric.format, FORMATS)
    _check_choice(where, "direction", metric.direction, DIRECTIONS)
    _check_choice(where, "target_rollup", metric.target_rollup, TARGET_ROLLUPS)
    for grain in metric.grains:
        _check_choice(where, "grain", grain, GRAINS)
    for dimension in metric.dimensions:
        _check_choice(where, "dimension", dimension, registry.allowed_dimensions)
    if not re.search(r"[\u4e00-\u9fff]", metric.label_zh):
        raise RegistryError(
            f"{where} has label_zh {metric.label_zh!r} with no Chinese characters; write the "
            "zh-CN label shown to stakeholders."
        )


def _check_simple(registry: Registry, metric: MetricDefinition) -> None:
    where = f"Metric {metric.id!r}"
    for version in metric.versions:
        measure_name = version.fields.get("measure")
        measure = registry.measures.get(measure_name or "")
        if measure is None:
            raise RegistryError(
                f"{where} (version {version.version}) uses measure {measure_name!r}, which no "
                f"semantic model defines; use one of: {', '.join(registry.measures)}."
            )
        _check_choice(f"{where} measure {measure.name!r}", "agg", measure.agg, tuple(AGGREGATES))
    measure = registry.measures[metric.measure or ""]
    if metric.target_rollup == "sum" and measure.agg in _NON_ADDITIVE_AGGREGATES:
        raise RegistryError(
            f"{where} aggregates with {measure.agg}, so a quarter is not the sum of its months; "
            "set target_rollup: none and give quarter targets in the metric_targets seed."
        )


def _check_ratio(registry: Registry, metric: MetricDefinition) -> None:
    where = f"Metric {metric.id!r}"
    for version in metric.versions:
        for role in ("numerator", "denominator"):
            operand = version.fields.get(role)
            if operand not in registry.metrics:
                raise RegistryError(
                    f"{where} (version {version.version}) has {role} {operand!r}, which is not a "
                    "metric in the registry; name a simple metric."
                )
            if registry.metrics[operand].metric_type != "simple":
                raise RegistryError(
                    f"{where} has {role} {operand!r}, which is not a simple metric; metric_values "
                    "divides simple metrics only."
                )
    if metric.zero_denominator not in ZERO_DENOMINATOR_POLICIES:
        raise RegistryError(
            f"{where} is a ratio whose denominator {metric.denominator!r} can be zero; set "
            '\'zero_denominator\' to "null" (undefined) or "zero" under config.meta. Quote '
            "the word, because YAML reads a bare null as no value."
        )
    if metric.target_rollup == "sum":
        raise RegistryError(
            f"{where} is a ratio, and ratios do not add up over months; set target_rollup to "
            "mean or none."
        )
    _check_unit(
        registry,
        metric,
        f"{metric.numerator} / {metric.denominator}",
        "its numerator / denominator",
    )


def _check_derived(registry: Registry, metric: MetricDefinition) -> None:
    where = f"Metric {metric.id!r}"
    if not metric.expr:
        raise RegistryError(f"{where} is derived but has no type_params.expr; write its formula.")
    for operand in re.findall(r"[a-z_][a-z0-9_]*", metric.expr):
        if operand not in registry.metrics:
            raise RegistryError(
                f"{where} has expr {metric.expr!r}, which references missing metric {operand!r}; "
                "define that metric or fix the name."
            )
        if registry.metrics[operand].metric_type != "simple":
            raise RegistryError(
                f"{where} uses {operand!r}, which is not a simple metric; metric_values derives "
                "metrics from simple metrics only."
            )
    if divisors(metric.expr) and metric.zero_denominator not in ZERO_DENOMINATOR_POLICIES:
        raise RegistryError(
            f"{where} divides by {', '.join(divisors(metric.expr))}, which can be zero; set "
            '\'zero_denominator\' to "null" (undefined) or "zero" under config.meta. Quote '
            "the word, because YAML reads a bare null as no value."
        )
    _check_unit(registry, metric, metric.expr, "its expr")


def _check_unit(
    registry: Registry, metric: MetricDefinition, expression: str, source_name: str
) -> None:
    try:
        unit = expression_unit(expression, lambda name: registry.get(name).unit)
    except UnitError as error:
        raise RegistryError(
            f"Metric {metric.id!r}: {error}; only values of one unit can be added or subtracted."
        ) from None
    if unit != parse_unit(metric.unit):
        raise RegistryError(
            f"Metric {metric.id!r} has unit {metric.unit!r}, but {source_name} {expression!r} "
            f"is in {format_unit(unit)}; fix the unit or the formula."
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
                f"{where} has formula {metric.formula!r}, which references missing metric "
                f"{operand!r}; define that metric or fix the name."
            )
        if operand not in children:
            raise RegistryError(
                f"{where} uses {operand!r} in its formula, but {operand!r} does not name "
                f"{metric.id!r} as its parent; set 'parent: {metric.id}' on it."
            )
    _check_unit(registry, metric, metric.formula or "", "its formula")


def _check_tree_has_no_cycle(registry: Registry) -> None:
    for metric in registry.metrics.values():
        seen = [metric.id]
        parent = metric.parent
        while parent is not None:
            if parent in seen:
                path = " -> ".join([*seen, parent])
                raise RegistryError(
                    f"The metric tree has a cycle: {path}. Remove the parent link of one of "
                    "these metrics."
                )
            seen.append(parent)
            parent = registry.metrics[parent].parent


def _check_north_star_history(registry: Registry) -> None:
    """Exactly one north star now and on every date a recorded change took effect."""
    current = [m.id for m in registry.metrics.values() if m.is_north_star]
    if len(current) != 1:
        raise RegistryError(
            "The registry must mark exactly one metric with 'north_star: true'; "
            f"found {current}. Set north_star on one metric and record the move in 'changes'."
        )
    dates = sorted(
        {
            version.effective_date
            for metric in registry.metrics.values()
            for version in metric.versions
            if version.effective_date is not None
        }
    )
    for day in dates:
        stars = [
            m.id
            for m in registry.metrics.values()
            if (version := m.version_on(day)) is not None and version.is_north_star
        ]
        defined = any(m.version_on(day) for m in registry.metrics.values())
        if len(stars) > 1 or (defined and not stars):
            raise RegistryError(
                f"On {day} the registry's history has {len(stars)} north star metrics {stars}; "
                "when the north star moves, record the change on both metrics with the same "
                "effective_date (north_star under 'previous')."
            )
