{{ config(alias='metric_targets') }}

{#
    Published as marts.metric_targets. The model has its own name because the seed it reads is
    also called metric_targets, and dbt needs unique node names.
#}

with

planned_targets as (
    select * from {{ ref('metric_targets') }}
),

metric_definitions as (
    select * from {{ ref('metric_definitions') }}
),

seed_rows as (
    select
        metric_id,
        grain,
        period_start,
        dimension_name,
        dimension_value,
        target_value,
        'seed' as target_source
    from planned_targets
),

rolled_up_quarters as (
    -- A quarter without a planner-written target takes the metric's target_rollup over its
    -- three month targets: sum for amounts, mean for averages. Rollup 'none' (distinct counts,
    -- ratios) and incomplete quarters give no quarter target.
    select
        planned_targets.metric_id,
        'quarter' as grain,
        {{ period_start("'quarter'", 'planned_targets.period_start') }} as period_start,
        planned_targets.dimension_name,
        planned_targets.dimension_value,
        case metric_definitions.target_rollup
            when 'sum' then sum(planned_targets.target_value)
            when 'mean' then avg(planned_targets.target_value)
        end as target_value,
        'rollup_' || metric_definitions.target_rollup as target_source
    from planned_targets
    inner join metric_definitions on planned_targets.metric_id = metric_definitions.metric_id
    where
        planned_targets.grain = 'month'
        and metric_definitions.target_rollup in ('sum', 'mean')
    group by
        planned_targets.metric_id,
        {{ period_start("'quarter'", 'planned_targets.period_start') }},
        planned_targets.dimension_name,
        planned_targets.dimension_value,
        metric_definitions.target_rollup
    having count(*) = 3
),

derived_rows as (
    select rolled_up_quarters.*
    from rolled_up_quarters
    left join seed_rows
        on
            rolled_up_quarters.metric_id = seed_rows.metric_id
            and seed_rows.grain = 'quarter'
            and rolled_up_quarters.period_start = seed_rows.period_start
            and rolled_up_quarters.dimension_name = seed_rows.dimension_name
            and rolled_up_quarters.dimension_value = seed_rows.dimension_value
    where seed_rows.metric_id is null
),

metric_targets as (
    select
        metric_id,
        grain,
        period_start,
        target_value,
        dimension_name,
        dimension_value,
        target_source
    from seed_rows
    union all
    select
        metric_id,
        grain,
        period_start,
        target_value,
        dimension_name,
        dimension_value,
        target_source
    from derived_rows
)

select * from metric_targets
