"""Airflow assets the DAGs produce and consume."""

from __future__ import annotations

from airflow.sdk import Asset

# Updated by the pipeline each time the quality gate passed and the marts were published.
PUBLISHED_MARTS = Asset(name="northstar_published_marts", uri="file:///northstar/published/marts")
