"""Schema drift: compare the columns a source has now with the declared and loaded columns.

A column that is new in the source is carried into the landing batch and added to the raw
table, and the load reports it. A declared column that is missing (dropped or renamed) or whose
type changed fails the source with SchemaDriftError naming the table, the column and both types,
before anything is written, so loads of other sources go on and loaded rows stay as they are.
"""

from __future__ import annotations

import logging

import pyarrow as pa

from northstar.extract.declarations import SourceDeclaration, TableDeclaration
from northstar.extract.errors import SchemaDriftError

log = logging.getLogger(__name__)

ARROW_TYPES = {
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "VARCHAR": pa.string(),
    "TIMESTAMP": pa.timestamp("us"),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
}

# Source column types, lower case, by the raw-layer type they load as. A type missing here
# loads as VARCHAR, which keeps its text and loses nothing.
SOURCE_TYPES = {
    "BIGINT": (
        "bigint",
        "integer",
        "int",
        "int2",
        "int4",
        "int8",
        "smallint",
        "tinyint",
        "mediumint",
    ),
    "DOUBLE": ("double precision", "double", "real", "float", "numeric", "decimal"),
    "TIMESTAMP": ("timestamp", "timestamp without time zone", "datetime"),
    "DATE": ("date",),
    "BOOLEAN": ("boolean", "bool"),
}
RAW_TYPE_OF_SOURCE = {name: raw for raw, names in SOURCE_TYPES.items() for name in names}

DECLARATIONS_HINT = "northstar/extract/declarations.py"


def raw_type(source_type: str) -> str:
    """Return the raw-layer (DuckDB) type of a source column type such as 'character varying'."""
    base = source_type.lower().split("(")[0].strip()
    return RAW_TYPE_OF_SOURCE.get(base, "VARCHAR")


def arrow_schema(columns: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> pa.Schema:
    return pa.schema([(name, ARROW_TYPES[kind]) for name, kind in columns])


def reconcile(
    source: SourceDeclaration,
    table: TableDeclaration,
    present: dict[str, str],
    where: str,
    loose_types: bool = False,
) -> dict[str, str]:
    """Check the source columns `present` (name to raw type) against the declaration.

    Returns the new columns, name to raw type, in source order. `loose_types` skips the type
    comparison for sources that carry no types (CSV headers).
    """
    declared = dict(table.columns)
    new_columns = {name: kind for name, kind in present.items() if name not in declared}
    for name, kind in table.columns:
        if name not in present:
            raise dropped_column_error(source, table, name, kind, new_columns, where)
        if not loose_types and present[name] != kind:
            raise SchemaDriftError(
                f"source {source.name}: column {table.name}.{name} changed type from {kind} to "
                f"{present[name]} in {where}; restore the type in the source or change the "
                f"declaration in {DECLARATIONS_HINT} and migrate raw table "
                f"{source.raw_schema}.{table.name}"
            )
    for name, kind in new_columns.items():
        log.warning(
            "source %s: new column %s.%s (%s) in %s will be loaded",
            source.name,
            table.name,
            name,
            kind,
            where,
        )
    return new_columns


def dropped_column_error(
    source: SourceDeclaration,
    table: TableDeclaration,
    name: str,
    kind: str,
    new_columns: dict[str, str],
    where: str,
) -> SchemaDriftError:
    renamed = [new for new, new_kind in new_columns.items() if new_kind == kind]
    guess = f" (renamed to {', '.join(renamed)}?)" if renamed else ""
    return SchemaDriftError(
        f"source {source.name}: column {table.name}.{name} ({kind}) was dropped or renamed in "
        f"{where}{guess}; restore the column in the source or change the declaration in "
        f"{DECLARATIONS_HINT}"
    )
