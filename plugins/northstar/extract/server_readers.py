"""Readers of the servers setting: PostgreSQL, MySQL/MariaDB, the marketing REST API, files.

PostgreSQL rows stream through `COPY (SELECT ...) TO STDOUT` into a pipe that pyarrow's
streaming CSV reader parses into batches, so memory stays bounded by a few blocks whatever the
table size, and the server does the row formatting at COPY speed. MySQL rows stream through
an unbuffered server-side cursor. Every connection is retried with back-off
(`northstar.extract.connections`) and named by host and port only, never by its credentials.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from northstar.extract.connections import (
    CONNECT_TIMEOUT_SECONDS,
    call_with_retries,
    source_connection,
)
from northstar.extract.drift import arrow_schema, raw_type, reconcile
from northstar.extract.errors import (
    MalformedDeliveryError,
    SourceConfigError,
    SourceSchemaError,
)
from northstar.extract.readers import (
    FETCH_CHUNK_ROWS,
    ReadRequest,
    TableRead,
    later,
    read_csv_snapshot,
    records_to_table,
    rows_to_batch,
)

log = logging.getLogger(__name__)

# Bytes pyarrow parses per CSV block; about 200,000 POS lines, a batch size that amortises
# the per-batch cost while keeping a few blocks in memory.
COPY_BLOCK_BYTES = 16 * 1024 * 1024
# Records per API page requested; the API caps it on its side too.
API_PAGE_SIZE = 5_000
API_TIMEOUT_SECONDS = 60
HTTP_SERVER_ERROR = 500

COLUMNS_SQL = {
    "postgres": (
        "select column_name, data_type from information_schema.columns "
        "where table_schema = current_schema() and table_name = %s order by ordinal_position"
    ),
    "mysql": (
        "select column_name, data_type from information_schema.columns "
        "where table_schema = database() and table_name = %s order by ordinal_position"
    ),
}


def read_server(request: ReadRequest) -> TableRead:
    """Read one table of the servers setting through its source's Airflow connection."""
    kind = request.source.server_kind
    connection = source_connection(request.source)
    if kind == "postgres":
        return _read_database(request, connect_postgres(request.source.name, connection))
    if kind == "mysql":
        return _read_database(request, connect_mysql(request.source.name, connection))
    if kind == "rest":
        return _read_api(request, connection)
    folder = connection.extra_dejson.get("path")
    if not folder:
        raise SourceConfigError(
            f"source {request.source.name}: Airflow connection {request.source.conn_id!r} has "
            'no "path" extra; set it to the folder that receives the catalog files'
        )
    return read_csv_snapshot(request, Path(folder) / request.table.location)


def connect_postgres(source: str, connection: Any):
    import psycopg2

    def connect():
        return psycopg2.connect(
            host=connection.host,
            port=connection.port or 5432,
            user=connection.login,
            password=connection.password or None,
            dbname=connection.schema,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            application_name="northstar-extract",
        )

    target = f"PostgreSQL at {connection.host}:{connection.port or 5432}"
    database = call_with_retries(connect, source, target, (psycopg2.OperationalError,))
    database.set_session(readonly=True)
    return database


def connect_mysql(source: str, connection: Any):
    import pymysql
    import pymysql.cursors

    def connect():
        return pymysql.connect(
            host=connection.host,
            port=connection.port or 3306,
            user=connection.login,
            password=connection.password or "",
            database=connection.schema,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            cursorclass=pymysql.cursors.SSCursor,
        )

    target = f"MySQL at {connection.host}:{connection.port or 3306}"
    return call_with_retries(connect, source, target, (pymysql.err.OperationalError,))


def _dialect(database) -> str:
    return "postgres" if type(database).__module__.startswith("psycopg2") else "mysql"


def _read_database(request: ReadRequest, database) -> TableRead:
    source, table = request.source, request.table
    dialect = _dialect(database)
    try:
        with database.cursor() as cursor:
            cursor.execute(COLUMNS_SQL[dialect], (table.location,))
            present = {name: raw_type(kind) for name, kind in cursor.fetchall()}
        if not present:
            raise SourceSchemaError(
                f"source {source.name}: table {table.location!r} not found in the "
                f"{dialect} database of connection {source.conn_id!r}; replay the sources "
                "with NORTHSTAR_SOURCES=servers or fix the connection"
            )
        new_columns = reconcile(source, table, present, f"{dialect} table {table.location}")
        keys = _read_keys(database, table) if table.deletes == "keys" else None
    except BaseException:
        database.close()
        raise
    columns = [*table.columns, *new_columns.items()]
    names = ", ".join(name for name, _ in columns)
    query = f"select {names} from {table.location} where {table.cursor} < %s"
    parameters: list = [request.interval_end]
    if request.since is not None:
        query += f" and {table.cursor} >= %s"
        parameters.append(request.since)
    state = {"watermark": request.watermark}

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            stream = _copy_batches if dialect == "postgres" else _fetch_batches
            for batch in stream(database, query, parameters, columns):
                if batch.num_rows:
                    top = pc.max(batch.column(table.cursor)).as_py()
                    state["watermark"] = later(state["watermark"], top.isoformat(sep=" "))
                    yield batch
        finally:
            database.close()

    return TableRead(columns, batches(), lambda: state["watermark"], new_columns, keys)


