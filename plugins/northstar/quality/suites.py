"""Expectation suites of the quality gate, one per validated table.

Each expectation has a severity: a failed ``critical`` expectation blocks the publish step and
keeps the last published marts, a failed ``warning`` is recorded and reported but publishing
proceeds. Its ``notes`` give the reason in one line. ``python -m northstar.quality.project``
saves these suites into the GX project under expectations/.
"""

from __future__ import annotations

from typing import Any

from northstar.quality import tables as t

CRITICAL = "critical"
WARNING = "warning"

INTEGER_TYPES = ["int64", "Int64"]
FLOAT_TYPES = ["float64", "Float64"]
TIMESTAMP_TYPES = ["datetime64[us]", "datetime64[ns]"]


def build_expectations() -> dict[str, list[Any]]:
    """Return the expectations of every suite, keyed by the table's GX name."""
    return {
        "raw_crm__households": _households(),
        "raw_crm__demographics": _unique_key(["household_id"], "one demographic row per household"),
        "raw_pos__transactions": _transactions(),
        "raw_catalog__products": _products(),
        "raw_marketing__campaigns": _campaigns(),
        "raw_marketing__campaign_households": _unique_key(
            ["campaign_id", "household_id"], "a household is targeted once per campaign"
        ),
        "raw_marketing__coupons": _unique_key(
            ["coupon_upc", "product_id", "campaign_id"],
            "the source repeats coupon rows and extraction must keep one",
        ),
        "raw_marketing__coupon_redemptions": _unique_key(
            ["household_id", "coupon_upc", "campaign_id", "redemption_date"],
            "a repeated redemption would double-count campaign reach",
        ),
        "marts__metric_values": _metric_values(),
        "marts__metric_tree_checks": _metric_tree_checks(),
        "marts__metric_attainment": _metric_attainment(),
        "marts__metric_definitions": _metric_definitions(),
        "marts__metric_consistency_checks": _metric_consistency_checks(),
    }


def _expect(name: str, severity: str, reason: str, **kwargs: Any) -> Any:
    import great_expectations.expectations as gxe

    expectation_class = getattr(gxe, name)
    return expectation_class(severity=severity, notes=reason, **kwargs)


def _not_empty(severity: str, reason: str) -> Any:
    return _expect("ExpectTableRowCountToBeBetween", severity, reason, min_value=1)


def _unique_key(key: list[str], reason: str) -> list[Any]:
    """Return not-null and uniqueness expectations on a primary key."""
    expectations = [
        _expect("ExpectColumnValuesToNotBeNull", CRITICAL, "a key part is missing", column=column)
        for column in key
    ]
    if len(key) == 1:
        expectations.append(
            _expect("ExpectColumnValuesToBeUnique", CRITICAL, reason, column=key[0])
        )
    else:
        expectations.append(
            _expect("ExpectCompoundColumnsToBeUnique", CRITICAL, reason, column_list=key)
        )
    return expectations


def _households() -> list[Any]:
    return [
        _not_empty(CRITICAL, "no households means the CRM extraction failed"),
        *_unique_key(["household_id"], "a repeated household would be counted twice"),
        _expect(
            "ExpectColumnValuesToBeInTypeList",
            CRITICAL,
            "household ids join the POS transactions as integers",
            column="household_id",
            type_list=INTEGER_TYPES,
        ),
        _expect(
            "ExpectColumnValuesToNotBeNull",
            WARNING,
            "without member_since a household is neither new nor returning",
            column="member_since",
        ),
    ]


def _transactions() -> list[Any]:
    return [
        _not_empty(CRITICAL, "no transactions means the POS extraction failed"),
        *_unique_key(["basket_id", "product_id"], "a repeated line would double sales"),
        *[
            _expect(
                "ExpectColumnValuesToNotBeNull",
                CRITICAL,
                "every metric groups lines by household, store and time",
                column=column,
            )
            for column in ("household_id", "store_id", "transaction_timestamp")
        ],
        *[
            _expect(
                "ExpectColumnValuesToBeInTypeList",
                CRITICAL,
                "ids and quantities are integers in the POS export",
                column=column,
                type_list=INTEGER_TYPES,
            )
            for column in ("basket_id", "household_id", "quantity")
        ],
        _expect(
            "ExpectColumnValuesToBeInTypeList",
            CRITICAL,
            "sales value is a decimal amount",
            column="sales_value",
            type_list=FLOAT_TYPES,
        ),
        _expect(
            "ExpectColumnValuesToBeInTypeList",
            CRITICAL,
            "periods are derived from a timestamp, not from text",
            column="transaction_timestamp",
            type_list=TIMESTAMP_TYPES,
        ),
        _expect(
            "ExpectColumnValuesToBeBetween",
            CRITICAL,
            "a negative quantity is not a sale",
            column="quantity",
            min_value=0,
        ),
        _expect(
            "ExpectColumnValuesToBeBetween",
            WARNING,
            "the source records sales value after discounts, never below zero",
            column="sales_value",
            min_value=0,
        ),
        # The minimum, not a per-row check: GX compares pandas timestamps one row at a time,
        # which takes seconds on a million lines, and the minimum is the earliest offender.
        _expect(
            "ExpectColumnMinToBeBetween",
            CRITICAL,
            "the source starts on 2017-01-01, so earlier timestamps are broken conversions",
            column="transaction_timestamp",
            min_value=t.EARLIEST_TRANSACTION_TIMESTAMP,
        ),
        _expect(
            "ExpectColumnMaxToBeBetween",
            WARNING,
            "lines after the data interval end come from a rerun over newer data",
            column="transaction_timestamp",
            max_value={"$PARAMETER": t.PARAM_DATA_INTERVAL_END},
        ),
        _expect(
            "ExpectColumnMaxToBeBetween",
            WARNING,
            "the newest line is older than the freshness limit, so a daily load is missing",
            column="transaction_timestamp",
            min_value={"$PARAMETER": t.PARAM_FRESHNESS_FLOOR},
        ),
    ]


