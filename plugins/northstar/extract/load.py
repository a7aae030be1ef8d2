"""Phase two: merge one landing batch into the warehouse raw layer in one DuckDB transaction.

Rows are merged by primary key (INSERT OR REPLACE), so loading rows that are already in the
warehouse changes nothing. Watermarks advance and the batch is marked loaded only after the
transaction commits. A crash before that leaves both untouched, so the next extraction starts
from the same watermark and no row is lost.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

from northstar.extract.declarations import SourceDeclaration, TableDeclaration, get_source
from northstar.extract.errors import LandingBatchError
from northstar.extract.extraction import MANIFEST_FILE, batch_dir
from northstar.extract.state import commit_watermarks, read_watermarks
from northstar.settings import Settings, get_settings
from northstar.sources.files import write_json_atomic

log = logging.getLogger(__name__)

LOAD_LOG_DDL = """
create schema if not exists raw_meta;
create table if not exists raw_meta.load_log (
    run_id varchar not null,
    source varchar not null,
    table_name varchar not null,
    rows bigint not null,
    watermark varchar,
    loaded_at timestamp not null,
    status varchar not null
);
"""


def load_source(source: str, run_id: str, settings: Settings | None = None) -> dict:
    """Load the landing batch of `source` for `run_id` into its raw schema.

    Returns a summary with status ("loaded" or "already_loaded") and rows merged per table.
    Raises LandingBatchError when the batch is missing or was extracted from a watermark that
    another load has since moved.
    """
    import duckdb

    settings = settings or get_settings()
    declaration = get_source(source)
    folder = batch_dir(settings, source, run_id)
    manifest = _read_manifest(folder, source, run_id)
    if manifest["status"] == "loaded":
        log.info("load %s run %s skipped: batch %s already loaded", source, run_id, folder)
        return {"source": source, "run_id": run_id, "status": "already_loaded", "tables": {}}
    _check_batch(declaration, manifest, folder, read_watermarks(settings, source))

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    merged: dict[str, int] = {}
    connection = duckdb.connect(str(settings.warehouse_path))
    try:
        connection.execute("begin transaction")
        connection.execute(LOAD_LOG_DDL)
        for table in declaration.tables:
            entry = manifest["tables"][table.name]
            _ensure_raw_table(connection, declaration, table)
            merged[table.name] = _merge(connection, declaration, table, folder / entry["file"])
            connection.execute(
                "insert into raw_meta.load_log values (?, ?, ?, ?, ?, ?, 'loaded')",
                [run_id, source, table.name, merged[table.name], entry["to_watermark"], loaded_at],
            )
            log.info(
                "load %s.%s run %s: %d rows merged, watermark %s",
                source,
                table.name,
                run_id,
                merged[table.name],
                entry["to_watermark"],
            )
        connection.execute("commit")
    except Exception:
        log.exception("load %s run %s failed: transaction rolled back", source, run_id)
        connection.execute("rollback")
        raise
    finally:
        connection.close()

    watermarks = {name: entry["to_watermark"] for name, entry in manifest["tables"].items()}
    commit_watermarks(settings, source, watermarks, run_id)
    manifest["status"] = "loaded"
    manifest["loaded_at"] = loaded_at.isoformat()
    write_json_atomic(folder / MANIFEST_FILE, manifest)
    log.info("load %s run %s finished: %d rows", source, run_id, sum(merged.values()))
    return {"source": source, "run_id": run_id, "status": "loaded", "tables": merged}


def _read_manifest(folder: Path, source: str, run_id: str) -> dict:
    path = folder / MANIFEST_FILE
    if not path.is_file():
        raise LandingBatchError(
            f"no complete landing batch for source {source}, run {run_id} ({path} not found); "
            f"run extract_source({source!r}, interval_end, {run_id!r}) first"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def _check_batch(
    declaration: SourceDeclaration, manifest: dict, folder: Path, committed: dict
) -> None:
    """Reject a batch that lacks a table or starts from a watermark that is no longer current.

    A batch extracted before another batch of the same source was loaded may contain rows
    older than the committed state, and merging it could bring back replaced rows. The next
    extraction reads its rows above the committed watermark again, so nothing is lost.
    """
    for table in declaration.tables:
        entry = manifest["tables"].get(table.name)
        if entry is None or not (folder / entry["file"]).is_file():
            raise LandingBatchError(
                f"landing batch {folder} has no file for table {declaration.name}.{table.name}; "
                "run extract_source again for this run"
            )
        if entry["from_watermark"] != committed.get(table.name):
            raise LandingBatchError(
                f"landing batch {folder} was extracted from watermark {entry['from_watermark']!r} "
                f"of {declaration.name}.{table.name}, but the committed watermark is now "
                f"{committed.get(table.name)!r}; run extract_source again for this run"
            )


def _ensure_raw_table(connection, declaration: SourceDeclaration, table: TableDeclaration) -> None:
    columns = ",\n    ".join(f"{name} {kind}" for name, kind in table.columns)
    connection.execute(f"create schema if not exists {declaration.raw_schema}")
    connection.execute(
        f"create table if not exists {declaration.raw_schema}.{table.name} (\n    {columns},\n"
        f"    primary key ({', '.join(table.primary_key)})\n)"
    )


def _merge(connection, declaration: SourceDeclaration, table: TableDeclaration, path: Path) -> int:
    """Insert or replace the batch rows by primary key; returns the number of distinct keys.

    Duplicate keys inside one batch are reduced to one row first, because one statement may not
    touch a key twice: the latest cursor value wins, and exact duplicates are interchangeable.
    """
    target = f"{declaration.raw_schema}.{table.name}"
    columns = ", ".join(table.column_names)
    casts = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in table.columns)
    order = f"order by {table.cursor} desc" if table.cursor else ""
    source_path = str(path).replace("'", "''")
    statement = f"""
        insert or replace into {target} ({columns})
        select {columns} from (
            select {casts} from read_parquet('{source_path}')
        )
        qualify row_number() over (partition by {", ".join(table.primary_key)} {order}) = 1
    """
    result = connection.execute(statement).fetchone()
    return int(result[0]) if result else 0
