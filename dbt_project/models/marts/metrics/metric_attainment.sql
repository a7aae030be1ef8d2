-- The whole business against its targets: the total rows of metric_target_attainment.
with

metric_target_attainment as (
    select * from {{ ref('metric_target_attainment') }}
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
        status,
        days_in_period,
        days_elapsed,
        pacing_target_to_date,
        forecast_value,
        forecast_method,
        forecast_attainment
    from metric_target_attainment
    where dimension_name = 'total'
)

select * from metric_attainment
