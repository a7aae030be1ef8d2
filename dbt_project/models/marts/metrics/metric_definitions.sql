{#
    Generated from the metric registry: one row per metric with its labels, owner, format and
    place in the metric tree, for reports and the published marts.
#}
{%- set metrics = northstar_metrics() -%}
{%- set tree_order = metric_tree_order(metrics) -%}

with

registry_rows as (
    -- Typed empty first branch of the union, so the columns are defined with no metric at all.
    select
        cast(null as varchar) as metric_id,
        cast(null as varchar) as metric_type,
        cast(null as varchar) as label_en,
        cast(null as varchar) as label_zh,
        cast(null as varchar) as description_en,
        cast(null as varchar) as description_zh,
        cast(null as varchar) as owner_name,
        cast(null as varchar) as owner_team,
        cast(null as varchar) as owner_email,
        cast(null as varchar) as unit,
        cast(null as varchar) as format,
        cast(null as varchar) as direction,
        cast(null as varchar) as parent_metric_id,
        cast(null as varchar) as relation,
        cast(null as varchar) as formula,
        cast(null as boolean) as is_north_star,
        cast(null as integer) as tree_depth,
        cast(null as integer) as sort_order
    where false
    {% for metric in metrics %}
    {% set meta = metric_meta(metric) %}
    {% set owner = meta.owner or {} %}

    union all

    select
        {{ sql_literal(metric.name) }},
        {{ sql_literal(metric.type) }},
        {{ sql_literal(metric.label) }},
        {{ sql_literal(meta.get('label_zh')) }},
        {{ sql_literal(metric.description.split() | join(' ')) }},
        {{ sql_literal((meta.description_zh or '') | trim) }},
        {{ sql_literal(owner.get('name')) }},
        {{ sql_literal(owner.get('team')) }},
        {{ sql_literal(owner.get('email')) }},
        {{ sql_literal(meta.get('unit')) }},
        {{ sql_literal(meta.get('format')) }},
        {{ sql_literal(meta.get('direction')) }},
        {{ sql_literal(meta.get('parent')) }},
        {{ sql_literal(meta.get('relation')) }},
        {{ sql_literal(meta.get('formula')) }},
        {{ sql_literal(meta.north_star or false) }},
        {{ metric_tree_depth(metric, metrics) }},
        {{ tree_order.index(metric.name) + 1 }}
    {% endfor %}
),

metric_definitions as (
    select
        metric_id,
        label_en,
        label_zh,
        description_en,
        description_zh,
        owner_name,
        owner_team,
        owner_email,
        unit,
        format,
        direction,
        parent_metric_id,
        relation,
        formula,
        is_north_star,
        tree_depth,
        sort_order,
        metric_type
    from registry_rows
)

select * from metric_definitions
