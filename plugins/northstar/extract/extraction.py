"""Phase one: read new source rows and write them as a landing batch of parquet files.

This phase never opens the warehouse, so the four sources can be extracted in parallel. A
batch is `<landing_dir>/<source>/<run_id>/` with one parquet file per table and a
`_manifest.json` that is written last; a directory without a manifest is never loaded.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import uuid
from pathlib import Path

import pyarrow.parquet as pq

from northstar.extract.declarations import get_source
from northstar.extract.readers import read_table
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


def as_naive_utc(moment: dt.datetime) -> dt.datetime:
    """Compare source times, which carry no zone, with UTC: Airflow passes aware UTC times."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def extract_source(
    source: str, interval_end: dt.datetime, run_id: str, settings: Settings | None = None
) -> dict:
    """Extract the rows of `source` with cursor < `interval_end` that are not committed yet.

    Reads start at the committed watermarks, so extracting again before a load (a retry, or a
    rerun after a crash) rewrites the same batch instead of skipping rows. Returns a summary:
    source, run_id, batch_id, rows (total), files and per-table rows and watermarks.
    """
    settings = settings or get_settings()
    declaration = get_source(source)
    interval_end = as_naive_utc(interval_end)
    target = batch_dir(settings, source, run_id)
    committed = read_watermarks(settings, source)
    log.info("extract %s run %s started: interval end %s", source, run_id, interval_end)

    # Read every table before writing anything, so a bad source leaves no partial batch.
    reads = {
        table.name: read_table(
            declaration, table, settings.sources_dir, committed.get(table.name), interval_end
        )
        for table in declaration.tables
    }

    manifest = {
        "source": source,
        "run_id": run_id,
        "batch_id": uuid.uuid4().hex,
        "interval_end": interval_end.isoformat(),
        "extracted_at": dt.datetime.now(dt.UTC).isoformat(),
        "status": "extracted",
        "tables": {
            name: {
                "file": f"{name}.parquet",
                "rows": read.rows.num_rows,
                "from_watermark": committed.get(name),
                "to_watermark": read.watermark,
            }
            for name, read in reads.items()
        },
    }
    for name, entry in manifest["tables"].items():
        log.info(
            "extract %s.%s run %s: %d rows, watermark %s -> %s",
            source,
            name,
            run_id,
            entry["rows"],
            entry["from_watermark"],
            entry["to_watermark"],
        )
    _write_batch(target, reads, manifest)

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


def _write_batch(target: Path, reads: dict, manifest: dict) -> None:
    """Write the parquet files and then the manifest into a staging folder, and swap it in."""
    staging = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    staging.mkdir(parents=True)
    try:
        for name, read in reads.items():
            pq.write_table(read.rows, staging / manifest["tables"][name]["file"])
        write_json_atomic(staging / MANIFEST_FILE, manifest)
        _replace_dir(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace_dir(staging: Path, target: Path) -> None:
    """Swap a finished batch into place; an older batch of the same run is removed first."""
    if target.exists():
        retired = target.parent / f".{target.name}.{uuid.uuid4().hex}.old"
        target.rename(retired)
        shutil.rmtree(retired)
    staging.rename(target)
