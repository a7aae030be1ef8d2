"""Every DAG imports cleanly, looks up no connection at parse time and respects the pool."""

from __future__ import annotations

import pytest

from northstar.extract.declarations import SOURCES
from northstar.settings import REPO_ROOT, WAREHOUSE_POOL, runtime_env

EXPECTED_DAGS = {
    "northstar_pipeline",
    "northstar_review_weekly",
    "northstar_review_monthly",
    "northstar_review_quarterly",
}
# Tasks that open the DuckDB warehouse; anything else in the pipeline must stay out of the pool.
WAREHOUSE_TASK_PREFIXES = (
    "load",
    "check_metric_consistency",
    "quality_gate",
    "publish",
    "dbt_build.",
)


@pytest.fixture(scope="module")
def dag_bag(tmp_path_factory):
    import os

    home = tmp_path_factory.mktemp("dag-parse")
    os.environ.update({**runtime_env(), "NORTHSTAR_HOME": str(home), "AIRFLOW_HOME": str(home)})
    manifest = REPO_ROOT / "dbt_project" / "target" / "manifest.json"
    if not manifest.exists():
        pytest.fail(f"{manifest} is missing: run `make setup` (it runs `dbt parse`) first.")

    from unittest import mock

    from airflow.dag_processing.dagbag import DagBag

    def refuse_lookup(*args, **kwargs):
        raise AssertionError(f"connection looked up at DAG parse time: {args!r}")

    secrets_lookup = "airflow.models.Connection.get_connection_from_secrets"
    with (
        mock.patch("airflow.sdk.BaseHook.get_connection", side_effect=refuse_lookup),
        mock.patch(secrets_lookup, side_effect=refuse_lookup),
    ):
        return DagBag(dag_folder=str(REPO_ROOT / "dags"))


def test_dags_import_without_errors(dag_bag):
    assert dag_bag.import_errors == {}


def test_dags_expected_ids(dag_bag):
    assert set(dag_bag.dag_ids) == EXPECTED_DAGS


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_dag_documented_and_tagged(dag_bag, dag_id):
    dag = dag_bag.dags[dag_id]
    assert dag.doc_md, f"{dag_id} has no doc_md"
    assert "north-star" in dag.tags
    assert dag.catchup is False


def test_pipeline_warehouse_tasks_in_pool(dag_bag):
    dag = dag_bag.dags["northstar_pipeline"]
    for task in dag.tasks:
        touches_warehouse = task.task_id.startswith(WAREHOUSE_TASK_PREFIXES)
        in_pool = task.pool == WAREHOUSE_POOL
        assert touches_warehouse == in_pool, f"{task.task_id} pool={task.pool}"


def test_pipeline_dbt_models_rendered(dag_bag):
    dag = dag_bag.dags["northstar_pipeline"]
    task_ids = {task.task_id for task in dag.tasks}
    metric_store_tasks = [t for t in task_ids if t.endswith("metric_values_model_build")]
    assert metric_store_tasks, sorted(task_ids)


def test_pipeline_order(dag_bag):
    dag = dag_bag.dags["northstar_pipeline"]
    assert "quality_gate" in dag.task_dict["publish"].upstream_task_ids
    assert "check_metric_consistency" in dag.task_dict["quality_gate"].upstream_task_ids
    consistency = dag.task_dict["check_metric_consistency"]
    assert any(task_id.startswith("dbt_build.") for task_id in consistency.upstream_task_ids)


def test_pipeline_sources_load_independently(dag_bag):
    dag = dag_bag.dags["northstar_pipeline"]
    for source in SOURCES:
        load = dag.task_dict[f"load_{source}"]
        assert load.upstream_task_ids == {f"extract_{source}"}, source
