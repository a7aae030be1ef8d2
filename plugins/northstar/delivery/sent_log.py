"""The sent log: which report went to whom, so a retried or rerun task never sends it twice.

A small SQLite file under the state directory. A row is written right after each successful
send (and for each rejected address), and `already_sent` is checked before each send.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from northstar.settings import get_settings

log = logging.getLogger(__name__)

SENT_LOG_FILE = "sent_reports.sqlite3"
STATUS_SENT = "sent"
STATUS_REJECTED = "rejected"
# Seconds a writer waits for another task's write to finish before failing.
LOCK_TIMEOUT_S = 30

_SCHEMA = """
create table if not exists sent_reports (
    report_id text not null,
    kind text not null,            -- report or held
    period text not null,          -- period key: 2017-W52, 2017-12, 2017-Q4
    recipient text not null,       -- lower-case address
    scope text not null,
    language text not null,
    content_hash text not null,
    status text not null,          -- sent or rejected
    method text,                   -- smtp or outbox
    message_id text,
    run_id text,
    detail text,
    logged_at text not null        -- UTC, when the row was written
)
"""
_INDEX = """
create index if not exists sent_reports_key
    on sent_reports (report_id, period, recipient, content_hash)
"""


@dataclass(frozen=True)
class SentEntry:
    report_id: str
    kind: str
    period: str
    recipient: str
    scope: str
    language: str
    content_hash: str
    status: str
    method: str | None = None
    message_id: str | None = None
    run_id: str | None = None
    detail: str | None = None


def sent_log_path() -> Path:
    return get_settings().state_dir / SENT_LOG_FILE


def _connect() -> sqlite3.Connection:
    path = sent_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=LOCK_TIMEOUT_S)
    connection.execute(_SCHEMA)
    connection.execute(_INDEX)
    return connection


def already_sent(
    report_id: str, period: str, recipient: str, content_hash: str | None, kind: str | None = None
) -> bool:
    """True if this report (this content, or any content when `content_hash` is None) was sent."""
    query = (
        "select 1 from sent_reports where report_id = ? and period = ? and recipient = ? "
        "and status = ?"
    )
    parameters: list = [report_id, period, recipient.lower(), STATUS_SENT]
    if content_hash is not None:
        query += " and content_hash = ?"
        parameters.append(content_hash)
    if kind is not None:
        query += " and kind = ?"
        parameters.append(kind)
    with closing(_connect()) as connection:
        return connection.execute(query + " limit 1", parameters).fetchone() is not None


def record(entry: SentEntry) -> None:
    """Append one row, committed before returning, so a crash right after still counts it."""
    with closing(_connect()) as connection, connection:
        connection.execute(
            "insert into sent_reports values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.report_id,
                entry.kind,
                entry.period,
                entry.recipient.lower(),
                entry.scope,
                entry.language,
                entry.content_hash,
                entry.status,
                entry.method,
                entry.message_id,
                entry.run_id,
                entry.detail,
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )


def entries(report_id: str | None = None, period: str | None = None) -> list[dict]:
    """Rows of the sent log, oldest first, optionally for one report and period."""
    query, parameters = "select * from sent_reports where 1 = 1", []
    if report_id:
        query += " and report_id = ?"
        parameters.append(report_id)
    if period:
        query += " and period = ?"
        parameters.append(period)
    with closing(_connect()) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(query + " order by rowid", parameters)]
