"""Why the north star moved: exact decompositions of a change. Pure functions, no I/O.

Sums split additively. Products and ratios, V = x1^e1 * x2^e2 * ... (e = 1 for a factor, -1 for
a denominator), split by the logarithmic mean Divisia index (LMDI-I):

    C_i = L(V1, V0) * e_i * ln(x_i1 / x_i0),   L(a, b) = (a - b) / (ln a - ln b),   L(a, a) = a

whose contributions add up to V1 - V0 exactly. LMDI needs positive values, so a factor at zero
switches that node to the Shapley split, which is exact for any values.

Each contribution is written C_i = w_i * (x_i1 - x_i0). The weight w_i of a child of a sum equals
its parent's weight, so a tree of sums below a product splits exactly all the way down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

# Exponent of each child in a ratio (numerator / denominator); every factor of a product has 1.
RELATION_EXPONENTS = {"product": (1,), "ratio": (1, -1)}
METHOD_LMDI = "lmdi"
METHOD_SHAPLEY = "shapley"


@dataclass(frozen=True)
class Contribution:
    """One metric's share of the north star change, in north star units."""

    metric_id: str
    parent_id: str | None
    depth: int
    previous: float
    current: float
    contribution: float
    method: str | None  # how this node's children were split; None on a leaf


def log_mean(a: float, b: float) -> float:
    """Logarithmic mean L(a, b) of two positive numbers."""
    if a <= 0 or b <= 0:
        raise ValueError(f"The logarithmic mean needs positive values, got {a} and {b}.")
    if math.isclose(a, b, rel_tol=1e-12):
        return a
    return (a - b) / (math.log(a) - math.log(b))


def _power(x: float, exponent: int) -> float:
    return x if exponent == 1 else 1.0 / x


def lmdi_weights(previous: list[float], current: list[float], exponents: list[int]) -> list[float]:
    """Weights w_i with sum(w_i * dx_i) = V1 - V0 for V = prod(x_i ** e_i), all x positive."""
    v0 = math.prod(_power(x, e) for x, e in zip(previous, exponents, strict=True))
    v1 = math.prod(_power(x, e) for x, e in zip(current, exponents, strict=True))
    scale = log_mean(v1, v0)
    # ln(x1/x0) = (x1 - x0) / L(x1, x0), so the LMDI term is a weight times the change.
    return [
        scale * e / log_mean(x1, x0) for x0, x1, e in zip(previous, current, exponents, strict=True)
    ]


def shapley_weights(
    previous: list[float], current: list[float], exponents: list[int]
) -> list[float]:
    """Weights w_i with sum(w_i * dx_i) = V1 - V0: factor i's Shapley value over its change.

    Factor i's marginal effect, given which other factors already changed, is the change of
    x_i ** e_i times the product of the others. The Shapley value averages it over all orders.
    """
    count = len(previous)
    weights = []
    for i in range(count):
        others = [j for j in range(count) if j != i]
        average = 0.0
        for size in range(count):
            order_weight = math.factorial(size) * math.factorial(count - size - 1)
            order_weight /= math.factorial(count)
            for changed in combinations(others, size):
                average += order_weight * math.prod(
                    _power(current[j] if j in changed else previous[j], exponents[j])
                    for j in others
                )
        weights.append(average * _factor_slope(previous[i], current[i], exponents[i]))
    return weights


def _factor_slope(x0: float, x1: float, exponent: int) -> float:
    """(x1 ** e - x0 ** e) / (x1 - x0), with its limit when x1 = x0."""
    if exponent == 1:
        return 1.0
    if x0 == 0 or x1 == 0:
        raise ValueError("A ratio's denominator is zero, so the ratio has no value to split.")
    return -1.0 / (x0 * x1)


def decompose_tree(
    root_id: str,
    previous: dict[str, float],
    current: dict[str, float],
    children: dict[str, tuple[str, tuple[str, ...]]],
) -> list[Contribution]:
    """Split the change of `root_id` over the metric tree, depth-first from the root.

    `children` maps a parent id to (relation, child ids) with relation sum, product or ratio.
    A node whose children lack values is a leaf. The children of a node add up to the node's
    contribution exactly when the parent's values obey its formula; see `tree_residual`.
    """
    rows: list[Contribution] = []

    def visit(metric_id: str, parent_id: str | None, depth: int, weight: float) -> None:
        x0, x1 = previous[metric_id], current[metric_id]
        relation, child_ids = children.get(metric_id, (None, ()))
        ready = child_ids and all(c in previous and c in current for c in child_ids)
        method = None
        if ready:
            method, child_weights = _child_weights(relation, child_ids, previous, current)
        rows.append(Contribution(metric_id, parent_id, depth, x0, x1, weight * (x1 - x0), method))
        if ready:
            for child_id, child_weight in zip(child_ids, child_weights, strict=True):
                visit(child_id, metric_id, depth + 1, weight * child_weight)

    visit(root_id, None, 0, 1.0)
    return rows


