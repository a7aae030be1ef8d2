"""Incremental extraction of the source systems into the warehouse raw layer.

Two phases, because DuckDB admits one writer process per file:

- `extract_source(source, interval_end, run_id)` reads new rows and writes a landing batch of
  parquet files; it never opens the warehouse, so the four sources run in parallel.
- `load_source(source, run_id)` merges one batch into `raw_<source>` in one DuckDB transaction
  (run it in the `northstar_warehouse` pool), then advances the committed watermarks.

The sources, tables, keys and cursors are declared in `northstar.extract.declarations`.

Why not dlt: dlt's `merge` loads through a staging dataset in several transactions, and it
keeps its load packages in its own pipeline folder. This load must be one transaction per
source, advance the watermark only after the commit and read landing files that an operator
can inspect. Plain pyarrow and DuckDB keep those guarantees visible in a few hundred lines.

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
