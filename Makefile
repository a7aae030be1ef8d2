# North Star Warehouse. `make demo` runs the whole product on real retail data; `make test` tests it.
# Everything lands under $(NORTHSTAR_HOME) (default ./var); `northstar` derives the Airflow and
# dbt environment from it, so these targets and an operator's shell behave the same.

PYTHON ?= python3.11
VENV ?= .venv
UV_VERSION := 0.13.9
BIN := $(VENV)/bin
NORTHSTAR := $(BIN)/northstar
export NORTHSTAR_HOME ?= $(CURDIR)/var
# Telemetry off for every CLI the targets start (the same switches as northstar.settings).
export DO_NOT_TRACK := True
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := False
export RUNTIME__DLTHUB_TELEMETRY := False
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False

# The demo reviews the last full week, month and quarter of the Complete Journey data, and
# sends the reviews through an SMTP server it runs on loopback for the demo.
DEMO_UNTIL := 2017-12-31
DEMO_PIPELINE_DATE := 2018-01-01
DEMO_REVIEW_DATE := 2018-01-01
DEMO_SMTP_PORT := 8025
DEMO_MAILDIR := $(NORTHSTAR_HOME)/mail
DEMO_SMTP_PID := $(DEMO_MAILDIR)/smtp.pid
DEMO_SMTP_CONN := {"conn_type": "smtp", "host": "127.0.0.1", "port": $(DEMO_SMTP_PORT), "extra": {"disable_ssl": true, "disable_tls": true, "from_email": "North Star Warehouse <reports@example.com>", "timeout": 30, "retry_limit": 0}}
REVIEW_DAGS := northstar_review_weekly northstar_review_monthly northstar_review_quarterly

.PHONY: help install setup demo replay pipeline review outputs validate-metrics catalog check-metrics \
	test browser lint format lock bench clean

help:
	@echo "make demo    set up and run the pipeline and the December 2017 review on real data"
	@echo "make test    set up and run linters and the test suite"
	@echo "make lint    ruff and sqlfluff only"
	@echo "make bench   run the benchmarks and print the results"
	@echo "make validate-metrics | catalog | check-metrics   work with the metric registry"

$(BIN)/python:
	@echo "==> Creating the virtualenv in $(VENV)"
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

# The stamp makes `install` rerun only when the lock file or the project metadata changed.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/uv
	@echo "==> Installing the locked dependencies"
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

setup: install
	@echo "==> Setting up Airflow and dbt under $(NORTHSTAR_HOME)"
	$(NORTHSTAR) setup

replay: setup
	@echo "==> Replaying the Complete Journey data into the source systems through $(DEMO_UNTIL)"
	$(NORTHSTAR) replay --until $(DEMO_UNTIL)

pipeline: replay
	@echo "==> Running the northstar_pipeline DAG (extract, dbt build, quality gate, publish)"
	$(NORTHSTAR) airflow dags test northstar_pipeline $(DEMO_PIPELINE_DATE)

review: pipeline browser
	@echo "==> Sending the weekly, monthly and quarterly reviews for late 2017 through a local SMTP server on 127.0.0.1:$(DEMO_SMTP_PORT)"
	$(BIN)/python -m northstar.delivery.demo_smtp --port $(DEMO_SMTP_PORT) --maildir $(DEMO_MAILDIR) --pid-file $(DEMO_SMTP_PID) & \
	for i in $$(seq 100); do test -f $(DEMO_SMTP_PID) && break; sleep 0.1; done; \
	status=0; \
	for dag in $(REVIEW_DAGS); do \
	  AIRFLOW_CONN_NORTHSTAR_SMTP='$(DEMO_SMTP_CONN)' $(NORTHSTAR) airflow dags test $$dag $(DEMO_REVIEW_DATE) || status=1; \
	done; \
	kill $$(cat $(DEMO_SMTP_PID)); wait; \
	$(BIN)/python -m northstar.delivery.demo_smtp --list --maildir $(DEMO_MAILDIR) --eml-dir $(DEMO_MAILDIR)/eml; \
	exit $$status

outputs:
	@$(NORTHSTAR) outputs

validate-metrics: install
	$(NORTHSTAR) validate-metrics

# The metric catalog page: every metric's definition, owner, versions, lineage and latest value.
catalog: install
	$(NORTHSTAR) catalog

# Compare metric_values with MetricFlow's computation of the same definitions.
check-metrics: install
	$(NORTHSTAR) check-metrics

demo: review
	@echo "==> Writing the metric catalog page"
	$(NORTHSTAR) catalog
	@echo "==> Done"
	@$(NORTHSTAR) outputs

# Headless Chromium renders the PDF attachment of a review and lets the tests look at rendered
# reports; the CJK fonts give it Chinese glyphs.
browser:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
	  echo "==> Installing chromium and fonts-noto-cjk for the report rendering tests"; \
	  apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/macros dbt_project/tests

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt_project/models dbt_project/macros dbt_project/tests

test: setup browser lint
	$(BIN)/pytest

lock: | $(BIN)/uv
	$(BIN)/uv pip compile --quiet --no-header pyproject.toml --extra dev --python-version 3.11 -o requirements.lock
	sed -i '1i # Generated by `make lock` (uv pip compile pyproject.toml --extra dev); edit pyproject.toml, not this file.' requirements.lock

# Extraction from PostgreSQL against PostgreSQL's own COPY, at about 15M and 1.5M rows; the
# results go to BENCHMARKS.md by hand, with the machine they ran on.
bench: install
	@echo "==> Benchmarking PostgreSQL extraction against COPY (about 15M and 1.5M rows)"
	$(BIN)/python bench/extract_postgres.py --copies 10
	$(BIN)/python bench/extract_postgres.py --copies 1

clean:
	rm -rf $(NORTHSTAR_HOME) dbt_project/target dbt_project/logs
