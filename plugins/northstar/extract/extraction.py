"""Phase one: read new source rows and write them as a landing batch of parquet files.

This phase never opens the warehouse, so the four sources can be extracted in parallel. A
batch is `<landing_dir>/<source>/<run_id>/` with one parquet file per table (and one of the
current source keys for tables that detect deletions) and a `_manifest.json` that is written
last. A directory without a manifest is never loaded. Rows stream from the source into the
parquet files batch by batch, and personal-data columns are masked before a batch is written.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
import uuid
from pathlib import Path

import pyarrow.parquet as pq

from northstar.extract.audit import record_extract_failure
from northstar.extract.connections import sources_setting
from northstar.extract.declarations import SourceDeclaration, TableDeclaration, get_source
from northstar.extract.drift import arrow_schema
from northstar.extract.pii import mask_batch, resolve_pii_key
from northstar.extract.readers import ReadRequest, read_embedded
from northstar.extract.state import read_watermarks
from northstar.settings import Settings, get_settings
from northstar.sources.files import write_json_atomic

log = logging.getLogger(__name__)

MANIFEST_FILE = "_manifest.json"


def batch_dir(settings: Settings, source: str, run_id: str) -> Path:
    """Return the landing folder of one run of one source, rejecting run ids that are paths."""
    if not run_id or run_id in (".", "..") or "/" in run_id or "\\" in run_id:
        raise ValueError(f"invalid run id {run_id!r}: it names a folder, so it needs no '/'")
    return settings.landing_dir / source / run_id


def as_naive_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """Compare source times, which carry no zone, with UTC: Airflow passes aware UTC times."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def read_since(
    declaration: SourceDeclaration,
    table: TableDeclaration,
    watermark: str | None,
    interval_start: dt.datetime | None,
) -> dt.datetime | None:
    """Return the inclusive lower cursor bound of a read: the watermark minus the look-back.

    An `interval_start` below that bound widens the read, which is how a backfill of an old
    data interval reads rows that arrived after the look-back had passed them. Rows read twice
    merge by key, so widening never duplicates.
    """
    if watermark is None or declaration.kind == "csv":
        return None
    since = dt.datetime.fromisoformat(watermark) - table.lookback
    if interval_start is not None and interval_start < since:
        return interval_start
    return since


def extract_source(
    source: str,
    interval_end: dt.datetime,
    run_id: str,
    settings: Settings | None = None,
    interval_start: dt.datetime | None = None,
) -> dict:
    """Extract the rows of `source` with cursor < `interval_end` that are not committed yet.

    Reads start at the committed watermarks minus each table's look-back (or at
    `interval_start` when that is earlier), so extracting again before a load (a retry, or a
    rerun after a crash) rewrites the same batch instead of skipping rows. Returns a summary:
    source, run_id, batch_id, rows (total), files and per-table rows and watermarks. A failure
    is logged and kept for the load audit, then raised.
    """
    settings = settings or get_settings()
    declaration = get_source(source)
    interval_end = as_naive_utc(interval_end)
    interval_start = as_naive_utc(interval_start)
    began = time.monotonic()
    try:
        return _extract(declaration, interval_start, interval_end, run_id, settings, began)
    except Exception as error:
        log.exception("extract %s run %s failed: %s", source, run_id, error)
        record_extract_failure(
            settings,
            {
                "source": source,
                "run_id": run_id,
                "interval_start": interval_start.isoformat() if interval_start else None,
                "interval_end": interval_end.isoformat(),
                "extract_seconds": time.monotonic() - began,
                "error": f"{type(error).__name__}: {error}",
            },
        )
        raise


def _extract(declaration, interval_start, interval_end, run_id, settings, began) -> dict:
    source = declaration.name
    setting = sources_setting()
    target = batch_dir(settings, source, run_id)
    committed = read_watermarks(settings, source)
    log.info(
        "extract %s run %s started: setting %s, interval [%s, %s)",
        source,
        run_id,
        setting,
        interval_start,
        interval_end,
    )
    key = resolve_pii_key(setting) if any(table.pii for table in declaration.tables) else b""
    manifest = {
        "source": source,
        "run_id": run_id,
        "batch_id": uuid.uuid4().hex,
        "setting": setting,
        "interval_start": interval_start.isoformat() if interval_start else None,
        "interval_end": interval_end.isoformat(),
        "extracted_at": dt.datetime.now(dt.UTC).isoformat(),
        "status": "extracted",
        "tables": {},
    }
    # Every table streams into a staging folder first, so a bad source leaves no partial batch.
    staging = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    staging.mkdir(parents=True)
    try:
        for table in declaration.tables:
            request = ReadRequest(
                source=declaration,
                table=table,
                watermark=committed.get(table.name),
                since=read_since(declaration, table, committed.get(table.name), interval_start),
                interval_end=interval_end,
            )
            entry = _write_table(staging, request, setting, settings, key)
            manifest["tables"][table.name] = entry
            log.info(
                "extract %s.%s run %s: %d rows, %d bytes, watermark %s -> %s, new columns %s",
                source,
                table.name,
                run_id,
                entry["rows"],
                entry["bytes"],
                entry["from_watermark"],
                entry["to_watermark"],
                entry["new_columns"] or "none",
            )
        manifest["extract_seconds"] = time.monotonic() - began
        write_json_atomic(staging / MANIFEST_FILE, manifest)
        _replace_dir(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    rows = sum(entry["rows"] for entry in manifest["tables"].values())
    log.info("extract %s run %s finished: %d rows into %s", source, run_id, rows, target)
    return {
        "source": source,
        "run_id": run_id,
        "batch_id": manifest["batch_id"],
        "interval_end": manifest["interval_end"],
        "rows": rows,
        "files": [str(target / entry["file"]) for entry in manifest["tables"].values()],
        "tables": manifest["tables"],
    }


def _write_table(
    staging: Path, request: ReadRequest, setting: str, settings: Settings, key: bytes
) -> dict:
    """Stream one table into `<staging>/<table>.parquet`; returns its manifest entry."""
    table = request.table
    if setting == "servers":
        from northstar.extract.server_readers import read_server

        read = read_server(request)
    else:
        read = read_embedded(request, settings.sources_dir)
    path = staging / f"{table.name}.parquet"
    masks = dict(table.pii)
    rows = 0
    with pq.ParquetWriter(path, arrow_schema(read.columns)) as writer:
        for batch in read.batches:
            writer.write_batch(mask_batch(batch, masks, key))
            rows += batch.num_rows
    entry = {
        "file": path.name,
        "rows": rows,
        "bytes": path.stat().st_size,
        "since": request.since.isoformat(sep=" ") if request.since else None,
        "from_watermark": request.watermark,
        "to_watermark": read.watermark(),
        "new_columns": read.new_columns,
        "keys_file": None,
    }
    if read.keys is not None:
        keys_path = staging / f"{table.name}.keys.parquet"
        pq.write_table(read.keys, keys_path)
        entry["keys_file"] = keys_path.name
    return entry


def _replace_dir(staging: Path, target: Path) -> None:
    """Swap a finished batch into place; an older batch of the same run is removed first."""
    if target.exists():
        retired = target.parent / f".{target.name}.{uuid.uuid4().hex}.old"
        target.rename(retired)
        shutil.rmtree(retired)
    staging.rename(target)
