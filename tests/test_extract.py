"""Extraction into the raw layer: landing batches, merge by key, watermarks and errors.

Every test runs the real phases against SQLite, CSV and JSON sources replayed into a temporary
home and a real DuckDB warehouse file.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import duckdb
import pytest

from northstar.extract import SOURCES, extract_source, load_source
from northstar.extract import load as load_module
from northstar.extract.__main__ import main
from northstar.extract.errors import (
    LandingBatchError,
    MalformedDeliveryError,
    SourceNotFoundError,
    SourceSchemaError,
)
from northstar.extract.state import read_watermarks
from northstar.sources.replay import replay_sources

# The fixtures northstar_home, first_week_home and parquet_value live in tests/fixtures_sources.py.
pytest_plugins = ["fixtures_sources"]

FIRST_INTERVAL_END = dt.datetime(2017, 1, 8)
SECOND_INTERVAL_END = dt.datetime(2017, 1, 15)

RAW_TABLES = (
    "raw_crm.households",
    "raw_crm.demographics",
    "raw_pos.transactions",
    "raw_catalog.products",
    "raw_marketing.campaigns",
    "raw_marketing.campaign_households",
    "raw_marketing.coupons",
    "raw_marketing.coupon_redemptions",
)


def run_all(interval_end: dt.datetime, run_id: str) -> dict[str, dict]:
    loads = {}
    for source in SOURCES:
        extract_source(source, interval_end, run_id)
        loads[source] = load_source(source, run_id)
    return loads


def warehouse_counts(settings) -> dict[str, int]:
    """Count the rows of every raw table; a table that no load has created yet counts 0."""
    connection = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        existing = {
            f"{schema}.{name}"
            for schema, name in connection.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        return {
            table: connection.execute(f"select count(*) from {table}").fetchone()[0]
            if table in existing
            else 0
            for table in RAW_TABLES
        }
    finally:
        connection.close()


def warehouse_value(settings, sql: str):
    connection = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return connection.execute(sql).fetchone()
    finally:
        connection.close()


def expected_first_week(parquet_value) -> dict[str, int]:
    """Raw row counts after loading everything before 2017-01-08, computed from the parquet."""
    in_week = "select household_id from {transactions} where transaction_timestamp < '2017-01-08'"
    early = "select campaign_id from {campaign_descriptions} where start_date < '2017-01-08'"
    return {
        "raw_crm.households": parquet_value(
            f"select count(distinct household_id) from ({in_week})"
        ),
        "raw_crm.demographics": parquet_value(
            f"select count(*) from {{demographics}} where household_id in ({in_week})"
        ),
        "raw_pos.transactions": parquet_value(f"select count(*) from ({in_week})"),
        "raw_catalog.products": parquet_value("select count(*) from {products}"),
        "raw_marketing.campaigns": parquet_value(f"select count(*) from ({early})"),
        "raw_marketing.campaign_households": parquet_value(
            f"select count(*) from {{campaigns}} where campaign_id in ({early})"
        ),
        # The raw layer keeps one row of each exact duplicate coupon row.
        "raw_marketing.coupons": parquet_value(
            f"select count(*) from (select distinct * from {{coupons}} "
            f"where campaign_id in ({early}))"
        ),
        "raw_marketing.coupon_redemptions": parquet_value(
            "select count(*) from {coupon_redemptions} where redemption_date < '2017-01-08'"
        ),
    }


def test_load_fills_raw_tables(first_week_home, parquet_value):
    run_all(FIRST_INTERVAL_END, "first")

    counts = warehouse_counts(first_week_home)
    for table, expected in expected_first_week(parquet_value).items():
        assert counts[table] == expected, table


def test_load_content_matches_parquet(first_week_home, parquet_value):
    run_all(FIRST_INTERVAL_END, "first")

    # The first basket line of the dataset, read from both sides.
    columns = "household_id, store_id, quantity, sales_value, retail_disc, week, "
    columns += "transaction_timestamp"
    where = "where basket_id = 31198570044 and product_id = 1095275"
    loaded = warehouse_value(first_week_home, f"select {columns} from raw_pos.transactions {where}")
    expected = parquet_value(f"select row({columns}) from {{transactions}} {where}")
    assert loaded == expected

    columns = "manufacturer_id, department, brand, product_category, product_type, package_size"
    where = "where product_id = 26081"
    loaded = warehouse_value(first_week_home, f"select {columns} from raw_catalog.products {where}")
    expected = parquet_value(f"select row({columns}) from {{products}} {where}")
    # Product 26081 has null category, type and size; nulls must survive the CSV export.
    assert loaded == expected
    assert loaded[3] is None

    campaign = warehouse_value(
        first_week_home,
        "select start_date, end_date from raw_marketing.campaigns where campaign_id = 24",
    )
    assert campaign == (dt.date(2016, 11, 14), dt.date(2017, 1, 16))


def test_rerun_same_interval_loads_nothing(first_week_home):
    run_all(FIRST_INTERVAL_END, "first")
    before = warehouse_counts(first_week_home)

    loads = run_all(FIRST_INTERVAL_END, "first")

    assert warehouse_counts(first_week_home) == before
    for source, summary in loads.items():
        assert summary["status"] == "loaded", source
        assert set(summary["tables"].values()) == {0}, source
    assert load_source("pos", "first")["status"] == "already_loaded"


def test_crash_before_load_reruns(first_week_home, parquet_value):
    extract_source("pos", FIRST_INTERVAL_END, "first")
    # The process dies here: the batch is on disk but never loaded. The retry extracts again.
    extract_source("pos", FIRST_INTERVAL_END, "first")
    load_source("pos", "first")

    expected = expected_first_week(parquet_value)["raw_pos.transactions"]
    assert warehouse_counts(first_week_home)["raw_pos.transactions"] == expected


def test_crash_inside_load_rolls_back(first_week_home, parquet_value, monkeypatch):
    extract_source("crm", FIRST_INTERVAL_END, "first")
    merge = load_module.merge_batch

    def merge_then_crash(connection, declaration, table, path):
        merge(connection, declaration, table, path)
        if table.name == "demographics":
            raise RuntimeError("simulated crash after the second merge")
        return 0

    with monkeypatch.context() as patch:
        patch.setattr(load_module, "merge_batch", merge_then_crash)
        with pytest.raises(RuntimeError, match="simulated crash"):
            load_source("crm", "first")

    # The rollback kept households out, although they were merged before the crash.
    assert warehouse_counts(first_week_home)["raw_crm.households"] == 0
    assert read_watermarks(first_week_home, "crm") == {}

    load_source("crm", "first")
    expected = expected_first_week(parquet_value)
    counts = warehouse_counts(first_week_home)
    assert counts["raw_crm.households"] == expected["raw_crm.households"]
    assert counts["raw_crm.demographics"] == expected["raw_crm.demographics"]


def test_later_interval_loads_new_rows(first_week_home, parquet_value):
    run_all(FIRST_INTERVAL_END, "first")
    replay_sources(dt.date(2017, 1, 14))

    loads = run_all(SECOND_INTERVAL_END, "second")

    second_week = parquet_value(
        "select count(*) from {transactions} where transaction_timestamp >= '2017-01-08' "
        "and transaction_timestamp < '2017-01-15'"
    )
    assert loads["pos"]["tables"]["transactions"] == second_week
    assert loads["catalog"]["tables"]["products"] == 0
    total = parquet_value(
        "select count(*) from {transactions} where transaction_timestamp < '2017-01-15'"
    )
    assert warehouse_counts(first_week_home)["raw_pos.transactions"] == total
    logged = warehouse_value(
        first_week_home,
        "select rows, watermark from raw_meta.load_log "
        "where run_id = 'second' and table_name = 'transactions'",
    )
    assert logged[0] == second_week
    assert logged[1] < "2017-01-15"


def test_extract_ahead_of_replay_loses_nothing(first_week_home, parquet_value):
    # The interval ends after the last replayed day; rows replayed later still arrive, because
    # the watermark is the last row read, not the interval end.
    extract_source("pos", SECOND_INTERVAL_END, "early")
    load_source("pos", "early")
    replay_sources(dt.date(2017, 1, 14))
    extract_source("pos", SECOND_INTERVAL_END, "late")
    load_source("pos", "late")

    total = parquet_value(
        "select count(*) from {transactions} where transaction_timestamp < '2017-01-15'"
    )
    assert warehouse_counts(first_week_home)["raw_pos.transactions"] == total


def test_malformed_json_leaves_raw(first_week_home):
    run_all(FIRST_INTERVAL_END, "first")
    before = warehouse_counts(first_week_home)
    replay_sources(dt.date(2017, 1, 14))
    delivery = sorted((first_week_home.sources_dir / "marketing" / "coupon_redemptions").glob("*"))
    broken = delivery[-1]
    broken.write_text('{"entity": "coupon_redemptions", "records": [', encoding="utf-8")

    with pytest.raises(MalformedDeliveryError, match=broken.name) as error:
        extract_source("marketing", SECOND_INTERVAL_END, "second")

    assert "not valid JSON" in str(error.value)
    with pytest.raises(LandingBatchError, match="run extract_source"):
        load_source("marketing", "second")
    assert warehouse_counts(first_week_home) == before
    assert read_watermarks(first_week_home, "marketing")["coupon_redemptions"] == "2017-01-07"


def test_missing_database_hints_replay(northstar_home):
    with pytest.raises(SourceNotFoundError, match="replay the sources first"):
        extract_source("pos", FIRST_INTERVAL_END, "first")

    assert not northstar_home.warehouse_path.exists()


def test_missing_column_named(first_week_home):
    crm = sqlite3.connect(first_week_home.sources_dir / "crm.sqlite")
    crm.execute("alter table demographics drop column income")
    crm.close()

    with pytest.raises(SourceSchemaError, match=r"demographics\.income \(VARCHAR\)"):
        extract_source("crm", FIRST_INTERVAL_END, "first")


def test_stale_batch_rejected(first_week_home):
    extract_source("pos", FIRST_INTERVAL_END, "abandoned")
    extract_source("pos", FIRST_INTERVAL_END, "current")
    load_source("pos", "current")

    with pytest.raises(LandingBatchError, match="committed watermark is now"):
        load_source("pos", "abandoned")


def test_cli_runs_both_phases(first_week_home, parquet_value, capsys):
    code = main(["--source", "marketing", "--interval-end", "2017-01-08T00:00", "--run-id", "cli"])

    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["load"]["status"] == "loaded"
    expected = expected_first_week(parquet_value)["raw_marketing.coupons"]
    assert summary["load"]["tables"]["coupons"] == expected


KILLED_LOAD = """
import sys, time
from pathlib import Path
from northstar.extract import load as load_module
merge = load_module.merge_batch

