"""Shared fixtures: an isolated NORTHSTAR_HOME per test and the telemetry switches."""

from __future__ import annotations

import pytest

from northstar.settings import apply_privacy_env, get_settings

apply_privacy_env()


@pytest.fixture
def northstar_home(tmp_path, monkeypatch):
    """Point every path of the deployment at a fresh temporary directory."""
    home = tmp_path / "northstar"
    home.mkdir()
    monkeypatch.setenv("NORTHSTAR_HOME", str(home))
    return get_settings()
