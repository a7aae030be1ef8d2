{#
    Generated from the metric registry: the values of every version of each metric that has
    changed, each computed over all history, so a report can compare the old and the new
    definition on the same periods. metric_values holds the current version only. Metrics that
    never changed have no rows here.
#}
{%- set metrics = northstar_metrics() -%}
{%- set simple_metrics = metrics | selectattr('type', 'equalto', 'simple') | list -%}
{%- set changed_metrics = [] -%}
{%- for metric in metrics if metric_versions(metric) | length > 1 -%}
{%- do changed_metrics.append(metric) -%}
{%- endfor -%}

with

activity as (
    select * from {{ ref(metric_activity_model()) }}
),

version_columns as (
    -- One pass computes the current simple metrics (inputs of ratios and derived metrics) and
    -- every earlier version of a changed simple metric, as <metric>__v<version>.
    select
        grain,
        period_start,
        dimension_name,
        {% if changed_metrics %}
            {% for metric in simple_metrics %}
                cast({{ metric_compute(metric_fields(metric)) }} as double) as {{ metric.name }},
            {% endfor %}
            {% for metric in changed_metrics %}
                {% for version in metric_versions(metric) if version.fields.type == 'simple' %}
                    cast({{ metric_compute(version.fields) }} as double)
                    as {{ metric.name }}__v{{ version.version }},
                {% endfor %}
            {% endfor %}
        {% endif %}
        dimension_value
    from activity
    {% if not changed_metrics %}
        where false
    {% endif %}
    group by grain, period_start, dimension_name, dimension_value
),

version_rows as (
    -- Empty first branch of the union, so the columns are defined with no changed metric.
    select
        grain,
        period_start,
        dimension_name,
        dimension_value,
        cast(null as varchar) as metric_id,
        cast(null as integer) as version,  -- noqa: RF04
        cast(null as boolean) as is_current,
        cast(null as double) as value
    from version_columns
    where false
    {% for metric in changed_metrics %}
    {% set versions = metric_versions(metric) %}
    {% for version in versions %}
    {% if version.fields.type == 'simple' %}
    {% set value = metric.name ~ '__v' ~ version.version %}
    {% else %}
    {% set value = metric_value_sql(metric.name, version.fields).value %}
    {% endif %}

    union all

    select
        grain,
        period_start,
        dimension_name,
        dimension_value,
        {{ sql_literal(metric.name) }} as metric_id,
        {{ version.version }} as version,
        {{ sql_literal(loop.last) }} as is_current,
        {{ value }} as value
    from version_columns
    where {{ metric_scope(metric) }}
    {% endfor %}
    {% endfor %}
),

metric_version_values as (
    select
        metric_id,
        version,
        is_current,
        grain,
        period_start,
        {{ period_key('grain', 'period_start') | indent(8) }} as period_key,
        dimension_name,
        dimension_value,
        value
    from version_rows
)

select * from metric_version_values
