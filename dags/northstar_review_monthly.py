"""
### Monthly north star review

For the month that just closed: the north star against target, its change against the previous
month and the same month last year, the trend, why it moved (input metrics and dimensions),
anomalies, data quality, and who acts next. Built per recipient language (zh-CN, en) and scope
from `config/recipients.yml`, archived under `var/reports/monthly/`, and mailed through the
`northstar_smtp` connection (`.eml` files in `var/outbox/` without it).

Runs at 06:00 UTC on the 1st and after each publish of the marts. If the data does not cover
the month or failed the quality gate, recipients get a "report held" notice instead.
Past month: `northstar airflow dags test northstar_review_monthly 2018-01-01` (reviews December
2017), or trigger with the conf `{"period": "2017-12"}`.
"""

from northstar.orchestration.review import build_review_dag

dag = build_review_dag("monthly", doc_md=__doc__)
