"""Prove that metric_values equals what MetricFlow computes from the same definitions.

MetricFlow runs in-process through its Python API: it reads the semantic manifest that `dbt
parse` or `dbt build` wrote and compiles one query of every metric grouped by day, grain and cut
(the SQL `mf query --explain` prints), which runs inside the DuckDB warehouse. On the full
Complete Journey data that takes seconds, so the pipeline can run it after `dbt build` and before
the quality gate. The result is marts.metric_consistency_checks, one row per metric value, which
the gate validates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from northstar.metrics.definitions import Registry

log = logging.getLogger(__name__)

CONSISTENCY_TABLE = "marts.metric_consistency_checks"
# Relative difference allowed between the two values: both sum the same doubles, but in a
# different order, so amounts can differ in the last bits and nothing more.
CONSISTENCY_TOLERANCE = 1e-9
# The semantic model dimensions that locate a row of int_household_period_activity (or another
# business's activity model): its grain and its cut. Their entity is the primary entity.
_GROUP_BY_DIMENSIONS = ("grain", "dimension_name", "dimension_value")
_COLUMNS = (
    "metric_id",
    "grain",
    "period_start",
    "dimension_name",
    "dimension_value",
    "store_value",
    "metricflow_value",
    "abs_diff",
    "holds",
)


@dataclass(frozen=True)
class ConsistencyResult:
    checked: int
    failing: int
    metricflow_sql: str


def _duckdb_sql_client(connection: Any) -> Any:
    """A MetricFlow SqlClient over an open DuckDB connection (MetricFlow ships none without dbt)."""
    from metricflow.data_table.mf_table import MetricFlowDataTable
    from metricflow.protocols.sql_client import SqlEngine
    from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

    class DuckDbSqlClient:
        sql_engine_type = SqlEngine.DUCKDB
        sql_plan_renderer = DuckDbSqlPlanRenderer()

        def query(self, stmt: str, sql_bind_parameter_set: Any = None) -> MetricFlowDataTable:
            cursor = connection.execute(stmt)
            names = [column[0] for column in cursor.description]
            return MetricFlowDataTable.create_from_rows(names, cursor.fetchall())

        def execute(self, stmt: str, sql_bind_parameter_set: Any = None) -> None:
            connection.execute(stmt)

        def dry_run(self, stmt: str, sql_bind_parameter_set: Any = None) -> None:
            connection.execute(f"explain {stmt}")

        def close(self) -> None:
            """The caller owns the connection."""

        def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
            return f"${bind_parameter_key}"

    return DuckDbSqlClient()


def _semantic_model_entity(semantic_manifest: Any) -> str:
    """Return the primary entity of the semantic model that contains the grain and cut columns."""
    for model in semantic_manifest.semantic_models:
        names = {dimension.name for dimension in model.dimensions}
        if set(_GROUP_BY_DIMENSIONS) <= names:
            primary = [e.name for e in model.entities if str(e.type.value) == "primary"]
            return primary[0]
    raise ValueError(
        "No semantic model has the dimensions grain, dimension_name and dimension_value that "
        "metric_values is cut by; add them to the activity model's semantic model."
    )


def metricflow_sql(connection: Any, semantic_manifest_path: Path) -> tuple[str, str, list[str]]:
    """Compile one MetricFlow query of every metric by day, grain and cut.

    Returns the SQL (what `mf query --explain` prints), the primary entity that prefixes the
    cut columns and the metric names.
    """
    from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
    from metricflow_semantics.model.dbt_manifest_parser import (
        parse_manifest_from_dbt_generated_manifest,
    )
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    manifest = parse_manifest_from_dbt_generated_manifest(
        Path(semantic_manifest_path).read_text(encoding="utf-8")
    )
    engine = MetricFlowEngine(SemanticManifestLookup(manifest), _duckdb_sql_client(connection))
    entity = _semantic_model_entity(manifest)
    metric_names = [metric.name for metric in manifest.metrics]
    group_by = ["metric_time__day", *(f"{entity}__{name}" for name in _GROUP_BY_DIMENSIONS)]
    request = MetricFlowQueryRequest.create(metric_names=metric_names, group_by_names=group_by)
    sql = engine.explain(request).sql_statement.sql
    return sql, entity, metric_names


def load_metricflow_values(connection: Any, semantic_manifest_path: Path) -> str:
    """Run MetricFlow's SQL in DuckDB into temp table metricflow_values; return the SQL.

    The compiled query runs where the data is, so real-data volumes never pass through Python.
    The table has one row per metric, grain, day and cut: (metric_id, grain, period_start,
    dimension_name, dimension_value, value).
    """
    sql, entity, metric_names = metricflow_sql(connection, semantic_manifest_path)
    connection.execute(f"create or replace temp table metricflow_result as {sql}")
    grain, name, value = (f"{entity}__{column}" for column in _GROUP_BY_DIMENSIONS)
    per_metric = [
        f"select '{metric}' as metric_id, {grain} as grain, "
        f"cast(metric_time__day as date) as period_start, {name} as dimension_name, "
        f"{value} as dimension_value, cast({metric} as double) as value from metricflow_result"
        for metric in metric_names
    ]
    connection.execute(
        "create or replace temp table metricflow_values as " + " union all ".join(per_metric)
    )
    return sql


def _zero_denominator_sql(registry: Registry) -> str:
    """Apply each metric's stated zero_denominator policy to MetricFlow's values.

    MetricFlow returns null for a ratio over a zero denominator and infinity for a derived
    division by zero, and has no setting for either. The registry's policy says which number
    the product shows, so the comparison applies it to MetricFlow's value too.
    """
    zero_metrics = [m.id for m in registry.metrics.values() if m.zero_denominator == "zero"]
    zero_list = ", ".join(f"'{metric_id}'" for metric_id in zero_metrics) or "null"
    return f"""
        update metricflow_values set value = case
            when isfinite(value) then value
            when metric_id in ({zero_list}) then 0
        end
        where value is null or not isfinite(value)
    """


def write_consistency_checks(
    warehouse_path: Path,
    semantic_manifest_path: Path,
    registry: Registry | None = None,
    run_id: str = "manual",
) -> ConsistencyResult:
    """Compare metric_values with MetricFlow on every metric value; replace the checks table."""
    import duckdb

    from northstar.metrics.registry import load_registry

    registry = registry or load_registry()
    log.info("Run %s: comparing metric_values with MetricFlow in %s", run_id, warehouse_path)
    with duckdb.connect(str(warehouse_path)) as connection:
        connection.execute("set enable_progress_bar = false")
        sql = load_metricflow_values(connection, semantic_manifest_path)
        connection.execute(_zero_denominator_sql(registry))
        # One statement replaces the table, so a reader sees the old checks or the new ones.
        connection.execute(_comparison_sql(registry))
        checked, failing = connection.execute(
            f"select count(*), count(*) filter (where not holds) from {CONSISTENCY_TABLE}"
        ).fetchone()
    log.info(
        "Run %s: %s metric values compared with MetricFlow, %s differ", run_id, checked, failing
    )
    return ConsistencyResult(checked=checked, failing=failing, metricflow_sql=sql)


def _comparison_sql(registry: Registry) -> str:
    """Full outer join of the store and MetricFlow within each metric's grains and cuts."""
    scopes = []
    for metric in registry.metrics.values():
        grains = ", ".join(f"'{grain}'" for grain in metric.grains)
        cuts = ", ".join(f"'{name}'" for name in ("total", *metric.dimensions))
        scopes.append(
            f"(metric_id = '{metric.id}' and grain in ({grains}) and dimension_name in ({cuts}))"
        )
    in_scope = " or ".join(scopes)
    key = ("metric_id", "grain", "period_start", "dimension_name", "dimension_value")
    join = " and ".join(f"store.{column} = mf.{column}" for column in key)
    coalesced = ",\n".join(f"coalesce(store.{column}, mf.{column}) as {column}" for column in key)
    return f"""
        create or replace table {CONSISTENCY_TABLE} as
        with
        store as (select * from marts.metric_values where {in_scope}),
        mf as (select * from metricflow_values where {in_scope}),
        compared as (
            select
                {coalesced},
                store.value as store_value,
                mf.value as metricflow_value,
                abs(store.value - mf.value) as abs_diff,
                store.metric_id is not null as in_store,
                mf.metric_id is not null as in_metricflow
            from store
            full outer join mf on {join}
        )
        select
            {", ".join(_COLUMNS[:-1])},
            in_store and in_metricflow and (
                (store_value is null and metricflow_value is null)
                or abs_diff <= {CONSISTENCY_TOLERANCE} * greatest(abs(store_value), 1)
            ) as holds
        from compared
    """


def check_metric_consistency(run_id: str) -> dict:
    """Pipeline step after `dbt build`: write the checks from the deployment's warehouse.

    The semantic manifest is the one `northstar setup` parsed beside the manifest that Cosmos
    renders the dbt tasks from, so MetricFlow reads the definitions the build used.
    """
    from northstar.settings import get_settings

    settings = get_settings()
    manifest = settings.dbt_project_dir / "target" / "semantic_manifest.json"
    result = write_consistency_checks(settings.warehouse_path, manifest, run_id=run_id)
    return {"checked": result.checked, "failing": result.failing}
