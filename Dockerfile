# Image for the docker-compose deployment: the locked dependencies plus this repository.
FROM python:3.11-slim

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    NORTHSTAR_HOME=/opt/northstar/var \
    AIRFLOW_HOME=/opt/northstar/var/airflow

WORKDIR /opt/northstar
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir uv==0.13.9 \
    && uv pip install --system --no-cache -r requirements.lock
COPY . .
RUN uv pip install --system --no-cache --no-deps -e . \
    && northstar dbt parse --quiet
