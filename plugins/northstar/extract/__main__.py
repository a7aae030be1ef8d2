"""Command line: extract one source and load it into the warehouse (both phases).

python -m northstar.extract --source pos --interval-end 2017-01-08T00:00 --run-id manual
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging

from northstar.extract import SOURCES, extract_source, load_source
from northstar.settings import apply_privacy_env


def main(argv: list[str] | None = None) -> int:
    apply_privacy_env()
    parser = argparse.ArgumentParser(
        prog="python -m northstar.extract",
        description="Extract new rows of one source system and load them into the raw layer.",
    )
    parser.add_argument("--source", required=True, choices=SOURCES, help="source system")
    parser.add_argument(
        "--interval-end",
        required=True,
        type=dt.datetime.fromisoformat,
        help="exclusive end of the data interval, ISO time such as 2017-01-08T00:00",
    )
    parser.add_argument(
        "--interval-start",
        type=dt.datetime.fromisoformat,
        help="start of the data interval; an old start re-reads that interval (a backfill)",
    )
    parser.add_argument("--run-id", required=True, help="name of the landing batch folder")
    parser.add_argument("--log-level", default="INFO", help="logging level (default: INFO)")
    arguments = parser.parse_args(argv)
    logging.basicConfig(
        level=arguments.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    extracted = extract_source(
        arguments.source,
        arguments.interval_end,
        arguments.run_id,
        interval_start=arguments.interval_start,
    )
    loaded = load_source(arguments.source, arguments.run_id)
    print(json.dumps({"extract": extracted, "load": loaded}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
