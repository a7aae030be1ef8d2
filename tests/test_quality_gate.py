"""Quality gate against a hand-built DuckDB warehouse and the committed GX project."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from northstar.quality import QualityGateFailed, WarehouseTableMissing, run_quality_gate
from northstar.settings import get_settings

# The newest fixture transaction is 2017-12-03 10:00, within two days of this interval end.
INTERVAL_END = datetime(2017, 12, 4, tzinfo=UTC)

# In ISO week 2017-W48 household 1 bought in two baskets and household 2 in one. So the week has
# 2 active households, 1 repeat household and a repeat rate of 0.5, and the tree identity
# repeat_households = active_households x repeat_rate is 1 = 2 x 0.5.
WAREHOUSE_SQL = """
create schema raw_crm; create schema raw_pos; create schema raw_catalog;
create schema raw_marketing; create schema marts;

create table raw_crm.households(household_id bigint, member_since timestamp, updated_at timestamp);
insert into raw_crm.households values
    (1, '2017-01-05', '2017-12-01'), (2, '2017-11-28', '2017-12-01');
create table raw_crm.demographics(household_id bigint, age varchar, income varchar,
    home_ownership varchar, marital_status varchar, household_size varchar,
    household_comp varchar, kids_count varchar, updated_at timestamp);
insert into raw_crm.demographics values (1, '35-44', '50-74K', 'Homeowner', 'Married', '2',
    '2 Adults No Kids', '0', '2017-12-01');

create table raw_pos.transactions(basket_id bigint, product_id bigint, household_id bigint,
    store_id bigint, quantity bigint, sales_value double, retail_disc double, coupon_disc double,
    coupon_match_disc double, week bigint, transaction_timestamp timestamp);
insert into raw_pos.transactions values
    (100, 10, 1, 7, 1, 2.5, 0, 0, 0, 48, '2017-11-28 09:00'),
    (101, 10, 1, 7, 2, 5.0, 0.5, 0, 0, 48, '2017-12-01 18:30'),
    (102, 11, 2, 7, 1, 3.0, 0, 0, 0, 48, '2017-12-03 10:00');

create table raw_catalog.products(product_id bigint, manufacturer_id bigint, department varchar,
    brand varchar, product_category varchar, product_type varchar, package_size varchar);
insert into raw_catalog.products values (10, 1, 'GROCERY', 'National', 'MILK', 'WHOLE', '1 GA'),
    (11, 2, 'PRODUCE', 'Private', 'FRUIT', 'APPLES', '3 LB');

create table raw_marketing.campaigns(campaign_id bigint, campaign_type varchar,
    start_date date, end_date date);
insert into raw_marketing.campaigns values (8, 'Type A', '2017-11-01', '2017-12-31');
create table raw_marketing.campaign_households(campaign_id bigint, household_id bigint);
insert into raw_marketing.campaign_households values (8, 1);
create table raw_marketing.coupons(coupon_upc bigint, product_id bigint, campaign_id bigint);
insert into raw_marketing.coupons values (5001, 10, 8);
create table raw_marketing.coupon_redemptions(household_id bigint, coupon_upc bigint,
    campaign_id bigint, redemption_date date);
insert into raw_marketing.coupon_redemptions values (1, 5001, 8, '2017-12-01');

create table marts.metric_values(metric_id varchar, grain varchar, period_start date,
    period_end date, period_key varchar, dimension_name varchar, dimension_value varchar,
    value double, numerator double, denominator double);
insert into marts.metric_values values
    ('active_households', 'week', '2017-11-27', '2017-12-03', '2017-W48', 'total', 'all',
     2, null, null),
    ('repeat_households', 'week', '2017-11-27', '2017-12-03', '2017-W48', 'total', 'all',
     1, null, null),
    ('repeat_rate', 'week', '2017-11-27', '2017-12-03', '2017-W48', 'total', 'all', 0.5, 1, 2),
    -- Store 9 had no active household that week: the rate is undefined, so its value is null.
    ('repeat_rate', 'week', '2017-11-27', '2017-12-03', '2017-W48', 'store', '9', null, 0, 0);

create table marts.metric_tree_checks(parent_metric_id varchar, relation varchar,
    formula varchar, grain varchar, period_start date, dimension_name varchar,
    dimension_value varchar, parent_value double, formula_value double, abs_diff double,
    rel_diff double, tolerance double, holds boolean);
