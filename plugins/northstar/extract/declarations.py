"""Declarations of the source systems that extraction reads: kind, connection, tables, keys.

Each source is declared once, for both settings (see `northstar.extract.connections`): the
embedded kind reads files under the sources dir, the server kind reads through the Airflow
connection `conn_id`. Adding a table to an existing source is a change here only: extraction
and load read the columns, primary key, cursor, look-back, deletion detection and personal-data
columns from these declarations and create the raw tables from them. Column types are DuckDB
types, the types of the raw layer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

SourceKind = Literal["sqlite", "csv", "json"]
ServerKind = Literal["postgres", "mysql", "rest", "csv"]
PiiMethod = Literal["hash", "mask_email", "mask_phone"]
DeleteDetection = Literal["keys"]

# Rows that a source commits late, stamped with a cursor value below the committed watermark,
# are read again when they fall inside the look-back. CRM edits are saved by a nightly batch,
# so a day's rows can appear up to two days later; POS terminals that lost their network
# upload their baskets by the next day; marketing re-sends a corrected delivery the next day.
CRM_LOOKBACK = dt.timedelta(days=2)
POS_LOOKBACK = dt.timedelta(days=1)
MARKETING_LOOKBACK = dt.timedelta(days=1)


@dataclass(frozen=True)
class TableDeclaration:
    """One source table and its raw-layer twin.

    `location` is the database table, the CSV file or the marketing entity (JSON folder or API
    endpoint). `cursor` is the column that orders changes. CSV snapshots use the file's content
    hash and marketing entities the delivery date (`updated_at` in the API) instead, so they
    declare None. `lookback` widens each incremental read below the watermark. `deletes="keys"`
    compares all source keys with the raw table on every extraction, which suits small tables.
    `pii` maps personal-data columns to the mask applied before any row is written to disk.
    """

    name: str
    columns: tuple[tuple[str, str], ...]
    primary_key: tuple[str, ...]
    location: str
    cursor: str | None = None
    lookback: dt.timedelta = dt.timedelta(0)
    deletes: DeleteDetection | None = None
    pii: tuple[tuple[str, PiiMethod], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


@dataclass(frozen=True)
class SourceDeclaration:
    """One source system: its kinds, its location or connection and its raw schema.

    `kind` and `location` (under the sources dir) apply in the embedded setting, `server_kind`
    and the Airflow connection `conn_id` in the servers setting.
    """

    name: str
    kind: SourceKind
    location: str
    raw_schema: str
    tables: tuple[TableDeclaration, ...]
    server_kind: ServerKind
    conn_id: str

    def table(self, name: str) -> TableDeclaration:
        for table in self.tables:
            if table.name == name:
                return table
        raise ValueError(f"source {self.name} declares no table {name!r}")


DEMOGRAPHIC_ATTRIBUTES = (
    "age",
    "income",
    "home_ownership",
    "marital_status",
    "household_size",
    "household_comp",
    "kids_count",
)

# Contact details of the CRM households. Names and street addresses are hashed, so analysts can
# still count distinct values; email and phone keep their shape for support lookups.
HOUSEHOLD_PII: tuple[tuple[str, PiiMethod], ...] = (
    ("full_name", "hash"),
    ("email", "mask_email"),
    ("phone", "mask_phone"),
    ("street_address", "hash"),
)

CRM = SourceDeclaration(
    name="crm",
    kind="sqlite",
    location="crm.sqlite",
    raw_schema="raw_crm",
    tables=(
        TableDeclaration(
            name="households",
            columns=(
                ("household_id", "BIGINT"),
                ("member_since", "TIMESTAMP"),
                ("updated_at", "TIMESTAMP"),
                *((column, "VARCHAR") for column, _ in HOUSEHOLD_PII),
            ),
            primary_key=("household_id",),
            location="households",
            cursor="updated_at",
            lookback=CRM_LOOKBACK,
            deletes="keys",
            pii=HOUSEHOLD_PII,
        ),
        TableDeclaration(
            name="demographics",
            columns=(
                ("household_id", "BIGINT"),
                *((attribute, "VARCHAR") for attribute in DEMOGRAPHIC_ATTRIBUTES),
                ("updated_at", "TIMESTAMP"),
            ),
            primary_key=("household_id",),
            location="demographics",
            cursor="updated_at",
            lookback=CRM_LOOKBACK,
            deletes="keys",
        ),
    ),
    server_kind="postgres",
    conn_id="northstar_crm",
)

POS = SourceDeclaration(
    name="pos",
    kind="sqlite",
    location="pos.sqlite",
    raw_schema="raw_pos",
    tables=(
        TableDeclaration(
            name="transactions",
            columns=(
                ("basket_id", "BIGINT"),
                ("product_id", "BIGINT"),
                ("household_id", "BIGINT"),
                ("store_id", "BIGINT"),
                ("quantity", "BIGINT"),
                ("sales_value", "DOUBLE"),
                ("retail_disc", "DOUBLE"),
                ("coupon_disc", "DOUBLE"),
                ("coupon_match_disc", "DOUBLE"),
                ("week", "BIGINT"),
                ("transaction_timestamp", "TIMESTAMP"),
            ),
            primary_key=("basket_id", "product_id"),
            location="transactions",
            cursor="transaction_timestamp",
            lookback=POS_LOOKBACK,
        ),
    ),
    server_kind="mysql",
    conn_id="northstar_pos",
)

CATALOG = SourceDeclaration(
    name="catalog",
    kind="csv",
    location="catalog",
    raw_schema="raw_catalog",
    tables=(
        TableDeclaration(
            name="products",
            columns=(
                ("product_id", "BIGINT"),
                ("manufacturer_id", "BIGINT"),
                ("department", "VARCHAR"),
                ("brand", "VARCHAR"),
                ("product_category", "VARCHAR"),
                ("product_type", "VARCHAR"),
                ("package_size", "VARCHAR"),
            ),
            primary_key=("product_id",),
            location="products.csv",
            deletes="keys",
        ),
    ),
    server_kind="csv",
    conn_id="northstar_catalog",
)

MARKETING = SourceDeclaration(
    name="marketing",
    kind="json",
    location="marketing",
    raw_schema="raw_marketing",
    tables=(
        TableDeclaration(
            name="campaigns",
            columns=(
                ("campaign_id", "BIGINT"),
                ("campaign_type", "VARCHAR"),
                ("start_date", "DATE"),
                ("end_date", "DATE"),
            ),
            primary_key=("campaign_id",),
            location="campaigns",
            lookback=MARKETING_LOOKBACK,
        ),
        TableDeclaration(
            name="campaign_households",
            columns=(("campaign_id", "BIGINT"), ("household_id", "BIGINT")),
            primary_key=("campaign_id", "household_id"),
            location="campaign_households",
            lookback=MARKETING_LOOKBACK,
        ),
        TableDeclaration(
            name="coupons",
            columns=(("coupon_upc", "BIGINT"), ("product_id", "BIGINT"), ("campaign_id", "BIGINT")),
            # The export repeats some rows exactly; the key keeps one of each in the raw layer.
            primary_key=("coupon_upc", "product_id", "campaign_id"),
            location="coupons",
            lookback=MARKETING_LOOKBACK,
        ),
        TableDeclaration(
            name="coupon_redemptions",
            columns=(
                ("household_id", "BIGINT"),
                ("coupon_upc", "BIGINT"),
                ("campaign_id", "BIGINT"),
                ("redemption_date", "DATE"),
            ),
            primary_key=("household_id", "coupon_upc", "campaign_id", "redemption_date"),
            location="coupon_redemptions",
            lookback=MARKETING_LOOKBACK,
        ),
    ),
    server_kind="rest",
    conn_id="northstar_marketing_api",
)

SOURCE_DECLARATIONS: dict[str, SourceDeclaration] = {
    source.name: source for source in (CRM, POS, CATALOG, MARKETING)
}

SOURCES: tuple[str, ...] = tuple(SOURCE_DECLARATIONS)


def get_source(name: str) -> SourceDeclaration:
    """Return the declaration of one source, or raise a ValueError naming the known sources."""
    try:
        return SOURCE_DECLARATIONS[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; expected one of {', '.join(SOURCES)}") from None
