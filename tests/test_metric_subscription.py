"""A second business through the same metric code: a subscription company on a tiny fixture.

The build copies the dbt project, swaps the retail business out (its sources, models, store
master, targets and registry) and the fixture in (tests/fixtures/subscription), and points the
dbt var metric_activity_model and NORTHSTAR_METRICS_FILE at the fixture. The macros and the
generated metric marts are used unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import duckdb
import pytest
from test_dbt_build import DBT_EXECUTABLE, DBT_PROJECT_DIR

from northstar.metrics.catalog import write_catalog
from northstar.metrics.consistency import write_consistency_checks
from northstar.metrics.registry import load_registry
from northstar.settings import PRIVACY_ENV, REPO_ROOT

FIXTURE_DIR = REPO_ROOT / "tests" / "fixtures" / "subscription"
# The retail business: its sources and models, store master, targets, registry, the unit tests
# that name its activity model, and its basket test.
RETAIL_PATHS = (
    "models/staging",
    "models/intermediate",
    "models/marts/core",
    "models/marts/metrics/north_star_metrics.yml",
    "models/marts/metrics/_metrics__unit_tests.yml",
    "seeds/store_regions.csv",
    "seeds/_store_regions.yml",
    "seeds/metric_targets.csv",
    "tests/assert_basket_has_one_household_and_store.sql",
)


def compose_project(work_dir):
    project_dir = work_dir / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    for relative in RETAIL_PATHS:
        path = project_dir / relative
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.copytree(FIXTURE_DIR / "models", project_dir / "models" / "intermediate")
    shutil.copy(FIXTURE_DIR / "seeds" / "metric_targets.csv", project_dir / "seeds")
    registry_file = project_dir / "models" / "marts" / "metrics" / "subscription_metrics.yml"
    shutil.copy(FIXTURE_DIR / "subscription_metrics.yml", registry_file)
    return project_dir, registry_file


@pytest.fixture(scope="module")
def subscription_build(tmp_path_factory):
    home = tmp_path_factory.mktemp("subscription_home")
    work_dir = tmp_path_factory.mktemp("subscription_work")
    project_dir, registry_file = compose_project(work_dir)
    warehouse = home / "warehouse" / "northstar.duckdb"
    warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute((FIXTURE_DIR / "raw.sql").read_text(encoding="utf-8"))
    env = {
        **os.environ,
        **PRIVACY_ENV,
        "NORTHSTAR_HOME": str(home),
        "NORTHSTAR_METRICS_FILE": str(registry_file),
    }
    command = [
        str(DBT_EXECUTABLE), "build",
        "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
        "--vars", json.dumps({"metric_activity_model": "int_account_period_activity"}),
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=work_dir, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return home, work_dir, load_registry(registry_file)


def query(home, sql):
    with duckdb.connect(str(home / "warehouse" / "northstar.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_registry_north_star(subscription_build):
    _, _, registry = subscription_build
    assert registry.north_star.id == "revenue"
    assert registry.allowed_dimensions == ("plan", "country")


def test_december_values(subscription_build):
    home, _, _ = subscription_build
    rows = dict(
        query(
            home,
            "select metric_id, value from marts.metric_values "
            "where grain = 'month' and period_start = '2017-12-01' and dimension_name = 'total'",
        )
    )
    # December: accounts 1, 2 and 3 paid invoices 11, 13, 14 and 16 (50 + 10 + 50 + 20 = 130).
    # Account 3 signed up on 2017-12-02, so it is the one new account.
    assert rows == {
        "revenue": 130.0,
        "paying_accounts": 3.0,
        "revenue_per_account": pytest.approx(130 / 3),
        "new_accounts": 1.0,
        "retained_accounts": 2.0,
        "invoices": 4.0,
        "average_invoice": 32.5,
    }


def test_plan_cut(subscription_build):
    home, _, _ = subscription_build
    rows = query(
        home,
        "select dimension_value, value from marts.metric_values where metric_id = 'revenue' "
        "and grain = 'month' and period_start = '2017-12-01' and dimension_name = 'plan' "
        "order by dimension_value",
    )
    # basic: account 2's 10; pro: account 1's 50 and account 3's 50 + 20.
    assert rows == [("basic", 10.0), ("pro", 120.0)]


def test_tree_identities_hold(subscription_build):
    home, _, _ = subscription_build
    rows = query(
        home,
        "select parent_metric_id, count(*), count(*) filter (where holds) "
        "from marts.metric_tree_checks group by parent_metric_id order by parent_metric_id",
    )
    assert [row[0] for row in rows] == ["paying_accounts", "revenue"]
    for parent, checked, holding in rows:
        assert checked == holding, parent


def test_attainment_by_country(subscription_build):
    home, _, _ = subscription_build
    rows = query(
        home,
        "select dimension_name, dimension_value, value, target_value, status "
        "from marts.metric_target_attainment where metric_id = 'revenue' "
        "and grain = 'month' and period_start = '2017-12-01' order by dimension_name",
    )
    # FR in December: account 3's 70 against 80; the total 130 against 120.
    assert rows == [
        ("country", "FR", 70.0, 80.0, "off_track"),
        ("total", "all", 130.0, 120.0, "on_track"),
    ]


def test_matches_metricflow(subscription_build):
    home, work_dir, registry = subscription_build
    result = write_consistency_checks(
        home / "warehouse" / "northstar.duckdb",
        work_dir / "target" / "semantic_manifest.json",
        registry=registry,
    )
    assert result.checked > 0
    assert result.failing == 0


def test_catalog_lists_metrics(subscription_build, tmp_path, monkeypatch):
    home, work_dir, registry = subscription_build
    monkeypatch.setenv("NORTHSTAR_HOME", str(home))
    page = write_catalog(
        output_dir=tmp_path, registry=registry, manifest_path=work_dir / "target" / "manifest.json"
    )
    html = page.read_text(encoding="utf-8")
    for metric in registry.metrics.values():
        assert f'id="{metric.id}"' in html
    assert "source raw_billing.invoices (invoice_id, account_id, paid_on, amount)" in html
