"""The quality gate: validate the warehouse's raw layer and marts before they are published.

Each table is read from DuckDB into a pandas dataframe (explicit columns, read-only connection
closed right after) and validated by its GX checkpoint. GX's SQL data source is not used
because with duckdb-engine it returns empty metric results in GX 1.24.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from northstar.quality import tables as t
from northstar.quality.results import (
    STATUS_FAILED,
    ExpectationResult,
    GateResult,
    records_from_checkpoint,
    summarize,
)
from northstar.settings import apply_privacy_env, get_settings

log = logging.getLogger(__name__)


class QualityGateFailed(Exception):
    """A critical expectation failed, so the marts must not be published."""

    def __init__(self, gate: GateResult, results_file: Path) -> None:
        self.gate = gate
        self.results_file = results_file
        lines = [
            f"Quality gate failed for run {gate.run_id}: "
            f"{len(gate.failed_critical)} critical expectation(s) failed, "
            "so the last published marts were kept.",
            *(f"  - {result.describe()}" for result in gate.failed_critical),
            f"All results: {results_file}",
        ]
        super().__init__("\n".join(lines))


class WarehouseTableMissing(LookupError):
    """A table or column the gate validates is not in the warehouse."""


def run_quality_gate(run_id: str, data_interval_end: datetime) -> GateResult:
    """Validate every table, write settings.quality_dir/<run_id>.json and return the outcome.

    Raises QualityGateFailed after writing the results file when a critical expectation fails.
    """
    apply_privacy_env()
    settings = get_settings()
    interval_end = _naive_utc(data_interval_end)
    parameters = {
        t.PARAM_DATA_INTERVAL_END: interval_end,
        t.PARAM_FRESHNESS_FLOOR: interval_end - t.MAX_TRANSACTION_AGE,
    }
    checked_at = datetime.now(UTC).replace(tzinfo=None)

    from northstar.quality.project import open_context

    context = open_context(settings.expectations_dir)
    results: list[ExpectationResult] = []
    for spec in t.ALL_TABLES:
        frame = read_table(settings.warehouse_path, spec)
        checkpoint = context.checkpoints.get(spec.name)
        outcome = checkpoint.run(
            batch_parameters={"dataframe": frame}, expectation_parameters=parameters
        )
        table_results = records_from_checkpoint(outcome, run_id, checked_at)
        _log_table(run_id, spec, len(frame), table_results)
        results.extend(table_results)
        del frame

    gate = summarize(run_id, results)
    results_file = write_results_file(gate, settings.quality_dir, interval_end)
    log.info(
        "Quality gate run_id=%s: status %s, %d expectations, %d critical and %d warning "
        "failures; results in %s",
        run_id,
        gate.status,
        gate.counts["evaluated"],
        gate.counts["failed_critical"],
        gate.counts["failed_warning"],
        results_file,
    )
    if gate.status == STATUS_FAILED:
        raise QualityGateFailed(gate, results_file)
    return gate


def read_table(warehouse_path: Path, spec: t.TableSpec) -> Any:
    """Read the validated columns of one table into a pandas dataframe."""
    import duckdb

    if not warehouse_path.is_file():
        raise FileNotFoundError(
            f"Warehouse {warehouse_path} not found; run extraction and the dbt build first, "
            "or set NORTHSTAR_HOME to the deployment that holds it"
        )
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        try:
            return connection.execute(spec.select_sql()).df()
        except (duckdb.CatalogException, duckdb.BinderException) as error:
            raise WarehouseTableMissing(
                f"Cannot read {spec.qualified_name} columns {', '.join(spec.columns)} from "
                f"{warehouse_path}: {error}. Run the step that builds it (extraction for raw_*, "
                "dbt build for marts) or update northstar.quality.tables if the contract changed"
            ) from error


def write_results_file(gate: GateResult, quality_dir: Path, data_interval_end: datetime) -> Path:
    """Write the gate outcome to <quality_dir>/<run_id>.json and return its path."""
    quality_dir.mkdir(parents=True, exist_ok=True)
    path = quality_dir / f"{_file_safe(gate.run_id)}.json"
    payload = {**gate.to_dict(), "data_interval_end": data_interval_end.isoformat()}
    # Write beside the target and rename, so a reader never sees half a file.
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)
    return path


def load_gate_result(run_id: str) -> GateResult:
    """Read the outcome of an earlier gate run from settings.quality_dir."""
    path = get_settings().quality_dir / f"{_file_safe(run_id)}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"No quality gate results for run {run_id} at {path}; run the quality gate first"
        )
    return GateResult.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _log_table(run_id: str, spec: t.TableSpec, rows: int, results: list[ExpectationResult]) -> None:
    failed = [r for r in results if not r.success]
    log.info(
        "Quality gate run_id=%s table=%s: %d rows, %d expectations, %d failed",
        run_id,
        spec.qualified_name,
        rows,
        len(results),
        len(failed),
    )
    for result in failed:
        log.warning(
            "Quality gate run_id=%s %s expectation failed: %s",
            run_id,
            result.severity,
            result.describe(),
        )


def _naive_utc(moment: datetime) -> datetime:
    """Convert ``moment`` to a plain naive datetime in UTC.

    NOTE: the raw layer stores naive timestamps, and the gate assumes they share the UTC clock
    of Airflow's data interval.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return datetime.combine(moment.date(), moment.time())


def _file_safe(run_id: str) -> str:
    # Airflow run ids contain ':' and '+' (scheduled__2017-12-04T00:00:00+00:00).
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
