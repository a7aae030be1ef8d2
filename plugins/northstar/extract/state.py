"""Committed watermarks per source table, stored as JSON under settings.state_dir.

A watermark is the position of the last row that is committed to the warehouse: the largest
cursor value for SQLite tables, the latest delivery date for JSON deliveries and the content
hash for CSV snapshots. Only `load_source` advances it, after its DuckDB transaction commits.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from northstar.settings import Settings
from northstar.sources.files import write_json_atomic


def state_path(settings: Settings, source: str) -> Path:
    return settings.state_dir / "extract" / f"{source}.json"


def read_watermarks(settings: Settings, source: str) -> dict[str, str | None]:
    """Return the committed watermark of each table of `source` (absent tables: never loaded)."""
    path = state_path(settings, source)
    if not path.is_file():
        return {}
    state = json.loads(path.read_text(encoding="utf-8"))
    return {table: entry["watermark"] for table, entry in state["tables"].items()}


def commit_watermarks(
    settings: Settings, source: str, watermarks: dict[str, str | None], run_id: str
) -> None:
    """Record new committed watermarks for some tables of `source`, keeping the others."""
    path = state_path(settings, source)
    state = {"source": source, "tables": {}}
    if path.is_file():
        state = json.loads(path.read_text(encoding="utf-8"))
    committed_at = dt.datetime.now(dt.UTC).isoformat()
    for table, watermark in watermarks.items():
        state["tables"][table] = {
            "watermark": watermark,
            "run_id": run_id,
            "committed_at": committed_at,
        }
    write_json_atomic(path, state)
