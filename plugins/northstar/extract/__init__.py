"""Incremental extraction of the source systems into the warehouse raw layer.

Two phases, because DuckDB admits one writer process per file:

- `extract_source(source, interval_end, run_id)` reads new rows and writes a landing batch of
  parquet files; it never opens the warehouse, so the four sources run in parallel.
- `load_source(source, run_id)` merges one batch into `raw_<source>` in one DuckDB transaction
  (run it in the `northstar_warehouse` pool), then advances the committed watermarks.

The sources, tables, keys, cursors, look-backs, deletion detection and personal-data columns
are declared once in `northstar.extract.declarations`. NORTHSTAR_SOURCES=embedded (default)
reads the replayed SQLite, CSV and JSON files; NORTHSTAR_SOURCES=servers reads PostgreSQL,
MySQL/MariaDB, the marketing REST API and the catalog folder through Airflow connections
(`northstar.extract.connections`). Each load is recorded in `raw_meta.load_audit`.

Why not dlt (1.31), for loading or reading: dlt's `merge` loads through a staging dataset in
several transactions and keeps its state and load packages in its own pipeline folder. This
load must be one transaction per source that advances the watermark only after the commit.
As a reader feeding the landing files, dlt's `sql_table` (pyarrow backend, through
SQLAlchemy) read the 1.47 million POS lines from PostgreSQL at about 81,000 rows/s on the
benchmark machine, against about 960,000 rows/s for the COPY stream used here and
1,350,000 rows/s for COPY to /dev/null (bench/extract_postgres.py, BENCHMARKS.md). Its
incremental cursor state would also duplicate the watermarks kept here, so plain pyarrow,
psycopg2/PyMySQL and DuckDB keep both the guarantees and the speed.

This module imports nothing heavy, so DAG files can import it at parse time.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from northstar.extract.declarations import SOURCES

if TYPE_CHECKING:
    from northstar.settings import Settings

__all__ = ["SOURCES", "extract_source", "load_source"]


def extract_source(
    source: str,
    interval_end: dt.datetime,
    run_id: str,
    settings: Settings | None = None,
    interval_start: dt.datetime | None = None,
) -> dict:
    """Write a landing batch of the rows of `source` with cursor < interval_end not yet loaded.

    `interval_start` below the committed watermark re-reads an old interval (a backfill).
    """
    from northstar.extract.extraction import extract_source as extract

    return extract(source, interval_end, run_id, settings, interval_start)


def load_source(source: str, run_id: str, settings: Settings | None = None) -> dict:
    """Merge the landing batch of `source` for `run_id` into the warehouse raw layer."""
    from northstar.extract.load import load_source as load

    return load(source, run_id, settings)
