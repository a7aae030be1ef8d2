"""The warehouse tables the quality gate validates, the columns it reads and its thresholds.

Every table gets its own GX asset, expectation suite, validation definition and checkpoint,
all named after the table (``raw_pos__transactions``), because a checkpoint passes one
dataframe to all of its validation definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Name of the GX pandas data source that contains one dataframe asset per table.
DATA_SOURCE_NAME = "northstar_warehouse_frames"
BATCH_DEFINITION_NAME = "whole_table"

# The Complete Journey source begins on 2017-01-01, so an earlier transaction timestamp comes
# from a broken date conversion, not from the business.
EARLIEST_TRANSACTION_TIMESTAMP = datetime(2017, 1, 1)

# POS extraction runs daily. A newest transaction older than two days before the data interval
# end means at least one daily load is missing, so the marts lag and reviewers should know.
MAX_TRANSACTION_AGE = timedelta(days=2)

# Unexpected rows listed per failed expectation in the results file and dq_results, enough to
# find the pattern without copying a whole broken table into the published file.
PARTIAL_UNEXPECTED_COUNT = 10

# Expectation parameters: suites refer to these names as {"$PARAMETER": name}, and the gate
# computes their values from the run's data interval end.
PARAM_DATA_INTERVAL_END = "data_interval_end"
PARAM_FRESHNESS_FLOOR = "transaction_freshness_floor"

METRIC_GRAINS = ("day", "week", "month", "quarter")
METRIC_DIMENSIONS = ("total", "store", "region", "department", "income_band")
ATTAINMENT_STATUSES = ("on_track", "at_risk", "off_track")


@dataclass(frozen=True)
class TableSpec:
    """One validated table: where it lives, what the gate reads and how failed rows are named."""

    schema: str
    table: str
    columns: tuple[str, ...]
    # Columns that identify a row, listed beside each unexpected row in the results.
    key: tuple[str, ...]

    @property
    def name(self) -> str:
        """GX name of the asset, suite, validation definition and checkpoint."""
        return f"{self.schema}__{self.table}"

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.table}"

    def select_sql(self) -> str:
        """Return the query that reads only the validated columns."""
        columns = ", ".join(f'"{column}"' for column in self.columns)
        return f'select {columns} from "{self.schema}"."{self.table}"'


RAW_TABLES = (
    TableSpec(
        "raw_crm",
        "households",
        ("household_id", "member_since", "updated_at"),
        key=("household_id",),
    ),
    TableSpec("raw_crm", "demographics", ("household_id", "income"), key=("household_id",)),
    TableSpec(
        "raw_pos",
        "transactions",
        (
            "basket_id",
            "product_id",
            "household_id",
            "store_id",
            "quantity",
            "sales_value",
            "transaction_timestamp",
        ),
        key=("basket_id", "product_id"),
    ),
    TableSpec("raw_catalog", "products", ("product_id", "department"), key=("product_id",)),
    TableSpec(
        "raw_marketing",
        "campaigns",
        ("campaign_id", "start_date", "end_date"),
        key=("campaign_id",),
    ),
    TableSpec(
        "raw_marketing",
        "campaign_households",
        ("campaign_id", "household_id"),
        key=("campaign_id", "household_id"),
    ),
    TableSpec(
        "raw_marketing",
        "coupons",
        ("coupon_upc", "product_id", "campaign_id"),
        key=("coupon_upc", "product_id", "campaign_id"),
    ),
    TableSpec(
        "raw_marketing",
        "coupon_redemptions",
        ("household_id", "coupon_upc", "campaign_id", "redemption_date"),
        key=("household_id", "coupon_upc", "campaign_id", "redemption_date"),
    ),
)

METRIC_VALUE_KEY = ("metric_id", "grain", "period_start", "dimension_name", "dimension_value")

MART_TABLES = (
    TableSpec(
        "marts",
        "metric_values",
        (*METRIC_VALUE_KEY, "period_end", "value", "numerator", "denominator"),
        key=METRIC_VALUE_KEY,
    ),
    TableSpec(
        "marts",
        "metric_tree_checks",
        (
            "parent_metric_id",
            "grain",
            "period_start",
            "dimension_name",
            "dimension_value",
            "rel_diff",
            "tolerance",
            "holds",
        ),
        key=("parent_metric_id", "grain", "period_start", "dimension_name", "dimension_value"),
    ),
    TableSpec(
        "marts",
        "metric_attainment",
        ("metric_id", "grain", "period_start", "attainment", "status"),
        key=("metric_id", "grain", "period_start"),
    ),
    TableSpec(
        "marts",
        "metric_definitions",
        ("metric_id", "is_north_star"),
        key=("metric_id",),
    ),
    TableSpec(
        "marts",
        "metric_consistency_checks",
        (*METRIC_VALUE_KEY, "store_value", "metricflow_value", "holds"),
        key=METRIC_VALUE_KEY,
    ),
)

ALL_TABLES = RAW_TABLES + MART_TABLES
