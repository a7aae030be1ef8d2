"""Build the dbt project for real on a tiny hand-made raw layer and check the metric marts.

The raw layer (three households, two stores, two departments, one campaign) is small enough to
work out every expected value by hand. The comments beside the fixture rows and the expected
values give the reasoning. Two builds run: the project as it is, and a copy whose metric
registry gains a metric and loses a tree identity.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from northstar.metrics.registry import load_registry
from northstar.settings import PRIVACY_ENV, REPO_ROOT

logger = logging.getLogger(__name__)

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"

RAW_TABLES = {
    "raw_crm.households": "household_id bigint, member_since timestamp, updated_at timestamp",
    "raw_crm.demographics": (
        "household_id bigint, age varchar, income varchar, home_ownership varchar, "
        "marital_status varchar, household_size varchar, household_comp varchar, "
        "kids_count varchar, updated_at timestamp"
    ),
    "raw_pos.transactions": (
        "basket_id bigint, product_id bigint, household_id bigint, store_id bigint, "
        "quantity bigint, sales_value double, retail_disc double, coupon_disc double, "
        "coupon_match_disc double, week bigint, transaction_timestamp timestamp"
    ),
    "raw_catalog.products": (
        "product_id bigint, manufacturer_id bigint, department varchar, brand varchar, "
        "product_category varchar, product_type varchar, package_size varchar"
    ),
    "raw_marketing.campaigns": (
        "campaign_id bigint, campaign_type varchar, start_date date, end_date date"
    ),
    "raw_marketing.campaign_households": "campaign_id bigint, household_id bigint",
    "raw_marketing.coupons": "coupon_upc bigint, product_id bigint, campaign_id bigint",
    "raw_marketing.coupon_redemptions": (
        "household_id bigint, coupon_upc bigint, campaign_id bigint, redemption_date date"
    ),
}

RAW_ROWS = {
    # Household 1 joined in November: new in November and Q4, returning in December.
    # Household 2 joined on 2017-12-05: new in December and in ISO week 2017-W49.
    # Household 3 joined on 2017-10-02 and never answered the demographics survey.
    "raw_crm.households": [
        (1, "2017-11-15 09:00:00", "2017-12-31 00:00:00"),
        (2, "2017-12-05 10:00:00", "2017-12-31 00:00:00"),
        (3, "2017-10-02 11:00:00", "2017-12-31 00:00:00"),
    ],
    # Income 50-74K falls in band 35-74K, 125-149K in band 75-149K.
    "raw_crm.demographics": [
        (1, "35-44", "50-74K", "Homeowner", "Married", "2", "2 Adults No Kids", "0", None),
        (2, "25-34", "125-149K", None, None, "1", "1 Adult No Kids", "0", None),
    ],
    # Products 1001 and 1002 are groceries, 2001 is produce.
    "raw_catalog.products": [
        (1001, 1, "GROCERY", "National", "SOUP", "CANNED SOUP", "10 OZ"),
        (1002, 1, "GROCERY", "Private", "BREAD", "WHITE BREAD", "20 OZ"),
        (2001, 2, " PRODUCE ", "National", "FRUIT", "APPLES", "3 LB"),
    ],
    # Baskets (basket_id, product_id, household_id, store_id, quantity, sales_value, ...):
    #   101 household 1, store 10, Tue 2017-11-28 (W48, November)
    #   102 household 1, store 10, Mon 2017-12-04 (W49): a grocery and a produce line
    #   103 household 1, store 20, Tue 2017-12-12 (W50)
    #   104 household 2, store 10, Tue 2017-12-05 (W49)
    #   105 household 3, store 20, Wed 2017-12-13 (W50)
    #   106 household 3, store 20, Sun 2017-12-10 (the last day of W49)
    "raw_pos.transactions": [
        (101, 1001, 1, 10, 1, 2.0, 0.0, 0.0, 0.0, 48, "2017-11-28 10:00:00"),
        (102, 1001, 1, 10, 1, 3.0, 0.0, 0.0, 0.0, 49, "2017-12-04 10:00:00"),
        (102, 2001, 1, 10, 1, 1.5, 0.0, 0.0, 0.0, 49, "2017-12-04 10:00:00"),
        (103, 1002, 1, 20, 1, 4.0, 0.5, 0.0, 0.0, 50, "2017-12-12 18:00:00"),
        (104, 1001, 2, 10, 2, 5.0, 0.0, 0.0, 0.0, 49, "2017-12-05 12:00:00"),
        (105, 2001, 3, 20, 1, 2.5, 0.0, 0.0, 0.0, 50, "2017-12-13 08:00:00"),
        (106, 1002, 3, 20, 1, 1.0, 0.0, 0.0, 0.0, 49, "2017-12-10 16:00:00"),
    ],
    # The campaign starts on Monday 2017-12-11: it overlaps W50 and December, not W49.
    "raw_marketing.campaigns": [(1, "Type A", "2017-12-11", "2017-12-31")],
    "raw_marketing.campaign_households": [(1, 3)],
    "raw_marketing.coupons": [(900001, 1001, 1)],
    "raw_marketing.coupon_redemptions": [(3, 900001, 1, "2017-12-13")],
}

# Tree identity broken on purpose: an organic returning measure that forgets the "returning"
# condition also counts new households, so campaign + organic exceeds returning in W49.
BROKEN_ORGANIC_EXPR = "case when not is_campaign_targeted then household_id end"
ADDED_METRIC = {
    "name": "baskets",
    "label": "Baskets",
    "description": "Baskets bought in the period.",
    "type": "simple",
    "type_params": {"measure": "baskets"},
    "config": {
        "meta": {
            "label_zh": "购物篮数",
            "description_zh": "统计周期内的购物篮数。",
            "owner": {"name": "Liu Yang", "team": "Finance", "email": "finance@example.com"},
            "unit": "baskets",
            "format": "integer",
            "direction": "higher_is_better",
            "grains": ["month"],
            "source_systems": ["pos"],
            "version": 1,
            "effective_date": "2017-01-01",
        }
    },
}


def create_raw_layer(home: Path) -> None:
    """Create the contract's raw tables in the warehouse under `home` with RAW_ROWS."""
    warehouse = home / "warehouse" / "northstar.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        for table, columns in RAW_TABLES.items():
            con.execute(f"create schema if not exists {table.split('.')[0]}")
            con.execute(f"create table {table} ({columns})")
            rows = RAW_ROWS[table]
            placeholders = ", ".join("?" * len(rows[0]))
            con.executemany(f"insert into {table} values ({placeholders})", rows)


