"""A hand-built published marts file (marts.duckdb) for the report and delivery tests.

Three months, October to December 2017, of every metric in the real registry. The values obey
the metric tree, so they read like real data:
    active_households    = new_households + returning_households     (2,600 = 400 + 2,200)
    returning_households = campaign_returning + organic_returning     (2,200 = 900 + 1,300)
    repeat_households    = active_households * repeat_rate            (1,196 = 2,600 * 0.46)
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb

OCT, NOV, DEC = date(2017, 10, 1), date(2017, 11, 1), date(2017, 12, 1)
MONTH_ENDS = {OCT: date(2017, 10, 31), NOV: date(2017, 11, 30), DEC: date(2017, 12, 31)}

# metric_id: (October, November, December) month totals.
VALUES = {
    "repeat_households": (1080, 1150, 1196),
    "active_households": (2400, 2500, 2600),
    "repeat_rate": (0.45, 0.46, 0.46),
    "new_households": (380, 420, 400),
    "returning_households": (2020, 2080, 2200),
    "campaign_returning_households": (800, 860, 900),
    "organic_returning_households": (1220, 1220, 1300),
    "sales_value": (240000.0, 251500.25, 262345.6),
}

# December targets and the status the contract's rule gives (>= 1.0 on track, >= 0.95 at risk):
#   repeat_households  1,196 / 1,200  = 0.9967 -> at_risk    (shown 99.7%)
#   active_households  2,600 / 2,500  = 1.04   -> on_track   (104.0%)
#   repeat_rate        0.46 / 0.48    = 0.9583 -> at_risk    (95.8%)
#   new_households       400 / 500    = 0.8    -> off_track  (80.0%)
#   returning          2,200 / 2,100  = 1.0476 -> on_track   (104.8%)
#   organic            1,300 / 1,300  = 1.0    -> on_track   (100.0%)
#   sales_value  262,345.6 / 250,000  = 1.0494 -> on_track   (104.9%)
# campaign_returning_households has no target, so it has no attainment row.
DECEMBER_TARGETS = {
    "repeat_households": (1200, "at_risk"),
    "active_households": (2500, "on_track"),
    "repeat_rate": (0.48, "at_risk"),
    "new_households": (500, "off_track"),
    "returning_households": (2100, "on_track"),
    "organic_returning_households": (1300, "on_track"),
    "sales_value": (250000.0, "on_track"),
}
# Earlier north star targets: October 1,080 / 1,100 = 0.98 at risk, November 1,150 / 1,150 = 1.0.
EARLIER_NORTH_STAR_TARGETS = {OCT: (1100, "at_risk"), NOV: (1150, "on_track")}

RUN_ID = "publish__2018-01-01T02:00:00"
FAILING_WARNING = "expect_column_values_to_not_be_null"

SCHEMA = """
create table metric_values (
    metric_id varchar, grain varchar, period_start date, period_end date, period_key varchar,
    dimension_name varchar, dimension_value varchar, value double, numerator double,
    denominator double);
create table metric_attainment (
    metric_id varchar, grain varchar, period_start date, period_key varchar, value double,
    target_value double, attainment double, status varchar);
create table dq_results (
    run_id varchar, checked_at timestamp, suite varchar, expectation varchar,
    column_name varchar, severity varchar, success boolean, observed varchar, details varchar);
create table publish_log (
    run_id varchar, published_at timestamp, data_through date, gate_status varchar);
"""


def write_published_marts(
    path: Path,
    failing_warning: str = FAILING_WARNING,
    data_through: date = MONTH_ENDS[DEC],
) -> None:
    """Write the fixture to `path`, with `failing_warning` as the one failed warning's name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA)
        _insert_values(con)
        _insert_attainment(con)
        _insert_quality(con, failing_warning, data_through)
    finally:
        con.close()


def _insert_values(con) -> None:
    rows = []
    for metric_id, values in VALUES.items():
        for month, value in zip((OCT, NOV, DEC), values, strict=True):
            key = f"{month:%Y-%m}"
            rows.append((metric_id, "month", month, MONTH_ENDS[month], key, "total", "all", value))
    # Rows the report must not pick: a store cut and a week of the north star.
    rows.append(("repeat_households", "month", DEC, MONTH_ENDS[DEC], "2017-12", "store", "367", 55))
    rows.append(
        (
            "repeat_households",
            "week",
            date(2017, 12, 4),
            date(2017, 12, 10),
            "2017-W49",
            "total",
            "all",
            310,
        )
    )
    con.executemany("insert into metric_values values (?, ?, ?, ?, ?, ?, ?, ?, null, null)", rows)


def _insert_attainment(con) -> None:
    rows = []
    for metric_id, (target, status) in DECEMBER_TARGETS.items():
        value = VALUES[metric_id][2]
        rows.append((metric_id, "month", DEC, "2017-12", value, target, value / target, status))
    for month, (target, status) in EARLIER_NORTH_STAR_TARGETS.items():
        value = VALUES["repeat_households"][0 if month == OCT else 1]
        key = f"{month:%Y-%m}"
        rows.append(
            ("repeat_households", "month", month, key, value, target, value / target, status)
        )
    con.executemany("insert into metric_attainment values (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _insert_quality(con, failing_warning: str, data_through: date) -> None:
    earlier_run = "publish__2017-12-01T02:00:00"
    con.executemany(
        "insert into publish_log values (?, ?, ?, ?)",
        [
            (earlier_run, datetime(2017, 12, 1, 2, 30), date(2017, 11, 30), "failed"),
            (RUN_ID, datetime(2018, 1, 1, 2, 30), data_through, "passed"),
        ],
    )
    checked_at = datetime(2018, 1, 1, 2, 20)
    # Latest run: 4 passed (3 critical, 1 warning), 1 failed warning, 0 failed critical.
    # The earlier run's failures must not be counted.
    rows = [
        (RUN_ID, "metric_values", "expect_column_values_to_not_be_null", "value", "critical", True),
        (RUN_ID, "metric_values", "expect_compound_columns_to_be_unique", None, "critical", True),
        (
            RUN_ID,
            "metric_tree_checks",
            "expect_column_values_to_be_in_set",
            "holds",
            "critical",
            True,
        ),
        (
            RUN_ID,
            "fct_baskets",
            "expect_column_values_to_be_between",
            "sales_value",
            "warning",
            True,
        ),
        (RUN_ID, "dim_household", failing_warning, "member_since", "warning", False),
        (
            earlier_run,
            "metric_values",
            "expect_table_row_count_to_be_between",
            None,
            "critical",
            False,
        ),
        (
            earlier_run,
            "dim_household",
            "expect_column_values_to_be_unique",
            "household_id",
            "warning",
            False,
        ),
    ]
    con.executemany(
        "insert into dq_results values (?, ?, ?, ?, ?, ?, ?, null, null)",
        [(run, checked_at, *rest) for run, *rest in rows],
    )
