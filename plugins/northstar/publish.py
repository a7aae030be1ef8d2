"""Publish the marts: copy them into a new DuckDB file and swap it in atomically.

Readers (reports, dashboards) open settings.published_path read-only. The new version is built
under a temporary name in the same directory, verified, and moved over the old file with
os.replace(), so a reader sees either the old or the new complete file, never a partial one.
A reader that opened the old file keeps reading it, because replacing a name does not change
an open file on POSIX systems.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from northstar.quality.results import PUBLISHABLE_STATUSES, GateResult
from northstar.settings import get_settings

log = logging.getLogger(__name__)

MARTS_SCHEMA = "marts"
# The published file keeps its tables in DuckDB's default schema, so a BI tool that opens it
# queries `metric_values` unqualified. A schema named "marts" would clash with the catalog, which
# DuckDB names after the file, and make "marts.<table>" ambiguous.
PUBLISHED_SCHEMA = "main"
# Tables the publish step writes itself; a warehouse table of the same name is not copied.
DQ_RESULTS_TABLE = "dq_results"
PUBLISH_LOG_TABLE = "publish_log"

# Statements on the new file name its catalog ({catalog}) because the warehouse is attached too.
DQ_RESULTS_DDL = """
create table {catalog}.main.dq_results (
    run_id varchar, checked_at timestamp, suite varchar, expectation varchar,
    column_name varchar, severity varchar, success boolean, observed varchar, details varchar
)
"""
PUBLISH_LOG_DDL = """
create table {catalog}.main.publish_log (
    run_id varchar, published_at timestamp, data_through date, gate_status varchar
)
"""


class PublishRejected(Exception):
    """The quality gate did not pass, so the marts are not published."""


class PublishVerificationFailed(Exception):
    """The new published file does not contain what was copied into it, or nothing was copied."""


def publish_marts(run_id: str, data_through: date, gate: GateResult) -> Path:
    """Publish the warehouse marts with the gate results and return the published path.

    Raises PublishRejected unless the gate passed (with or without warnings). On any error the
    temporary file is removed and the previously published file is left untouched.
    """
    if gate.status not in PUBLISHABLE_STATUSES:
        raise PublishRejected(
            f"Publish rejected for run {run_id}: quality gate status is {gate.status!r}, "
            f"expected one of {', '.join(PUBLISHABLE_STATUSES)}. The last published marts were "
            "kept. Fix the failed critical expectations and rerun the gate."
        )
    settings = get_settings()
    warehouse, published = settings.warehouse_path, settings.published_path
    if not warehouse.is_file():
        raise FileNotFoundError(f"Warehouse {warehouse} not found; nothing to publish")
    published.parent.mkdir(parents=True, exist_ok=True)
    _reject_stale_wal(published)

    temporary = published.with_name(f".{published.name}.{os.getpid()}.publishing")
    try:
        history = read_publish_log(published)
        expected_counts = _build(temporary, warehouse, run_id, data_through, gate, history)
        _verify(temporary, expected_counts)
        _fsync(temporary)
        # Path.replace is os.replace: an atomic rename within one directory on POSIX.
        temporary.replace(published)
        _fsync(published.parent)
    except BaseException:
        _remove(temporary)
        raise
    log.info(
        "Published run_id=%s data_through=%s gate=%s: %d tables into %s",
        run_id,
        data_through,
        gate.status,
        len(expected_counts),
        published,
    )
    return published


def read_publish_log(published: Path) -> list[tuple[Any, ...]]:
    """Return the publish_log rows of the current published file, oldest first."""
    if not published.is_file():
        return []
    with connect_published(published) as connection:
        exists = connection.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [PUBLISHED_SCHEMA, PUBLISH_LOG_TABLE],
        ).fetchone()[0]
        if not exists:
            return []
        return connection.execute(
            "select run_id, published_at, data_through, gate_status "
            "from publish_log order by published_at"
        ).fetchall()


def connect_published(path: Path | None = None) -> Any:
    """Open the published marts read-only; table names need no qualifier."""
    import duckdb

    path = path or get_settings().published_path
    return duckdb.connect(str(path), read_only=True)


def _build(
    target: Path,
    warehouse: Path,
    run_id: str,
    data_through: date,
    gate: GateResult,
    history: list[tuple[Any, ...]],
) -> dict[str, int]:
    """Write the new published file and return the row count expected in each table."""
    import duckdb

    _remove(target)
    counts: dict[str, int] = {}
    with duckdb.connect(str(target)) as connection:
        catalog = _identifier(connection.execute("select current_database()").fetchone()[0])
        connection.execute(f"attach {_sql_string(warehouse)} as warehouse (read_only)")
        for table in _warehouse_mart_tables(connection):
            counts[table] = _copy_table(connection, catalog, table)
            log.info("Publish run_id=%s table=marts.%s: %d rows", run_id, table, counts[table])
        connection.execute("detach warehouse")

        connection.execute(DQ_RESULTS_DDL.format(catalog=catalog))
        connection.executemany(
            f"insert into {catalog}.main.dq_results values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.run_id,
                    r.checked_at,
                    r.suite,
                    r.expectation,
                    r.column_name,
                    r.severity,
                    r.success,
                    r.observed,
                    r.details,
                )
                for r in gate.results
            ],
        )
        counts[DQ_RESULTS_TABLE] = len(gate.results)

        connection.execute(PUBLISH_LOG_DDL.format(catalog=catalog))
        published_at = datetime.now(UTC).replace(tzinfo=None)
        rows = [*history, (run_id, published_at, data_through, gate.status)]
        connection.executemany(f"insert into {catalog}.main.publish_log values (?, ?, ?, ?)", rows)
        counts[PUBLISH_LOG_TABLE] = len(rows)
        # Fold the write-ahead log into the file, so the file alone is the complete version.
        connection.execute("checkpoint")
    return counts


def _warehouse_mart_tables(connection: Any) -> list[str]:
    """List the tables and views of the warehouse's marts schema, except the ones we write."""
    rows = connection.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = 'warehouse' and table_schema = ? order by table_name",
        [MARTS_SCHEMA],
    ).fetchall()
    tables = [name for (name,) in rows if name not in (DQ_RESULTS_TABLE, PUBLISH_LOG_TABLE)]
    if not tables:
        raise PublishVerificationFailed(
            "The warehouse has no tables in schema marts; run the dbt build before publishing"
        )
    return tables


