{#
    Metric periods. A period is named by its grain and its first day; weeks are ISO weeks, which
    start on Monday (DuckDB's date_trunc('week', ...) follows ISO 8601).
#}

{% macro metric_grains() -%}
    {{ return(['day', 'week', 'month', 'quarter']) }}
{%- endmacro %}

{% macro period_start(grain, date_day) -%}
    cast(date_trunc({{ grain }}, {{ date_day }}) as date)
{%- endmacro %}

{#
    Last day of the period, inclusive. The multi-line macros below render unindented, so a
    caller indents them to its own level with the indent filter, e.g. `| indent(8)`.
#}
{% macro period_end(grain, period_start) -%}
case {{ grain }}
    when 'day' then {{ period_start }}
    when 'week' then cast({{ period_start }} + interval 6 day as date)
    when 'month' then last_day({{ period_start }})
    when 'quarter' then cast({{ period_start }} + interval 3 month - interval 1 day as date)
end
{%- endmacro %}

{# '2017-12-04' for a day, '2017-W49' for an ISO week (ISO year), '2017-12', '2017-Q4'. #}
{% macro period_key(grain, period_start) -%}
case {{ grain }}
    when 'day' then strftime({{ period_start }}, '%Y-%m-%d')
    when 'week' then strftime({{ period_start }}, '%G-W%V')
    when 'month' then strftime({{ period_start }}, '%Y-%m')
    when 'quarter' then strftime({{ period_start }}, '%Y') || '-Q' || quarter({{ period_start }})
end
{%- endmacro %}