insert into marts.metric_tree_checks values ('repeat_households', 'product',
    'active_households * repeat_rate', 'week', '2017-11-27', 'total', 'all', 1, 1, 0, 0,
    0.000001, true);

create table marts.metric_attainment(metric_id varchar, grain varchar, period_start date,
    period_key varchar, value double, target_value double, attainment double, status varchar);
insert into marts.metric_attainment values
    ('repeat_households', 'month', '2017-11-01', '2017-11', 1, 1, 1.0, 'on_track');

create table marts.metric_definitions(metric_id varchar, is_north_star boolean);
insert into marts.metric_definitions values ('repeat_households', true),
    ('active_households', false), ('repeat_rate', false);

create table marts.metric_consistency_checks(metric_id varchar, grain varchar,
    period_start date, dimension_name varchar, dimension_value varchar, store_value double,
    metricflow_value double, abs_diff double, holds boolean);
insert into marts.metric_consistency_checks values
    ('active_households', 'week', '2017-11-27', 'total', 'all', 2, 2, 0, true);
"""


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NORTHSTAR_HOME", str(tmp_path))
    path = get_settings().warehouse_path
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute(WAREHOUSE_SQL)
    return path


def execute(warehouse: Path, sql: str) -> None:
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(sql)


def failed(gate, severity: str) -> set[tuple[str, str, str | None]]:
    return {
        (r.suite, r.expectation, r.column_name)
        for r in gate.results
        if not r.success and r.severity == severity
    }


def test_gate_passes_good_data(warehouse: Path) -> None:
    from northstar.quality.suites import build_expectations

    gate = run_quality_gate("run-good", INTERVAL_END)

    assert gate.status == "passed", [r.describe() for r in gate.results if not r.success]
    expected_total = sum(len(e) for e in build_expectations().values())
    assert gate.counts["evaluated"] == expected_total
    assert gate.counts["succeeded"] == expected_total
    stored = json.loads((get_settings().quality_dir / "run-good.json").read_text())
    assert stored["status"] == "passed"
    assert len(stored["results"]) == expected_total
    assert {r["severity"] for r in stored["results"]} == {"critical", "warning"}


def test_gate_duplicate_metric_key(warehouse: Path) -> None:
    execute(
        warehouse,
        "insert into marts.metric_values select * from marts.metric_values "
        "where metric_id = 'active_households'",
    )

    with pytest.raises(QualityGateFailed) as raised:
        run_quality_gate("run-duplicate", INTERVAL_END)

    message = str(raised.value)
    assert "marts__metric_values: expect_compound_columns_to_be_unique" in message
    assert "2 of 5 rows unexpected" in message
    assert "last published marts were kept" in message
    stored = json.loads((get_settings().quality_dir / "run-duplicate.json").read_text())
    assert stored["status"] == "failed"
    assert stored["counts"]["failed_critical"] == 1


def test_gate_tree_identity_broken(warehouse: Path) -> None:
    execute(warehouse, "update marts.metric_tree_checks set holds = false, rel_diff = 0.2")

    with pytest.raises(QualityGateFailed) as raised:
        run_quality_gate("run-tree", INTERVAL_END)

    gate = raised.value.gate
    assert failed(gate, "critical") == {
        ("marts__metric_tree_checks", "expect_column_values_to_be_in_set", "holds")
    }
    (result,) = gate.failed_critical
    # The failed row is named by its key, so the broken period can be found.
    assert "repeat_households" in result.details
    assert "1 of 1 rows unexpected" in result.observed


@pytest.mark.parametrize(
    ("mutation", "suite", "expectation", "column"),
    [
        (
            "update raw_pos.transactions set quantity = -1 where basket_id = 100",
            "raw_pos__transactions",
            "expect_column_values_to_be_between",
            "quantity",
        ),
        (
            "update raw_pos.transactions set transaction_timestamp = '2016-12-31 23:00' "
            "where basket_id = 100",
            "raw_pos__transactions",
            "expect_column_min_to_be_between",
            "transaction_timestamp",
        ),
        (
            "update marts.metric_values set value = 1.5, numerator = 3 "
            "where metric_id = 'repeat_rate' and dimension_name = 'total'",
            "marts__metric_values",
            "expect_column_values_to_be_between",
            "value",
        ),
        (
            "update marts.metric_values set value = null where metric_id = 'active_households'",
            "marts__metric_values",
            "expect_column_values_to_not_be_null",
            "value",
        ),
        (
            "update marts.metric_values set grain = 'year' where metric_id = 'active_households'",
            "marts__metric_values",
            "expect_column_values_to_be_in_set",
            "grain",
        ),
        (
            "update marts.metric_attainment set status = 'green'",
            "marts__metric_attainment",
            "expect_column_values_to_be_in_set",
            "status",
        ),
        (
            "update marts.metric_definitions set is_north_star = true",
            "marts__metric_definitions",
            "expect_column_sum_to_be_between",
            "is_north_star",
        ),
        (
            "update marts.metric_consistency_checks set holds = false, metricflow_value = 3",
            "marts__metric_consistency_checks",
            "expect_column_values_to_be_in_set",
            "holds",
        ),
        (
            "insert into raw_crm.households values (2, '2017-11-28', '2017-12-02')",
            "raw_crm__households",
            "expect_column_values_to_be_unique",
            "household_id",
        ),
    ],
    ids=[
        "negative-quantity",
        "timestamp-before-source",
        "ratio-above-one",
        "null-count",
        "unknown-grain",
        "unknown-status",
        "three-north-stars",
        "metricflow-differs",
        "duplicate-household",
    ],
)
def test_gate_bad_row(warehouse: Path, mutation, suite, expectation, column) -> None:
    execute(warehouse, mutation)

    with pytest.raises(QualityGateFailed) as raised:
        run_quality_gate("run-bad", INTERVAL_END)

    assert (suite, expectation, column) in failed(raised.value.gate, "critical")


def test_gate_stale_transactions_warn_and_publish(warehouse: Path) -> None:
    from northstar.publish import connect_published, publish_marts

    # Ten days after the newest transaction (2017-12-03) is beyond the two-day freshness limit.
    gate = run_quality_gate("run-stale", datetime(2017, 12, 13, tzinfo=UTC))

    assert gate.status == "passed_with_warnings"
    assert failed(gate, "warning") == {
        ("raw_pos__transactions", "expect_column_max_to_be_between", "transaction_timestamp")
    }
    assert failed(gate, "critical") == set()

    published = publish_marts("run-stale", date(2017, 12, 12), gate)
    with connect_published(published) as connection:
        log_rows = connection.execute("select run_id, gate_status from publish_log").fetchall()
        failed_rows = connection.execute(
            "select suite, column_name from dq_results where not success"
        ).fetchall()
    assert log_rows == [("run-stale", "passed_with_warnings")]
    assert failed_rows == [("raw_pos__transactions", "transaction_timestamp")]


def test_gate_future_transactions_warn(warehouse: Path) -> None:
    # A rerun of an older interval reads lines loaded after that interval's end.
    gate = run_quality_gate("run-rerun", datetime(2017, 12, 2, tzinfo=UTC))

    assert gate.status == "passed_with_warnings"
    (result,) = gate.failed_warning
    assert result.expectation == "expect_column_max_to_be_between"
    assert result.observed.startswith("2017-12-03")


def test_gate_missing_table(warehouse: Path) -> None:
    execute(warehouse, "drop table marts.metric_attainment")

    with pytest.raises(WarehouseTableMissing, match=r"marts\.metric_attainment"):
        run_quality_gate("run-missing", INTERVAL_END)


def test_gate_leaves_project_unchanged(warehouse: Path) -> None:
    project = get_settings().expectations_dir
    before = {p: p.stat().st_mtime_ns for p in project.rglob("*")}

    run_quality_gate("run-readonly", INTERVAL_END)

    after = {p: p.stat().st_mtime_ns for p in project.rglob("*")}
    assert after == before


def test_project_matches_suites(tmp_path: Path) -> None:
    from northstar.quality.project import build_project

    build_project(tmp_path)

    committed = get_settings().expectations_dir / "gx"
    for folder in ("expectations", "validation_definitions", "checkpoints"):
        built_names = sorted(p.name for p in (tmp_path / "gx" / folder).iterdir())
        committed_names = sorted(p.name for p in (committed / folder).iterdir())
        assert built_names == committed_names, folder
    for built in (tmp_path / "gx" / "expectations").iterdir():
        saved = committed / "expectations" / built.name
        assert _without_ids(json.loads(built.read_text())) == _without_ids(
            json.loads(saved.read_text())
        ), f"{saved} is stale: run python -m northstar.quality.project"


def _without_ids(value):
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value