def _copy_table(connection: Any, catalog: str, table: str) -> int:
    """Copy one mart (a table or a view, materialized) and return its row count."""
    target = f"{catalog}.{PUBLISHED_SCHEMA}.{_identifier(table)}"
    source = f"warehouse.marts.{_identifier(table)}"
    connection.execute(f"create table {target} as select * from {source}")
    return connection.execute(f"select count(*) from {target}").fetchone()[0]


def _verify(path: Path, expected_counts: dict[str, int]) -> None:
    """Reopen the new file read-only and compare every table's row count."""
    with connect_published(path) as connection:
        for table, expected in expected_counts.items():
            actual = connection.execute(f"select count(*) from {_identifier(table)}").fetchone()[0]
            if actual != expected:
                raise PublishVerificationFailed(
                    f"Table {table} in {path} has {actual} rows after copying {expected}; "
                    "the previous published file was kept"
                )


def _reject_stale_wal(published: Path) -> None:
    # DuckDB would replay a leftover write-ahead log into the new file on its next open.
    wal = published.with_name(published.name + ".wal")
    if wal.exists():
        raise PublishVerificationFailed(
            f"Write-ahead log {wal} exists beside the published file, so a process wrote to it "
            "or crashed while writing. Stop that process, open the file once with DuckDB to "
            "replay the log, then publish again"
        )


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_string(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
