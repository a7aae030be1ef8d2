"""Registry changes end to end: new metrics, a definition change and a north star switch.

One copy of the dbt project gets YAML edits only, is built on the tiny raw layer of
test_dbt_build, and every generated mart must pick the edits up with no SQL or Python change.
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest
import yaml
from test_dbt_build import DBT_PROJECT_DIR, create_raw_layer, query, run_dbt_build

from northstar.metrics.consistency import write_consistency_checks
from northstar.metrics.registry import load_registry

REGISTRY = "models/marts/metrics/north_star_metrics.yml"
OWNER = {"name": "Liu Yang", "team": "Finance", "email": "finance@example.com"}
SWITCH = {"version": 3, "effective_date": "2017-12-01", "author": "Lin Wei"}
NEW_METRICS = [
    {
        "name": "baskets",
        "label": "Baskets",
        "description": "Baskets bought in the period.",
        "type": "simple",
        "type_params": {"measure": "baskets"},
        "config": {
            "meta": {
                "label_zh": "购物篮数",
                "description_zh": "统计周期内的购物篮数。",
                "owner": OWNER,
                "unit": "baskets",
                "format": "integer",
                "direction": "higher_is_better",
                "target_rollup": "sum",
                "version": 1,
                "effective_date": "2017-01-01",
                "grains": ["month"],
                "dimensions": ["store"],
                "source_systems": ["pos"],
                "parent": "sales_value",
            }
        },
    },
    {
        "name": "sales_per_basket",
        "label": "Sales per basket",
        "description": "Average sales value of a basket.",
        "type": "ratio",
        "type_params": {"numerator": "sales_value", "denominator": "baskets"},
        "config": {
            "meta": {
                "label_zh": "篮均销售额",
                "description_zh": "每个购物篮的平均销售额。",
                "owner": OWNER,
                "unit": "USD/baskets",
                "format": "currency",
                "direction": "higher_is_better",
                "version": 1,
                "effective_date": "2017-01-01",
                "grains": ["month"],
                "dimensions": ["store"],
                "source_systems": ["pos"],
                "parent": "sales_value",
                "zero_denominator": "null",
            }
        },
    },
]


def edit_registry(document: dict) -> None:
    """Add two metrics under sales_value, change repeat_households, move the north star."""
    metrics = {metric["name"]: metric for metric in document["metrics"]}
    document["semantic_models"][0]["measures"].append(
        {
            "name": "frequent_households",
            "agg": "count_distinct",
            "expr": "case when baskets >= 3 then household_id end",
        }
    )
    document["metrics"].extend(NEW_METRICS)
    metrics["sales_value"]["config"]["meta"].update(
        relation="product", formula="baskets * sales_per_basket", identity_tolerance=0.000001
    )

    # Version 2 (November): repeat means three or more baskets. Version 3 (December): the
    # north star moves to active_households, which becomes the root of the tree.
    repeat = metrics["repeat_households"]
    repeat["type_params"]["measure"] = "frequent_households"
    repeat_meta = repeat["config"]["meta"]
    formula = repeat_meta.pop("formula")
    del repeat_meta["relation"]
    repeat_meta.update(
        north_star=False,
        parent="active_households",
        version=3,
        effective_date="2017-12-01",
        changes=[
            {
                "version": 2,
                "effective_date": "2017-11-01",
                "author": "Zhao Min",
                "reason": "Two baskets is ordinary; three marks a habit.",
                "previous": {"measure": "repeat_households"},
            },
            {
                **SWITCH,
                "reason": "The north star moves to active households.",
                "previous": {"north_star": True, "parent": None, "relation": "product",
                             "formula": formula},
            },
        ],
    )  # fmt: skip
    active_meta = metrics["active_households"]["config"]["meta"]
    del active_meta["parent"]
    active_meta.update(
        north_star=True,
        version=2,
        effective_date="2017-12-01",
        changes=[
            {
                **SWITCH,
                "version": 2,
                "reason": "Reach first: the program now grows active households.",
                "previous": {"north_star": False, "parent": "repeat_households"},
            }
        ],
    )


@pytest.fixture(scope="module")
def changed_build(tmp_path_factory):
    home = tmp_path_factory.mktemp("changed_home")
    work_dir = tmp_path_factory.mktemp("changed_work")
    project_dir = work_dir / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    registry_file = project_dir / REGISTRY
    document = yaml.safe_load(registry_file.read_text(encoding="utf-8"))
    edit_registry(document)
    registry_file.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    create_raw_layer(home)
    result = run_dbt_build(project_dir, home, work_dir)
    assert result.returncode == 0, result.stdout[-4000:]
    return home, work_dir, load_registry(registry_file)


def test_new_metrics_in_values(changed_build):
    home, _, _ = changed_build
    rows = query(
        home,
        "select metric_id, value from marts.metric_values where period_key = '2017-12' "
        "and dimension_name = 'total' and metric_id in ('baskets', 'sales_per_basket') "
        "order by metric_id",
    )
    # December: baskets 102-106 (five) with sales of 17.0, so 3.4 per basket.
    assert rows == [("baskets", 5.0), ("sales_per_basket", pytest.approx(3.4))]


def test_new_metrics_in_tree_checks(changed_build):
    home, _, _ = changed_build
    rows = query(
        home,
        "select count(*), count(*) filter (where holds) from marts.metric_tree_checks "
        "where parent_metric_id = 'sales_value'",
    )
    # Months November and December, each as total, store 10 and store 20 (one store only in
    # November): 5 rows, and baskets x sales per basket equals sales on each.
    assert rows == [(5, 5)]


def test_new_metrics_in_definitions(changed_build):
    home, _, _ = changed_build
    rows = query(
        home,
        "select metric_id, unit, parent_metric_id, tree_depth from marts.metric_definitions "
        "where metric_id in ('baskets', 'sales_per_basket') order by metric_id",
    )
    assert rows == [
        ("baskets", "baskets", "sales_value", 1),
        ("sales_per_basket", "USD/baskets", "sales_value", 1),
    ]


def test_changed_definition_version(changed_build):
    home, _, _ = changed_build
    rows = query(
        home,
        "select metric_id, version, effective_date, is_north_star from marts.metric_definitions "
        "where metric_id in ('active_households', 'repeat_households') order by metric_id",
    )
    assert rows == [
        ("active_households", 2, date(2017, 12, 1), True),
        ("repeat_households", 3, date(2017, 12, 1), False),
    ]


def test_definition_history(changed_build):
    home, _, _ = changed_build
    rows = query(
        home,
        "select version, effective_date, valid_to, changed_by, changed_fields, measure, "
        "is_north_star from marts.metric_definition_history "
        "where metric_id = 'repeat_households' order by version",
    )
    assert rows == [
        (1, None, date(2017, 10, 31), None, None, "repeat_households", True),
        (2, date(2017, 11, 1), date(2017, 11, 30), "Zhao Min", "measure", "frequent_households",
         True),
        (3, date(2017, 12, 1), None, "Lin Wei", "formula, north_star, parent, relation",
         "frequent_households", False),
    ]  # fmt: skip


def test_old_version_values_kept(changed_build):
    home, _, _ = changed_build
    rows = query(
        home,
        "select version, value from marts.metric_version_values where metric_id = "
        "'repeat_households' and period_key = '2017-12' and dimension_name = 'total' "
        "order by version",
    )
    # December: households 1 and 3 have two baskets each, none has three. Version 1 counts two
    # baskets as repeat; versions 2 and 3 need three.
    assert rows == [(1, 2.0), (2, 0.0), (3, 0.0)]


def test_current_version_recomputed(changed_build):
    home, _, _ = changed_build
    rows = query(
        home,
        "select value from marts.metric_values where metric_id = 'repeat_households' "
        "and period_key = '2017-11' and dimension_name = 'total'",
    )
    # November, before the change took effect, is recomputed with the new definition too.
    assert rows == [(0.0,)]


def test_north_star_switch(changed_build):
    _, _, registry = changed_build
    assert registry.north_star.id == "active_households"
    assert registry.north_star_on(date(2017, 11, 30)).id == "repeat_households"
    assert registry.north_star_on(date(2017, 12, 1)).id == "active_households"
    assert registry.depth("repeat_rate") == 2


def test_changed_metrics_match_metricflow(changed_build):
    home, work_dir, registry = changed_build
    result = write_consistency_checks(
        home / "warehouse" / "northstar.duckdb",
        work_dir / "target" / "semantic_manifest.json",
        registry=registry,
    )
    assert result.failing == 0
    rows = query(
        home,
        "select count(distinct metric_id) from marts.metric_consistency_checks "
        "where metric_id in ('baskets', 'sales_per_basket', 'repeat_households')",
    )
    assert rows == [(3,)]
