"""Replay The Complete Journey into the source systems, one business window at a time.

`replay_sources(until)` makes the source systems hold what existed by the end of day `until`
(inclusive). Progress is stored in `<sources_dir>/replay_state.json`, so a later call adds
only the days after the last replayed one, and a call for an earlier or equal day does nothing.

NORTHSTAR_SOURCES chooses where the rows go (see `northstar.extract.connections`). `embedded`
writes SQLite, CSV and JSON files under the sources dir. `servers` writes the CRM to
PostgreSQL, the POS to MySQL/MariaDB and the catalog to the folder of its Airflow connection.
Marketing deliveries stay files in both settings, because the marketing API serves them.
The servers setting keeps its progress in `replay_state_servers.json`.

Run it from a shell:

    python -m northstar.sources.replay --until 2017-12-31
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from northstar.settings import Settings, apply_privacy_env, get_settings

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)

REPLAY_STATE_FILE = "replay_state.json"
SERVERS_REPLAY_STATE_FILE = "replay_state_servers.json"
POS_DATABASE = "pos.sqlite"
CRM_DATABASE = "crm.sqlite"
CATALOG_FILE = "catalog/products.csv"
MARKETING_DIR = "marketing"

DEMOGRAPHIC_COLUMNS = (
    "age",
    "income",
    "home_ownership",
    "marital_status",
    "household_size",
    "household_comp",
    "kids_count",
)


@dataclass(frozen=True)
class ReplayWindow:
    """Business time replayed by one call: [start, end), start None for the first call."""

    start: dt.datetime | None
    end: dt.datetime

    def parquet_filter(self, column: str) -> list[tuple]:
        predicates = [(column, "<", self.end)]
        if self.start is not None:
            predicates.append((column, ">=", self.start))
        return predicates


def replay_state_path(settings: Settings) -> Path:
    from northstar.extract.connections import sources_setting

    name = SERVERS_REPLAY_STATE_FILE if sources_setting() == "servers" else REPLAY_STATE_FILE
    return settings.sources_dir / name


def read_replayed_through(settings: Settings) -> dt.date | None:
    """Return the last business day already replayed, or None before the first replay."""
    path = replay_state_path(settings)
    if not path.is_file():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    return dt.date.fromisoformat(state["replayed_through"])


def replay_sources(until: dt.date, settings: Settings | None = None) -> dict:
    """Fill the source systems with everything that happened through the end of day `until`.

    Returns a summary with the window replayed and the rows or files written per system.
    """
    from northstar.sources.files import write_json_atomic

    settings = settings or get_settings()
    replayed_through = read_replayed_through(settings)
    if replayed_through is not None and until <= replayed_through:
        log.info(
            "replay until %s skipped: sources already replayed through %s",
            until,
            replayed_through,
        )
        return {
            "status": "up_to_date",
            "until": until.isoformat(),
            "replayed_through": replayed_through.isoformat(),
            "written": {},
        }

    start = None
    if replayed_through is not None:
        start = dt.datetime.combine(replayed_through + dt.timedelta(days=1), dt.time())
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time())
    window = ReplayWindow(start=start, end=end)
    log.info("replay until %s started: window [%s, %s)", until, window.start, window.end)
    began = time.monotonic()

    settings.sources_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    written.update(_replay_pos(settings, window))
    written.update(_replay_crm(settings, window))
    written.update(_replay_catalog(settings))
    written.update(_replay_marketing(settings, window))

    state = {"replayed_through": until.isoformat(), "window_end": window.end.isoformat()}
    write_json_atomic(replay_state_path(settings), state)
    log.info("replay until %s finished in %.1f s: %s", until, time.monotonic() - began, written)
    return {
        "status": "replayed",
        "until": until.isoformat(),
        "replayed_through": until.isoformat(),
        "window_start": window.start.isoformat() if window.start else None,
        "window_end": window.end.isoformat(),
        "written": written,
    }


def _replay_pos(settings: Settings, window: ReplayWindow) -> dict:
    from northstar.sources import systems
    from northstar.sources.dataset import read_dataset

    lines = read_dataset("transactions", filters=window.parquet_filter("transaction_timestamp"))
    if _servers():
        from northstar.sources import servers

        rows = servers.write_pos(lines)
    else:
        rows = systems.write_pos(settings.sources_dir / POS_DATABASE, lines)
    log.info("replay pos.transactions: %d rows until %s", rows, window.end)
    return {"pos.transactions": rows}


def _replay_crm(settings: Settings, window: ReplayWindow) -> dict:
    """Add households whose first purchase falls in the window, with their demographics."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from northstar.sources import systems
    from northstar.sources.dataset import read_dataset
    from northstar.sources.people import household_contacts

    purchases = read_dataset("transactions", columns=["household_id", "transaction_timestamp"])
    first = purchases.group_by("household_id").aggregate([("transaction_timestamp", "min")])
    member_since = first.column("transaction_timestamp_min")
    in_window = pc.less(member_since, pa.scalar(window.end, member_since.type))
    if window.start is not None:
        after_start = pc.greater_equal(member_since, pa.scalar(window.start, member_since.type))
        in_window = pc.and_(in_window, after_start)
    joined = first.filter(in_window).sort_by("household_id")
    households = pa.table(
        {
            "household_id": joined.column("household_id"),
            "member_since": joined.column("transaction_timestamp_min"),
            # The row is written when the household joins, in replayed business time, so two
            # replays of the same window write identical rows.
            "updated_at": joined.column("transaction_timestamp_min"),
            **household_contacts(joined.column("household_id").to_pylist()),
        }
    )

    demographics = read_dataset("demographics")
    demographics = demographics.join(
        households.select(["household_id", "updated_at"]), "household_id", join_type="inner"
    ).sort_by("household_id")
    demographics = demographics.select(["household_id", *DEMOGRAPHIC_COLUMNS, "updated_at"])

    if _servers():
        from northstar.sources import servers

        household_rows, demographic_rows = servers.write_crm(households, demographics)
    else:
        household_rows, demographic_rows = systems.write_crm(
            settings.sources_dir / CRM_DATABASE, households, demographics
        )
    log.info(
        "replay crm: %d households, %d demographics rows until %s",
        household_rows,
        demographic_rows,
        window.end,
    )
    return {"crm.households": household_rows, "crm.demographics": demographic_rows}