def _read_keys(database, table) -> pa.Table:
    key_columns = [(name, dict(table.columns)[name]) for name in table.primary_key]
    with database.cursor() as cursor:
        cursor.execute(f"select {', '.join(table.primary_key)} from {table.location}")
        rows = cursor.fetchall()
    if not rows:
        return arrow_schema(key_columns).empty_table()
    return pa.Table.from_batches([rows_to_batch(key_columns, rows)])


def _fetch_batches(database, query, parameters, columns) -> Iterator[pa.RecordBatch]:
    with database.cursor() as cursor:
        cursor.execute(query, parameters)
        while rows := cursor.fetchmany(FETCH_CHUNK_ROWS):
            yield rows_to_batch(columns, rows)


def _copy_batches(database, query, parameters, columns) -> Iterator[pa.RecordBatch]:
    """Stream `query` through COPY ... TO STDOUT (CSV) and a pipe into Arrow batches.

    A thread writes the COPY output into the pipe while this generator parses it, so neither
    side holds more than a pipe buffer and a CSV block or two.
    """
    with database.cursor() as cursor:
        statement = cursor.mogrify(query, parameters).decode("utf-8")
    copy = f"copy ({statement}) to stdout with (format csv)"
    read_end, write_end = os.pipe()
    failures: list[BaseException] = []

    def produce() -> None:
        try:
            with os.fdopen(write_end, "wb") as sink, database.cursor() as cursor:
                cursor.copy_expert(copy, sink)
        except BaseException as error:
            failures.append(error)

    producer = threading.Thread(target=produce, name="northstar-copy", daemon=True)
    producer.start()
    schema = arrow_schema(columns)
    with os.fdopen(read_end, "rb") as stream:
        try:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(
                    column_names=schema.names, block_size=COPY_BLOCK_BYTES
                ),
                # PostgreSQL quotes values that contain newlines, so they are legal here.
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=schema,
                    strings_can_be_null=True,
                    # COPY writes NULL unquoted and the empty string as "".
                    quoted_strings_can_be_null=False,
                    true_values=["t"],
                    false_values=["f"],
                ),
            )
            yield from reader
        except pa.ArrowInvalid as error:
            # An empty result has no first block to parse.
            if "Empty CSV file" not in str(error):
                raise
        finally:
            stream.close()
            producer.join()
    if failures:
        raise failures[0]


def _api_base_url(connection: Any) -> str:
    scheme = connection.schema or "http"
    port = f":{connection.port}" if connection.port else ""
    return f"{scheme}://{connection.host}{port}"


def _read_api(request: ReadRequest, connection: Any) -> TableRead:
    """Page through `/marketing/<entity>` with the `updated_since` filter; keep every page.

    All pages are read before any row is returned, so a malformed page fails the table
    whole. The watermark is the last `updated_at` (delivery date) read.
    """
    source, table = request.source, request.table
    url = f"{_api_base_url(connection)}/marketing/{table.location}"
    # The API filters by day: a day counts when it starts before the interval end.
    before = (request.interval_end - dt.timedelta(microseconds=1)).date() + dt.timedelta(days=1)
    query = {"updated_before": before.isoformat(), "page_size": API_PAGE_SIZE, "page": 1}
    if request.since is not None:
        query["updated_since"] = request.since.date().isoformat()
    records: list[dict] = []
    last_day = request.watermark
    page: int | None = 1
    while page is not None:
        query["page"] = page
        document = _get_page(source.name, f"{url}?{urllib.parse.urlencode(query)}", records)
        for record in document["records"]:
            last_day = later(last_day, record.pop("updated_at", None))
        records.extend(document["records"])
        page = document.get("next_page")
    rows, new_columns = records_to_table(source, table, records, f"API {url}")
    columns = [*table.columns, *new_columns.items()]
    return TableRead(columns, iter(rows.to_batches()), lambda: last_day, new_columns)


def _get_page(source: str, url: str, records_so_far: list) -> dict:
    parsed = urllib.parse.urlsplit(url)

    def fetch() -> bytes:
        try:
            with urllib.request.urlopen(url, timeout=API_TIMEOUT_SECONDS) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            # A server error may pass, so it is retried; a client error will not.
            if error.code >= HTTP_SERVER_ERROR:
                raise
            raise MalformedDeliveryError(
                f"source {source}: {url} returned HTTP {error.code}; fix the request or the "
                "API, then rerun the extraction"
            ) from error

    target = f"marketing API at {parsed.hostname}:{parsed.port}"
    body = call_with_retries(
        fetch, source, target, (urllib.error.URLError, ConnectionError, TimeoutError)
    )
    skipped = f"the {len(records_so_far)} records of earlier pages were discarded"
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MalformedDeliveryError(
            f"source {source}: page {url} is not valid JSON ({error}); {skipped} and nothing "
            "was extracted; fix the API, then rerun the extraction"
        ) from error
    page_records = document.get("records") if isinstance(document, dict) else None
    if not isinstance(page_records, list) or not all(isinstance(r, dict) for r in page_records):
        raise MalformedDeliveryError(
            f"source {source}: page {url} has no 'records' list of objects; {skipped} and "
            "nothing was extracted; fix the API, then rerun the extraction"
        )
    return document
