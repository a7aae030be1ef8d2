{{ config(alias='metric_targets') }}

{#
    Published as marts.metric_targets. The model has its own name because the seed it reads is
    also called metric_targets, and dbt needs unique node names.
#}

with

monthly_targets as (
    select * from {{ ref('metric_targets') }}
),

metric_definitions as (
    select * from {{ ref('metric_definitions') }}
),

month_rows as (
    select
        metric_id,
        'month' as grain,
        month as period_start,
        target_value
    from monthly_targets
),

quarter_rows as (
    -- A quarter target needs all three month targets. Counts and amounts add up over the
    -- months, and a ratio or percent target is the mean of its months.
    select
        monthly_targets.metric_id,
        'quarter' as grain,
        {{ period_start("'quarter'", 'monthly_targets.month') }} as period_start,
        case
            when metric_definitions.format in ('percent', 'decimal')
                then avg(monthly_targets.target_value)
            else sum(monthly_targets.target_value)
        end as target_value
    from monthly_targets
    inner join metric_definitions on monthly_targets.metric_id = metric_definitions.metric_id
    group by
        monthly_targets.metric_id,
        {{ period_start("'quarter'", 'monthly_targets.month') }},
        metric_definitions.format
    having count(*) = 3
),

metric_targets as (
    select * from month_rows
    union all
    select * from quarter_rows
)

select * from metric_targets
