"""
### Monthly north star review

For the month that just closed: render the review report (north star value against target, change
against the previous month, 12-month trend, input metrics with owners and status, data-quality
result) in zh-CN and en from the published marts, archive it under `var/reports/`, and deliver it
to the recipients in `config/recipients.yml` through the `northstar_smtp` connection. Without that
connection the messages are written as `.eml` files to `var/outbox/`.

Trigger a past month with `airflow dags test northstar_review_monthly 2018-01-01` (the run at the
start of January reviews December) or with the conf `{"month": "2017-12"}`.
"""

from __future__ import annotations

from airflow.sdk import DAG, CronDataIntervalTimetable, Param, task

from northstar.orchestration.defaults import DEFAULT_ARGS, START_DATE, TAGS

with DAG(
    dag_id="northstar_review_monthly",
    # The data interval of the run at 00:00 on the 1st is the month that just ended.
    schedule=CronDataIntervalTimetable("0 0 1 * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=TAGS,
    params={
        "month": Param(
            "",
            type="string",
            description="Month to review as YYYY-MM; empty means the run's data interval.",
        )
    },
    doc_md=__doc__,
) as dag:

    @task
    def review_month(params=None, data_interval_start=None) -> str:
        from northstar.orchestration.review import resolve_month

        return resolve_month(params.get("month"), data_interval_start).isoformat()

    @task
    def render_reports(month: str, run_id=None) -> list[str]:
        from northstar.orchestration.review import render_monthly

        return render_monthly(month, run_id=run_id)

    @task
    def deliver(month: str, report_paths: list[str], run_id=None) -> list[dict]:
        from northstar.orchestration.review import deliver_monthly

        return deliver_monthly(month, run_id=run_id)

    month = review_month()
    deliver(month, render_reports(month))
