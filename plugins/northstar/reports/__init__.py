"""Review reports rendered from the published marts: the weekly, monthly and quarterly north star
reviews (复盘报告), per language and scope.

Submodules import matplotlib, Jinja2 and DuckDB inside functions, so a DAG file can import this
package at parse time.
"""
