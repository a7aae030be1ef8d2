"""Attribution and anomaly maths on hand-computed cases (pure functions, no I/O)."""

from __future__ import annotations

import math

import pytest

from northstar.reports.anomalies import (
    check_concentration,
    check_value,
    robust_zscore,
)
from northstar.reports.attribution import (
    decompose_tree,
    lmdi_weights,
    log_mean,
    mix_rate_split,
    segment_changes,
    shapley_weights,
    top_share_of_increase,
    tree_residual,
)

# The demo metric tree, as the registry declares it.
TREE = {
    "repeat_households": ("product", ("active_households", "repeat_rate")),
    "active_households": ("sum", ("new_households", "returning_households")),
    "returning_households": (
        "sum",
        ("campaign_returning_households", "organic_returning_households"),
    ),
}


def contributions(previous, current, exponents, weights):
    return [w * (x1 - x0) for w, x0, x1 in zip(weights, previous, current, strict=True)]


def test_log_mean_equal_values():
    assert log_mean(5.0, 5.0) == 5.0
    # L(e, 1) = (e - 1) / (1 - 0)
    assert log_mean(math.e, 1.0) == pytest.approx(math.e - 1)


def test_lmdi_equal_growth_splits_half():
    # A 100 -> 120 and r 0.5 -> 0.6 both grow by 1.2, so ln 1.2 is half of ln 1.44 and each
    # factor gets half of the change 72 - 50 = 22: 11 and 11.
    split = contributions(
        [100, 0.5], [120, 0.6], [1, 1], lmdi_weights([100, 0.5], [120, 0.6], [1, 1])
    )
    assert split == pytest.approx([11.0, 11.0])


def test_lmdi_unequal_growth():
    # V = A * r: 10 * 0.5 = 5 -> 20 * 0.6 = 12, change 7. L(12, 5) = 7 / ln 2.4 = 7.99571;
    # C_A = 7.99571 * ln 2 = 5.5422 and C_r = 7.99571 * ln 1.2 = 1.4578, together 7.
    split = contributions([10, 0.5], [20, 0.6], [1, 1], lmdi_weights([10, 0.5], [20, 0.6], [1, 1]))
    assert split == pytest.approx([5.5422, 1.4578], abs=1e-4)
    assert sum(split) == pytest.approx(7.0)


def test_shapley_two_factors():
    # Shapley for a product of two: each change valued at the mean of the other factor.
    # C_A = (20 - 10) * (0.5 + 0.6) / 2 = 5.5; C_r = 0.1 * (10 + 20) / 2 = 1.5; sum 7.
    split = contributions(
        [10, 0.5], [20, 0.6], [1, 1], shapley_weights([10, 0.5], [20, 0.6], [1, 1])
    )
    assert split == pytest.approx([5.5, 1.5])


def test_shapley_ratio():
    # N / D: 50 / 100 = 0.5 -> 60 / 100 = 0.6. The denominator did not move, so the numerator
    # carries the whole +0.1 and the denominator 0.
    weights = shapley_weights([50, 100], [60, 100], [1, -1])
    assert contributions([50, 100], [60, 100], [1, -1], weights) == pytest.approx([0.1, 0.0])


def test_lmdi_ratio_sums_exactly():
    # N / D: 50 / 100 -> 66 / 110 = 0.6; the contributions must add up to +0.1.
    weights = lmdi_weights([50, 100], [66, 110], [1, -1])
    split = contributions([50, 100], [66, 110], [1, -1], weights)
    assert sum(split) == pytest.approx(0.1)
    assert split[0] > 0 > split[1]


def test_tree_december():
    # December: repeat 1,150 -> 1,196 with the repeat rate flat at 0.46, so active households
    # (2,500 -> 2,600) carry all +46. Below a product each unit of active households is worth
    # 46 / 100 = 0.46: new -20 -> -9.2, returning +120 -> +55.2, campaign +40 -> +18.4,
    # organic +80 -> +36.8.
    previous = {
        "repeat_households": 1150,
        "active_households": 2500,
        "repeat_rate": 0.46,
        "new_households": 420,
        "returning_households": 2080,
        "campaign_returning_households": 860,
        "organic_returning_households": 1220,
    }
    current = {
        "repeat_households": 1196,
        "active_households": 2600,
        "repeat_rate": 0.46,
        "new_households": 400,
        "returning_households": 2200,
        "campaign_returning_households": 900,
        "organic_returning_households": 1300,
    }
    rows = {
        row.metric_id: row for row in decompose_tree("repeat_households", previous, current, TREE)
    }

    expected = {
        "repeat_households": 46.0,
        "active_households": 46.0,
        "repeat_rate": 0.0,
        "new_households": -9.2,
        "returning_households": 55.2,
        "campaign_returning_households": 18.4,
        "organic_returning_households": 36.8,
    }
    for metric_id, contribution in expected.items():
        assert rows[metric_id].contribution == pytest.approx(contribution), metric_id
    assert rows["repeat_households"].method == "lmdi"
    assert rows["campaign_returning_households"].depth == 3


def test_tree_children_sum_to_parent():
    previous = {
        "repeat_households": 1000.0,
        "active_households": 2000.0,
        "repeat_rate": 0.5,
        "new_households": 500.0,
        "returning_households": 1500.0,
    }
    current = {
        "repeat_households": 1155.0,
        "active_households": 2100.0,
        "repeat_rate": 0.55,
        "new_households": 450.0,
        "returning_households": 1650.0,
    }
    rows = decompose_tree("repeat_households", previous, current, TREE)

    assert tree_residual(rows, "repeat_households") == pytest.approx(0.0, abs=1e-9)
    assert tree_residual(rows, "active_households") == pytest.approx(0.0, abs=1e-9)
    assert rows[0].contribution == pytest.approx(155.0)


