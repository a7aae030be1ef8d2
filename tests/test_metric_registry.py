"""Registry validation: each broken definition is rejected with the metric and the fix named.

Every case edits a copy of the real registry in a tmp dir, so the cases break exactly one thing
in an otherwise valid file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from northstar.metrics.registry import RegistryError, load_registry
from northstar.metrics.units import UnitError, expression_unit, format_unit, parse_unit
from northstar.settings import PRIVACY_ENV, REPO_ROOT

REGISTRY_FILE = REPO_ROOT / "dbt_project/models/marts/metrics/north_star_metrics.yml"


def registry_document() -> dict:
    return yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))


def meta_of(document: dict, metric_id: str) -> dict:
    return next(m for m in document["metrics"] if m["name"] == metric_id)["config"]["meta"]


def write_copy(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "north_star_metrics.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def unknown_dimension(document):
    meta_of(document, "active_households")["dimensions"].append("weather")


def unknown_parent(document):
    meta_of(document, "new_households")["parent"] = "members"


def tree_cycle(document):
    meta_of(document, "repeat_households")["parent"] = "returning_households"
    del meta_of(document, "repeat_households")["north_star"]
    meta_of(document, "sales_value")["north_star"] = True


def formula_missing_metric(document):
    meta_of(document, "active_households")["formula"] = "new_households + lapsed_households"


def ratio_without_policy(document):
    del meta_of(document, "repeat_rate")["zero_denominator"]


def unit_mismatch(document):
    # households + USD: sales_value joins the children of active_households.
    meta_of(document, "sales_value")["parent"] = "active_households"
    meta_of(document, "active_households")["formula"] = (
        "new_households + returning_households + sales_value"
    )


def missing_label_zh(document):
    del meta_of(document, "repeat_rate")["label_zh"]


def english_label_zh(document):
    meta_of(document, "repeat_rate")["label_zh"] = "Repeat rate"


def distinct_count_summed(document):
    meta_of(document, "active_households")["target_rollup"] = "sum"


def two_north_stars(document):
    meta_of(document, "sales_value")["north_star"] = True


def version_without_change(document):
    meta_of(document, "sales_value")["version"] = 2


def unknown_measure(document):
    next(m for m in document["metrics"] if m["name"] == "sales_value")["type_params"] = {
        "measure": "revenue"
    }


def north_star_moved_unrecorded(document):
    # The flag moves, and the history records active_households as the north star from
    # 2017-12-01 while repeat_households still is one, so that day has two north stars.
    meta_of(document, "active_households").update(
        north_star=True,
        version=2,
        effective_date="2017-12-01",
        changes=[
            {
                "version": 2,
                "effective_date": "2017-12-01",
                "author": "Lin Wei",
                "reason": "Activity is the new focus.",
                "previous": {"north_star": False},
            }
        ],
    )
    meta_of(document, "repeat_households")["north_star"] = True


def north_star_with_parent(document):
    meta_of(document, "repeat_households")["parent"] = "sales_value"


CASES = [
    (north_star_with_parent, r"north star 'repeat_households' has parent 'sales_value'"),
    (unknown_dimension, r"'active_households' has dimension 'weather'; use one of: store"),
    (unknown_parent, r"'new_households' names parent 'members', which is not a metric"),
    (tree_cycle, r"cycle: .*repeat_households -> returning_households -> active_households"),
    (formula_missing_metric, r"'active_households' .* missing metric 'lapsed_households'"),
    (ratio_without_policy, r"'repeat_rate' is a ratio .* set 'zero_denominator'"),
    (unit_mismatch, r"'active_households'.* adds or subtracts households and USD"),
    (missing_label_zh, r"'repeat_rate' .* missing 'label_zh'"),
    (english_label_zh, r"'repeat_rate' has label_zh 'Repeat rate' with no Chinese"),
    (distinct_count_summed, r"'active_households' aggregates with count_distinct.*rollup: none"),
    (two_north_stars, r"exactly one metric with 'north_star: true'"),
    (version_without_change, r"'sales_value' .* version 2 with no 'changes'"),
    (unknown_measure, r"'sales_value' \(version 1\) uses measure 'revenue'"),
    (north_star_moved_unrecorded, r"exactly one metric|2 north star metrics"),
]


@pytest.mark.parametrize(("edit", "message"), CASES, ids=[case[0].__name__ for case in CASES])
def test_registry_rejects(tmp_path, edit, message):
    document = registry_document()
    edit(document)
    with pytest.raises(RegistryError, match=message):
        load_registry(write_copy(tmp_path, document))


def test_registry_accepts_demo():
    registry = load_registry(REGISTRY_FILE)
    assert registry.north_star.id == "repeat_households"
    assert registry.get("active_households").compute == "count(distinct household_id)"
    assert registry.get("sales_value").version == 1
    assert "region" in registry.get("active_households").dimensions


def test_registry_north_star_switch(tmp_path):
    document = registry_document()
    change = {
        "version": 2,
        "effective_date": "2017-12-01",
        "author": "Lin Wei",
        "reason": "Activity is the new focus.",
    }
    meta_of(document, "active_households").update(
        north_star=True,
        version=2,
        effective_date="2017-12-01",
        changes=[{**change, "previous": {"north_star": False, "parent": "repeat_households"}}],
    )
    del meta_of(document, "active_households")["parent"]

    repeat = meta_of(document, "repeat_households")
    previous = {"north_star": True, "relation": "product", "formula": repeat.pop("formula")}
    del repeat["relation"]
    repeat.update(
        north_star=False,
        parent="active_households",
        version=2,
        effective_date="2017-12-01",
        changes=[{**change, "previous": {**previous, "parent": None}}],
    )
    registry = load_registry(write_copy(tmp_path, document))

    assert registry.north_star.id == "active_households"
    assert registry.north_star_on(date(2017, 11, 30)).id == "repeat_households"
    assert registry.north_star_on(date(2017, 12, 1)).id == "active_households"
    # The tree now hangs from active_households; repeat_households comes first in the file.
    order = [m.id for m in registry.tree_order()][:3]
    assert order == ["active_households", "repeat_households", "repeat_rate"]


def test_validate_command_fails(tmp_path):
    document = registry_document()
    ratio_without_policy(document)
    registry_copy = write_copy(tmp_path, document)
    env = {**os.environ, **PRIVACY_ENV, "NORTHSTAR_METRICS_FILE": str(registry_copy)}
    northstar = Path(sys.executable).with_name("northstar")
    result = subprocess.run(
        [str(northstar), "validate-metrics"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "'repeat_rate'" in result.stderr
    assert "zero_denominator" in result.stderr


def test_validate_command_passes():
    env = {**os.environ, **PRIVACY_ENV}
    env.pop("NORTHSTAR_METRICS_FILE", None)
    northstar = Path(sys.executable).with_name("northstar")
    result = subprocess.run(
        [str(northstar), "validate-metrics"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "north star 'repeat_households'" in result.stdout


UNITS = {
    "households": "households",
    "rate": "ratio",
    "sales": "USD",
    "per_household": "USD/households",
}


@pytest.mark.parametrize(
    ("expression", "unit"),
    [
        ("households * rate", "households"),
        ("households / households", "ratio"),
        ("sales / households", "USD/households"),
        ("per_household * households", "USD"),
        ("households - households * 0.5", "households"),
    ],
)
def test_unit_algebra(expression, unit):
    assert format_unit(expression_unit(expression, UNITS.__getitem__)) == unit


def test_unit_algebra_rejects_sum():
    with pytest.raises(UnitError, match="households and USD"):
        expression_unit("households + sales", UNITS.__getitem__)


def test_unit_parse_dimensionless():
    assert parse_unit("percent") == ()
    assert parse_unit("USD/households") == (("USD", 1), ("households", -1))
