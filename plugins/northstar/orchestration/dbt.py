"""Cosmos configuration that renders the dbt project as Airflow tasks.

dbt writes to the DuckDB warehouse, so every dbt task runs in the one-slot warehouse pool. The
project is loaded from its manifest (made by `dbt parse` during setup), so parsing the DAG file
neither runs dbt nor looks up a connection.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from northstar.settings import PRIVACY_ENV, WAREHOUSE_POOL, get_settings


def dbt_executable() -> str:
    """Return the dbt next to the running interpreter, so a virtualenv install works unactivated."""
    beside_python = Path(sys.executable).with_name("dbt")
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("dbt") or "dbt"


def dbt_env() -> dict[str, str]:
    """Environment the dbt subprocesses need: the warehouse location and the telemetry switches."""
    return {"NORTHSTAR_HOME": str(get_settings().home), **PRIVACY_ENV}


def dbt_task_group_kwargs() -> dict:
    """Keyword arguments for `cosmos.DbtTaskGroup`, built from the shared settings."""
    from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import InvocationMode, LoadMode, TestBehavior

    settings = get_settings()
    project_dir = settings.dbt_project_dir
    return {
        "project_config": ProjectConfig(
            dbt_project_path=project_dir,
            manifest_path=project_dir / "target" / "manifest.json",
            install_dbt_deps=False,
            env_vars=dbt_env(),
        ),
        "profile_config": ProfileConfig(
            profile_name="northstar",
            target_name="warehouse",
            profiles_yml_filepath=project_dir / "profiles.yml",
        ),
        "execution_config": ExecutionConfig(
            dbt_executable_path=dbt_executable(),
            # dbt-duckdb keeps its DuckDB connection open in the process that ran dbt. In a
            # subprocess that connection ends with dbt, so a later task in the same worker process
            # (as under `airflow dags test`) can open the warehouse read-only.
            invocation_mode=InvocationMode.SUBPROCESS,
        ),
        "render_config": RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # `dbt build` per node runs each model with its tests, so a failed test stops its
            # downstream models before the quality gate even starts.
            test_behavior=TestBehavior.BUILD,
            # A test over two models (relationships) runs as a task of its own once both exist.
            # Otherwise building the first model would run it against a missing table.
            should_detach_multiple_parents_tests=True,
        ),
        "operator_args": {"pool": WAREHOUSE_POOL},
    }
