"""Replay of The Complete Journey into the source systems (real SQLite, CSV and JSON files)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from pathlib import Path

import pytest

from northstar.settings import Settings
from northstar.sources.replay import main, replay_sources

# The fixtures northstar_home, first_week_home and parquet_value live in tests/fixtures_sources.py.
pytest_plugins = ["fixtures_sources"]

SECOND_WEEK_END = dt.date(2017, 1, 14)


def sqlite_value(path: Path, sql: str):
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def delivered_records(settings: Settings, entity: str) -> list[dict]:
    records = []
    for path in sorted((settings.sources_dir / "marketing" / entity).glob("*.json")):
        records.extend(json.loads(path.read_text())["records"])
    return records


def test_replay_first_week_pos(first_week_home, parquet_value):
    pos = first_week_home.sources_dir / "pos.sqlite"
    expected = parquet_value(
        "select count(*) from {transactions} where transaction_timestamp < '2017-01-08'"
    )
    assert sqlite_value(pos, "select count(*) from transactions") == expected
    assert sqlite_value(pos, "select max(transaction_timestamp) from transactions") < "2017-01-08"
    expected_sales = parquet_value(
        "select round(sum(sales_value), 2) from {transactions} "
        "where transaction_timestamp < '2017-01-08'"
    )
    actual_sales = sqlite_value(pos, "select round(sum(sales_value), 2) from transactions")
    assert actual_sales == expected_sales


def test_replay_first_week_crm(first_week_home, parquet_value):
    crm = first_week_home.sources_dir / "crm.sqlite"
    # From the first replay on, a household exists exactly when it bought something before the
    # window end, so the CRM contains the distinct buyers of the first week.
    buyers = parquet_value(
        "select count(distinct household_id) from {transactions} "
        "where transaction_timestamp < '2017-01-08'"
    )
    assert sqlite_value(crm, "select count(*) from households") == buyers
    with_demographics = parquet_value(
        "select count(*) from {demographics} where household_id in (select household_id "
        "from {transactions} where transaction_timestamp < '2017-01-08')"
    )
    assert sqlite_value(crm, "select count(*) from demographics") == with_demographics

    # Household 900 made the first basket line of the dataset (2017-01-01 11:53:26).
    first_purchase = parquet_value(
        "select strftime(min(transaction_timestamp), '%Y-%m-%d %H:%M:%S') from {transactions} "
        "where household_id = 900"
    )
    member_since = sqlite_value(crm, "select member_since from households where household_id = 900")
    assert member_since == first_purchase
    updated_at = sqlite_value(crm, "select updated_at from households where household_id = 900")
    assert updated_at == first_purchase


def test_replay_first_week_catalog(first_week_home, parquet_value):
    catalog = first_week_home.sources_dir / "catalog" / "products.csv"
    lines = catalog.read_text().splitlines()
    assert len(lines) - 1 == parquet_value("select count(*) from {products}")
    assert lines[0].replace('"', "").split(",")[:2] == ["product_id", "manufacturer_id"]


def test_replay_first_week_marketing(first_week_home, parquet_value):
    campaigns = delivered_records(first_week_home, "campaigns")
    expected_ids = parquet_value(
        "select list(campaign_id order by campaign_id) from {campaign_descriptions} "
        "where start_date <= '2017-01-07'"
    )
    assert sorted(record["campaign_id"] for record in campaigns) == expected_ids

    # The export repeats coupon rows exactly as the dataset does, so counts include duplicates.
    coupons = delivered_records(first_week_home, "coupons")
    expected_coupons = parquet_value(
        "select count(*) from {coupons} where campaign_id in (select campaign_id "
        "from {campaign_descriptions} where start_date <= '2017-01-07')"
    )
    assert len(coupons) == expected_coupons
    households = delivered_records(first_week_home, "campaign_households")
    expected_households = parquet_value(
        "select count(*) from {campaigns} where campaign_id in (select campaign_id "
        "from {campaign_descriptions} where start_date <= '2017-01-07')"
    )
    assert len(households) == expected_households
    redemptions = delivered_records(first_week_home, "coupon_redemptions")
    expected_redemptions = parquet_value(
        "select count(*) from {coupon_redemptions} where redemption_date <= '2017-01-07'"
    )
    assert len(redemptions) == expected_redemptions


def test_replay_deliveries_complete(first_week_home):
    marketing = first_week_home.sources_dir / "marketing"
    paths = sorted(marketing.rglob("*.json"))
    assert paths
    for path in paths:
        delivery = json.loads(path.read_text())
        assert delivery["record_count"] == len(delivery["records"]), path
        assert delivery["delivery_date"] == path.stem, path
    assert not list(marketing.rglob("*.tmp"))


def test_replay_second_call_adds_next_days(first_week_home, parquet_value):
    summary = replay_sources(SECOND_WEEK_END)

    assert summary["window_start"] == "2017-01-08T00:00:00"
    assert summary["written"]["catalog.products"] == 0
    pos = first_week_home.sources_dir / "pos.sqlite"
    expected = parquet_value(
        "select count(*) from {transactions} where transaction_timestamp < '2017-01-15'"
    )
    assert sqlite_value(pos, "select count(*) from transactions") == expected
    second_week = parquet_value(
        "select count(*) from {transactions} where transaction_timestamp >= '2017-01-08' "
        "and transaction_timestamp < '2017-01-15'"
    )
    assert summary["written"]["pos.transactions"] == second_week
    buyers = parquet_value(
        "select count(distinct household_id) from {transactions} "
        "where transaction_timestamp < '2017-01-15'"
    )
    crm = first_week_home.sources_dir / "crm.sqlite"
    assert sqlite_value(crm, "select count(*) from households") == buyers
    redemptions = delivered_records(first_week_home, "coupon_redemptions")
    expected_redemptions = parquet_value(
        "select count(*) from {coupon_redemptions} where redemption_date <= '2017-01-14'"
    )
    assert len(redemptions) == expected_redemptions


def test_replay_earlier_date_noop(first_week_home, caplog):
    pos = first_week_home.sources_dir / "pos.sqlite"
    before = sqlite_value(pos, "select count(*) from transactions")

    with caplog.at_level(logging.INFO, logger="northstar.sources.replay"):
        summary = replay_sources(dt.date(2017, 1, 3))

    assert summary["status"] == "up_to_date"
    assert summary["replayed_through"] == "2017-01-07"
    assert sqlite_value(pos, "select count(*) from transactions") == before
    assert "already replayed through 2017-01-07" in caplog.text


def test_replay_catalog_kept_when_unchanged(first_week_home):
    catalog = first_week_home.sources_dir / "catalog" / "products.csv"
    before = catalog.stat().st_mtime_ns

    replay_sources(SECOND_WEEK_END)

    assert catalog.stat().st_mtime_ns == before


def test_replay_cli_first_day(northstar_home, parquet_value):
    assert main(["--until", "2017-01-01"]) == 0

    state = json.loads((northstar_home.sources_dir / "replay_state.json").read_text())
    assert state["replayed_through"] == "2017-01-01"
    pos = northstar_home.sources_dir / "pos.sqlite"
    expected = parquet_value(
        "select count(*) from {transactions} where transaction_timestamp < '2017-01-02'"
    )
    assert sqlite_value(pos, "select count(*) from transactions") == expected


def test_replay_cli_rejects_invalid_date(capsys):
    with pytest.raises(SystemExit):
        main(["--until", "2017-02-30"])

    error = capsys.readouterr().err
    assert "'2017-02-30'" in error
    assert "YYYY-MM-DD" in error
