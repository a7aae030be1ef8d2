with

metric_values as (
    select * from {{ ref('metric_values') }}
),

metric_targets as (
    select * from {{ ref('metric_period_targets') }}
),

metric_definitions as (
    select * from {{ ref('metric_definitions') }}
),

values_with_targets as (
    select
        metric_values.metric_id,
        metric_values.grain,
        metric_values.period_start,
        metric_values.period_key,
        metric_values.value,
        metric_targets.target_value,
        metric_definitions.direction
    from metric_values
    inner join metric_targets
        on
            metric_values.metric_id = metric_targets.metric_id
            and metric_values.grain = metric_targets.grain
            and metric_values.period_start = metric_targets.period_start
    inner join metric_definitions on metric_values.metric_id = metric_definitions.metric_id
    where
        metric_values.dimension_name = 'total'
        and metric_values.grain in ('month', 'quarter')
),

attainment as (
    select
        *,
        case
            when direction = 'lower_is_better' then target_value / nullif(value, 0)
            else value / nullif(target_value, 0)
        end as attainment,
        case
            when direction = 'lower_is_better' then value <= target_value
            else value >= target_value
        end as meets_target
    from values_with_targets
),

metric_attainment as (
    select
        metric_id,
        grain,
        period_start,
        period_key,
        value,
        target_value,
        attainment,
        -- Thresholds are the vars attainment_on_track_min and attainment_at_risk_min. A zero
        -- target (or a zero value of a lower-is-better metric) has no attainment ratio: it is
        -- on track when met and off track when missed.
        case
            when attainment >= {{ var('attainment_on_track_min') }} then 'on_track'
            when attainment >= {{ var('attainment_at_risk_min') }} then 'at_risk'
            when attainment is null and meets_target then 'on_track'
            else 'off_track'
        end as status
    from attainment
)

select * from metric_attainment