def _products() -> list[Any]:
    return [
        _not_empty(CRITICAL, "no products means the catalog extraction failed"),
        *_unique_key(["product_id"], "a repeated product would duplicate sales lines on join"),
        _expect(
            "ExpectColumnValuesToNotBeNull",
            WARNING,
            "sales without a department fall out of the department dimension",
            column="department",
        ),
    ]


def _campaigns() -> list[Any]:
    return [
        *_unique_key(["campaign_id"], "a repeated campaign would double campaign reach"),
        _expect(
            "ExpectColumnPairValuesAToBeGreaterThanB",
            WARNING,
            "a campaign ending before it starts reaches no household",
            column_A="end_date",
            column_B="start_date",
            or_equal=True,
        ),
    ]


def _metric_values() -> list[Any]:
    from great_expectations.expectations.row_conditions import Column

    # Ratio rows carry a denominator; a zero denominator leaves the ratio undefined (null).
    ratio_rows = Column("denominator").is_not_null()
    defined_rows = Column("denominator").is_null() | (Column("denominator") != 0)
    return [
        _not_empty(CRITICAL, "no metric values means the dbt build produced nothing"),
        *_unique_key(list(t.METRIC_VALUE_KEY), "two values for one metric, period and cut"),
        _expect(
            "ExpectColumnValuesToNotBeNull",
            CRITICAL,
            "only a ratio with a zero denominator may lack a value",
            column="value",
            row_condition=defined_rows,
        ),
        _expect(
            "ExpectColumnValuesToBeBetween",
            CRITICAL,
            "every metric counts households or sums sales, so none is negative",
            column="value",
            min_value=0,
        ),
        _expect(
            "ExpectColumnValuesToBeBetween",
            CRITICAL,
            "a ratio metric is a share of households",
            column="value",
            min_value=0,
            max_value=1,
            row_condition=ratio_rows,
        ),
        _expect(
            "ExpectColumnValuesToBeInSet",
            CRITICAL,
            "reports only know these grains",
            column="grain",
            value_set=list(t.METRIC_GRAINS),
        ),
        _expect(
            "ExpectColumnValuesToBeInSet",
            CRITICAL,
            "reports only know these dimensions",
            column="dimension_name",
            value_set=list(t.METRIC_DIMENSIONS),
        ),
        _expect(
            "ExpectColumnPairValuesAToBeGreaterThanB",
            CRITICAL,
            "a period ends on or after its first day",
            column_A="period_end",
            column_B="period_start",
            or_equal=True,
        ),
    ]


def _metric_tree_checks() -> list[Any]:
    return [
        _expect(
            "ExpectColumnValuesToNotBeNull",
            CRITICAL,
            "an unevaluated identity cannot vouch for the metric tree",
            column="holds",
        ),
        _expect(
            "ExpectColumnValuesToBeInSet",
            CRITICAL,
            "a parent metric that differs from its formula beyond tolerance is wrong",
            column="holds",
            value_set=[True],
        ),
        _expect(
            "ExpectColumnValuesToBeBetween",
            WARNING,
            "a negative identity tolerance would make every check fail",
            column="tolerance",
            min_value=0,
        ),
    ]


def _metric_attainment() -> list[Any]:
    return [
        *_unique_key(["metric_id", "grain", "period_start"], "one attainment per target period"),
        _expect(
            "ExpectColumnValuesToBeInSet",
            CRITICAL,
            "reports colour only these statuses",
            column="status",
            value_set=list(t.ATTAINMENT_STATUSES),
        ),
        _expect(
            "ExpectColumnValuesToBeBetween",
            WARNING,
            "attainment divides two non-negative numbers",
            column="attainment",
            min_value=0,
        ),
    ]


def _metric_definitions() -> list[Any]:
    return [
        *_unique_key(["metric_id"], "one definition per metric"),
        _expect(
            "ExpectColumnValuesToNotBeNull",
            CRITICAL,
            "every metric is either the north star or not",
            column="is_north_star",
        ),
        # The sum of a boolean column counts its true values.
        _expect(
            "ExpectColumnSumToBeBetween",
            CRITICAL,
            "the program has exactly one north star metric",
            column="is_north_star",
            min_value=1,
            max_value=1,
        ),
    ]


def _metric_consistency_checks() -> list[Any]:
    return [
        _not_empty(CRITICAL, "no rows means metric_values was not compared with MetricFlow"),
        *_unique_key(list(t.METRIC_VALUE_KEY), "one comparison per metric value"),
        _expect(
            "ExpectColumnValuesToNotBeNull",
            CRITICAL,
            "an unevaluated comparison cannot vouch for a metric value",
            column="holds",
        ),
        _expect(
            "ExpectColumnValuesToBeInSet",
            CRITICAL,
            "a value that differs from MetricFlow's result for the same definition is not the "
            "governed number",
            column="holds",
            value_set=[True],
        ),
    ]
