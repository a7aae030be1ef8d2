"""Extraction in the servers setting: PostgreSQL CRM, MariaDB POS, REST marketing, CSV catalog.

Every test replays the first week of 2017 into scratch databases on the local servers and
checks the raw layer against them: counts, contents, late rows, deletes, drift and failures.
"""

from __future__ import annotations

import datetime as dt
import socket

import duckdb
import pytest
from test_extract import (
    FIRST_INTERVAL_END,
    SECOND_INTERVAL_END,
    expected_first_week,
    run_all,
    warehouse_counts,
    warehouse_value,
)

from northstar.extract import SOURCES, extract_source, load_source
from northstar.extract.errors import (
    MalformedDeliveryError,
    SchemaDriftError,
    SourceConfigError,
    SourceUnavailableError,
)
from northstar.extract.pii import keyed_hash
from northstar.extract.state import read_watermarks
from northstar.sources.api import MarketingApiHandler, start_marketing_api
from northstar.sources.replay import replay_sources

pytest_plugins = ["fixtures_sources", "fixtures_servers"]

POS_COLUMNS = (
    "household_id, store_id, quantity, sales_value, retail_disc, coupon_disc, "
    "coupon_match_disc, week, transaction_timestamp"
)


def warehouse_rows(settings, sql: str) -> list[tuple]:
    connection = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def closed_port() -> int:
    """Return a loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_full_load_matches_sources(servers_home, parquet_value):
    settings = servers_home.settings
    run_all(FIRST_INTERVAL_END, "first")

    counts = warehouse_counts(settings)
    for table, expected in expected_first_week(parquet_value).items():
        assert counts[table] == expected, table
    assert (
        counts["raw_pos.transactions"]
        == servers_home.mysql("select count(*) from transactions")[0][0]
    )
    assert counts["raw_crm.households"] == servers_home.pg("select count(*) from households")[0][0]
    # Every POS line, column by column, equals the MariaDB row with the same key.
    source = servers_home.mysql(f"select basket_id, product_id, {POS_COLUMNS} from transactions")
    loaded = warehouse_rows(
        settings, f"select basket_id, product_id, {POS_COLUMNS} from raw_pos.transactions"
    )
    assert sorted(loaded) == sorted(source)
    source = servers_home.pg("select household_id, member_since from households")
    loaded = warehouse_rows(settings, "select household_id, member_since from raw_crm.households")
    assert sorted(loaded) == sorted(source)


def test_incremental_load_adds_second_week(servers_home, parquet_value):
    settings = servers_home.settings
    run_all(FIRST_INTERVAL_END, "first")
    replay_sources(dt.date(2017, 1, 14))

    loads = run_all(SECOND_INTERVAL_END, "second")

    second_week = parquet_value(
        "select count(*) from {transactions} where transaction_timestamp >= '2017-01-08' "
        "and transaction_timestamp < '2017-01-15'"
    )
    # The one-day look-back reads the last day of week one again, but those rows are unchanged.
    assert loads["pos"]["tables"]["transactions"] == second_week
    total = servers_home.mysql("select count(*) from transactions")[0][0]
    assert warehouse_counts(settings)["raw_pos.transactions"] == total
    households = servers_home.pg("select count(*) from households")[0][0]
    assert warehouse_counts(settings)["raw_crm.households"] == households
    assert read_watermarks(settings, "pos")["transactions"] < "2017-01-15"


def test_rerun_same_interval_idempotent(servers_home):
    settings = servers_home.settings
    run_all(FIRST_INTERVAL_END, "first")
    before = warehouse_counts(settings)

    loads = run_all(FIRST_INTERVAL_END, "again")

    assert warehouse_counts(settings) == before
    for source, summary in loads.items():
        assert set(summary["tables"].values()) == {0}, source
    audited = warehouse_rows(
        settings,
        "select source, table_name, status, rows_changed, bytes > 0 from raw_meta.load_audit "
        "where run_id = 'again' order by source, table_name",
    )
    assert len(audited) == 8
    assert {row[2] for row in audited} == {"loaded"}
    assert {row[3] for row in audited} == {0}


def test_late_rows_and_backfill(servers_home):
    settings = servers_home.settings
    run_all(FIRST_INTERVAL_END, "first")
    watermark = dt.datetime.fromisoformat(read_watermarks(settings, "pos")["transactions"])
    # Two lines committed after the load but stamped before the watermark: one within the
    # one-day POS look-back, one three days back, outside it.
    inside = watermark - dt.timedelta(hours=12)
    outside = watermark - dt.timedelta(days=3)
    insert = (
        "insert into transactions values "
        "(%s, 1, 900, 1, 1, 2.5, 0, 0, 0, 1, %s), (%s, 1, 900, 1, 1, 3.5, 0, 0, 0, 1, %s)"
    )
    servers_home.mysql(insert, (1, inside, 2, outside))

    load = run_all(SECOND_INTERVAL_END, "second")["pos"]

    assert load["tables"]["transactions"] == 1
    loaded = warehouse_rows(
        settings, "select basket_id from raw_pos.transactions where basket_id < 3"
    )
    assert loaded == [(1,)]

    # A backfill of the old interval reads it again; the key merge keeps one row per line.
    extract_source("pos", FIRST_INTERVAL_END, "backfill", interval_start=dt.datetime(2017, 1, 1))
    backfill = load_source("pos", "backfill")

    assert backfill["tables"]["transactions"] == 1
    lines = servers_home.mysql("select count(*) from transactions")[0][0]
    assert warehouse_counts(settings)["raw_pos.transactions"] == lines
    assert read_watermarks(settings, "pos")["transactions"] == watermark.isoformat(sep=" ")


def test_deleted_household_marked(servers_home):
    settings = servers_home.settings
    run_all(FIRST_INTERVAL_END, "first")
    servers_home.pg("delete from demographics where household_id = 900", fetch=False)
    servers_home.pg("delete from households where household_id = 900", fetch=False)

    extract_source("crm", FIRST_INTERVAL_END, "second")
    load = load_source("crm", "second")

    assert load["deleted"] == {"households": 1, "demographics": 1}
    marked = warehouse_value(
        settings, "select _deleted_at is not null from raw_crm.households where household_id = 900"
    )
    assert marked == (True,)
    live = warehouse_value(
        settings, "select count(*) from raw_crm.households where _deleted_at is null"
    )
    assert live[0] == servers_home.pg("select count(*) from households")[0][0]


def test_new_column_loaded_and_reported(servers_home):
    settings = servers_home.settings
    run_all(FIRST_INTERVAL_END, "first")
    servers_home.pg("alter table households add column loyalty_tier text", fetch=False)
    servers_home.pg(
        "update households set loyalty_tier = 'gold', updated_at = '2017-01-09' "
        "where household_id = 900",
        fetch=False,
    )

    extract_source("crm", SECOND_INTERVAL_END, "second")
    load = load_source("crm", "second")

    assert load["new_columns"] == {"households": {"loyalty_tier": "VARCHAR"}}
    tier = warehouse_value(
        settings, "select loyalty_tier from raw_crm.households where household_id = 900"
    )
    assert tier == ("gold",)
    audited = warehouse_value(
        settings,
        "select new_columns from raw_meta.load_audit "
        "where run_id = 'second' and table_name = 'households'",
    )
    assert audited == ('{"loyalty_tier": "VARCHAR"}',)

    # Dropping the column again fails the load with the raw column named; nothing changes.
    servers_home.pg("alter table households drop column loyalty_tier", fetch=False)
    extract_source("crm", SECOND_INTERVAL_END, "third")
    with pytest.raises(SchemaDriftError, match=r"households\.loyalty_tier \(VARCHAR\)"):
        load_source("crm", "third")
    assert warehouse_value(
        settings, "select loyalty_tier from raw_crm.households where household_id = 900"
    ) == ("gold",)
    failed = warehouse_value(
        settings,
        "select status, error like '%loyalty_tier%' from raw_meta.load_audit "
        "where run_id = 'third' and table_name = 'households'",
    )
    assert failed == ("failed", True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            "alter table demographics drop column kids_count",
            r"demographics\.kids_count \(VARCHAR\) was dropped or renamed",
        ),
        (
            "alter table demographics rename column income to income_band",
            r"demographics\.income \(VARCHAR\) was dropped or renamed .*renamed to income_band",
        ),
        (
            "alter table households alter column member_since type date",
            r"households\.member_since changed type from TIMESTAMP to DATE",
        ),
    ],
    ids=["dropped", "renamed", "retyped"],
)
def test_schema_drift_fails_source(servers_home, change, message):
    settings = servers_home.settings
    run_all(FIRST_INTERVAL_END, "first")
    before = warehouse_counts(settings)
    replay_sources(dt.date(2017, 1, 14))
    servers_home.pg(change, fetch=False)

    with pytest.raises(SchemaDriftError, match=message):
        extract_source("crm", SECOND_INTERVAL_END, "second")
    # The other sources go on; the CRM raw tables keep what they had.
    for source in ("pos", "catalog", "marketing"):
        extract_source(source, SECOND_INTERVAL_END, "second")
        load_source(source, "second")

    after = warehouse_counts(settings)
    assert after["raw_crm.households"] == before["raw_crm.households"]
    assert after["raw_pos.transactions"] > before["raw_pos.transactions"]
    failed = warehouse_value(
        settings,
        "select phase, status from raw_meta.load_audit where source = 'crm' and run_id = 'second'",
    )
    assert failed == ("extract", "failed")


def test_unavailable_source_fails_alone(servers_home, monkeypatch):
    settings = servers_home.settings
    port = closed_port()
    monkeypatch.setenv("AIRFLOW_CONN_NORTHSTAR_POS", f"mysql://root@127.0.0.1:{port}/test")

    with pytest.raises(SourceUnavailableError, match=f"127.0.0.1:{port} is unavailable after 2"):
        extract_source("pos", FIRST_INTERVAL_END, "first")
    for source in ("crm", "catalog", "marketing"):
        extract_source(source, FIRST_INTERVAL_END, "first")
        load_source(source, "first")

    counts = warehouse_counts(settings)
    assert counts["raw_pos.transactions"] == 0
    assert counts["raw_crm.households"] == servers_home.pg("select count(*) from households")[0][0]
    audited = warehouse_value(
        settings,
        "select status, error like '%unavailable%' from raw_meta.load_audit "
        "where source = 'pos' and run_id = 'first'",
    )
    assert audited == ("failed", True)


class BrokenSecondPage(MarketingApiHandler):
    """Serves page 2 of the coupons cut off in the middle, as a proxy that dropped it would."""

    def do_GET(self) -> None:
        if self.path.startswith("/marketing/coupons") and "page=2" in self.path:
            body = b'{"records": [{"coupon_upc": 1'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


def test_malformed_api_page_loads_nothing(servers_home, monkeypatch):
    settings = servers_home.settings
    broken = start_marketing_api(settings.sources_dir / "marketing", handler=BrokenSecondPage)
    monkeypatch.setenv(
        "AIRFLOW_CONN_NORTHSTAR_MARKETING_API", f"http://127.0.0.1:{broken.server_address[1]}"
    )
    try:
        with pytest.raises(MalformedDeliveryError, match="not valid JSON") as error:
            extract_source("marketing", FIRST_INTERVAL_END, "first")
    finally:
        broken.shutdown()
        broken.server_close()

    # The first page held the API page size of 5,000 coupon records.
    assert "page=2" in str(error.value)
    assert "the 5000 records of earlier pages were discarded" in str(error.value)
    assert not (settings.landing_dir / "marketing" / "first").exists()
    assert read_watermarks(settings, "marketing") == {}


def test_broken_csv_row_loads_nothing(servers_home, parquet_value):
    settings = servers_home.settings
    run_all(FIRST_INTERVAL_END, "first")
    before = warehouse_counts(settings)["raw_catalog.products"]
    export = settings.home / "catalog_drop" / "products.csv"
    lines = export.read_text(encoding="utf-8").splitlines()
    lines.insert(10, '999999999,"only two fields"')
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(MalformedDeliveryError, match="invalid lines") as error:
        extract_source("catalog", SECOND_INTERVAL_END, "second")

    products = parquet_value("select count(*) from {products}")
    assert f"has 1 invalid lines beside {products} valid rows" in str(error.value)
    # Line 11 of the file: the header and nine products come first.
    assert "line 11:" in str(error.value)
    assert warehouse_counts(settings)["raw_catalog.products"] == before
    assert not (settings.landing_dir / "catalog" / "second").exists()


def test_personal_data_never_clear(servers_home):
    settings = servers_home.settings
    run_all(FIRST_INTERVAL_END, "first")
    clear = servers_home.pg("select full_name, email, phone, street_address from households")
    values = {value for row in clear for value in row}
    connection = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        columns = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_schema like 'raw_%'"
        ).fetchall()
        assert len(columns) > 20
        for schema, table, column in columns:
            text = connection.execute(f"select {column} from {schema}.{table}").fetchall()
            leaked = values & {row[0] for row in text}
            assert not leaked, f"{schema}.{table}.{column} holds clear personal data"
        hashed = connection.execute(
            "select full_name, email, phone from raw_crm.households where household_id = 900"
        ).fetchone()
    finally:
        connection.close()
    name, email, phone = servers_home.pg(
        "select full_name, email, phone from households where household_id = 900"
    )[0]
    assert hashed[0] == keyed_hash(name, b"test-masking-key-0123456789abcdef")
    assert hashed[1] == email[0] + "***@" + email.split("@")[1]
    assert hashed[2] == "***-***-" + phone[-4:]
    landing = b"".join(path.read_bytes() for path in settings.landing_dir.rglob("*.parquet"))
    assert email.encode() not in landing


def test_servers_need_masking_key(servers_home, monkeypatch):
    monkeypatch.delenv("NORTHSTAR_PII_KEY")

    with pytest.raises(SourceConfigError, match="NORTHSTAR_PII_KEY"):
        extract_source("crm", FIRST_INTERVAL_END, "first")


def test_missing_connection_named(servers_home, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_NORTHSTAR_CRM")

    with pytest.raises(SourceConfigError, match="AIRFLOW_CONN_NORTHSTAR_CRM"):
        extract_source("crm", FIRST_INTERVAL_END, "first")


def test_sources_declared_for_servers():
    # Every source names a connection, so the servers setting never falls back to files.
    from northstar.extract.declarations import get_source

    assert all(get_source(source).conn_id.startswith("northstar_") for source in SOURCES)
