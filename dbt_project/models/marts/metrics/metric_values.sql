{#
    Generated from the metric registry: each simple metric aggregates its measure (with its
    MetricFlow filter) over the activity model, a ratio divides two simple metrics and a derived
    metric evaluates its expr over simple metrics. Adding a metric to the registry adds its rows
    here with no change to this file. metric_consistency_checks compares these values with what
    MetricFlow computes from the same definitions.
#}
{%- set metrics = northstar_metrics() -%}
{%- set simple_metrics = metrics | selectattr('type', 'equalto', 'simple') | list -%}

with

activity as (
    select * from {{ ref(metric_activity_model()) }}
),

simple_metric_columns as (
    -- One pass over the activity computes every simple metric for every cut. The metric rows
    -- below keep each metric's own grains and dimensions.
    select
        grain,
        period_start,
        dimension_name,
        {% for metric in simple_metrics %}
        cast({{ metric_compute(metric_fields(metric)) }} as double) as {{ metric.name }},
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
    {% set sql = metric_value_sql(metric.name, metric_fields(metric)) %}

    union all

    select
        grain,
        period_start,
        dimension_name,
        dimension_value,
        {{ sql_literal(metric.name) }} as metric_id,
        {{ sql.value }} as value,
        {{ sql.numerator }} as numerator,
        {{ sql.denominator }} as denominator
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
