"""One place for the arguments and schedule facts every North Star DAG shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# The Complete Journey demo data covers 2017; a production deployment sets its own start.
START_DATE = datetime(2017, 1, 1, tzinfo=UTC)

DEFAULT_ARGS = {
    "owner": "data-platform",
    # One retry absorbs a transient failure (a source restarting, a file still being renamed);
    # more would delay the morning report without fixing a real fault.
    "retries": 1,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
}

TAGS = ["north-star"]
