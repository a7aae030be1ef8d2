{#
    Generated from the metric registry: every version of every metric definition with who
    changed it, when and why, so a report can say "definition changed on ...". The current
    version is the one metric_values computes over all history.
#}
{%- set metrics = northstar_metrics() -%}

with

version_rows as (
    -- Typed empty first branch of the union, so the columns are defined with no metric at all.
    select
        cast(null as varchar) as metric_id,
        cast(null as integer) as version,  -- noqa: RF04
        cast(null as date) as effective_date,
        cast(null as varchar) as changed_by,
        cast(null as varchar) as change_reason,
        cast(null as varchar) as changed_fields,
        cast(null as boolean) as is_current,
        cast(null as varchar) as measure,
        cast(null as varchar) as metric_filter,
        cast(null as varchar) as numerator_metric_id,
        cast(null as varchar) as denominator_metric_id,
        cast(null as varchar) as derived_expr,
        cast(null as varchar) as definition_sql,
        cast(null as boolean) as is_north_star,
        cast(null as varchar) as parent_metric_id,
        cast(null as varchar) as relation,
        cast(null as varchar) as formula,
        cast(null as varchar) as unit
    where false
    {% for metric in metrics %}
    {% set versions = metric_versions(metric) %}
    {% for version in versions %}
    {% set fields = version.fields %}

    union all

    select
        {{ sql_literal(metric.name) }},
        {{ version.version }},
        cast({{ sql_literal(version.effective_date | string
            if version.effective_date else none) }} as date),
        {{ sql_literal(version.author) }},
        {{ sql_literal(version.reason) }},
        {{ sql_literal(version.changed_fields | join(', ') or none) }},
        {{ sql_literal(loop.last) }},
        {{ sql_literal(fields.measure) }},
        {{ sql_literal(fields.filter) }},
        {{ sql_literal(fields.numerator) }},
        {{ sql_literal(fields.denominator) }},
        {{ sql_literal(fields.expr) }},
        {{ sql_literal(metric_compute(fields) if fields.type == 'simple' else none) }},
        {{ sql_literal(fields.north_star or false) }},
        {{ sql_literal(fields.parent) }},
        {{ sql_literal(fields.relation) }},
        {{ sql_literal(fields.formula) }},
        {{ sql_literal(fields.unit) }}
    {% endfor %}
    {% endfor %}
),

metric_definition_history as (
    select
        metric_id,
        version,
        effective_date,
        -- The last day of a version is the day before the next version takes effect.
        cast(
            lead(effective_date) over (partition by metric_id order by version)
            - interval 1 day as date
        ) as valid_to,
        changed_by,
        change_reason,
        changed_fields,
        is_current,
        measure,
        metric_filter,
        numerator_metric_id,
        denominator_metric_id,
        derived_expr,
        definition_sql,
        is_north_star,
        parent_metric_id,
        relation,
        formula,
        unit
    from version_rows
)

select * from metric_definition_history