def _child_weights(relation, child_ids, previous, current) -> tuple[str, list[float]]:
    if relation == "sum":
        return "sum", [1.0] * len(child_ids)
    if relation not in RELATION_EXPONENTS:
        raise ValueError(f"Unknown relation {relation!r}; use sum, product or ratio.")
    # A product may have any number of factors; a ratio has a numerator and a denominator.
    exponents = (
        [1] * len(child_ids) if relation == "product" else list(RELATION_EXPONENTS[relation])
    )
    x0 = [previous[c] for c in child_ids]
    x1 = [current[c] for c in child_ids]
    if all(value > 0 for value in x0 + x1):
        return METHOD_LMDI, lmdi_weights(x0, x1, exponents)
    return METHOD_SHAPLEY, shapley_weights(x0, x1, exponents)


def tree_residual(rows: list[Contribution], metric_id: str) -> float:
    """Contribution of `metric_id` minus the sum of its children's: zero when its formula holds."""
    node = next(row for row in rows if row.metric_id == metric_id)
    children_sum = sum(row.contribution for row in rows if row.parent_id == metric_id)
    return node.contribution - children_sum


@dataclass(frozen=True)
class SegmentChange:
    """One dimension value's change, e.g. one region's north star from last period to this."""

    segment: str
    previous: float
    current: float

    @property
    def change(self) -> float:
        return self.current - self.previous


def segment_changes(previous: dict[str, float], current: dict[str, float]) -> list[SegmentChange]:
    """Changes per segment, largest absolute change first; a missing side counts as zero."""
    segments = set(previous) | set(current)
    rows = [SegmentChange(s, previous.get(s) or 0.0, current.get(s) or 0.0) for s in segments]
    return sorted(rows, key=lambda row: (-abs(row.change), row.segment))


@dataclass(frozen=True)
class MixRateSplit:
    """A ratio's change over segments split into a rate effect and a mix effect."""

    rate_effect: float
    mix_effect: float

    @property
    def total(self) -> float:
        return self.rate_effect + self.mix_effect


def mix_rate_split(
    previous: dict[str, tuple[float, float]], current: dict[str, tuple[float, float]]
) -> MixRateSplit:
    """Split the change of sum(num) / sum(den) over segments given as (numerator, denominator).

    With shares s = den / sum(den) and rates r = num / den, the ratio is sum(s * r), and
        rate effect = sum((r1 - r0) * (s0 + s1) / 2),   mix effect = sum((s1 - s0) * (r0 + r1) / 2)
    add up to its change exactly (the symmetric, Shapley split of each product s * r). A segment
    absent or with no denominator in one period has share 0 there and its other rate there.
    """
    den0 = sum(d for _, d in previous.values())
    den1 = sum(d for _, d in current.values())
    if den0 <= 0 or den1 <= 0:
        raise ValueError("The ratio has no denominator in one of the periods, so it cannot split.")
    rate_effect = mix_effect = 0.0
    for segment in set(previous) | set(current):
        n0, d0 = previous.get(segment, (0.0, 0.0))
        n1, d1 = current.get(segment, (0.0, 0.0))
        r0 = n0 / d0 if d0 else None
        r1 = n1 / d1 if d1 else None
        r0 = r1 if r0 is None else r0
        r1 = r0 if r1 is None else r1
        s0, s1 = d0 / den0, d1 / den1
        rate_effect += (r1 - r0) * (s0 + s1) / 2
        mix_effect += (s1 - s0) * (r0 + r1) / 2
    return MixRateSplit(rate_effect, mix_effect)


def top_share_of_increase(changes: list[float], top: int) -> float | None:
    """Share of the summed increases that the `top` largest increases make; None without any."""
    increases = sorted((c for c in changes if c > 0), reverse=True)
    total = sum(increases)
    if total <= 0:
        return None
    return sum(increases[:top]) / total
