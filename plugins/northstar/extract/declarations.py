"""Declarations of the source systems that extraction reads: kind, location, tables, keys.

Adding a table to an existing source is a change here only: extraction and load read the
columns, primary key and cursor from these declarations and create the raw tables from them.
Column types are DuckDB types, the types of the raw layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SourceKind = Literal["sqlite", "csv", "json"]


@dataclass(frozen=True)
class TableDeclaration:
    """One source table and its raw-layer twin.

    `location` is the SQLite table, the CSV file or the JSON entity folder, relative to the
    source location. `cursor` is the column (SQLite) that orders changes; CSV snapshots use the
    file's content hash and JSON deliveries the delivery date instead, so they declare None.
    """

    name: str
    columns: tuple[tuple[str, str], ...]
    primary_key: tuple[str, ...]
    location: str
    cursor: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


@dataclass(frozen=True)
class SourceDeclaration:
    """One source system: its kind, where it lives under the sources dir and its raw schema."""

    name: str
    kind: SourceKind
    location: str
    raw_schema: str
    tables: tuple[TableDeclaration, ...]


DEMOGRAPHIC_ATTRIBUTES = (
    "age",
    "income",
    "home_ownership",
    "marital_status",
    "household_size",
    "household_comp",
    "kids_count",
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
            ),
            primary_key=("household_id",),
            location="households",
            cursor="updated_at",
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
        ),
    ),
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
        ),
    ),
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
        ),
    ),
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
        ),
        TableDeclaration(
            name="campaign_households",
            columns=(("campaign_id", "BIGINT"), ("household_id", "BIGINT")),
            primary_key=("campaign_id", "household_id"),
            location="campaign_households",
        ),
        TableDeclaration(
            name="coupons",
            columns=(("coupon_upc", "BIGINT"), ("product_id", "BIGINT"), ("campaign_id", "BIGINT")),
            # The export repeats some rows exactly; the key keeps one of each in the raw layer.
            primary_key=("coupon_upc", "product_id", "campaign_id"),
            location="coupons",
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
        ),
    ),
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