def merge_then_hang(connection, declaration, table, path):
    changed = merge(connection, declaration, table, path)
    if table.name == "households":
        Path(sys.argv[1]).write_text("merged")
        time.sleep(600)
    return changed

load_module.merge_batch = merge_then_hang
load_module.load_source("crm", "first")
"""


def test_killed_load_reruns(first_week_home, parquet_value, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    extract_source("crm", FIRST_INTERVAL_END, "first")
    marker = tmp_path / "merged"
    # A real process opens the DuckDB transaction and is killed with SIGKILL inside it, after
    # the households merge and before the commit.
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_LOAD, str(marker)], env={**os.environ}, cwd=tmp_path
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, "the load process ended before the kill"
        assert time.monotonic() < deadline, "the load process never reached the merge"
        time.sleep(0.1)
    child.send_signal(signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL

    assert warehouse_counts(first_week_home)["raw_crm.households"] == 0
    assert read_watermarks(first_week_home, "crm") == {}
    load = load_source("crm", "first")

    expected = expected_first_week(parquet_value)
    counts = warehouse_counts(first_week_home)
    assert load["tables"]["households"] == expected["raw_crm.households"]
    assert counts["raw_crm.households"] == expected["raw_crm.households"]
    assert counts["raw_crm.demographics"] == expected["raw_crm.demographics"]


def test_embedded_masks_contacts(first_week_home):
    run_all(FIRST_INTERVAL_END, "first")

    crm = sqlite3.connect(first_week_home.sources_dir / "crm.sqlite")
    clear = crm.execute("select email, full_name from households").fetchall()
    crm.close()
    assert len(clear) == warehouse_counts(first_week_home)["raw_crm.households"]
    emails = [row[0] for row in clear]
    names = [row[1] for row in clear]
    connection = duckdb.connect(str(first_week_home.warehouse_path), read_only=True)
    try:
        loaded = connection.execute("select email, full_name from raw_crm.households").fetchall()
    finally:
        connection.close()
    assert not {row[0] for row in loaded} & set(emails)
    assert not {row[1] for row in loaded} & set(names)
    # Masked emails keep their first letter and domain.
    assert sorted(row[0] for row in loaded) == sorted(
        email[0] + "***@" + email.split("@")[1] for email in emails
    )
