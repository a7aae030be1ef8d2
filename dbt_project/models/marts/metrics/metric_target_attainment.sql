{#
    Values against targets on every cut that has a target: the whole business ('total') and any
    dimension value the planners gave a target, such as a region. metric_attainment is the total
    rows of this model.
#}

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

activity as (
    select * from {{ ref(metric_activity_model()) }}
),

data_through as (
    -- The last day with activity. Periods after it have not started; the period holding it is
    -- the one in progress.
    select max(period_start) as data_through_date
    from activity
    where grain = 'day'
),

values_with_targets as (
    select
        metric_values.metric_id,
        metric_values.grain,
        metric_values.period_start,
        metric_values.period_end,
        metric_values.period_key,
        metric_values.dimension_name,
        metric_values.dimension_value,
        metric_values.value,
        metric_targets.target_value,
        metric_definitions.direction,
        metric_definitions.target_rollup,
        datediff('day', metric_values.period_start, metric_values.period_end) + 1
            as days_in_period,
        least(
            greatest(
                datediff('day', metric_values.period_start, data_through.data_through_date) + 1,
                0
            ),
            datediff('day', metric_values.period_start, metric_values.period_end) + 1
        ) as days_elapsed
    from metric_values
    inner join metric_targets
        on
            metric_values.metric_id = metric_targets.metric_id
            and metric_values.grain = metric_targets.grain
            and metric_values.period_start = metric_targets.period_start
            and metric_values.dimension_name = metric_targets.dimension_name
            and metric_values.dimension_value = metric_targets.dimension_value
    inner join metric_definitions on metric_values.metric_id = metric_definitions.metric_id
    cross join data_through
    where metric_values.grain in ('month', 'quarter')
),

forecasts as (
    -- Additive metrics (target_rollup sum) accrue day by day: the pacing target is the target
    -- pro rata to the days elapsed and the forecast extends the run rate to the period end.
    -- Distinct counts and ratios do not accrue linearly, so their pacing target is the whole
    -- target and their forecast is the value to date.
    select
        *,
        case
            when target_rollup = 'sum'
                then target_value * days_elapsed / days_in_period
            else target_value
        end as pacing_target_to_date,
        case
            when days_elapsed = days_in_period then value
            when target_rollup = 'sum' and days_elapsed > 0
                then value * days_in_period / days_elapsed
            else value
        end as forecast_value,
        case
            when days_elapsed = days_in_period then 'actual'
            when target_rollup = 'sum' then 'linear_run_rate'
            else 'value_to_date'
        end as forecast_method
    from values_with_targets
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
        end as meets_target,
        case
            when direction = 'lower_is_better' then target_value / nullif(forecast_value, 0)
            else forecast_value / nullif(target_value, 0)
        end as forecast_attainment
    from forecasts
),

metric_target_attainment as (
    select
        metric_id,
        grain,
        period_start,
        period_key,
        dimension_name,
        dimension_value,
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
        end as status,
        days_in_period,
        days_elapsed,
        pacing_target_to_date,
        forecast_value,
        forecast_method,
        forecast_attainment
    from attainment
)

select * from metric_target_attainment
