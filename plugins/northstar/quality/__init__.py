"""The data quality gate: GX expectation suites over the raw layer and the metric marts.

Import cost is low: pandas, DuckDB and great_expectations load inside the functions that use
them, so DAG files may import this package at parse time.
"""

from northstar.quality.gate import (
    QualityGateFailed,
    WarehouseTableMissing,
    load_gate_result,
    run_quality_gate,
)
from northstar.quality.results import ExpectationResult, GateResult

__all__ = [
    "ExpectationResult",
    "GateResult",
    "QualityGateFailed",
    "WarehouseTableMissing",
    "load_gate_result",
    "run_quality_gate",
]
