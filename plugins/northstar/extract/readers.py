"""Readers that fetch the rows of one declared table past its watermark, as an Arrow table.

Every reader checks the declared columns before it reads, so a changed source fails with a
message naming the table, the column and the fix instead of loading partial rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from northstar.extract.declarations import SourceDeclaration, TableDeclaration
from northstar.extract.errors import (
    REPLAY_HINT,
    MalformedDeliveryError,
    SourceNotFoundError,
    SourceSchemaError,
)

ARROW_TYPES = {
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "VARCHAR": pa.string(),
    "TIMESTAMP": pa.timestamp("us"),
    "DATE": pa.date32(),
}

# Rows fetched from SQLite per round trip; bounds the Python tuples held at once.
FETCH_CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class TableRead:
    """Rows read for one table and the watermark that covers them (unchanged when no rows)."""

    rows: pa.Table
    watermark: str | None


def arrow_schema(table: TableDeclaration) -> pa.Schema:
    return pa.schema([(name, ARROW_TYPES[kind]) for name, kind in table.columns])


def read_table(
    source: SourceDeclaration,
    table: TableDeclaration,
    source_root: Path,
    watermark: str | None,
    interval_end: dt.datetime,
) -> TableRead:
    """Read the rows of `table` after `watermark` and before `interval_end`."""
    location = source_root / source.location
    if source.kind == "sqlite":
        return _read_sqlite(source, table, location, watermark, interval_end)
    if source.kind == "csv":
        return _read_csv_snapshot(source, table, location / table.location, watermark)
    return _read_json_deliveries(source, table, location, watermark, interval_end)


def _missing_column_error(source, table, column, where) -> SourceSchemaError:
    return SourceSchemaError(
        f"source {source.name}: {where} has no column {column!r} declared for table "
        f"{table.name}; add the column to the source system or change the declaration in "
        "northstar/extract/declarations.py"
    )


def _read_sqlite(source, table, path, watermark, interval_end) -> TableRead:
    if not path.is_file():
        raise SourceNotFoundError(f"source {source.name}: database {path} not found; {REPLAY_HINT}")
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        present = {row[1] for row in connection.execute(f"pragma table_info({table.location})")}
        if not present:
            raise SourceSchemaError(
                f"source {source.name}: table {table.location!r} not found in {path}; {REPLAY_HINT}"
            )
        for column in table.column_names:
            if column not in present:
                raise _missing_column_error(source, table, column, f"table {table.location}")

        # Text timestamps in the source sort like the times they encode, so the bounds are
        # compared as text. The lower bound is exclusive: rows at the watermark are loaded.
        predicates = [f"{table.cursor} < ?"]
        parameters = [interval_end.isoformat(sep=" ")]
        if watermark is not None:
            predicates.append(f"{table.cursor} > ?")
            parameters.append(watermark)
        query = (
            f"select {', '.join(table.column_names)} from {table.location} "
            f"where {' and '.join(predicates)} order by {table.cursor}"
        )
        cursor = connection.execute(query, parameters)
        batches = []
        last_cursor = watermark
        cursor_index = table.column_names.index(table.cursor)
        while rows := cursor.fetchmany(FETCH_CHUNK_ROWS):
            batches.append(_rows_to_batch(table, rows))
            last_cursor = rows[-1][cursor_index]
    finally:
        connection.close()
    rows_table = pa.Table.from_batches(batches, schema=arrow_schema(table))
    return TableRead(rows=rows_table, watermark=last_cursor)


def _rows_to_batch(table: TableDeclaration, rows: list[tuple]) -> pa.RecordBatch:
    """Build a typed batch from SQLite tuples; text timestamps and dates are parsed by Arrow."""
    arrays = []
    for values, (_, kind) in zip(zip(*rows, strict=True), table.columns, strict=True):
        if kind in ("TIMESTAMP", "DATE"):
            arrays.append(pa.array(values, type=pa.string()).cast(ARROW_TYPES[kind]))
        else:
            arrays.append(pa.array(values, type=ARROW_TYPES[kind]))
    return pa.RecordBatch.from_arrays(arrays, schema=arrow_schema(table))


def _read_csv_snapshot(source, table, path, watermark) -> TableRead:
    """Read a full CSV snapshot unless its content hash equals the committed watermark.

    NOTE: the load merges the snapshot by key, so a product dropped from a later snapshot
    stays in the raw table. The dataset never drops products.
    """
    if not path.is_file():
        raise SourceNotFoundError(f"source {source.name}: export {path} not found; {REPLAY_HINT}")
    content_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    if content_hash == watermark:
        return TableRead(rows=arrow_schema(table).empty_table(), watermark=watermark)

    with path.open(newline="", encoding="utf-8") as stream:
        header = next(csv.reader(stream), [])
    for column in table.column_names:
        if column not in header:
            raise _missing_column_error(source, table, column, f"export {path}")
    options = pacsv.ConvertOptions(
        column_types=arrow_schema(table),
        include_columns=list(table.column_names),
        strings_can_be_null=True,
    )
    try:
        rows = pacsv.read_csv(path, convert_options=options)
    except pa.ArrowInvalid as error:
        raise MalformedDeliveryError(
            f"source {source.name}: export {path} is not valid CSV ({error}); "
            "fix or re-export the file, then rerun the extraction"
        ) from error
    return TableRead(rows=rows.select(list(table.column_names)), watermark=content_hash)


def _read_json_deliveries(source, table, root, watermark, interval_end) -> TableRead:
    """Read the delivery files dated after `watermark` whose day starts before `interval_end`.

    Files are `<root>/<entity>/<yyyy-mm-dd>.json`; the watermark is the last delivery date read.
    """
    if not root.is_dir():
        raise SourceNotFoundError(f"source {source.name}: folder {root} not found; {REPLAY_HINT}")
    folder = root / table.location
    # An entity folder appears with its first delivery, so a missing one means no rows yet.
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    pieces = [arrow_schema(table).empty_table()]
    last_day = watermark
    for path in paths:
        try:
            day = dt.date.fromisoformat(path.stem)
        except ValueError:
            raise MalformedDeliveryError(
                f"source {source.name}: delivery file {path} is not named <yyyy-mm-dd>.json; "
                "rename or remove it"
            ) from None
        if watermark is not None and day.isoformat() <= watermark:
            continue
        if dt.datetime.combine(day, dt.time()) >= interval_end:
            continue
        pieces.append(_parse_delivery(source, table, path))
        last_day = day.isoformat()
    return TableRead(rows=pa.concat_tables(pieces), watermark=last_day)


def _parse_delivery(source, table, path) -> pa.Table:
    fix = "fix or re-deliver the file, then rerun the extraction"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MalformedDeliveryError(
            f"source {source.name}: delivery file {path} is not valid JSON ({error}); {fix}"
        ) from error
    records = document.get("records") if isinstance(document, dict) else None
    if not isinstance(records, list) or not all(isinstance(item, dict) for item in records):
        raise MalformedDeliveryError(
            f"source {source.name}: delivery file {path} has no 'records' list of objects; {fix}"
        )
    expected_count = document.get("record_count")
    if expected_count is not None and expected_count != len(records):
        raise MalformedDeliveryError(
            f"source {source.name}: delivery file {path} declares {expected_count} records "
            f"but contains {len(records)}; {fix}"
        )
    for column in table.column_names:
        if any(column not in record for record in records):
            raise _missing_column_error(source, table, column, f"a record of delivery file {path}")

    text_schema = pa.schema(
        [
            (name, pa.string() if kind in ("DATE", "TIMESTAMP") else ARROW_TYPES[kind])
            for name, kind in table.columns
        ]
    )
    try:
        parsed = pa.Table.from_pylist(records, schema=text_schema)
        return parsed.cast(arrow_schema(table))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as error:
        raise MalformedDeliveryError(
            f"source {source.name}: delivery file {path} has an invalid value ({error}); {fix}"
        ) from error
