"""SQL of the load: raw tables, schema checks, merge by primary key and soft deletes.

Every function runs inside the caller's DuckDB transaction, so a failure in any of them rolls
back the whole source.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from northstar.extract.declarations import SourceDeclaration, TableDeclaration
from northstar.extract.drift import DECLARATIONS_HINT
from northstar.extract.errors import SchemaDriftError

log = logging.getLogger(__name__)

# Raw-layer bookkeeping column: when the row was found deleted in the source, else null.
DELETED_AT = "_deleted_at"
BATCH_VIEW = "northstar_landing_batch"


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def raw_columns(connection, schema: str, name: str) -> dict[str, str]:
    rows = connection.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    return dict(rows)


def ensure_raw_table(connection, declaration: SourceDeclaration, table: TableDeclaration) -> None:
    """Create the raw table from the declaration, or add the soft-delete column it lacks."""
    columns = ",\n    ".join(f"{name} {kind}" for name, kind in table.columns)
    connection.execute(f"create schema if not exists {declaration.raw_schema}")
    connection.execute(
        f"create table if not exists {declaration.raw_schema}.{table.name} (\n    {columns},\n"
        f"    {DELETED_AT} TIMESTAMP,\n"
        f"    primary key ({', '.join(table.primary_key)})\n)"
    )
    if DELETED_AT not in raw_columns(connection, declaration.raw_schema, table.name):
        connection.execute(
            f"alter table {declaration.raw_schema}.{table.name} add column {DELETED_AT} TIMESTAMP"
        )


def reconcile_raw_table(
    connection, declaration: SourceDeclaration, table: TableDeclaration, path: Path
) -> dict[str, str]:
    """Compare the batch columns with the raw table; add new ones, reject dropped or retyped.

    Returns the columns added to the raw table (name to type).
    """
    target = f"{declaration.raw_schema}.{table.name}"
    batch = {
        row[0]: row[1]
        for row in connection.execute(
            f"describe select * from read_parquet('{_quote(path)}')"
        ).fetchall()
    }
    raw = raw_columns(connection, declaration.raw_schema, table.name)
    for name, kind in raw.items():
        if name == DELETED_AT:
            continue
        if name not in batch:
            raise SchemaDriftError(
                f"source {declaration.name}: column {table.name}.{name} ({kind}) of raw table "
                f"{target} is missing from the landing batch, so it was dropped or renamed in "
                f"the source; restore it in the source or change {DECLARATIONS_HINT} and "
                "migrate the raw table"
            )
        if batch[name] != kind:
            raise SchemaDriftError(
                f"source {declaration.name}: column {table.name}.{name} changed type from "
                f"{kind} to {batch[name]}; restore the type in the source or migrate raw table "
                f"{target}"
            )
    added = {name: kind for name, kind in batch.items() if name not in raw}
    for name, kind in added.items():
        connection.execute(f"alter table {target} add column {name} {kind}")
        log.warning(
            "schema drift in source %s: new column %s.%s (%s) added to %s",
            declaration.name,
            table.name,
            name,
            kind,
            target,
        )
    return added


def merge_batch(
    connection, declaration: SourceDeclaration, table: TableDeclaration, path: Path
) -> int:
    """Insert or replace the batch rows by primary key; returns the rows new or changed.

    Duplicate keys inside one batch are reduced to one row first, because one statement may not
    touch a key twice: the latest cursor value wins, and exact duplicates are interchangeable.
    A merged row is live again (`_deleted_at` null) even if it was deleted before.
    """
    target = f"{declaration.raw_schema}.{table.name}"
    columns = [name for name in raw_columns(connection, declaration.raw_schema, table.name)]
    columns.remove(DELETED_AT)
    names = ", ".join(columns)
    order = f"order by {table.cursor} desc" if table.cursor else ""
    key = ", ".join(table.primary_key)
    latest = (
        f"select {names} from read_parquet('{_quote(path)}') "
        f"qualify row_number() over (partition by {key} {order}) = 1"
    )
    existing = connection.execute(f"select count(*) from (select 1 from {target} limit 1)")
    if existing.fetchone()[0] == 0:
        # First load of the table: every row is new and no key can conflict, so the rows go in
        # straight from the file without a staged copy in memory.
        inserted = connection.execute(f"insert into {target} ({names}) {latest}").fetchone()
        return int(inserted[0]) if inserted else 0

    connection.execute(f"create or replace temp table {BATCH_VIEW} as {latest}")
    same = " and ".join(f"t.{name} is not distinct from b.{name}" for name in columns)
    changed = connection.execute(
        f"select count(*) from {BATCH_VIEW} b where not exists "
        f"(select 1 from {target} t where {same} and t.{DELETED_AT} is null)"
    ).fetchone()[0]
    connection.execute(
        f"insert or replace into {target} ({names}, {DELETED_AT}) "
        f"select {names}, null from {BATCH_VIEW}"
    )
    return int(changed)


def mark_deleted(
    connection,
    declaration: SourceDeclaration,
    table: TableDeclaration,
    keys_path: Path,
    deleted_at: dt.datetime,
) -> int:
    """Mark raw rows whose key the source no longer has; returns the rows newly marked."""
    target = f"{declaration.raw_schema}.{table.name}"
    match = " and ".join(f"k.{name} = t.{name}" for name in table.primary_key)
    missing = (
        f"t.{DELETED_AT} is null and not exists "
        f"(select 1 from read_parquet('{_quote(keys_path)}') k where {match})"
    )
    count = connection.execute(f"select count(*) from {target} t where {missing}").fetchone()[0]
    if count:
        connection.execute(f"update {target} t set {DELETED_AT} = ? where {missing}", [deleted_at])
    return int(count)
