"""Review reports rendered from the published marts: the north star monthly review (复盘报告).

Submodules import matplotlib, Jinja2 and DuckDB inside functions, so a DAG file can import this
package at parse time.
"""
