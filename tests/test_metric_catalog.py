"""The metric catalog page: every metric with definition, owner, history, lineage, latest value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from test_dbt_build import DBT_EXECUTABLE, DBT_PROJECT_DIR

from northstar.metrics.catalog import write_catalog
from northstar.metrics.registry import load_registry
from northstar.settings import PRIVACY_ENV


@pytest.fixture(scope="module")
def manifest_path(tmp_path_factory) -> Path:
    """The manifest of `dbt parse` on the project, written to a tmp target path."""
    work_dir = tmp_path_factory.mktemp("catalog_parse")
    env = {**os.environ, **PRIVACY_ENV, "NORTHSTAR_HOME": str(work_dir)}
    command = [
        str(DBT_EXECUTABLE), "parse",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:]
    return work_dir / "target" / "manifest.json"


@pytest.fixture
def published(northstar_home) -> Path:
    """A published file with December values of two metrics, tables in the default schema."""
    path = northstar_home.published_path
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "create table metric_values (metric_id varchar, grain varchar, period_start date, "
            "period_key varchar, dimension_name varchar, value double)"
        )
        connection.execute(
            "insert into metric_values values "
            "('active_households', 'month', '2017-11-01', '2017-11', 'total', 2061), "
            "('active_households', 'month', '2017-12-01', '2017-12', 'total', 2057), "
            "('repeat_rate', 'month', '2017-12-01', '2017-12', 'total', 0.8123)"
        )
        connection.execute(
            "create table metric_attainment (metric_id varchar, grain varchar, "
            "period_start date, target_value double, status varchar)"
        )
        connection.execute(
            "insert into metric_attainment values "
            "('active_households', 'month', '2017-12-01', 2075, 'at_risk')"
        )
    return path


def test_catalog_lists_every_metric(published, manifest_path, tmp_path):
    page = write_catalog(output_dir=tmp_path, manifest_path=manifest_path)
    html = page.read_text(encoding="utf-8")
    for metric in load_registry().metrics.values():
        assert f'id="{metric.id}"' in html
        assert metric.label_zh in html
        assert metric.owner.email in html


def test_catalog_latest_values(published, manifest_path, tmp_path):
    html = write_catalog(output_dir=tmp_path, manifest_path=manifest_path).read_text()
    # The latest month wins; percent and integer formats follow the metric definitions.
    assert "2017-12: 2,057 against target 2,075 (at_risk)" in html
    assert "2017-12: 81.2%" in html


def test_catalog_lineage(published, manifest_path, tmp_path):
    html = write_catalog(output_dir=tmp_path, manifest_path=manifest_path).read_text()
    assert "measure active_households: count_distinct of household_id" in html
    assert "model int_household_period_activity" in html
    assert (
        "source raw_pos.transactions (basket_id, product_id, household_id, store_id, "
        "sales_value, transaction_timestamp)" in html
    )
    assert "computed from metrics repeat_households, active_households" in html


def test_catalog_version_history(published, manifest_path, tmp_path):
    html = write_catalog(output_dir=tmp_path, manifest_path=manifest_path).read_text()
    assert "<td>1</td><td>2017-01-01</td>" in html
    assert "count(distinct household_id)" in html


def test_catalog_command(northstar_home):
    env = {**os.environ, **PRIVACY_ENV, "NORTHSTAR_HOME": str(northstar_home.home)}
    northstar = Path(sys.executable).with_name("northstar")
    result = subprocess.run(
        [str(northstar), "catalog"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    page = northstar_home.reports_dir / "catalog" / "index.html"
    assert page.is_file()
    assert 'id="repeat_households"' in page.read_text(encoding="utf-8")
