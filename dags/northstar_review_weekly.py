"""
### Weekly north star review

For the ISO week (Monday to Sunday) that just closed, mailed the next Monday: the north star,
its change against the previous week and the same week last year, why it moved, anomalies,
data quality and who acts next, per recipient language and scope. Targets are monthly and
quarterly, so the weekly review compares with earlier weeks.

Runs at 06:00 UTC on Mondays and after each publish of the marts; late or failed data sends a
"report held" notice. Past week: `northstar airflow dags test northstar_review_weekly 2018-01-01`
(reviews 2017-W52), or trigger with the conf `{"period": "2017-W52"}`.
"""

from northstar.orchestration.review import build_review_dag

dag = build_review_dag("weekly", doc_md=__doc__)
