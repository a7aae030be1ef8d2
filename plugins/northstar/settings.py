"""Paths, ids and switches shared by the DAGs, the CLI and the tests.

Every path derives from NORTHSTAR_HOME (default: ``<repo>/var``) so that a test or a second
deployment can run beside the demo without touching its files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Airflow ids. The pool has one slot because DuckDB admits one writer process per file, and it
# rejects readers from other processes while a writer has the file open.
WAREHOUSE_POOL = "northstar_warehouse"
SMTP_CONN_ID = "northstar_smtp"

# Environment switches that keep every library from calling home. They are applied by
# `apply_privacy_env()` in every entry point and exported by the Makefile for the CLIs.
PRIVACY_ENV = {
    "DO_NOT_TRACK": "True",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "DBT_VERSION_CHECK": "False",
    "RUNTIME__DLTHUB_TELEMETRY": "False",
    "GX_ANALYTICS_ENABLED": "False",
    "SCARF_ANALYTICS": "False",
    "AIRFLOW__CORE__ANALYTICS": "False",
}


@dataclass(frozen=True)
class Settings:
    """Filesystem layout of one North Star Warehouse deployment."""

    home: Path

    @property
    def sources_dir(self) -> Path:
        """Embedded source systems filled by the replay (SQLite, CSV and JSON files)."""
        return self.home / "sources"

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse" / "northstar.duckdb"

    @property
    def published_path(self) -> Path:
        return self.home / "published" / "marts.duckdb"

    @property
    def quality_dir(self) -> Path:
        """Validation results of the quality gate, one JSON file per run."""
        return self.home / "quality"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def outbox_dir(self) -> Path:
        """Where delivery writes .eml files when no SMTP connection is configured."""
        return self.home / "outbox"

    @property
    def state_dir(self) -> Path:
        """Extraction state: watermarks, pending audit records, the sent-report log."""
        return self.home / "state"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def airflow_home(self) -> Path:
        """AIRFLOW_HOME for the demo and the tests: airflow.cfg, the SQLite metadata DB, logs."""
        return self.home / "airflow"

    @property
    def dbt_project_dir(self) -> Path:
        return REPO_ROOT / "dbt_project"

    @property
    def metrics_file(self) -> Path:
        """The metric registry: the one governed definition of every metric."""
        return self.dbt_project_dir / "models" / "marts" / "metrics" / "north_star_metrics.yml"

    @property
    def expectations_dir(self) -> Path:
        return REPO_ROOT / "expectations"

    @property
    def config_dir(self) -> Path:
        return REPO_ROOT / "config"


def get_settings() -> Settings:
    """Read NORTHSTAR_HOME on every call, so tests can point it at a temporary directory."""
    home = Path(os.environ.get("NORTHSTAR_HOME", REPO_ROOT / "var")).resolve()
    return Settings(home=home)


def runtime_env(settings: Settings | None = None) -> dict[str, str]:
    """Environment for Airflow, dbt and the tasks they run, derived from NORTHSTAR_HOME.

    Variables the operator already exported win, so a production deployment keeps its own
    AIRFLOW_HOME, executor and metadata database.
    """
    settings = settings or get_settings()
    defaults = {
        "NORTHSTAR_HOME": str(settings.home),
        "AIRFLOW_HOME": str(settings.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": str(settings.cache_dir / "cosmos"),
        # The API server (`airflow api-server`, `airflow standalone`) listens on loopback only.
        "AIRFLOW__API__HOST": "127.0.0.1",
        **PRIVACY_ENV,
    }
    return {name: os.environ.get(name, value) for name, value in defaults.items()}


def apply_privacy_env() -> None:
    """Set the telemetry switches unless the operator set them already."""
    for name, value in PRIVACY_ENV.items():
        os.environ.setdefault(name, value)
