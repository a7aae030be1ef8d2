-- Every cut in the metric store is the total or a dimension the semantic model allows
-- (config.meta.metric_dimensions), so reports can list the cuts without meeting a stray one.
with

metric_values as (
    select * from {{ ref('metric_values') }}
),

unknown_dimensions as (
    select distinct
        metric_id,
        dimension_name
    from metric_values
    where dimension_name not in ({{ sql_literals(['total'] + metric_dimensions()) }})
)

select * from unknown_dimensions
