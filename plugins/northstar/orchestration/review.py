"""The review DAGs (weekly, monthly, quarterly): one builder and the task bodies they share.

Each DAG runs on its calendar (the Monday, 1st of the month or 1st of the quarter after the
period closes, at REVIEW_HOUR_UTC) and also whenever the pipeline publishes the marts (asset
`PUBLISHED_MARTS`). A run reviews the latest period closed before it started, or the `period`
param. If the published data does not reach the period's last day or failed the quality gate,
recipients get a short "report held" notice. The next publish triggers the DAG again, so the
report follows once the data is ready, and the sent log keeps every run from mailing twice.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date, datetime

log = logging.getLogger(__name__)

# Calendar runs start after the nightly pipeline (00:00 UTC) has usually published.
REVIEW_HOUR_UTC = 6
REVIEW_CRONS = {
    "weekly": f"0 {REVIEW_HOUR_UTC} * * 1",
    "monthly": f"0 {REVIEW_HOUR_UTC} 1 * *",
    "quarterly": f"0 {REVIEW_HOUR_UTC} 1 1,4,7,10 *",
}
PERIOD_EXAMPLES = {"weekly": "2017-W52", "monthly": "2017-12", "quarterly": "2017-Q4"}
ASSET_TRIGGERED = "asset_triggered"


def resolve_period(cadence: str, requested: str | None, run_date: datetime | date | None) -> str:
    """Return the key of the period to review: the `period` param, else the latest closed one."""
    from northstar.reports.periods import latest_closed_period, parse_period

    if requested:
        return parse_period(cadence, requested).key
    if run_date is None:
        raise ValueError(
            f'The run has no date; pass the conf {{"period": "{PERIOD_EXAMPLES[cadence]}"}}.'
        )
    day = run_date.date() if isinstance(run_date, datetime) else run_date
    return latest_closed_period(cadence, day).key


def check_ready(cadence: str, period_key: str) -> dict:
    """Check publish_log for the period: data through its last day and a passed gate."""
    from northstar.reports.data import check_readiness
    from northstar.reports.periods import parse_period

    readiness = check_readiness(parse_period(cadence, period_key))
    quality = readiness.quality
    return {
        "ready": readiness.ready,
        "reason": readiness.reason,
        "publish_run_id": quality.run_id if quality else None,
        "data_through": quality.data_through.isoformat() if quality else None,
    }


def _needed(cadence: str) -> tuple[object, list, set, set]:
    """Return the recipients config, the subscribers, and the (scope, language) pairs to build
    and to print as PDF."""
    from northstar.delivery.recipients import load_recipients_config
    from northstar.reports.formatting import LANGUAGES
    from northstar.reports.review import report_id
    from northstar.reports.scope import SCOPE_ALL

    config = load_recipients_config()
    subscribed = [r for r in config.recipients if report_id(cadence) in r.reports]
    # The company-wide review is always archived in every language, even without subscribers.
    pairs = {(SCOPE_ALL, language) for language in LANGUAGES}
    pairs |= {(r.scope, r.language) for r in subscribed}
    pdf_pairs = {(r.scope, r.language) for r in subscribed if r.pdf}
    return config, subscribed, pairs, pdf_pairs


def _build(cadence: str, period_key: str, pairs) -> list:
    from northstar.reports.periods import parse_period
    from northstar.reports.review import build_review

    period = parse_period(cadence, period_key)
    ordered = sorted(pairs, key=lambda pair: (pair[0].key, pair[1]))
    return [build_review(period, language, scope) for scope, language in ordered]


def render_reports(cadence: str, period_key: str, readiness: dict, run_id: str) -> list[str]:
    """Build and archive the review for every scope and language a subscriber needs."""
    from northstar.reports.archive import archive_reports
    from northstar.reports.pdf import render_pdf

    if not readiness["ready"]:
        log.warning(
            "Run %s: %s review for period %s is held (%s); nothing to render",
            run_id,
            cadence,
            period_key,
            readiness["reason"],
        )
        return []
    _, _, pairs, pdf_pairs = _needed(cadence)
    reports = _build(cadence, period_key, pairs)
    pdfs = {
        (r.scope.key, r.language): render_pdf(r.html, name=f"{period_key}-{r.scope.key}")
        for r in reports
        if (r.scope, r.language) in pdf_pairs
    }
    paths = archive_reports(reports, run_id=run_id, pdfs=pdfs)
    return [str(path) for path in paths]


def deliver_reports(
    cadence: str, period_key: str, readiness: dict, run_id: str, run_type: str | None = None
) -> list[dict]:
    """Send the review (or, when held, the notice) to every subscriber, once per content."""
    from northstar.delivery.email import deliver_report
    from northstar.reports.archive import file_stem, report_dir
    from northstar.reports.data import check_readiness
    from northstar.reports.periods import parse_period
    from northstar.reports.review import build_held_notice

    config, subscribed, pairs, pdf_pairs = _needed(cadence)
    if not subscribed:
        log.info("Run %s: no recipient subscribes to the %s review", run_id, cadence)
        return []
    period = parse_period(cadence, period_key)
    if readiness["ready"]:
        reports = _build(cadence, period_key, pairs)
        pdfs = {}
        for report in reports:
            pdf_path = report_dir(report) / f"{file_stem(report)}.{report.language}.pdf"
            if (report.scope, report.language) in pdf_pairs and pdf_path.exists():
                pdfs[(report.scope.key, report.language)] = pdf_path.read_bytes()
    else:
        state = check_readiness(period)
        reports = [build_held_notice(state, language, scope) for scope, language in pairs]
        pdfs = {}
    records = deliver_report(
        reports,
        subscribed,
        allowed_domains=config.allowed_domains,
        run_id=run_id,
        pdfs=pdfs,
        only_if_unsent=run_type == ASSET_TRIGGERED,
    )
    sent = sum(1 for record in records if record.status == "sent")
    log.info(
        "Run %s: %s review for period %s: %d sent, %d skipped or rejected",
        run_id,
        cadence,
        period_key,
        sent,
        len(records) - sent,
    )
    return [asdict(record) for record in records]


def build_review_dag(cadence: str, doc_md: str):
    """Return the `northstar_review_<cadence>` DAG: resolve period, check, render, deliver."""
    from airflow.sdk import DAG, AssetOrTimeSchedule, CronTriggerTimetable, Param, task

    from northstar.orchestration.assets import PUBLISHED_MARTS
    from northstar.orchestration.defaults import DEFAULT_ARGS, START_DATE, TAGS

    with DAG(
        dag_id=f"northstar_review_{cadence}",
        schedule=AssetOrTimeSchedule(
            timetable=CronTriggerTimetable(REVIEW_CRONS[cadence], timezone="UTC"),
            assets=[PUBLISHED_MARTS],
        ),
        start_date=START_DATE,
        # A missed calendar run is covered by the next publish (asset) run, and past periods
        # are reviewed on request with the `period` param, so catchup would only queue reruns.
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=TAGS,
        params={
            "period": Param(
                "",
                type="string",
                description=(
                    f"Period to review, e.g. {PERIOD_EXAMPLES[cadence]}; empty means the latest "
                    "period closed before the run."
                ),
            )
        },
        doc_md=doc_md,
    ) as dag:

        @task
        def period(params=None, logical_date=None, dag_run=None) -> str:
            run_date = logical_date or (dag_run.run_after if dag_run else None)
            params = params or {}
            # `month` is the monthly DAG's earlier conf key, still accepted.
            requested = params.get("period") or params.get("month")
            return resolve_period(cadence, requested, run_date)

        @task
        def readiness(period_key: str) -> dict:
            return check_ready(cadence, period_key)

        @task
        def render(period_key: str, ready: dict, run_id=None) -> list[str]:
            return render_reports(cadence, period_key, ready, run_id=run_id)

        @task
        def deliver(period_key: str, ready: dict, paths: list[str], run_id=None, dag_run=None):
            # DagRunType is an enum of strings; its value is e.g. "asset_triggered".
            run_type = getattr(dag_run, "run_type", None)
            run_type = str(getattr(run_type, "value", run_type) or "")
            return deliver_reports(cadence, period_key, ready, run_id=run_id, run_type=run_type)

        period_key = period()
        ready = readiness(period_key)
        deliver(period_key, ready, render(period_key, ready))
    return dag
