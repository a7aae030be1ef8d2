"""Fixtures shared by the replay and extraction tests: a temporary home and parquet references.

Expected values come from SQL over the dataset parquet files (DuckDB), not from the replay code,
so a wrong filter in the replay or the extraction shows up as a count mismatch.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from northstar.settings import PRIVACY_ENV, Settings, get_settings
from northstar.sources.dataset import dataset_path
from northstar.sources.replay import replay_sources

# A short window keeps the tests fast: the first week contains about 29,000 basket lines, three
# campaigns that started in 2016 and five coupon redemptions.
FIRST_WEEK_END = dt.date(2017, 1, 7)


@pytest.fixture
def northstar_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point NORTHSTAR_HOME at a fresh temporary folder and return its settings."""
    for name, value in PRIVACY_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NORTHSTAR_HOME", str(tmp_path / "home"))
    return get_settings()


@pytest.fixture(scope="session")
def first_week_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sources replayed through 2017-01-07 once per session; tests copy them."""
    home = tmp_path_factory.mktemp("first_week")
    replay_sources(FIRST_WEEK_END, settings=Settings(home=home))
    return home / "sources"


@pytest.fixture
def first_week_home(northstar_home: Settings, first_week_sources: Path) -> Settings:
    """A temporary home whose sources are replayed through 2017-01-07."""
    shutil.copytree(first_week_sources, northstar_home.sources_dir)
    return northstar_home


@pytest.fixture(scope="session")
def parquet_value():
    """Return a function that runs one query over the dataset parquet files.

    The query names tables as {transactions}, {coupons} and so on; the function returns the
    first column of the first row.
    """
    return _parquet_value


def _parquet_value(sql: str):
    tables = (
        "transactions",
        "products",
        "demographics",
        "campaign_descriptions",
        "campaigns",
        "coupons",
        "coupon_redemptions",
    )
    sources = {table: f"read_parquet('{dataset_path(table)}')" for table in tables}
    connection = duckdb.connect()
    try:
        return connection.execute(sql.format(**sources)).fetchone()[0]
    finally:
        connection.close()
