"""Where the sources live: the setting switch, Airflow connections and retries with back-off.

`NORTHSTAR_SOURCES` chooses the setting. `embedded` (the default, used by `make demo`) reads
the SQLite, CSV and JSON files that the replay writes under the sources dir. `servers` reads
the CRM from PostgreSQL, the POS from MySQL/MariaDB, marketing from its REST API and the
catalog from a folder, each through the Airflow connection declared for the source. Airflow
resolves a connection id from `AIRFLOW_CONN_<ID>` or from the configured secrets backend, so
no credential appears in this repository.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from northstar.extract.errors import SourceConfigError, SourceUnavailableError

if TYPE_CHECKING:
    from northstar.extract.declarations import SourceDeclaration

log = logging.getLogger(__name__)

SOURCES_SETTING_ENV = "NORTHSTAR_SOURCES"
SETTINGS = ("embedded", "servers")

# Connection attempts before a source counts as down, and the first pause between them; each
# pause doubles (2 s, 4 s, 8 s), which rides out a database restart or failover of about ten
# seconds. Longer outages are left to the Airflow task retry. Both can be set per deployment.
CONNECT_ATTEMPTS_ENV = "NORTHSTAR_SOURCE_CONNECT_ATTEMPTS"
RETRY_DELAY_ENV = "NORTHSTAR_SOURCE_RETRY_DELAY_SECONDS"
DEFAULT_CONNECT_ATTEMPTS = 4
DEFAULT_RETRY_DELAY_SECONDS = 2.0

# Seconds a server gets to accept a connection before the attempt counts as failed.
CONNECT_TIMEOUT_SECONDS = 10

T = TypeVar("T")


def sources_setting() -> str:
    """Return the source setting chosen by NORTHSTAR_SOURCES (default: embedded)."""
    setting = os.environ.get(SOURCES_SETTING_ENV, "embedded").strip().lower() or "embedded"
    if setting not in SETTINGS:
        raise SourceConfigError(
            f"invalid {SOURCES_SETTING_ENV}={setting!r}; set it to one of {', '.join(SETTINGS)}"
        )
    return setting


def get_connection(conn_id: str) -> Any:
    """Return the Airflow connection `conn_id`, or raise an error that explains how to define it."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        raise SourceConfigError(
            f"Airflow connection {conn_id!r} is not defined; export "
            f"AIRFLOW_CONN_{conn_id.upper()} (a URI or JSON) or add it to the secrets backend"
        ) from None


def source_connection(source: SourceDeclaration) -> Any:
    return get_connection(source.conn_id)


def call_with_retries(
    connect: Callable[[], T],
    source: str,
    target: str,
    transient: tuple[type[BaseException], ...],
) -> T:
    """Call `connect` until it succeeds, pausing with exponential back-off between attempts.

    Raises SourceUnavailableError naming the source and `target` (host and port, never the
    credentials) after the last attempt failed with one of the `transient` errors.
    """
    attempts = int(os.environ.get(CONNECT_ATTEMPTS_ENV, DEFAULT_CONNECT_ATTEMPTS))
    delay = float(os.environ.get(RETRY_DELAY_ENV, DEFAULT_RETRY_DELAY_SECONDS))
    for attempt in range(1, attempts + 1):
        try:
            return connect()
        except transient as error:
            if attempt == attempts:
                raise SourceUnavailableError(
                    f"source {source}: {target} is unavailable after {attempts} attempts "
                    f"({type(error).__name__}: {str(error).strip()}); start the server or fix "
                    "the Airflow connection, then retry the task"
                ) from error
            log.warning(
                "source %s: connection %d/%d to %s failed (%s); retrying in %.1f s",
                source,
                attempt,
                attempts,
                target,
                str(error).strip(),
                delay,
            )
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable: the loop returns or raises")
