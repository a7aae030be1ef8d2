"""Benchmark: extract POS lines from PostgreSQL with northstar.extract against plain COPY.

The script loads the Complete Journey transactions (about 1.47 million lines) into a scratch
PostgreSQL database, multiplies them inside PostgreSQL with generate_series (each copy offsets
basket ids, so keys stay unique), then measures in the same run:

- `COPY (SELECT ...) TO STDOUT` of the same rows into /dev/null through psycopg2, the upper
  bound for any client that reads the rows out of PostgreSQL;
- `extract_source` (PostgreSQL to landing parquet) and `load_source` (parquet to DuckDB) in a
  fresh subprocess, with its peak resident memory from getrusage.

    python bench/extract_postgres.py --copies 10        # about 14.7 million rows
    python bench/extract_postgres.py --copies 1         # about 1.47 million rows

The scratch database and the temporary NORTHSTAR_HOME are dropped at the end. Needs a
PostgreSQL server reachable as `--dsn` (default: loopback, user postgres, trust auth).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Added to basket ids per copy; the dataset's largest basket id is about 4.2e10.
BASKET_ID_OFFSET = 10**11
INTERVAL_END = "2100-01-01T00:00"
COLUMNS = (
    "basket_id, product_id, household_id, store_id, quantity, sales_value, retail_disc, "
    "coupon_disc, coupon_match_disc, week, transaction_timestamp"
)
TABLE_DDL = """
create table transactions (
    basket_id bigint not null, product_id bigint not null, household_id bigint not null,
    store_id bigint not null, quantity bigint, sales_value double precision,
    retail_disc double precision, coupon_disc double precision,
    coupon_match_disc double precision, week bigint, transaction_timestamp timestamp not null
)
"""

# Runs in a fresh interpreter so that its peak memory covers the extraction (or load) only.
CHILD = """
import datetime as dt, dataclasses, json, resource, sys, time
# An Airflow worker has these modules loaded before the task starts. Importing them here keeps
# their import time (about 3 s, mostly airflow.sdk) out of the measurement.
import airflow.sdk, duckdb, psycopg2, pyarrow.csv, pyarrow.parquet
from northstar.extract import declarations, extract_source, load_source
declarations.SOURCE_DECLARATIONS["pos"] = dataclasses.replace(
    declarations.POS, server_kind="postgres", conn_id="northstar_bench_pos"
)
phase = sys.argv[1]
began = time.perf_counter()
if phase == "extract":
    summary = extract_source("pos", dt.datetime.fromisoformat(sys.argv[2]), "bench")
    rows = summary["rows"]
else:
    summary = load_source("pos", "bench")
    rows = summary["tables"]["transactions"]
seconds = time.perf_counter() - began
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss_mib": peak_kib / 1024}))
"""


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024**2, 1),
        "cpu": cpu,
        "python": platform.python_version(),
    }


def prepare(dsn: str, database: str, copies: int) -> int:
    import psycopg2
    import pyarrow.csv as pacsv

    from northstar.sources.dataset import read_dataset

    admin = psycopg2.connect(dsn)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"create database {database}")
    admin.close()
    connection = psycopg2.connect(dsn, dbname=database)
    with connection, connection.cursor() as cursor:
        cursor.execute(TABLE_DDL.replace("transactions", "base"))
        buffer = io.BytesIO()
        lines = read_dataset("transactions").select([c.strip() for c in COLUMNS.split(",")])
        pacsv.write_csv(lines, buffer, pacsv.WriteOptions(include_header=False))
        buffer.seek(0)
        cursor.copy_expert(f"copy base ({COLUMNS}) from stdin with (format csv)", buffer)
        cursor.execute(TABLE_DDL)
        cursor.execute(
            f"insert into transactions ({COLUMNS}) "
            f"select basket_id + copy * {BASKET_ID_OFFSET}, product_id, household_id, store_id, "
            "quantity, sales_value, retail_disc, coupon_disc, coupon_match_disc, week, "
            f"transaction_timestamp from base, generate_series(0, {copies - 1}) as copy"
        )
        cursor.execute("drop table base")
        cursor.execute("select count(*) from transactions")
        rows = cursor.fetchone()[0]
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("vacuum analyze transactions")
    connection.close()
    return rows


def measure_copy(dsn: str, database: str) -> dict:
    import psycopg2

    connection = psycopg2.connect(dsn, dbname=database)
    statement = (
        f"copy (select {COLUMNS} from transactions "
        f"where transaction_timestamp < '{INTERVAL_END}') to stdout with (format csv)"
    )
    with Path(os.devnull).open("wb") as sink, connection.cursor() as cursor:
        began = time.perf_counter()
        cursor.copy_expert(statement, sink)
        seconds = time.perf_counter() - began
    connection.close()
    return {"seconds": seconds}


def run_child(phase: str, environment: dict) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, phase, INTERVAL_END],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{phase} subprocess failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=10, help="copies of the 1.47M POS lines")
    parser.add_argument(
        "--dsn", default="host=127.0.0.1 port=5432 user=postgres dbname=postgres",
        help="libpq connection string of a database that may create databases",
    )  # fmt: skip
    arguments = parser.parse_args(argv)
    import psycopg2

    database = f"northstar_bench_{os.getpid()}"
    home = tempfile.mkdtemp(prefix="northstar-bench-")
    params = psycopg2.extensions.parse_dsn(arguments.dsn)
    environment = {
        **os.environ,
        "NORTHSTAR_HOME": home,
        "NORTHSTAR_SOURCES": "servers",
        "AIRFLOW_CONN_NORTHSTAR_BENCH_POS": (
            f"postgresql://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:"
            f"{params.get('port', '5432')}/{database}"
        ),
        "RUNTIME__DLTHUB_TELEMETRY": "False",
        "DO_NOT_TRACK": "True",
    }
    try:
        began = time.perf_counter()
        rows = prepare(arguments.dsn, database, arguments.copies)
        print(f"prepared {rows} rows in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        measure_copy(arguments.dsn, database)  # warms the buffer cache for both readers
        copy = measure_copy(arguments.dsn, database)
        extract = run_child("extract", environment)
        load = run_child("load", environment)
    finally:
        admin = psycopg2.connect(arguments.dsn)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f"drop database if exists {database}")
        admin.close()
        subprocess.run(["rm", "-rf", home], check=False)
    result = {
        "rows": rows,
        "copy_rows_per_second": rows / copy["seconds"],
        "extract_rows_per_second": extract["rows"] / extract["seconds"],
        "extract_to_copy_ratio": copy["seconds"] / extract["seconds"],
        "extract_peak_rss_mib": extract["peak_rss_mib"],
        "load_rows_per_second": load["rows"] / load["seconds"],
        "load_peak_rss_mib": load["peak_rss_mib"],
        "end_to_end_rows_per_second": rows / (extract["seconds"] + load["seconds"]),
        "seconds": {
            "copy": copy["seconds"],
            "extract": extract["seconds"],
            "load": load["seconds"],
        },
        "machine": machine(),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
