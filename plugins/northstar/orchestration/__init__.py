"""Airflow-facing building blocks shared by the DAG files: defaults, Cosmos config, task bodies."""
