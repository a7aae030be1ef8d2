"""Atomic publish of the marts into settings.published_path, on real DuckDB files."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from northstar import publish
from northstar.publish import PublishRejected, connect_published, publish_marts
from northstar.quality.results import ExpectationResult, summarize
from northstar.settings import get_settings

MARTS_SQL = """
create schema staging; create schema marts;
create table staging.stg_stores as select * from (values (7), (9)) as t(store_id);
create table marts.metric_values(metric_id varchar, grain varchar, period_start date,
    value double);
insert into marts.metric_values values ('active_households', 'week', '2017-11-27', 2),
    ('repeat_households', 'week', '2017-11-27', 1), ('repeat_rate', 'week', '2017-11-27', 0.5);
create table marts.metric_definitions(metric_id varchar, is_north_star boolean);
insert into marts.metric_definitions values ('repeat_households', true);
-- dbt may build a mart as a view over another schema; publishing materializes it.
create view marts.dim_store as select store_id from staging.stg_stores;
"""

# The marts above: 3 metric values, 1 definition and the 2 stores of the view.
EXPECTED_MART_ROWS = {"metric_values": 3, "metric_definitions": 1, "dim_store": 2}


def gate_result(run_id: str, *, critical_ok: bool = True, warning_ok: bool = True):
    checked_at = datetime(2017, 12, 4, 1, 0)

    def result(severity: str, success: bool) -> ExpectationResult:
        return ExpectationResult(
            run_id,
            checked_at,
            "marts__metric_values",
            "expect_column_values_to_be_between",
            "value",
            severity,
            success,
            "0 of 3 rows unexpected",
            "{}",
        )

    return summarize(run_id, [result("critical", critical_ok), result("warning", warning_ok)])


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NORTHSTAR_HOME", str(tmp_path))
    path = get_settings().warehouse_path
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute(MARTS_SQL)
    return path


def table_counts(path: Path) -> dict[str, int]:
    with connect_published(path) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'main'"
            ).fetchall()
        ]
        return {
            name: connection.execute(f'select count(*) from "{name}"').fetchone()[0]
            for name in names
        }


def publish_dir_entries() -> list[str]:
    return sorted(p.name for p in get_settings().published_path.parent.iterdir())


def test_publish_copies_marts(warehouse: Path) -> None:
    gate = gate_result("run-1")

    path = publish_marts("run-1", date(2017, 12, 3), gate)

    assert path == get_settings().published_path
    assert table_counts(path) == {**EXPECTED_MART_ROWS, "dq_results": 2, "publish_log": 1}
    with connect_published(path) as connection:
        log_row = connection.execute(
            "select run_id, data_through, gate_status from publish_log"
        ).fetchone()
        severities = connection.execute(
            "select severity from dq_results order by severity"
        ).fetchall()
    assert log_row == ("run-1", date(2017, 12, 3), "passed")
    assert severities == [("critical",), ("warning",)]
    # Only the published file remains: no temporary file and no write-ahead log.
    assert publish_dir_entries() == ["marts.duckdb"]


def test_publish_log_accumulates(warehouse: Path) -> None:
    publish_marts("run-1", date(2017, 12, 3), gate_result("run-1"))
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("insert into marts.metric_values values ('x', 'week', '2017-12-04', 1)")

    publish_marts("run-2", date(2017, 12, 4), gate_result("run-2", warning_ok=False))

    with connect_published() as connection:
        log_rows = connection.execute(
            "select run_id, gate_status from publish_log order by published_at"
        ).fetchall()
        values = connection.execute("select count(*) from metric_values").fetchone()[0]
        dq_runs = connection.execute("select distinct run_id from dq_results").fetchall()
    assert log_rows == [("run-1", "passed"), ("run-2", "passed_with_warnings")]
    assert values == 4
    # dq_results contains the results of the published run only.
    assert dq_runs == [("run-2",)]


def test_publish_rejects_failed_gate(warehouse: Path) -> None:
    published = publish_marts("run-1", date(2017, 12, 3), gate_result("run-1"))
    before = published.read_bytes()

    with pytest.raises(PublishRejected, match="'failed'"):
        publish_marts("run-2", date(2017, 12, 4), gate_result("run-2", critical_ok=False))

    assert published.read_bytes() == before
    assert publish_dir_entries() == ["marts.duckdb"]


def test_publish_copy_error_keeps_old(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    published = publish_marts("run-1", date(2017, 12, 3), gate_result("run-1"))
    before = published.read_bytes()
    copy_table = publish._copy_table
    copied: list[str] = []

    def copy_then_fail(connection, catalog, table):
        if copied:
            raise OSError("disk full")
        copied.append(table)
        return copy_table(connection, catalog, table)

    monkeypatch.setattr(publish, "_copy_table", copy_then_fail)

    with pytest.raises(OSError, match="disk full"):
        publish_marts("run-2", date(2017, 12, 4), gate_result("run-2"))

    assert len(copied) == 1
    assert published.read_bytes() == before
    assert publish_dir_entries() == ["marts.duckdb"]


def test_publish_without_marts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NORTHSTAR_HOME", str(tmp_path))
    path = get_settings().warehouse_path
    path.parent.mkdir(parents=True)
    duckdb.connect(str(path)).close()

    with pytest.raises(publish.PublishVerificationFailed, match="no tables in schema marts"):
        publish_marts("run-1", date(2017, 12, 3), gate_result("run-1"))

    assert not get_settings().published_path.exists()
    assert publish_dir_entries() == []


READER_SCRIPT = """
import sys
from northstar.publish import connect_published

connection = connect_published()
query = "select string_agg(run_id, ',' order by published_at) from publish_log"
print(connection.execute(query).fetchone()[0], flush=True)
sys.stdin.readline()  # the test publishes a new version here
print(connection.execute(query).fetchone()[0], flush=True)
print(connection.execute("select count(*) from metric_values").fetchone()[0], flush=True)
"""


def test_publish_open_reader_keeps_old(warehouse: Path) -> None:
    publish_marts("run-1", date(2017, 12, 3), gate_result("run-1"))
    reader = subprocess.Popen(
        [sys.executable, "-c", READER_SCRIPT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "run-1"
        with duckdb.connect(str(warehouse)) as connection:
            connection.execute("delete from marts.metric_values")

        publish_marts("run-2", date(2017, 12, 4), gate_result("run-2"))

        output, _ = reader.communicate("\n", timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    # The reader still sees the version it opened: one publish and three metric values.
    assert output.split() == ["run-1", "3"]
    assert table_counts(get_settings().published_path)["metric_values"] == 0
    with connect_published() as connection:
        runs = connection.execute("select run_id from publish_log order by published_at")
        assert runs.fetchall() == [("run-1",), ("run-2",)]
