"""`northstar`: the operator's command line (setup, replay, Airflow and dbt with the right env).

Every command derives its environment from NORTHSTAR_HOME through `northstar.settings`, so the
Makefile, the tests and an operator's shell all run Airflow and dbt the same way.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from northstar.settings import WAREHOUSE_POOL, get_settings, runtime_env
from northstar.sources.replay import parse_business_day

log = logging.getLogger("northstar")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _tool(name: str) -> str:
    """Return the console script `name` installed beside the running interpreter."""
    beside_python = Path(sys.executable).with_name(name)
    return str(beside_python) if beside_python.exists() else name


def run_tool(name: str, *args: str, check: bool = True) -> int:
    """Run `airflow` or `dbt` with the North Star environment; return its exit code."""
    env = {**os.environ, **runtime_env()}
    command = [_tool(name), *args]
    if name == "dbt":
        project_dir = str(get_settings().dbt_project_dir)
        command += ["--project-dir", project_dir, "--profiles-dir", project_dir]
    completed = subprocess.run(command, env=env, check=False)
    if check and completed.returncode != 0:
        command_line = " ".join([name, *args])
        raise SystemExit(f"`{command_line}` failed with exit code {completed.returncode}.")
    return completed.returncode


def setup() -> None:
    """Prepare a deployment: metadata database, the warehouse pool and the dbt manifest."""
    settings = get_settings()
    for directory in (settings.home, settings.airflow_home, settings.warehouse_path.parent):
        directory.mkdir(parents=True, exist_ok=True)
    log.info("Migrating the Airflow metadata database in %s", settings.airflow_home)
    run_tool("airflow", "db", "migrate")
    run_tool(
        "airflow", "pools", "set", WAREHOUSE_POOL, "1",
        "One writer at a time: DuckDB admits one writer process per file",
    )  # fmt: skip
    log.info("Parsing the dbt project into its manifest for Cosmos")
    run_tool("dbt", "parse", "--quiet")


def validate_metrics() -> None:
    """Validate the metric registry; exit with code 2 and the error naming the metric and fix."""
    from northstar.metrics.registry import RegistryError, load_registry, registry_path

    try:
        registry = load_registry()
    except RegistryError as error:
        print(f"Invalid metric registry {registry_path()}: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"Metric registry is valid: {len(registry.metrics)} metrics, "
          f"north star {registry.north_star.id!r}.")  # fmt: skip


def metric_catalog() -> None:
    from northstar.metrics.catalog import write_catalog

    print(f"Metric catalog written to {write_catalog()}")


def metric_consistency() -> None:
    """Compare metric_values with MetricFlow; exit with code 1 when any value differs."""
    from northstar.metrics.consistency import CONSISTENCY_TABLE, check_metric_consistency

    result = check_metric_consistency(run_id="cli")
    print(f"{result['checked']} metric values compared with MetricFlow, {result['failing']} "
          f"differ; see {CONSISTENCY_TABLE}.")  # fmt: skip
    if result["failing"]:
        raise SystemExit(1)


def replay(until: date) -> None:
    from northstar.sources.replay import replay_sources

    replay_sources(until)


def outputs() -> None:
    """Print where the demo's outputs are and the north star by month from the published marts."""
    import duckdb

    settings = get_settings()
    print(f"Published marts:  {settings.published_path}")
    print(f"Reports:          {settings.reports_dir}")
    print(f"Demo mail (.eml): {settings.home / 'mail' / 'eml'}")
    print(f"Outbox (.eml):    {settings.outbox_dir}  (used when no SMTP connection is set)")
    print(f"Quality results:  {settings.quality_dir}")
    print(f"Warehouse:        {settings.warehouse_path}")
    if not settings.published_path.exists():
        print("Nothing is published yet: run the pipeline first (make demo).")
        return
    from northstar.metrics import load_registry

    north_star = load_registry().north_star
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        rows = con.execute(
            """
            select v.period_key, v.value, a.target_value, a.status
            from metric_values as v
            left join metric_attainment as a
                on a.metric_id = v.metric_id and a.grain = v.grain
                and a.period_start = v.period_start
            where v.metric_id = ? and v.grain = 'month' and v.dimension_name = 'total'
            order by v.period_start
            """,
            [north_star.id],
        ).fetchall()
    print(f"\nNorth star metric: {north_star.label_en} ({north_star.id}), by month")
    for period_key, value, target, status in rows:
        target_text = f"{target:,.0f}" if target is not None else "-"
        print(f"  {period_key}  {value:>8,.0f}  target {target_text:>8}  {status or ''}")


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    parser = argparse.ArgumentParser(prog="northstar", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup", help="migrate Airflow's database, create the pool, parse dbt")
    commands.add_parser("validate-metrics", help="validate the metric registry")
    commands.add_parser("catalog", help="write the metric catalog page under the reports dir")
    commands.add_parser(
        "check-metrics", help="compare metric_values with MetricFlow on the built warehouse"
    )
    commands.add_parser("outputs", help="print where the outputs are and the north star by month")
    replay_parser = commands.add_parser("replay", help="fill the source systems up to a date")
    replay_parser.add_argument(
        "--until", type=parse_business_day, required=True,
        help="last business day to replay, inclusive (YYYY-MM-DD)",
    )  # fmt: skip
    for tool in ("airflow", "dbt"):
        passthrough = commands.add_parser(tool, help=f"run {tool} with the North Star environment")
        passthrough.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    for name, value in runtime_env().items():
        os.environ.setdefault(name, value)

    if args.command == "setup":
        setup()
    elif args.command == "validate-metrics":
        validate_metrics()
    elif args.command == "catalog":
        metric_catalog()
    elif args.command == "check-metrics":
        metric_consistency()
    elif args.command == "outputs":
        outputs()
    elif args.command == "replay":
        replay(args.until)
    else:
        raise SystemExit(run_tool(args.command, *args.args, check=False))


if __name__ == "__main__":
    main()
