"""Readers that stream the rows of one declared table past its watermark as Arrow batches.

Every reader checks the source columns against the declaration before it reads (see
`northstar.extract.drift`), so a changed source fails with a message naming the table, the
column and the fix instead of loading partial rows. This module reads the embedded setting
(SQLite, CSV, JSON files); `northstar.extract.server_readers` reads the servers setting.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from northstar.extract.declarations import SourceDeclaration, TableDeclaration
from northstar.extract.drift import ARROW_TYPES, arrow_schema, raw_type, reconcile
from northstar.extract.errors import (
    REPLAY_HINT,
    MalformedDeliveryError,
    SchemaDriftError,
    SourceNotFoundError,
    SourceSchemaError,
)

# Rows fetched per round trip; bounds the Python tuples held at once.
FETCH_CHUNK_ROWS = 100_000
# Invalid CSV lines quoted in an error message; the count covers all of them.
QUOTED_INVALID_LINES = 5


@dataclass(frozen=True)
class ReadRequest:
    """The rows to read: cursor >= `since` (no lower bound when None) and < `interval_end`."""

    source: SourceDeclaration
    table: TableDeclaration
    watermark: str | None
    since: dt.datetime | None
    interval_end: dt.datetime


@dataclass
class TableRead:
    """A stream of batches with the columns loaded (declared, then new) and the new watermark.

    `watermark()` is valid once `batches` is exhausted. `keys` contains every primary key that
    the source has now, for tables that detect deletions by comparing keys.
    """

    columns: list[tuple[str, str]]
    batches: Iterator[pa.RecordBatch]
    watermark: Callable[[], str | None]
    new_columns: dict[str, str] = field(default_factory=dict)
    keys: pa.Table | None = None


def later(first: str | None, second: str | None) -> str | None:
    """Return the later of two watermarks of the same format; a watermark never moves back."""
    if first is None or second is None:
        return first or second
    return max(first, second)


def rows_to_batch(columns: list[tuple[str, str]], rows: list[tuple]) -> pa.RecordBatch:
    """Build a typed batch from database tuples; text timestamps and dates are parsed by Arrow."""
    arrays = []
    for values, (_, kind) in zip(zip(*rows, strict=True), columns, strict=True):
        if kind in ("TIMESTAMP", "DATE") and any(isinstance(value, str) for value in values):
            arrays.append(pa.array(values, type=pa.string()).cast(ARROW_TYPES[kind]))
        else:
            arrays.append(pa.array(values, type=ARROW_TYPES[kind]))
    return pa.RecordBatch.from_arrays(arrays, schema=arrow_schema(columns))


def read_embedded(request: ReadRequest, source_root: Path) -> TableRead:
    """Read one table of the embedded setting from the files under `source_root`."""
    location = source_root / request.source.location
    if request.source.kind == "sqlite":
        return _read_sqlite(request, location)
    if request.source.kind == "csv":
        return read_csv_snapshot(request, location / request.table.location)
    return _read_json_deliveries(request, location)


def _read_sqlite(request: ReadRequest, path: Path) -> TableRead:
    source, table = request.source, request.table
    if not path.is_file():
        raise SourceNotFoundError(f"source {source.name}: database {path} not found; {REPLAY_HINT}")
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    info = connection.execute(f"pragma table_info({table.location})").fetchall()
    if not info:
        connection.close()
        raise SourceSchemaError(
            f"source {source.name}: table {table.location!r} not found in {path}; {REPLAY_HINT}"
        )
    present = {row[1]: raw_type(row[2]) for row in info}
    try:
        new_columns = reconcile(source, table, present, f"table {table.location} of {path}")
    except SchemaDriftError:
        connection.close()
        raise
    columns = [*table.columns, *new_columns.items()]
    keys = None
    if table.deletes == "keys":
        key_rows = connection.execute(
            f"select {', '.join(table.primary_key)} from {table.location}"
        ).fetchall()
        key_columns = [(name, dict(table.columns)[name]) for name in table.primary_key]
        keys = _keys_table(key_columns, key_rows)

    # Text timestamps in the source sort like the times they encode, so the bounds are
    # compared as text.
    predicates = [f"{table.cursor} < ?"]
    parameters = [request.interval_end.isoformat(sep=" ")]
    if request.since is not None:
        predicates.append(f"{table.cursor} >= ?")
        parameters.append(request.since.isoformat(sep=" "))
    query = (
        f"select {', '.join(name for name, _ in columns)} from {table.location} "
        f"where {' and '.join(predicates)} order by {table.cursor}"
    )
    state = {"watermark": request.watermark}
    cursor_index = table.column_names.index(table.cursor)

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            cursor = connection.execute(query, parameters)
            while rows := cursor.fetchmany(FETCH_CHUNK_ROWS):
                state["watermark"] = later(state["watermark"], rows[-1][cursor_index])
                yield rows_to_batch(columns, rows)
        finally:
            connection.close()

    return TableRead(columns, batches(), lambda: state["watermark"], new_columns, keys)


def _keys_table(key_columns: list[tuple[str, str]], rows: list[tuple]) -> pa.Table:
    if not rows:
        return arrow_schema(key_columns).empty_table()
    return pa.Table.from_batches([rows_to_batch(key_columns, rows)])


def read_csv_snapshot(request: ReadRequest, path: Path) -> TableRead:
    """Read a full CSV snapshot unless its content hash equals the committed watermark.

    Any invalid line fails the whole snapshot with the count of invalid lines, because loading
    the valid lines of a snapshot would mark the products on the invalid lines as deleted.
    """
    source, table = request.source, request.table
    if not path.is_file():
        raise SourceNotFoundError(f"source {source.name}: export {path} not found; {REPLAY_HINT}")
    content_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    if content_hash == request.watermark:
        return TableRead(list(table.columns), iter(()), lambda: content_hash)

    with path.open(newline="", encoding="utf-8") as stream:
        header = next(csv.reader(stream), [])
    present = {name: dict(table.columns).get(name, "VARCHAR") for name in header}
    new_columns = reconcile(source, table, present, f"export {path}", loose_types=True)
    columns = [*table.columns, *new_columns.items()]
    invalid: list[str] = []

    def skip_invalid(row) -> str:
        invalid.append(f"line {row.number}: {row.text[:80]!r} ({row.actual_columns} fields)")
        return "skip"

    options = pacsv.ConvertOptions(
        column_types=arrow_schema(columns),
        include_columns=[name for name, _ in columns],
        strings_can_be_null=True,
    )
    try:
        rows = pacsv.read_csv(
            path,
            # A single thread lets the invalid-row handler see line numbers.
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=skip_invalid),
            convert_options=options,
        )
    except pa.ArrowInvalid as error:
        raise MalformedDeliveryError(
            f"source {source.name}: export {path} has an invalid value ({error}); nothing was "
            "extracted; fix or re-export the file, then rerun the extraction"
        ) from error
    if invalid:
        raise MalformedDeliveryError(
            f"source {source.name}: export {path} has {len(invalid)} invalid lines beside "
            f"{rows.num_rows} valid rows, so the snapshot was skipped and nothing was extracted "
            f"({'; '.join(invalid[:QUOTED_INVALID_LINES])}); fix or re-export the file"
        )
    rows = rows.select([name for name, _ in columns])
    keys = rows.select(list(table.primary_key)) if table.deletes == "keys" else None
    return TableRead(columns, iter(rows.to_batches()), lambda: content_hash, new_columns, keys)


def _read_json_deliveries(request: ReadRequest, root: Path) -> TableRead:
    """Read the delivery files dated from `since` on whose day starts before `interval_end`.

    Files are `<root>/<entity>/<yyyy-mm-dd>.json`; the watermark is the last delivery date read.
    """
    source, table = request.source, request.table
    if not root.is_dir():
        raise SourceNotFoundError(f"source {source.name}: folder {root} not found; {REPLAY_HINT}")
    folder = root / table.location
    # An entity folder appears with its first delivery, so a missing one means no rows yet.
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    records, last_day = [], request.watermark
    for path in paths:
        try:
            day = dt.date.fromisoformat(path.stem)
        except ValueError:
            raise MalformedDeliveryError(
                f"source {source.name}: delivery file {path} is not named <yyyy-mm-dd>.json; "
                "rename or remove it"
            ) from None
        if request.since is not None and day < request.since.date():
            continue
        if dt.datetime.combine(day, dt.time()) >= request.interval_end:
            continue
        records.extend(_parse_delivery(source, path))
        last_day = later(last_day, day.isoformat())
    rows, new_columns = records_to_table(source, table, records, f"deliveries in {folder}")
    columns = [*table.columns, *new_columns.items()]
    return TableRead(columns, iter(rows.to_batches()), lambda: last_day, new_columns)


def _parse_delivery(source: SourceDeclaration, path: Path) -> list[dict]:
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
    return records


JSON_TYPES = {bool: "BOOLEAN", int: "BIGINT", float: "DOUBLE", str: "VARCHAR"}
# JSON value types a declared column accepts. Dates and times travel as ISO text.
ACCEPTED_JSON_TYPES = {
    "BIGINT": ("BIGINT",),
    "DOUBLE": ("DOUBLE", "BIGINT"),
    "VARCHAR": ("VARCHAR",),
    "DATE": ("VARCHAR",),
    "TIMESTAMP": ("VARCHAR",),
    "BOOLEAN": ("BOOLEAN",),
}


def records_to_table(
    source: SourceDeclaration, table: TableDeclaration, records: list[dict], where: str
) -> tuple[pa.Table, dict[str, str]]:
    """Type JSON records by the declaration; returns the rows and the new fields with types."""
    present: dict[str, str] = {}
    for record in records:
        for name, value in record.items():
            if value is not None and name not in present:
                present[name] = JSON_TYPES.get(type(value), "VARCHAR")
    if not records:
        present = dict(table.columns)
    for name, kind in table.columns:
        # A field that is null in every record still counts as present with its declared type.
        if name not in present and all(name in record for record in records):
            present[name] = kind
        if name in present and present[name] not in ACCEPTED_JSON_TYPES[kind]:
            raise SchemaDriftError(
                f"source {source.name}: field {table.name}.{name} changed type from {kind} to "
                f"{present[name]} in {where}; restore the type in the source or change the "
                "declaration in northstar/extract/declarations.py"
            )
        missing = sum(name not in record for record in records)
        if name in present and missing:
            raise MalformedDeliveryError(
                f"source {source.name}: {missing} records in {where} lack the field "
                f"{table.name}.{name}; fix or re-deliver the records, then rerun the extraction"
            )
    declared = dict(table.columns)
    checked = {name: declared.get(name, kind) for name, kind in present.items()}
    new_columns = reconcile(source, table, checked, where)
    columns = [*table.columns, *new_columns.items()]
    text_schema = pa.schema(
        [
            (name, pa.string() if kind in ("DATE", "TIMESTAMP") else ARROW_TYPES[kind])
            for name, kind in columns
        ]
    )
    try:
        parsed = pa.Table.from_pylist(records, schema=text_schema)
        return parsed.cast(arrow_schema(columns)), new_columns
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as error:
        raise MalformedDeliveryError(
            f"source {source.name}: {where} has an invalid value ({error}); fix or re-deliver "
            "the records, then rerun the extraction"
        ) from error
