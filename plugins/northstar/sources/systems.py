"""Writers for the embedded source systems: CRM and POS (SQLite), catalog (CSV), marketing (JSON).

Each writer is idempotent for one replay window, so a replay that crashed half way can be run
again: SQLite rows are keyed and written with INSERT OR REPLACE, and files are replaced whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from northstar.sources.files import write_bytes_atomic, write_json_atomic

log = logging.getLogger(__name__)

# Rows per executemany call: large enough to amortise the Python loop, small enough to keep the
# tuples of one chunk in memory (about 50 MB for POS lines).
INSERT_CHUNK_ROWS = 100_000

# Text format of timestamps in the SQLite systems. It sorts like the timestamp, so range
# predicates on the indexed column work on the text.
SQLITE_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

POS_DDL = """
create table if not exists transactions (
    basket_id integer not null,
    product_id integer not null,
    household_id integer not null,
    store_id integer not null,
    quantity integer,
    sales_value real,
    retail_disc real,
    coupon_disc real,
    coupon_match_disc real,
    week integer,
    transaction_timestamp timestamp not null,
    primary key (basket_id, product_id)
);
create index if not exists transactions_timestamp_idx on transactions (transaction_timestamp);
"""

CRM_DDL = """
create table if not exists households (
    household_id integer primary key,
    member_since timestamp not null,
    updated_at timestamp not null,
    full_name text,
    email text,
    phone text,
    street_address text
);
create index if not exists households_updated_at_idx on households (updated_at);
create table if not exists demographics (
    household_id integer primary key,
    age text,
    income text,
    home_ownership text,
    marital_status text,
    household_size text,
    household_comp text,
    kids_count text,
    updated_at timestamp not null
);
create index if not exists demographics_updated_at_idx on demographics (updated_at);
"""


@contextlib.contextmanager
def open_sqlite(path: Path, ddl: str) -> Iterator[sqlite3.Connection]:
    """Open a source database tuned for bulk loading and make sure its tables exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    try:
        # WAL lets extraction read while a replay writes. synchronous=NORMAL is durable at
        # each commit in WAL mode and avoids an fsync per page.
        connection.execute("pragma journal_mode = wal")
        connection.execute("pragma synchronous = normal")
        connection.execute("pragma temp_store = memory")
        connection.executescript(ddl)
        yield connection
    finally:
        connection.close()


def _timestamps_as_text(table: pa.Table) -> pa.Table:
    """Replace every timestamp column by its SQLite text form."""
    for index, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            # Arrow prints fractional seconds for %S below second resolution. The dataset has
            # whole seconds, so the cast is exact (a fraction would raise instead of truncating).
            seconds = table.column(index).cast(pa.timestamp("s"))
            text = pc.strftime(seconds, format=SQLITE_TIMESTAMP_FORMAT)
            table = table.set_column(index, field.name, text)
    return table


def insert_rows(connection: sqlite3.Connection, name: str, table: pa.Table) -> int:
    """Insert or replace all rows of `table` into the SQLite table `name`, in one transaction."""
    table = _timestamps_as_text(table)
    columns = ", ".join(table.column_names)
    placeholders = ", ".join("?" for _ in table.column_names)
    statement = f"insert or replace into {name} ({columns}) values ({placeholders})"
    with connection:
        for start in range(0, table.num_rows, INSERT_CHUNK_ROWS):
            chunk = table.slice(start, INSERT_CHUNK_ROWS)
            rows = zip(*(column.to_pylist() for column in chunk.columns), strict=True)
            connection.executemany(statement, rows)
    return table.num_rows


def write_pos(path: Path, transactions: pa.Table) -> int:
    """Append one window of basket lines to the POS database."""
    with open_sqlite(path, POS_DDL) as connection:
        return insert_rows(connection, "transactions", transactions)


def write_crm(path: Path, households: pa.Table, demographics: pa.Table) -> tuple[int, int]:
    """Add the households that joined in one window, with their demographics rows."""
    with open_sqlite(path, CRM_DDL) as connection:
        _add_missing_columns(connection, "households", households.column_names)
        household_rows = insert_rows(connection, "households", households)
        demographic_rows = insert_rows(connection, "demographics", demographics)
    return household_rows, demographic_rows


def _add_missing_columns(connection: sqlite3.Connection, name: str, columns: list[str]) -> None:
    """Add text columns that a database replayed by an older version lacks."""
    present = {row[1] for row in connection.execute(f"pragma table_info({name})")}
    for column in columns:
        if column not in present:
            connection.execute(f"alter table {name} add column {column} text")


def write_catalog(path: Path, products: pa.Table) -> bool:
    """Export the product catalog as CSV; rewrite the file only when its content changes.

    Returns True when the file was written. Nulls are written as empty fields; the dataset has
    no empty strings, so an empty field always means null.
    """
    buffer = io.BytesIO()
    pacsv.write_csv(products, buffer)
    content = buffer.getvalue()
    if path.is_file() and _sha256(path.read_bytes()) == _sha256(content):
        return False
    write_bytes_atomic(path, content)
    return True


def write_deliveries(directory: Path, entity: str, records_by_day: dict[str, list[dict]]) -> int:
    """Write one marketing delivery file per day: `<directory>/<entity>/<yyyy-mm-dd>.json`."""
    for day, records in sorted(records_by_day.items()):
        delivery = {
            "entity": entity,
            "delivery_date": day,
            "record_count": len(records),
            "records": records,
        }
        write_json_atomic(directory / entity / f"{day}.json", delivery)
    return len(records_by_day)


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
