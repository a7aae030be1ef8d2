"""metric_values against MetricFlow: the same definitions must give the same numbers.

The project is built on the tiny raw layer of test_dbt_build, then MetricFlow (its Python API,
reading the semantic manifest of that build) queries every metric by period, grain and cut.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
from test_dbt_build import DBT_PROJECT_DIR, create_raw_layer, query, run_dbt_build

from northstar.metrics.consistency import write_consistency_checks
from northstar.metrics.registry import load_registry


@pytest.fixture(scope="module")
def checked_build(tmp_path_factory):
    home = tmp_path_factory.mktemp("consistency_home")
    work_dir = tmp_path_factory.mktemp("consistency_work")
    create_raw_layer(home)
    result = run_dbt_build(DBT_PROJECT_DIR, home, work_dir)
    assert result.returncode == 0, result.stdout[-4000:]
    warehouse = home / "warehouse" / "northstar.duckdb"
    manifest = work_dir / "target" / "semantic_manifest.json"
    return warehouse, manifest, write_consistency_checks(warehouse, manifest)


def test_every_value_matches(checked_build):
    warehouse, _, result = checked_build
    assert result.checked > 0
    assert result.failing == 0
    rows = query(
        warehouse.parent.parent,
        "select metric_id, count(*), count(*) filter (where holds) "
        "from marts.metric_consistency_checks group by metric_id",
    )
    assert {row[0] for row in rows} == set(load_registry().metrics)
    for metric_id, checked, holding in rows:
        assert checked == holding, metric_id


def test_every_store_row_checked(checked_build):
    warehouse, _, _ = checked_build
    rows = query(
        warehouse.parent.parent,
        "select (select count(*) from marts.metric_values), "
        "(select count(*) from marts.metric_consistency_checks)",
    )
    assert rows[0][0] == rows[0][1]


def test_region_rows_checked(checked_build):
    warehouse, _, _ = checked_build
    rows = query(
        warehouse.parent.parent,
        "select store_value, metricflow_value from marts.metric_consistency_checks "
        "where metric_id = 'active_households' and grain = 'month' "
        "and period_start = '2017-12-01' and dimension_name = 'region' "
        "and dimension_value = 'North'",
    )
    # Households 1 and 3 bought in store 20, the North region, in December.
    assert rows == [(2.0, 2.0)]


def test_metricflow_sql_reads_activity(checked_build):
    _, _, result = checked_build
    assert "int_household_period_activity" in result.metricflow_sql
    assert "COUNT(DISTINCT" in result.metricflow_sql.upper()


def test_tampered_value_fails(checked_build, tmp_path):
    warehouse, manifest, _ = checked_build
    copy = tmp_path / "northstar.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute(
            "update marts.metric_values set value = value + 1 where metric_id = "
            "'new_households' and grain = 'month' and period_start = '2017-12-01' "
            "and dimension_name = 'total'"
        )
        connection.execute(
            "delete from marts.metric_values where metric_id = 'sales_value' "
            "and grain = 'day' and period_start = '2017-12-13' and dimension_name = 'total'"
        )
    result = write_consistency_checks(copy, manifest)
    assert result.failing == 2
    with duckdb.connect(str(copy), read_only=True) as connection:
        failing = connection.execute(
            "select metric_id, store_value, metricflow_value from "
            "marts.metric_consistency_checks where not holds order by metric_id"
        ).fetchall()
    # New households in December: household 2 only, so MetricFlow computes 1 against the tampered 2.
    # Sales on 2017-12-13: basket 105 for 2.5, now missing from the store.
    assert failing == [("new_households", 2.0, 1.0), ("sales_value", None, 2.5)]
