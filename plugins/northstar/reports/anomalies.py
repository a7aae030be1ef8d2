"""Anomalies: metric values outside what seasonality and recent history predict. Pure functions.

Method (robust z-score): compare the period's value with the same metric's recent periods,
    z = MAD_TO_SIGMA * (x - median(history)) / MAD(history)
and flag |z| > ANOMALY_THRESHOLD. Where a year of history exists, x and the history are
year-over-year ratios (this period against the same period last year), which takes out
seasonality such as the December peak; otherwise they are the values themselves.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from northstar.reports.attribution import top_share_of_increase

ANOMALY_METHOD = "robust_z"
# Iglewicz and Hoaglin's cut-off for the modified z-score: beyond 3.5 a value is an outlier.
ANOMALY_THRESHOLD = 3.5
# 0.6745 is the 75th percentile of the standard normal, so MAD / 0.6745 estimates sigma.
MAD_TO_SIGMA = 0.6745
# Recent periods the value is compared with: a quarter of weeks, a year of months, six quarters.
HISTORY_PERIODS = {"weekly": 13, "monthly": 12, "quarterly": 6}
# Fewer comparable periods than this give no verdict, because a median of a handful is noise.
MIN_HISTORY = 6
# A flat history has MAD 0, which would flag any change; the MAD is floored at 1% of the median
# so that a 1% wobble on a flat series is not an anomaly.
MAD_FLOOR_SHARE = 0.01
# Fake orders show up as a jump carried by a few stores. A rise of at least SPIKE_MIN_GROWTH
# against the previous period, of which the top CONCENTRATION_TOP_STORES stores carry at least
# CONCENTRATION_SHARE, is reported as suspect instead of as growth.
SPIKE_MIN_GROWTH = 0.10
CONCENTRATION_TOP_STORES = 3
CONCENTRATION_SHARE = 0.6
# With this few stores rising, any rise is "concentrated" by arithmetic, so the check stays off.
CONCENTRATION_MIN_STORES = 10


@dataclass(frozen=True)
class AnomalyCheck:
    """Verdict on one value: its robust z-score, the basis it was computed on, and the flag."""

    value: float
    expected: float
    z: float
    basis: str  # "yoy" (year-over-year ratios) or "level" (the values)
    history: int  # comparable periods used

    @property
    def is_anomaly(self) -> bool:
        return abs(self.z) > ANOMALY_THRESHOLD


def robust_zscore(value: float, history: list[float]) -> tuple[float, float]:
    """Return (z, median) of `value` against `history` with the floored MAD."""
    median = statistics.median(history)
    mad = statistics.median(abs(x - median) for x in history)
    mad = max(mad, MAD_FLOOR_SHARE * abs(median))
    if mad == 0:
        return (0.0 if value == median else float("inf")), median
    return MAD_TO_SIGMA * (value - median) / mad, median


def check_value(
    series: list[float | None], periods_per_year: int, history_periods: int
) -> AnomalyCheck | None:
    """Check the last value of `series` (oldest first, one entry per period, None for a gap).

    Returns None when the value is missing or fewer than MIN_HISTORY comparable periods exist.
    """
    if not series or series[-1] is None:
        return None
    current_index = len(series) - 1
    ratios = {}
    for index in range(max(0, current_index - history_periods), current_index + 1):
        year_ago = index - periods_per_year
        if year_ago >= 0 and series[index] is not None and series[year_ago]:
            ratios[index] = series[index] / series[year_ago]
    ratio_history = [r for i, r in ratios.items() if i != current_index]
    if current_index in ratios and len(ratio_history) >= MIN_HISTORY:
        z, median = robust_zscore(ratios[current_index], ratio_history)
        expected = median * series[current_index - periods_per_year]
        return AnomalyCheck(series[-1], expected, z, "yoy", len(ratio_history))
    levels = [
        x for x in series[max(0, current_index - history_periods) : current_index] if x is not None
    ]
    if len(levels) < MIN_HISTORY:
        return None
    z, median = robust_zscore(series[-1], levels)
    return AnomalyCheck(series[-1], median, z, "level", len(levels))


@dataclass(frozen=True)
class ConcentrationCheck:
    """How much of a rise the top stores carry, and whether that makes the rise suspect."""

    growth: float
    top_share: float | None
    top_stores: tuple[str, ...]
    rising_stores: int

    @property
    def is_suspect(self) -> bool:
        return (
            self.growth >= SPIKE_MIN_GROWTH
            and self.rising_stores >= CONCENTRATION_MIN_STORES
            and self.top_share is not None
            and self.top_share >= CONCENTRATION_SHARE
        )


def check_concentration(
    previous_total: float | None,
    current_total: float | None,
    store_changes: dict[str, float],
) -> ConcentrationCheck | None:
    """Check whether a rise of the total comes from a few stores; None without a previous total."""
    if not previous_total or current_total is None:
        return None
    growth = (current_total - previous_total) / previous_total
    rising = sorted(
        ((store, change) for store, change in store_changes.items() if change > 0),
        key=lambda item: (-item[1], item[0]),
    )
    top = tuple(store for store, _ in rising[:CONCENTRATION_TOP_STORES])
    share = top_share_of_increase(list(store_changes.values()), CONCENTRATION_TOP_STORES)
    return ConcentrationCheck(growth, share, top, len(rising))
