"""
### Quarterly north star review

For the calendar quarter that just closed: the north star against the quarter target, its change
against the previous quarter and the same quarter last year, why it moved, anomalies, data
quality and who acts next, per recipient language and scope.

Runs at 06:00 UTC on the first day of each quarter and after each publish of the marts; late or
failed data sends a "report held" notice. Past quarter:
`northstar airflow dags test northstar_review_quarterly 2018-01-01` (reviews 2017-Q4), or trigger
with the conf `{"period": "2017-Q4"}`.
"""

from northstar.orchestration.review import build_review_dag

dag = build_review_dag("quarterly", doc_md=__doc__)
