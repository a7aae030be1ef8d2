"""Fixtures for the servers setting: scratch PostgreSQL and MariaDB databases and the API.

Each test gets databases with unique names, replayed through the first week of 2017, and a
marketing API on a free loopback port. Both databases are dropped afterwards. The servers are
the ones on this machine (PostgreSQL on 127.0.0.1:5432 with trust auth, MariaDB on
127.0.0.1:3306 as root without password); a test is skipped, naming the server, when one
does not accept connections.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass

import pytest

from northstar.settings import Settings
from northstar.sources.api import MarketingApiServer, start_marketing_api
from northstar.sources.replay import replay_sources

PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
MYSQL = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
PII_KEY = "test-masking-key-0123456789abcdef"


@dataclass
class ServerSources:
    settings: Settings
    database: str
    api: MarketingApiServer

    def pg(self, sql: str, parameters=None, fetch: bool = True):
        import psycopg2

        connection = psycopg2.connect(PG_DSN.replace("dbname=postgres", f"dbname={self.database}"))
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(sql, parameters)
                return cursor.fetchall() if fetch else None
        finally:
            connection.close()

    def mysql(self, sql: str, parameters=None):
        import pymysql

        connection = pymysql.connect(**MYSQL, database=self.database, autocommit=True)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, parameters)
                return cursor.fetchall()
        finally:
            connection.close()


def _admin(statement: str) -> None:
    import psycopg2
    import pymysql

    try:
        postgres = psycopg2.connect(PG_DSN, connect_timeout=5)
    except psycopg2.OperationalError as error:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not running: {error}")
    postgres.autocommit = True
    with postgres.cursor() as cursor:
        cursor.execute(statement)
    postgres.close()
    try:
        mysql = pymysql.connect(**MYSQL, connect_timeout=5, autocommit=True)
    except pymysql.err.OperationalError as error:
        pytest.skip(f"MariaDB on 127.0.0.1:3306 is not running: {error}")
    with mysql.cursor() as cursor:
        cursor.execute(statement)
    mysql.close()


def connect_sources(monkeypatch: pytest.MonkeyPatch, settings: Settings, database: str) -> None:
    """Point the Airflow connections of the sources at the scratch databases and folders."""
    monkeypatch.setenv("NORTHSTAR_SOURCES", "servers")
    monkeypatch.setenv("NORTHSTAR_PII_KEY", PII_KEY)
    # Two quick attempts keep the tests of an unavailable source short.
    monkeypatch.setenv("NORTHSTAR_SOURCE_CONNECT_ATTEMPTS", "2")
    monkeypatch.setenv("NORTHSTAR_SOURCE_RETRY_DELAY_SECONDS", "0.05")
    monkeypatch.setenv(
        "AIRFLOW_CONN_NORTHSTAR_CRM", f"postgresql://postgres@127.0.0.1:5432/{database}"
    )
    monkeypatch.setenv("AIRFLOW_CONN_NORTHSTAR_POS", f"mysql://root@127.0.0.1:3306/{database}")
    catalog = {"conn_type": "fs", "extra": {"path": str(settings.home / "catalog_drop")}}
    monkeypatch.setenv("AIRFLOW_CONN_NORTHSTAR_CATALOG", json.dumps(catalog))


@pytest.fixture
def servers_home(northstar_home: Settings, monkeypatch: pytest.MonkeyPatch):
    """Sources replayed through 2017-01-07 into scratch databases, with the API running."""
    from fixtures_sources import FIRST_WEEK_END

    database = f"northstar_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _admin(f"create database {database}")
    api = None
    try:
        connect_sources(monkeypatch, northstar_home, database)
        replay_sources(FIRST_WEEK_END)
        api = start_marketing_api(northstar_home.sources_dir / "marketing")
        monkeypatch.setenv(
            "AIRFLOW_CONN_NORTHSTAR_MARKETING_API", f"http://127.0.0.1:{api.server_address[1]}"
        )
        yield ServerSources(northstar_home, database, api)
    finally:
        if api is not None:
            api.shutdown()
            api.server_close()
        _admin(f"drop database if exists {database}")
