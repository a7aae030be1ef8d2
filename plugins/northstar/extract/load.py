"""Phase two: merge one landing batch into the warehouse raw layer in one DuckDB transaction.

Rows are merged by primary key (INSERT OR REPLACE), so loading rows that are already in the
warehouse changes nothing. Watermarks advance and the batch is marked loaded only after the
transaction commits. A crash before that leaves both untouched, so the next extraction starts
from the same watermark and no row is lost. A crash after the commit but before the watermark
moves makes the next run read those rows again, and the merge absorbs them.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from northstar.extract.audit import flush_pending, insert_audit, utc_now
from northstar.extract.declarations import SourceDeclaration, get_source
from northstar.extract.errors import LandingBatchError
from northstar.extract.extraction import MANIFEST_FILE, batch_dir
from northstar.extract.merge import ensure_raw_table, mark_deleted, merge_batch, reconcile_raw_table
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

    Returns a summary with status ("loaded" or "already_loaded"), the rows new or changed per
    table, rows marked deleted and new columns. Raises LandingBatchError when the batch is
    missing or was extracted from a watermark that another load has since moved. Raises
    SchemaDriftError when a loaded column was dropped or retyped. Both failures are audited.
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
    loaded_at = utc_now()
    began = time.monotonic()
    connection = duckdb.connect(str(settings.warehouse_path))
    try:
        try:
            connection.execute("begin transaction")
            results = _load_tables(connection, declaration, manifest, folder, loaded_at, began)
            flushed = flush_pending(connection, settings)
            connection.execute("commit")
        except Exception as error:
            connection.execute("rollback")
            log.exception("load %s run %s failed: transaction rolled back", source, run_id)
            _audit_failure(connection, declaration, manifest, error, began)
            raise
    finally:
        connection.close()
    for path in flushed:
        path.unlink(missing_ok=True)

    watermarks = {name: entry["to_watermark"] for name, entry in manifest["tables"].items()}
    commit_watermarks(settings, source, watermarks, run_id)
    manifest["status"] = "loaded"
    manifest["loaded_at"] = loaded_at.isoformat()
    write_json_atomic(folder / MANIFEST_FILE, manifest)
    changed = {name: result["rows_changed"] for name, result in results.items()}
    log.info(
        "load %s run %s finished: %d rows new or changed", source, run_id, sum(changed.values())
    )
    return {
        "source": source,
        "run_id": run_id,
        "status": "loaded",
        "tables": changed,
        "deleted": {name: result["rows_deleted"] for name, result in results.items()},
        "new_columns": {
            name: result["new_columns"] for name, result in results.items() if result["new_columns"]
        },
    }


def _load_tables(connection, declaration, manifest, folder, loaded_at, began) -> dict:
    connection.execute(LOAD_LOG_DDL)
    results = {}
    for table in declaration.tables:
        entry = manifest["tables"][table.name]
        ensure_raw_table(connection, declaration, table)
        path = folder / entry["file"]
        added = reconcile_raw_table(connection, declaration, table, path)
        changed = merge_batch(connection, declaration, table, path)
        deleted = 0
        if entry.get("keys_file"):
            keys_path = folder / entry["keys_file"]
            deleted = mark_deleted(connection, declaration, table, keys_path, loaded_at)
        new_columns = {**entry.get("new_columns", {}), **added}
        results[table.name] = {
            "rows_changed": changed,
            "rows_deleted": deleted,
            "new_columns": new_columns,
        }
        connection.execute(
            "insert into raw_meta.load_log values (?, ?, ?, ?, ?, ?, 'loaded')",
            [
                manifest["run_id"],
                declaration.name,
                table.name,
                changed,
                entry["to_watermark"],
                loaded_at,
            ],
        )
        insert_audit(
            connection,
            [
                _audit_entry(manifest, entry, table.name, "loaded", began)
                | {"rows_changed": changed, "rows_deleted": deleted, "new_columns": new_columns}
            ],
        )
        log.info(
            "load %s.%s run %s interval end %s: %d rows new or changed, %d marked deleted, "
            "watermark %s, new columns %s",
            declaration.name,
            table.name,
            manifest["run_id"],
            manifest["interval_end"],
            changed,
            deleted,
            entry["to_watermark"],
            new_columns or "none",
        )
    return results


def _audit_entry(manifest: dict, entry: dict, table: str, status: str, began: float) -> dict:
    return {
        "run_id": manifest["run_id"],
        "batch_id": manifest["batch_id"],
        "source": manifest["source"],
        "table_name": table,
        "phase": "load",
        "status": status,
        "interval_start": _timestamp(manifest.get("interval_start")),
        "interval_end": _timestamp(manifest["interval_end"]),
        "rows_extracted": entry["rows"],
        "bytes": entry.get("bytes"),
        "extract_seconds": manifest.get("extract_seconds"),
        "load_seconds": time.monotonic() - began,
        "watermark_from": entry["from_watermark"],
        "watermark_to": entry["to_watermark"],
    }


def _timestamp(text: str | None):
    import datetime as dt

    return dt.datetime.fromisoformat(text) if text else None


def _audit_failure(connection, declaration, manifest, error, began) -> None:
    """Record a failed load after the rollback, in a transaction of its own."""
    entries = [
        _audit_entry(manifest, entry, name, "failed", began)
        | {"error": f"{type(error).__name__}: {error}"}
        for name, entry in manifest["tables"].items()
    ]
    try:
        insert_audit(connection, entries)
    except Exception:
        # The original error matters more; the task log has both.
        log.exception(
            "load %s run %s: audit of the failure failed", declaration.name, manifest["run_id"]
        )


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
