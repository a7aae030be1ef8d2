"""Quality gate results: one record per evaluated expectation, as stored in marts.dq_results."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

STATUS_PASSED = "passed"
STATUS_PASSED_WITH_WARNINGS = "passed_with_warnings"
STATUS_FAILED = "failed"
PUBLISHABLE_STATUSES = (STATUS_PASSED, STATUS_PASSED_WITH_WARNINGS)

# Unexpected values quoted in the one-line observed text; details keep the full sample.
OBSERVED_SAMPLE_SIZE = 3


@dataclass(frozen=True)
class ExpectationResult:
    """One row of marts.dq_results."""

    run_id: str
    checked_at: datetime
    suite: str
    expectation: str
    column_name: str | None
    severity: str
    success: bool
    observed: str
    details: str

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["checked_at"] = self.checked_at.isoformat()
        return record

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> ExpectationResult:
        return cls(**{**record, "checked_at": datetime.fromisoformat(record["checked_at"])})

    def describe(self) -> str:
        """Return one line naming the table, expectation, column and observed value."""
        column = self.column_name or "(table)"
        return f"{self.suite}: {self.expectation} on {column}, observed {self.observed}"


@dataclass(frozen=True)
class GateResult:
    """Outcome of one quality gate run."""

    run_id: str
    status: str
    results: list[ExpectationResult] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def failed_critical(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success and r.severity == "critical"]

    @property
    def failed_warning(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success and r.severity != "critical"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "counts": dict(self.counts),
            "results": [r.to_dict() for r in self.results],
        }

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> GateResult:
        return cls(
            run_id=payload["run_id"],
            status=payload["status"],
            results=[ExpectationResult.from_dict(r) for r in payload["results"]],
            counts=dict(payload["counts"]),
        )


def summarize(run_id: str, results: list[ExpectationResult]) -> GateResult:
    """Derive the gate status and counts from the expectation results."""
    failed_critical = sum(1 for r in results if not r.success and r.severity == "critical")
    failed_warning = sum(1 for r in results if not r.success and r.severity != "critical")
    if failed_critical:
        status = STATUS_FAILED
    elif failed_warning:
        status = STATUS_PASSED_WITH_WARNINGS
    else:
        status = STATUS_PASSED
    counts = {
        "evaluated": len(results),
        "succeeded": sum(1 for r in results if r.success),
        "failed_critical": failed_critical,
        "failed_warning": failed_warning,
    }
    return GateResult(run_id=run_id, status=status, results=results, counts=counts)


def records_from_checkpoint(
    checkpoint_result: Any, run_id: str, checked_at: datetime
) -> list[ExpectationResult]:
    """Turn a GX CheckpointResult into one ExpectationResult per expectation."""
    records = []
    for validation in checkpoint_result.run_results.values():
        for result in validation.results:
            records.append(_record(result, validation.suite_name, run_id, checked_at))
    return records


def _record(result: Any, suite: str, run_id: str, checked_at: datetime) -> ExpectationResult:
    config = result.expectation_config
    config_json = config.to_json_dict()
    result_json = result.to_json_dict()
    kwargs = {k: v for k, v in config_json["kwargs"].items() if k != "batch_id"}
    outcome = result_json.get("result") or {}
    exception = result_json.get("exception_info") or {}

    details: dict[str, Any] = {"reason": config.notes, "kwargs": kwargs}
    for key in (
        "element_count",
        "unexpected_count",
        "unexpected_percent",
        "partial_unexpected_list",
        "partial_unexpected_index_list",
    ):
        if key in outcome:
            details[key] = outcome[key]
    if exception.get("raised_exception"):
        details["exception"] = exception.get("exception_message")

    return ExpectationResult(
        run_id=run_id,
        checked_at=checked_at,
        suite=suite,
        expectation=config.type,
        column_name=_column_name(kwargs),
        severity=str(getattr(config.severity, "value", config.severity)),
        success=bool(result.success),
        observed=_observed(outcome, exception),
        details=json.dumps(details, default=str, sort_keys=True),
    )


def _column_name(kwargs: dict[str, Any]) -> str | None:
    if "column" in kwargs:
        return kwargs["column"]
    if "column_list" in kwargs:
        return ",".join(kwargs["column_list"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    return None


def _observed(outcome: dict[str, Any], exception: dict[str, Any]) -> str:
    if exception.get("raised_exception"):
        return f"error: {exception.get('exception_message')}"
    if "observed_value" in outcome:
        return str(outcome["observed_value"])
    if "unexpected_count" in outcome:
        text = f"{outcome['unexpected_count']} of {outcome.get('element_count')} rows unexpected"
        sample = outcome.get("partial_unexpected_list") or []
        if sample:
            text += f", e.g. {json.dumps(sample[:OBSERVED_SAMPLE_SIZE], default=str)}"
        return text
    return json.dumps(outcome, default=str)