def _replay_catalog(settings: Settings) -> dict:
    from northstar.sources import systems
    from northstar.sources.dataset import read_dataset

    products = read_dataset("products").sort_by("product_id")
    path = settings.sources_dir / CATALOG_FILE
    if _servers():
        from northstar.sources import servers

        path = servers.catalog_path()
    changed = systems.write_catalog(path, products)
    log.info("replay catalog.products: %s", "written" if changed else "unchanged")
    return {"catalog.products": products.num_rows if changed else 0}


def _replay_marketing(settings: Settings, window: ReplayWindow) -> dict:
    """Write the marketing deliveries of the window, one JSON file per entity and day.

    Campaigns, their households and their coupons are delivered on the campaign start day;
    redemptions on the redemption day.
    """
    import pyarrow.compute as pc

    from northstar.sources import systems
    from northstar.sources.dataset import read_dataset

    campaigns = read_dataset(
        "campaign_descriptions", filters=window.parquet_filter("start_date")
    ).sort_by("campaign_id")
    start_day = {
        row["campaign_id"]: row["start_date"].date().isoformat() for row in campaigns.to_pylist()
    }
    campaign_ids = campaigns.column("campaign_id")

    def of_campaigns(table: pa.Table) -> pa.Table:
        return table.filter(pc.is_in(table.column("campaign_id"), value_set=campaign_ids))

    redemptions = read_dataset(
        "coupon_redemptions", filters=window.parquet_filter("redemption_date")
    )
    deliveries = {
        "campaigns": _by_day(_dates_as_text(campaigns), lambda r: start_day[r["campaign_id"]]),
        "campaign_households": _by_day(
            of_campaigns(read_dataset("campaigns")), lambda r: start_day[r["campaign_id"]]
        ),
        "coupons": _by_day(
            of_campaigns(read_dataset("coupons")), lambda r: start_day[r["campaign_id"]]
        ),
        "coupon_redemptions": _by_day(_dates_as_text(redemptions), lambda r: r["redemption_date"]),
    }

    written = {}
    marketing_dir = settings.sources_dir / MARKETING_DIR
    for entity, records_by_day in deliveries.items():
        files = systems.write_deliveries(marketing_dir, entity, records_by_day)
        rows = sum(len(records) for records in records_by_day.values())
        log.info("replay marketing.%s: %d records in %d delivery files", entity, rows, files)
        written[f"marketing.{entity}"] = rows
    return written


def _servers() -> bool:
    from northstar.extract.connections import sources_setting

    return sources_setting() == "servers"


def _dates_as_text(table: pa.Table) -> pa.Table:
    """Turn midnight timestamps into ISO dates, the form the marketing export uses."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for index, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            text = pc.strftime(table.column(index), format="%Y-%m-%d")
            table = table.set_column(index, field.name, text)
    return table


def _by_day(table: pa.Table, day_of) -> dict[str, list[dict]]:
    records_by_day: dict[str, list[dict]] = defaultdict(list)
    for record in table.to_pylist():
        records_by_day[day_of(record)].append(record)
    return dict(records_by_day)


def parse_business_day(text: str) -> dt.date:
    """Parse a YYYY-MM-DD command-line date, with an error that names the value and the format."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"invalid date {text!r} ({error}); give a calendar day as YYYY-MM-DD, e.g. 2017-12-31"
        ) from None


def main(argv: list[str] | None = None) -> int:
    apply_privacy_env()
    parser = argparse.ArgumentParser(
        prog="python -m northstar.sources.replay",
        description="Replay The Complete Journey into the source systems through a business day.",
    )
    parser.add_argument(
        "--until",
        required=True,
        type=parse_business_day,
        help="last business day to replay, inclusive (YYYY-MM-DD)",
    )
    parser.add_argument("--log-level", default="INFO", help="logging level (default: INFO)")
    arguments = parser.parse_args(argv)
    logging.basicConfig(
        level=arguments.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    summary = replay_sources(arguments.until)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
