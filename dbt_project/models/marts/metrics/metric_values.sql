{#
    Generated from the metric registry: each simple metric's config.meta.compute aggregates the
    household activity, each ratio metric divides two simple metrics. Adding a metric to
    north_star_metrics.yml adds its rows here with no change to this file.
#}
{%- set metrics = northstar_metrics() -%}
{%- set simple_metrics = metrics | selectattr('type', 'equalto', 'simple') | list -%}

with

activity as (
    select * from {{ ref('int_household_period_activity') }}
),

simple_metric_columns as (
    -- One pass over the activity computes every simple metric for every cut. The metric rows
    -- below keep each metric's own grains and dimensions.
    select
        grain,
        period_start,
        dimension_name,
        {% for metric in simple_metrics %}
        cast({{ metric_meta(metric).compute }} as double) as {{ metric.name }},
        {% endfor %}
        dimension_value
    from activity
    group by grain, period_start, dimension_name, dimension_value
),

metric_rows as (
    -- Empty first branch of the union, so the columns are defined with no metric at all.
    select
        grain,
        period_start,
        dimension_name,
        dimension_value,
        cast(null as varchar) as metric_id,
        cast(null as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator
    from simple_metric_columns
    where false
    {% for metric in metrics %}
    {% set meta = metric_meta(metric) %}

    union all

    select
        grain,
        period_start,
        dimension_name,
        dimension_value,
        {{ sql_literal(metric.name) }} as metric_id,
        {% if metric.type == 'ratio' %}
        {% set numerator = metric_operand(metric, 'numerator') %}
        {% set denominator = metric_operand(metric, 'denominator') %}
        {% if meta.zero_denominator == 'zero' %}
        coalesce({{ numerator }} / nullif({{ denominator }}, 0), 0) as value,
        {% else %}
        {{ numerator }} / nullif({{ denominator }}, 0) as value,
        {% endif %}
        {{ numerator }} as numerator,
        {{ denominator }} as denominator
        {% else %}
        {{ metric.name }} as value,
        null as numerator,
        null as denominator
        {% endif %}
    from simple_metric_columns
    where {{ metric_scope(metric) }}
    {% endfor %}
),

metric_values as (
    select
        metric_id,
        grain,
        period_start,
        {{ period_end('grain', 'period_start') | indent(8) }} as period_end,
        {{ period_key('grain', 'period_start') | indent(8) }} as period_key,
        dimension_name,
        dimension_value,
        value,
        numerator,
        denominator
    from metric_rows
)

select * from metric_values
