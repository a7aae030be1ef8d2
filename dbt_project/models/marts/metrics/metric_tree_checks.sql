{#
    Generated from the metric registry: for every metric with a formula, recompute the parent
    from its children (sum adds, product multiplies, ratio divides) on every grain the parent and
    its children share, every period and every dimension value, and compare.
#}
{%- set metrics = northstar_metrics() -%}
{%- set operators = {'sum': ' + ', 'product': ' * ', 'ratio': ' / '} -%}

with

metric_values as (
    select * from {{ ref('metric_values') }}
),

formula_rows as (
    -- Typed empty first branch of the union, so the columns are defined with no formula at all.
    select
        cast(null as varchar) as parent_metric_id,
        cast(null as varchar) as relation,
        cast(null as varchar) as formula,
        cast(null as varchar) as grain,
        cast(null as date) as period_start,
        cast(null as varchar) as dimension_name,
        cast(null as varchar) as dimension_value,
        cast(null as double) as parent_value,
        cast(null as double) as formula_value,
        cast(null as double) as tolerance
    where false
    {% for metric in metrics if metric_meta(metric).formula %}
    {% set meta = metric_meta(metric) %}
    {% set children = formula_children(meta.formula) %}
    {% set shared = namespace(grains=meta.grains, dimensions=meta.dimensions or []) %}
    {% for child in metrics if child.name in children %}
    {% set shared.grains = shared.grains | select('in', metric_meta(child).grains) | list %}
    {% set shared.dimensions = shared.dimensions
        | select('in', metric_meta(child).dimensions or []) | list %}
    {% endfor %}
    {% set child_values = [] %}
    {% for child in children %}
    {% do child_values.append(
        ('nullif(child_' ~ loop.index ~ '.value, 0)')
        if meta.relation == 'ratio' and not loop.first
        else ('child_' ~ loop.index ~ '.value')
    ) %}
    {% endfor %}

    union all

    select
        {{ sql_literal(metric.name) }} as parent_metric_id,
        {{ sql_literal(meta.get('relation')) }} as relation,
        {{ sql_literal(meta.get('formula')) }} as formula,
        parent.grain,
        parent.period_start,
        parent.dimension_name,
        parent.dimension_value,
        parent.value as parent_value,
        {{ child_values | join(operators[meta.relation]) }} as formula_value,
        cast({{ meta.identity_tolerance or 0 }} as double) as tolerance
    from metric_values as parent
    {% for child in children %}
    left join metric_values as child_{{ loop.index }}
        on
            child_{{ loop.index }}.metric_id = {{ sql_literal(child) }}
            and parent.grain = child_{{ loop.index }}.grain
            and parent.period_start = child_{{ loop.index }}.period_start
            and parent.dimension_name = child_{{ loop.index }}.dimension_name
            and parent.dimension_value = child_{{ loop.index }}.dimension_value
    {% endfor %}
    where
        parent.metric_id = {{ sql_literal(metric.name) }}
        and {{ metric_scope(metric, shared.grains, shared.dimensions, prefix='parent.') }}
    {% endfor %}
),

differences as (
    select
        *,
        abs(parent_value - formula_value) as abs_diff
    from formula_rows
),

relative_differences as (
    select
        *,
        -- Relative to the parent. A parent of zero matches only a formula value of zero.
        case
            when abs_diff = 0 then 0
            else abs_diff / nullif(abs(parent_value), 0)
        end as rel_diff
    from differences
),

metric_tree_checks as (
    select
        parent_metric_id,
        relation,
        formula,
        grain,
        period_start,
        dimension_name,
        dimension_value,
        parent_value,
        formula_value,
        abs_diff,
        rel_diff,
        tolerance,
        -- A missing child value (null formula value) fails the check.
        coalesce(rel_diff <= tolerance, false) as holds
    from relative_differences
)

select * from metric_tree_checks