def run_dbt_build(project_dir: Path, home: Path, work_dir: Path) -> subprocess.CompletedProcess:
    """Run `dbt build` on `project_dir` against the warehouse under `home`."""
    env = {**os.environ, **PRIVACY_ENV, "NORTHSTAR_HOME": str(home)}
    command = [
        str(DBT_EXECUTABLE),
        "build",
        "--project-dir", str(project_dir),
        "--profiles-dir", str(project_dir),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
    ]  # fmt: skip
    logger.info("Running dbt build: project %s, warehouse home %s", project_dir, home)
    result = subprocess.run(
        command, cwd=work_dir, env=env, capture_output=True, text=True, check=False
    )
    logger.info("dbt build finished with exit code %s for home %s", result.returncode, home)
    return result


def failed_nodes(work_dir: Path) -> set[str]:
    results = json.loads((work_dir / "target" / "run_results.json").read_text(encoding="utf-8"))
    return {
        result["unique_id"].split(".")[-1]
        for result in results["results"]
        if result["status"] in ("fail", "error")
    }


def query(home: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    warehouse = home / "warehouse" / "northstar.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


@pytest.fixture(scope="module")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("northstar_home")
    work_dir = tmp_path_factory.mktemp("dbt_work")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("NORTHSTAR_HOME", str(home))
        create_raw_layer(home)
        result = run_dbt_build(DBT_PROJECT_DIR, home, work_dir)
    assert result.returncode == 0, result.stdout[-4000:]
    return home


@pytest.fixture(scope="module")
def edited_registry_build(tmp_path_factory: pytest.TempPathFactory):
    """Build a copy of the project whose registry gains a metric and breaks an identity."""
    home = tmp_path_factory.mktemp("edited_home")
    work_dir = tmp_path_factory.mktemp("edited_work")
    project_dir = work_dir / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    registry_file = project_dir / "models" / "marts" / "metrics" / "north_star_metrics.yml"
    registry = yaml.safe_load(registry_file.read_text(encoding="utf-8"))
    for measure in registry["semantic_models"][0]["measures"]:
        if measure["name"] == "organic_returning_households":
            measure["expr"] = BROKEN_ORGANIC_EXPR
    registry["metrics"].append(ADDED_METRIC)
    registry_file.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("NORTHSTAR_HOME", str(home))
        create_raw_layer(home)
        result = run_dbt_build(project_dir, home, work_dir)
    return home, work_dir, result


def metric_value(home: Path, metric_id: str, period_key: str, dimension=("total", "all")):
    rows = query(
        home,
        "select value from marts.metric_values where metric_id = ? and period_key = ? "
        "and dimension_name = ? and dimension_value = ?",
        [metric_id, period_key, *dimension],
    )
    assert len(rows) == 1, f"{metric_id} {period_key} {dimension}: {rows}"
    return rows[0][0]


# December: households 1, 2 and 3 are active. Household 1 has baskets 102 and 103 and household 3
# has 105 and 106, so two repeat. Household 2 joined in December, so it is new. The campaign
# reached household 3 only. Sales are 3.0 + 1.5 + 4.0 + 5.0 + 2.5 + 1.0 = 17.0.
DECEMBER_TOTALS = {
    "active_households": 3,
    "repeat_households": 2,
    "repeat_rate": 2 / 3,
    "new_households": 1,
    "returning_households": 2,
    "campaign_returning_households": 1,
    "organic_returning_households": 1,
    "sales_value": 17.0,
}


@pytest.mark.parametrize(("metric_id", "expected"), DECEMBER_TOTALS.items())
def test_december_totals(built_home, metric_id, expected):
    assert metric_value(built_home, metric_id, "2017-12") == pytest.approx(expected)


def test_ratio_numerator_and_denominator(built_home):
    rows = query(
        built_home,
        "select value, numerator, denominator from marts.metric_values "
        "where metric_id = 'repeat_rate' and period_key = '2017-12' and dimension_name = 'total'",
    )
    assert rows == [(pytest.approx(2 / 3), 2.0, 3.0)]


def test_simple_metrics_have_no_ratio_parts(built_home):
    rows = query(
        built_home,
        "select count(*) from marts.metric_values where metric_id <> 'repeat_rate' "
        "and (numerator is not null or denominator is not null)",
    )
    assert rows == [(0,)]


def test_week_split_by_campaign_start(built_home):
    # W49 (Dec 4-10): households 1, 2 and 3 with one basket each, before the campaign starts.
    assert metric_value(built_home, "active_households", "2017-W49") == 3
    assert metric_value(built_home, "repeat_households", "2017-W49") == 0
    assert metric_value(built_home, "new_households", "2017-W49") == 1
    assert metric_value(built_home, "campaign_returning_households", "2017-W49") == 0
    assert metric_value(built_home, "organic_returning_households", "2017-W49") == 2
    # W50 (Dec 11-17): households 1 and 3, and the campaign to household 3 runs from Dec 11.
    assert metric_value(built_home, "active_households", "2017-W50") == 2
    assert metric_value(built_home, "campaign_returning_households", "2017-W50") == 1
    assert metric_value(built_home, "organic_returning_households", "2017-W50") == 1


def test_new_in_quarter_returning_in_month(built_home):
    # All three joined in Q4 (Oct 2, Nov 15, Dec 5), so in Q4 every household is new.
    assert metric_value(built_home, "new_households", "2017-Q4") == 3
    assert metric_value(built_home, "returning_households", "2017-Q4") == 0
    # November: only household 1, which joined that month.
    assert metric_value(built_home, "new_households", "2017-11") == 1
    assert metric_value(built_home, "repeat_rate", "2017-11") == 0


def test_dimension_cuts(built_home):
    # Store 20 in December: household 1 (basket 103) and household 3 (105 and 106).
    assert metric_value(built_home, "active_households", "2017-12", ("store", "20")) == 2
    assert metric_value(built_home, "repeat_rate", "2017-12", ("store", "20")) == 0.5
    # Groceries: household 1 bought them in baskets 102 and 103, so it repeats there.
    groceries = ("department", "GROCERY")
    assert metric_value(built_home, "repeat_households", "2017-12", groceries) == 1
    assert metric_value(built_home, "sales_value", "2017-12", ("department", "PRODUCE")) == 4.0
    # Household 3 has no demographics row, so its band is Unknown.
    unknown_band = ("income_band", "Unknown")
    assert metric_value(built_home, "active_households", "2017-12", unknown_band) == 1


def test_period_keys_and_ends(built_home):
    rows = query(
        built_home,
        "select grain, period_start, period_end, period_key from marts.metric_values "
        "where metric_id = 'active_households' and dimension_name = 'total' "
        "and period_start in ('2017-12-04', '2017-12-01', '2017-10-01')",
    )
    assert sorted(rows) == [
        ("day", date(2017, 12, 4), date(2017, 12, 4), "2017-12-04"),
        ("month", date(2017, 12, 1), date(2017, 12, 31), "2017-12"),
        ("quarter", date(2017, 10, 1), date(2017, 12, 31), "2017-Q4"),
        ("week", date(2017, 12, 4), date(2017, 12, 10), "2017-W49"),
    ]


def test_metric_grains_respected(built_home):
    # repeat_households is defined for week, month and quarter only.
    rows = query(
        built_home,
        "select count(*) from marts.metric_values "
        "where metric_id = 'repeat_households' and grain = 'day'",
    )
    assert rows == [(0,)]


def test_tree_checks_all_hold(built_home):
    rows = query(
        built_home,
        "select parent_metric_id, count(*), count(*) filter (where holds) "
        "from marts.metric_tree_checks group by parent_metric_id order by parent_metric_id",
    )
    parents = {metric.id for metric in load_registry().metrics.values() if metric.formula}
    assert {row[0] for row in rows} == parents
    for parent, checked, holding in rows:
        assert checked == holding, f"{parent}: {checked - holding} identities do not hold"


def test_definitions_follow_registry(built_home):
    rows = query(
        built_home,
        "select metric_id, tree_depth, label_zh from marts.metric_definitions order by sort_order",
    )
    registry = load_registry()
    assert [row[0] for row in rows] == [metric.id for metric in registry.tree_order()]
    for metric_id, depth, label_zh in rows:
        assert depth == registry.depth(metric_id)
        assert label_zh == registry.get(metric_id).label_zh


def test_attainment_against_plan(built_home):
    # The 2017 plan targets 2,075 active households in December, and 3 is far below 95% of it.
    rows = query(
        built_home,
        "select value, target_value, attainment, status from marts.metric_attainment "
        "where metric_id = 'active_households' and grain = 'month' and period_key = '2017-12'",
    )
    assert rows == [(3.0, 2075.0, pytest.approx(3 / 2075), "off_track")]


def test_added_metric_needs_only_yaml(edited_registry_build):
    home, _, _ = edited_registry_build
    # Baskets in December: household 1 has 2, household 2 has 1, household 3 has 2.
    assert metric_value(home, "baskets", "2017-12") == 5
    assert metric_value(home, "baskets", "2017-11") == 1


def test_broken_identity_fails_build(edited_registry_build):
    home, work_dir, result = edited_registry_build
    assert result.returncode != 0
    assert "assert_metric_tree_identities_hold" in failed_nodes(work_dir)
    # In W49 the broken organic count includes new household 2: 0 + 3 against 2 returning.
    rows = query(
        home,
        "select formula_value, parent_value from marts.metric_tree_checks "
        "where parent_metric_id = 'returning_households' and grain = 'week' "
        "and period_start = '2017-12-04' and dimension_name = 'total' and not holds",
    )
    assert rows == [(3.0, 2.0)]


def test_region_cut(built_home):
    # Store 20 is North in the store master; store 10 is not in it, so its region is Unknown.
    # December North: households 1 (basket 103) and 3 (105, 106); Unknown: households 1 and 2.
    assert metric_value(built_home, "active_households", "2017-12", ("region", "North")) == 2
    assert metric_value(built_home, "active_households", "2017-12", ("region", "Unknown")) == 2
    assert metric_value(built_home, "sales_value", "2017-12", ("region", "North")) == 7.5


def test_dim_store_region(built_home):
    rows = query(built_home, "select store_id, region from marts.dim_store order by store_id")
    assert rows == [(10, "Unknown"), (20, "North")]


def test_quarter_targets(built_home):
    rows = query(
        built_home,
        "select metric_id, target_value, target_source from marts.metric_targets "
        "where grain = 'quarter' and period_start = '2017-10-01' and dimension_name = 'total' "
        "and metric_id in ('active_households', 'sales_value') order by metric_id",
    )
    # Active households: the planners' Q4 figure. Sales: 395,000 + 400,000 + 430,000.
    assert rows == [
        ("active_households", 2350.0, "seed"),
        ("sales_value", 1225000.0, "rollup_sum"),
    ]