def test_tree_zero_switches_to_shapley():
    # Active households 0 -> 10 at rate 0.5: LMDI cannot take ln 0, so Shapley gives
    # C_active = 10 * 0.5 = 5 and C_rate = 0.
    previous = {"repeat_households": 0.0, "active_households": 0.0, "repeat_rate": 0.5}
    current = {"repeat_households": 5.0, "active_households": 10.0, "repeat_rate": 0.5}
    rows = {r.metric_id: r for r in decompose_tree("repeat_households", previous, current, TREE)}

    assert rows["repeat_households"].method == "shapley"
    assert rows["active_households"].contribution == pytest.approx(5.0)
    assert rows["repeat_rate"].contribution == pytest.approx(0.0)


def test_mix_rate_pure_rate():
    # Segment a's rate doubles (0.1 -> 0.2) at an unchanged half share; b stays at 0.5.
    # Total 60 / 200 = 0.30 -> 70 / 200 = 0.35: rate effect +0.05, mix effect 0.
    split = mix_rate_split({"a": (10, 100), "b": (50, 100)}, {"a": (20, 100), "b": (50, 100)})
    assert split.rate_effect == pytest.approx(0.05)
    assert split.mix_effect == pytest.approx(0.0)


def test_mix_rate_pure_mix():
    # Rates stay (a 0.1, b 0.5) but b's share grows from 1/2 to 3/4: 0.30 -> 160 / 400 = 0.40.
    # Mix = (0.25 - 0.5) * 0.1 + (0.75 - 0.5) * 0.5 = -0.025 + 0.125 = +0.1, rate effect 0.
    split = mix_rate_split({"a": (10, 100), "b": (50, 100)}, {"a": (10, 100), "b": (150, 300)})
    assert split.mix_effect == pytest.approx(0.1)
    assert split.rate_effect == pytest.approx(0.0)
    assert split.total == pytest.approx(0.1)


def test_segment_changes_order():
    rows = segment_changes({"North": 380, "South": 340}, {"North": 450, "South": 330, "East": 5})
    assert [(r.segment, r.change) for r in rows] == [("North", 70), ("South", -10), ("East", 5)]


def test_top_share_of_increase():
    # Increases 50 + 30 + 10 + 10 = 100; the top two carry 80.
    assert top_share_of_increase([50, 30, 10, 10, -20], top=2) == pytest.approx(0.8)
    assert top_share_of_increase([-1, 0], top=3) is None


def test_robust_zscore():
    # Median 10; absolute deviations 0, 1, 1, 0, 2, 2 have median 1; z = 0.6745 * 10 / 1.
    z, median = robust_zscore(20, [10, 11, 9, 10, 12, 8])
    assert median == 10
    assert z == pytest.approx(6.745)


def test_robust_zscore_flat_history():
    # MAD 0 is floored at 1% of the median (1), so 102 against a flat 100 is z = 1.349.
    z, _ = robust_zscore(102, [100] * 6)
    assert z == pytest.approx(1.349)


def test_check_value_level_anomaly():
    check = check_value([10, 11, 9, 10, 12, 8, 20], periods_per_year=12, history_periods=12)
    assert check.basis == "level"
    assert check.expected == 10
    assert check.is_anomaly


def test_check_value_seasonal_peak_normal():
    # Two periods a year with a peak in the second, growing 10% a year: every year-over-year
    # ratio is 1.1, so the peak 266.2 -> the next low 146.41 is what seasonality predicts.
    series = [100, 200, 110, 220, 121, 242, 133.1, 266.2, 146.41]
    check = check_value(series, periods_per_year=2, history_periods=10)
    assert check.basis == "yoy"
    assert check.expected == pytest.approx(146.41)
    assert not check.is_anomaly


def test_check_value_seasonal_spike():
    series = [100, 200, 110, 220, 121, 242, 133.1, 266.2, 300]
    check = check_value(series, periods_per_year=2, history_periods=10)
    assert check.is_anomaly
    assert check.z > 0


def test_check_value_short_history():
    assert check_value([10, 11, 30], periods_per_year=12, history_periods=12) is None
    assert check_value([10] * 8 + [None], periods_per_year=12, history_periods=12) is None


def test_concentration_suspect():
    # +30% with store s1 carrying 20 of 30: the top three carry 22 / 30 = 73% >= 60%.
    changes = {"s1": 20.0, **{f"s{i}": 1.0 for i in range(2, 12)}}
    check = check_concentration(100, 130, changes)
    assert check.top_stores == ("s1", "s10", "s11")
    assert check.top_share == pytest.approx(22 / 30)
    assert check.is_suspect


def test_concentration_broad_rise():
    # The same +30% spread over ten stores: the top three carry 9 / 30 = 30%.
    check = check_concentration(100, 130, {f"s{i}": 3.0 for i in range(10)})
    assert check.top_share == pytest.approx(0.3)
    assert not check.is_suspect


def test_concentration_small_rise():
    # A +5% rise is below the 10% spike threshold, however concentrated.
    changes = {"s1": 5.0, **{f"s{i}": 0.01 for i in range(2, 12)}}
    assert not check_concentration(100, 105, changes).is_suspect
