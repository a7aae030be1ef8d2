"""A hand-built published marts file (marts.duckdb) for the report and delivery tests.

Months October to December 2017 (and December 2016) of every metric in the real registry, the
ISO weeks 2017-W40 to W52, and the quarters 2017-Q3 and Q4. The values obey the metric tree:
    active_households    = new_households + returning_households     (2,600 = 400 + 2,200)
    returning_households = campaign_returning + organic_returning     (2,200 = 900 + 1,300)
    repeat_households    = active_households * repeat_rate            (1,196 = 2,600 * 0.46)
Regions, stores and income bands partition the households (each shops in one store), so their
rows add up to the totals; departments overlap, as in real data.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

DEC_2016 = date(2016, 12, 1)
OCT, NOV, DEC = date(2017, 10, 1), date(2017, 11, 1), date(2017, 12, 1)
MONTH_ENDS = {OCT: date(2017, 10, 31), NOV: date(2017, 11, 30), DEC: date(2017, 12, 31)}
Q3, Q4, Q4_2016 = date(2017, 7, 1), date(2017, 10, 1), date(2016, 10, 1)
W51, W52 = date(2017, 12, 18), date(2017, 12, 25)

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
# December 2016, for the change against the same month last year: 1,196 - 1,104 = +92 (+8.3%).
DEC_2016_VALUES = {"repeat_households": 1104, "active_households": 2400, "repeat_rate": 0.46}

# Per region, (November, December) of new, campaign-reached and organic returning households and
# repeat households; active and returning follow from the tree. They add up to the totals, e.g.
# repeat 380 + 341 + 265 + 164 = 1,150 and 450 + 331 + 262 + 153 = 1,196. North grows by 70,
# the others shrink by 10, 3 and 11: +46 in all.
REGIONS = {
    "North": {
        "new": (125, 130),
        "campaign": (300, 330),
        "organic": (385, 440),
        "repeat": (380, 450),
    },
    "South": {
        "new": (115, 110),
        "campaign": (245, 250),
        "organic": (380, 390),
        "repeat": (341, 331),
    },
    "East": {"new": (100, 90), "campaign": (185, 190), "organic": (285, 290), "repeat": (265, 262)},
    "West": {"new": (80, 70), "campaign": (130, 130), "organic": (170, 180), "repeat": (164, 153)},
}
# store_id: (region, (Nov, Dec) repeat households, (Nov, Dec) active households); per region
# they add up to the region's rows (North: 230 + 150 = 380, 270 + 180 = 450).
STORES = {
    "101": ("North", (230, 270), (500, 540)),
    "102": ("North", (150, 180), (310, 360)),
    "201": ("South", (201, 191), (440, 450)),
    "202": ("South", (140, 140), (300, 300)),
    "301": ("East", (150, 147), (320, 320)),
    "302": ("East", (115, 115), (250, 250)),
    "401": ("West", (100, 90), (230, 230)),
    "402": ("West", (64, 63), (150, 150)),
}
# Income band: ((Nov, Dec) repeat households, (Nov, Dec) active households); they partition the
# households: 380 + 470 + 300 = 1,150 and 430 + 480 + 286 = 1,196.
INCOME_BANDS = {
    "Under 35K": ((380, 430), (900, 1000)),
    "35-74K": ((470, 480), (1000, 1000)),
    "75K+": ((300, 286), (600, 600)),
}
# Department: (Nov, Dec) repeat households. The name with markup checks HTML escaping.
DEPARTMENTS = {
    "GROCERY": (900, 950),
    "PRODUCE": (500, 520),
    "MEAT": (300, 290),
    "DELI <b>&</b> CO": (40, 52),
    # Households whose department the sources left blank; zh-CN shows it as 未知.
    "Unknown": (10, 12),
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

# Weeks: the north star from 2017-W40 to W52. W52 (560) is far above the 12 weeks before it
# (median 508, MAD floored at 1% of it, 5.08): z = 0.6745 * 52 / 5.08 = 6.9 > 3.5, an anomaly.
WEEK_NORTH_STAR = (500, 505, 498, 510, 502, 507, 512, 503, 509, 515, 511, 520, 560)
W40 = date(2017, 10, 2)
# W51 and W52 of the other tree metrics: 1,300 = 200 + 1,100 and 1,350 = 210 + 1,140.
WEEK_TREE = {
    "active_households": (1300, 1350),
    "repeat_rate": (520 / 1300, 560 / 1350),
    "new_households": (200, 210),
    "returning_households": (1100, 1140),
    "campaign_returning_households": (400, 420),
    "organic_returning_households": (700, 720),
}
# Quarters (Q3, Q4 2017): 1,900 = 4,000 * 0.475 and 2,050 = 4,100 * 0.5; Q4 2016 had 1,980.
QUARTERS = {
    "repeat_households": (1900, 2050),
    "active_households": (4000, 4100),
    "repeat_rate": (0.475, 0.5),
    "new_households": (800, 700),
    "returning_households": (3200, 3400),
    "campaign_returning_households": (1200, 1300),
    "organic_returning_households": (2000, 2100),
}
# The North region in W51, W52 and in Q3, Q4: new, campaign-reached and organic returning
# households and repeat households, as (earlier, later). Other regions have no week or quarter
# rows, which no test needs.
NORTH_WEEKS = {"new": (60, 62), "campaign": (120, 125), "organic": (200, 205), "repeat": (150, 160)}
NORTH_QUARTERS = {
    "new": (250, 230),
    "campaign": (400, 420),
    "organic": (600, 640),
    "repeat": (640, 700),
}
# Q4 targets: 2,050 / 2,000 = 1.025 on track; 4,100 / 4,200 = 0.976 at risk.
Q4_TARGETS = {"repeat_households": (2000, "on_track"), "active_households": (4200, "at_risk")}
# December targets of the North region (metric_target_attainment, dimension_name 'region'):
#   active_households  900 / 900 = 1.0  -> on_track   (100.0%)
#   repeat_households  450 / 500 = 0.9  -> off_track  (90.0%)
#   new_households     130 / 125 = 1.04 -> on_track   (104.0%)
# November: repeat_households 380 / 400 = 0.95 -> at_risk. Other North metrics have no target.
NORTH_TARGETS = {
    DEC: {
        "active_households": (900, "on_track"),
        "repeat_households": (500, "off_track"),
        "new_households": (125, "on_track"),
    },
    NOV: {"repeat_households": (400, "at_risk")},
}
# dim_date starts at the first quarter with published values, so every last-year period the
# reports compare with (December 2016, Q4 2016, 2016-W52) is covered.
FIRST_DAY = Q4_2016
LAST_DAY = MONTH_ENDS[DEC]

RUN_ID = "publish__2018-01-01T02:00:00"
PUBLISHED_AT = datetime(2018, 1, 1, 2, 30)
FAILING_WARNING = "expect_column_values_to_not_be_null"
# dq_results.details of the failing warning: the quality gate stores the expectation's notes
# as "reason" (northstar.quality.results).
FAILING_WARNING_REASON = "without member_since a household is neither new nor returning"

SCHEMA = """
create table metric_values (
    metric_id varchar, grain varchar, period_start date, period_end date, period_key varchar,
    dimension_name varchar, dimension_value varchar, value double, numerator double,
    denominator double);
