"""Writers for the servers setting: CRM in PostgreSQL, POS in MySQL/MariaDB, catalog folder.

Connections come from the Airflow connections declared for the sources (`northstar_crm`,
`northstar_pos`, `northstar_catalog`). Each writer is idempotent for one replay window: rows
are upserted by primary key, so a replay that crashed half way can be run again.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from northstar.extract.connections import get_connection
from northstar.extract.declarations import CATALOG, CRM, POS
from northstar.extract.server_readers import connect_mysql, connect_postgres

log = logging.getLogger(__name__)

# Rows per MySQL multi-row INSERT: about 1 MB of SQL text for POS lines, under the 16 MB
# default max_allowed_packet of MariaDB.
MYSQL_INSERT_ROWS = 10_000

CRM_DDL = """
create table if not exists households (
    household_id bigint primary key,
    member_since timestamp not null,
    updated_at timestamp not null,
    full_name text,
    email text,
    phone text,
    street_address text
);
create index if not exists households_updated_at_idx on households (updated_at);
create table if not exists demographics (
    household_id bigint primary key,
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

POS_DDL = """
create table if not exists transactions (
    basket_id bigint not null,
    product_id bigint not null,
    household_id bigint not null,
    store_id bigint not null,
    quantity bigint,
    sales_value double,
    retail_disc double,
    coupon_disc double,
    coupon_match_disc double,
    week bigint,
    transaction_timestamp datetime not null,
    primary key (basket_id, product_id),
    index transactions_timestamp_idx (transaction_timestamp)
)
"""


def write_crm(households: pa.Table, demographics: pa.Table) -> tuple[int, int]:
    """Upsert one window of households and demographics into the CRM database."""
    database = connect_postgres(CRM.name, get_connection(CRM.conn_id))
    database.set_session(readonly=False)
    try:
        with database, database.cursor() as cursor:
            cursor.execute(CRM_DDL)
            upsert_postgres(cursor, "households", households, ("household_id",))
            upsert_postgres(cursor, "demographics", demographics, ("household_id",))
    finally:
        database.close()
    return households.num_rows, demographics.num_rows


def upsert_postgres(cursor, name: str, table: pa.Table, key: tuple[str, ...]) -> None:
    """Copy `table` into a temporary table, then insert or update it into `name` by `key`."""
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
    buffer.seek(0)
    columns = ", ".join(table.column_names)
    cursor.execute(f"create temporary table staged (like {name}) on commit drop")
    cursor.copy_expert(f"copy staged ({columns}) from stdin with (format csv)", buffer)
    updates = ", ".join(
        f"{column} = excluded.{column}" for column in table.column_names if column not in key
    )
    cursor.execute(
        f"insert into {name} ({columns}) select {columns} from staged "
        f"on conflict ({', '.join(key)}) do update set {updates}"
    )
    cursor.execute("drop table staged")


def write_pos(transactions: pa.Table) -> int:
    """Upsert one window of basket lines into the POS database."""
    database = connect_mysql(POS.name, get_connection(POS.conn_id))
    columns = transactions.column_names
    statement = (
        f"insert into transactions ({', '.join(columns)}) "
        f"values ({', '.join('%s' for _ in columns)}) "
        f"on duplicate key update "
        + ", ".join(f"{column} = values({column})" for column in columns)
    )
    try:
        with database.cursor() as cursor:
            cursor.execute(POS_DDL)
            for start in range(0, transactions.num_rows, MYSQL_INSERT_ROWS):
                chunk = transactions.slice(start, MYSQL_INSERT_ROWS)
                rows = zip(*(column.to_pylist() for column in chunk.columns), strict=True)
                cursor.executemany(statement, list(rows))
        database.commit()
    finally:
        database.close()
    return transactions.num_rows


def catalog_path() -> Path:
    """Return the catalog export path inside the folder of the `northstar_catalog` connection."""
    from northstar.extract.errors import SourceConfigError

    folder = get_connection(CATALOG.conn_id).extra_dejson.get("path")
    if not folder:
        raise SourceConfigError(
            f'Airflow connection {CATALOG.conn_id!r} has no "path" extra; set it to the folder '
            "that receives the catalog files"
        )
    return Path(folder) / CATALOG.tables[0].location
