"""Task bodies of the `northstar_pipeline` DAG that need more than one call."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

log = logging.getLogger(__name__)


def data_through(data_interval_end: datetime) -> date:
    """Return the last full day of data a run covers: the day before its interval end."""
    return (data_interval_end - timedelta(microseconds=1)).date()


def run_gate(run_id: str, data_interval_end: datetime) -> dict:
    """Run the quality gate and return its summary for the publish task (via XCom)."""
    from northstar.quality.gate import run_quality_gate

    result = run_quality_gate(run_id=run_id, data_interval_end=data_interval_end)
    return {"run_id": result.run_id, "status": result.status}


def publish_after_gate(run_id: str, data_interval_end: datetime, gate: dict) -> str:
    """Publish the marts the gate just passed, and return the published file's path."""
    from northstar.publish import publish_marts
    from northstar.quality.gate import load_gate_result

    result = load_gate_result(gate["run_id"])
    path = publish_marts(run_id=run_id, data_through=data_through(data_interval_end), gate=result)
    log.info("Published marts for run %s to %s (gate %s)", run_id, path, result.status)
    return str(path)