create table metric_attainment (
    metric_id varchar, grain varchar, period_start date, period_key varchar, value double,
    target_value double, attainment double, status varchar);
create table metric_target_attainment (
    metric_id varchar, grain varchar, period_start date, period_key varchar,
    dimension_name varchar, dimension_value varchar, value double, target_value double,
    attainment double, status varchar);
create table dim_date (date_day date);
create table dim_store (store_id bigint, region varchar);
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
    gate_status: str = "passed",
    first_day: date = FIRST_DAY,
    day_rows_from: date | None = None,
) -> None:
    """Write the fixture to `path`; the latest publish has `data_through` and `gate_status`.

    dim_date spans `first_day` to the end of 2017. With `day_rows_from`, metric_values also gets
    day-grain north star rows from that day to the end of its month.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA)
        rows = _month_rows() + _dimension_rows() + _week_rows() + _quarter_rows()
        if day_rows_from is not None:
            rows += _day_rows(day_rows_from)
        con.executemany("insert into metric_values values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        _insert_attainment(con)
        _insert_region_targets(con)
        days = (LAST_DAY - first_day).days + 1
        con.executemany(
            "insert into dim_date values (?)",
            [(first_day + timedelta(days=offset),) for offset in range(days)],
        )
        con.executemany(
            "insert into dim_store values (?, ?)",
            [(int(store), region) for store, (region, _, _) in STORES.items()],
        )
        _insert_quality(con, failing_warning, data_through, gate_status)
    finally:
        con.close()


def _row(metric_id, grain, start, end, key, dimension, segment, value, num=None, den=None):
    return (metric_id, grain, start, end, key, dimension, segment, value, num, den)


def _month(start: date) -> tuple[date, date, str]:
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start, end, f"{start:%Y-%m}"


def _month_rows() -> list[tuple]:
    rows = []
    for metric_id, values in VALUES.items():
        for month, value in zip((OCT, NOV, DEC), values, strict=True):
            rows.append(_row(metric_id, "month", *_month(month), "total", "all", value))
    for metric_id, value in DEC_2016_VALUES.items():
        rows.append(_row(metric_id, "month", *_month(DEC_2016), "total", "all", value))
    return rows


def _tree_values(new, campaign, organic, repeat) -> dict[str, tuple]:
    returning = campaign + organic
    active = new + returning
    return {
        "new_households": (new,),
        "campaign_returning_households": (campaign,),
        "organic_returning_households": (organic,),
        "returning_households": (returning,),
        "active_households": (active,),
        "repeat_households": (repeat,),
        "repeat_rate": (repeat / active, repeat, active),
    }


def _dimension_rows() -> list[tuple]:
    rows = []
    for index, month in enumerate((NOV, DEC)):
        period = _month(month)
        for region, parts in REGIONS.items():
            values = _tree_values(*(parts[name][index] for name in parts))
            for metric_id, value in values.items():
                rows.append(_row(metric_id, "month", *period, "region", region, *value))
        for store, (_, repeat, active) in STORES.items():
            rows.append(_row("repeat_households", "month", *period, "store", store, repeat[index]))
            rows.append(_row("active_households", "month", *period, "store", store, active[index]))
        for band, (repeat, active) in INCOME_BANDS.items():
            r, a = repeat[index], active[index]
            rows.append(_row("repeat_households", "month", *period, "income_band", band, r))
            rows.append(_row("active_households", "month", *period, "income_band", band, a))
            rows.append(_row("repeat_rate", "month", *period, "income_band", band, r / a, r, a))
        for department, repeat in DEPARTMENTS.items():
            value = repeat[index]
            rows.append(
                _row("repeat_households", "month", *period, "department", department, value)
            )
    return rows


def _day_rows(first: date) -> list[tuple]:
    month_end = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    rows = []
    for offset in range((month_end - first).days + 1):
        day = first + timedelta(days=offset)
        rows.append(_row("repeat_households", "day", day, day, day.isoformat(), "total", "all", 40))
    return rows


def _week(start: date) -> tuple[date, date, str]:
    year, week, _ = start.isocalendar()
    return start, start + timedelta(days=6), f"{year}-W{week:02d}"


def _week_rows() -> list[tuple]:
    rows = []
    for offset, value in enumerate(WEEK_NORTH_STAR):
        week = _week(W40 + timedelta(weeks=offset))
        rows.append(_row("repeat_households", "week", *week, "total", "all", value))
    for metric_id, values in WEEK_TREE.items():
        for start, value in zip((W51, W52), values, strict=True):
            rows.append(_row(metric_id, "week", *_week(start), "total", "all", value))
    rows.append(_row("repeat_households", "week", *_week(date(2016, 12, 26)), "total", "all", 500))
    for index, start in enumerate((W51, W52)):
        values = _tree_values(*(part[index] for part in NORTH_WEEKS.values()))
        for metric_id, value in values.items():
            rows.append(_row(metric_id, "week", *_week(start), "region", "North", *value))
    return rows


def _quarter(start: date) -> tuple[date, date, str]:
    end = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1) - timedelta(days=1)
    return start, end, f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def _quarter_rows() -> list[tuple]:
    rows = []
    for metric_id, values in QUARTERS.items():
        for start, value in zip((Q3, Q4), values, strict=True):
            rows.append(_row(metric_id, "quarter", *_quarter(start), "total", "all", value))
    rows.append(_row("repeat_households", "quarter", *_quarter(Q4_2016), "total", "all", 1980))
    for index, start in enumerate((Q3, Q4)):
        values = _tree_values(*(part[index] for part in NORTH_QUARTERS.values()))
        for metric_id, value in values.items():
            rows.append(_row(metric_id, "quarter", *_quarter(start), "region", "North", *value))
    return rows


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
    for metric_id, (target, status) in Q4_TARGETS.items():
        value = QUARTERS[metric_id][1]
        rows.append((metric_id, "quarter", Q4, "2017-Q4", value, target, value / target, status))
    con.executemany("insert into metric_attainment values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    # metric_attainment is the total rows of metric_target_attainment.
    con.executemany(
        "insert into metric_target_attainment values (?, ?, ?, ?, 'total', 'all', ?, ?, ?, ?)",
        rows,
    )


def _insert_region_targets(con) -> None:
    rows = []
    for month, targets in NORTH_TARGETS.items():
        index = 1 if month == DEC else 0
        values = _tree_values(*(parts[index] for parts in REGIONS["North"].values()))
        for metric_id, (target, status) in targets.items():
            value = values[metric_id][0]
            key = f"{month:%Y-%m}"
            attainment = value / target
            row = (metric_id, "month", month, key, "region", "North", value, target, attainment)
            rows.append((*row, status))
    con.executemany(
        "insert into metric_target_attainment values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
    )


def _insert_quality(con, failing_warning: str, data_through: date, gate_status: str) -> None:
    earlier_run = "publish__2017-12-01T02:00:00"
    con.executemany(
        "insert into publish_log values (?, ?, ?, ?)",
        [
            (earlier_run, datetime(2017, 12, 1, 2, 30), date(2017, 11, 30), "failed"),
            (RUN_ID, PUBLISHED_AT, data_through, gate_status),
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
    failing_details = json.dumps(
        {"kwargs": {"column": "member_since"}, "reason": FAILING_WARNING_REASON}, sort_keys=True
    )
    records = []
    for run, suite, expectation, column, severity, success in rows:
        details = failing_details if column == "member_since" else None
        records.append((run, checked_at, suite, expectation, column, severity, success, details))
    con.executemany("insert into dq_results values (?, ?, ?, ?, ?, ?, ?, null, ?)", records)
