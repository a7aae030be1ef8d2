"""The review DAGs: they parse, share one shape, and pick the period each run reviews."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from northstar.orchestration.review import resolve_period
from northstar.settings import REPO_ROOT, runtime_env

REVIEW_DAGS = ("northstar_review_weekly", "northstar_review_monthly", "northstar_review_quarterly")


@pytest.fixture(scope="module")
def dag_bag(tmp_path_factory):
    import os
    from unittest import mock

    home = tmp_path_factory.mktemp("review-dags")
    os.environ.update({**runtime_env(), "NORTHSTAR_HOME": str(home), "AIRFLOW_HOME": str(home)})
    from airflow.dag_processing.dagbag import DagBag

    def refuse_lookup(*args, **kwargs):
        raise AssertionError(f"connection looked up at DAG parse time: {args!r}")

    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"), collect_dags=False)
    with mock.patch("airflow.sdk.BaseHook.get_connection", side_effect=refuse_lookup):
        for dag_id in REVIEW_DAGS:
            bag.process_file(str(REPO_ROOT / "dags" / f"{dag_id}.py"))
    return bag


def test_review_dags_parse(dag_bag):
    assert dag_bag.import_errors == {}
    assert set(REVIEW_DAGS) <= set(dag_bag.dag_ids)


@pytest.mark.parametrize("dag_id", REVIEW_DAGS)
def test_review_dag_shape(dag_bag, dag_id):
    dag = dag_bag.dags[dag_id]

    assert [task.task_id for task in dag.topological_sort()] == [
        "period",
        "readiness",
        "render",
        "deliver",
    ]
    assert type(dag.timetable).__name__ == "AssetOrTimeSchedule"
    assert dag.catchup is False
    assert "north-star" in dag.tags
    assert "dags test" in dag.doc_md


@pytest.mark.parametrize(
    ("cadence", "run_date", "expected"),
    [
        # The Monday after the ISO week 2017-W52 (December 25-31).
        ("weekly", datetime(2018, 1, 1, 6, tzinfo=UTC), "2017-W52"),
        # Any day of a week reviews the week before it.
        ("weekly", date(2017, 12, 31), "2017-W51"),
        ("monthly", datetime(2018, 1, 1, tzinfo=UTC), "2017-12"),
        ("monthly", date(2017, 3, 15), "2017-02"),
        ("quarterly", datetime(2018, 1, 1, tzinfo=UTC), "2017-Q4"),
        ("quarterly", date(2017, 12, 31), "2017-Q3"),
    ],
)
def test_resolve_period_from_run(cadence, run_date, expected):
    assert resolve_period(cadence, None, run_date) == expected


def test_resolve_period_param():
    assert resolve_period("weekly", "2017-W49", datetime(2018, 1, 1, tzinfo=UTC)) == "2017-W49"


@pytest.mark.parametrize(("cadence", "text"), [("monthly", "2017-13"), ("weekly", "2017-12")])
def test_resolve_period_invalid(cadence, text):
    with pytest.raises(ValueError, match=f"Invalid {cadence} period '{text}'"):
        resolve_period(cadence, text, None)
