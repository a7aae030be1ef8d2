{#
    Generated from the metric registry: one row per metric with its labels, owner, format,
    current version, how it is computed and its place in the metric tree, for reports, the
    catalog and the published marts.
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
        cast(null as integer) as sort_order,
        cast(null as varchar) as target_rollup,
        cast(null as integer) as version,  -- noqa: RF04
        cast(null as date) as effective_date,
        cast(null as varchar) as measure,
        cast(null as varchar) as metric_filter,
        cast(null as varchar) as numerator_metric_id,
        cast(null as varchar) as denominator_metric_id,
        cast(null as varchar) as derived_expr,
        cast(null as varchar) as definition_sql,
        cast(null as varchar) as zero_denominator,
        cast(null as varchar) as grains,
        cast(null as varchar) as dimensions,
        cast(null as varchar) as source_systems
    where false
    {% for metric in metrics %}
    {% set meta = metric_meta(metric) %}
    {% set owner = meta.owner or {} %}
    {% set fields = metric_fields(metric) %}

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
        {{ tree_order.index(metric.name) + 1 }},
        {{ sql_literal(meta.get('target_rollup', 'none')) }},
        {{ meta.version or 1 }},
        cast({{ sql_literal(meta.effective_date | string) }} as date),
        {{ sql_literal(fields.measure) }},
        {{ sql_literal(fields.filter) }},
        {{ sql_literal(fields.numerator) }},
        {{ sql_literal(fields.denominator) }},
        {{ sql_literal(fields.expr) }},
        {{ sql_literal(metric_compute(fields) if metric.type == 'simple' else none) }},
        {{ sql_literal(meta.get('zero_denominator')) }},
        {{ sql_literal((meta.grains or []) | join(', ')) }},
        {{ sql_literal((meta.dimensions or []) | join(', ')) }},
        {{ sql_literal((meta.source_systems or []) | join(', ')) }}
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
        metric_type,
        target_rollup,
        version,
        effective_date,
        measure,
        metric_filter,
        numerator_metric_id,
        denominator_metric_id,
        derived_expr,
        definition_sql,
        zero_denominator,
        grains,
        dimensions,
        source_systems
    from registry_rows
)

select * from metric_definitions
