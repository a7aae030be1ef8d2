"""The load audit: one row per source table and load attempt in `raw_meta.load_audit`.

Successful loads write their rows inside the load transaction, so the audit and the data
commit together. A failed load writes its row after the rollback, in its own transaction. An
extraction never opens the warehouse, so a failed extraction leaves a JSON record under
`<state_dir>/extract/audit_pending/` that the next load of any source moves into the table.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from pathlib import Path

from northstar.settings import Settings
from northstar.sources.files import write_json_atomic

log = logging.getLogger(__name__)

# Characters of an error message kept in the audit; the task log has the full traceback.
ERROR_TEXT_CHARS = 2_000

AUDIT_COLUMNS = (
    ("run_id", "varchar not null"),
    ("batch_id", "varchar"),
    ("source", "varchar not null"),
    ("table_name", "varchar"),
    ("phase", "varchar not null"),
    ("status", "varchar not null"),
    ("interval_start", "timestamp"),
    ("interval_end", "timestamp"),
    ("rows_extracted", "bigint"),
    ("rows_changed", "bigint"),
    ("rows_deleted", "bigint"),
    ("bytes", "bigint"),
    ("extract_seconds", "double"),
    ("load_seconds", "double"),
    ("watermark_from", "varchar"),
    ("watermark_to", "varchar"),
    ("new_columns", "varchar"),
    ("error", "varchar"),
    ("recorded_at", "timestamp not null"),
)
LOAD_AUDIT_DDL = (
    "create schema if not exists raw_meta;\n"
    "create table if not exists raw_meta.load_audit (\n    "
    + ",\n    ".join(f"{name} {kind}" for name, kind in AUDIT_COLUMNS)
    + "\n);"
)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def insert_audit(connection, entries: list[dict]) -> None:
    """Insert audit entries (dicts keyed by AUDIT_COLUMNS; missing keys are null)."""
    connection.execute(LOAD_AUDIT_DDL)
    names = [name for name, _ in AUDIT_COLUMNS]
    placeholders = ", ".join("?" for _ in names)
    for entry in entries:
        values = {**entry, "recorded_at": entry.get("recorded_at") or utc_now()}
        if values.get("error"):
            values["error"] = str(values["error"])[:ERROR_TEXT_CHARS]
        if isinstance(values.get("new_columns"), dict):
            values["new_columns"] = (
                json.dumps(values["new_columns"]) if values["new_columns"] else None
            )
        connection.execute(
            f"insert into raw_meta.load_audit ({', '.join(names)}) values ({placeholders})",
            [values.get(name) for name in names],
        )


def pending_dir(settings: Settings) -> Path:
    return settings.state_dir / "extract" / "audit_pending"


def record_extract_failure(settings: Settings, entry: dict) -> None:
    """Keep the audit entry of a failed extraction until the next load writes it."""
    entry = {**entry, "phase": "extract", "status": "failed", "recorded_at": utc_now().isoformat()}
    name = f"{entry['source']}.{entry['run_id']}.{uuid.uuid4().hex}.json"
    write_json_atomic(pending_dir(settings) / name, entry)


def flush_pending(connection, settings: Settings) -> list[Path]:
    """Insert the pending extraction failures; returns their files, to delete after commit."""
    folder = pending_dir(settings)
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    entries = []
    for path in paths:
        entry = json.loads(path.read_text(encoding="utf-8"))
        for key in ("interval_start", "interval_end", "recorded_at"):
            if entry.get(key):
                entry[key] = dt.datetime.fromisoformat(entry[key])
        entries.append(entry)
    if entries:
        insert_audit(connection, entries)
    return paths
