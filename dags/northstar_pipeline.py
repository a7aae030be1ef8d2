"""
### North star pipeline

Daily: extract every source system incrementally into the warehouse raw layer and build the dbt
models (staging, conformed dimensions and facts, metric marts) with their tests. Then compare the
metric store with MetricFlow, validate raw and marts with the Great Expectations gate, and
publish the marts atomically to `var/published/marts.duckdb`.

Extraction reads each source in parallel into landing files. Only the loads, dbt, the consistency
check, the gate and publishing open the DuckDB warehouse. They share the one-slot
`northstar_warehouse` pool because DuckDB admits one writer process per file. A failed critical
expectation stops the run before publishing, so BI tools keep reading the last published version.
"""

from __future__ import annotations

from airflow.sdk import DAG, CronDataIntervalTimetable, task
from cosmos import DbtTaskGroup

from northstar.extract.declarations import SOURCES
from northstar.orchestration.assets import PUBLISHED_MARTS
from northstar.orchestration.dbt import dbt_task_group_kwargs
from northstar.orchestration.defaults import DEFAULT_ARGS, START_DATE, TAGS
from northstar.settings import WAREHOUSE_POOL

with DAG(
    dag_id="northstar_pipeline",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=START_DATE,
    # Each run extracts everything new since the stored watermarks, so skipped days are picked
    # up by the next run and catchup would only queue empty runs.
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=TAGS,
    doc_md=__doc__,
) as dag:
    # An invalid registry stays invalid until someone edits it, so a retry would only wait.
    @task(retries=0)
    def validate_metric_registry() -> int:
        """Refuse to start on an invalid metric registry."""
        from northstar.metrics import load_registry

        return len(load_registry().metrics)

    @task
    def extract(source: str, data_interval_start=None, data_interval_end=None, run_id=None) -> dict:
        from northstar.extract import extract_source

        # The interval start only widens the read below the watermark, so a backfill of an old
        # interval re-reads it. Rows read twice merge by primary key.
        return extract_source(
            source,
            interval_start=data_interval_start,
            interval_end=data_interval_end,
            run_id=run_id,
        )

    @task(pool=WAREHOUSE_POOL)
    def load(batch: dict, run_id=None) -> dict:
        from northstar.extract import load_source

        return load_source(batch["source"], run_id=run_id)

    @task(pool=WAREHOUSE_POOL)
    def check_metric_consistency(run_id=None) -> dict:
        """Recompute every metric with MetricFlow from the same registry, beside metric_values."""
        from northstar.metrics.consistency import check_metric_consistency

        return check_metric_consistency(run_id=run_id)

    @task(pool=WAREHOUSE_POOL)
    def quality_gate(data_interval_end=None, run_id=None) -> dict:
        from northstar.orchestration.pipeline import run_gate

        return run_gate(run_id=run_id, data_interval_end=data_interval_end)

    @task(pool=WAREHOUSE_POOL, outlets=[PUBLISHED_MARTS])
    def publish(gate: dict, data_interval_end=None, run_id=None) -> str:
        from northstar.orchestration.pipeline import publish_after_gate

        return publish_after_gate(run_id=run_id, data_interval_end=data_interval_end, gate=gate)

    dbt_build = DbtTaskGroup(group_id="dbt_build", **dbt_task_group_kwargs())

    # One extract and one load per source, not a mapped task: a source that fails after its
    # retries then stops only its own load, and the healthy sources' data still lands.
    registry_valid = validate_metric_registry()
    for source in SOURCES:
        batch = extract.override(task_id=f"extract_{source}")(source)
        registry_valid >> batch
        load.override(task_id=f"load_{source}")(batch) >> dbt_build

    gate = quality_gate()
    dbt_build >> check_metric_consistency() >> gate
    publish(gate)
