with

sales_lines as (
    select * from {{ ref('stg_pos__transactions') }}
),

data_range as (
    -- Whole quarters around the sales, so every metric period lies inside the spine.
    {% set last_quarter_start = period_start("'quarter'", 'max(date_day)') %}
    select
        {{ period_start("'quarter'", 'min(date_day)') }} as first_day,
        {{ period_end("'quarter'", last_quarter_start) | indent(8) }} as last_day
    from sales_lines
),

date_spine as (
    select cast(spine.day_value as date) as date_day
    from data_range
    cross join
        range(
            data_range.first_day, data_range.last_day + interval 1 day, interval 1 day
        ) as spine (day_value)
),

dim_date as (
    select
        date_day,
        isodow(date_day) as iso_day_of_week,
        dayname(date_day) as day_name,
        isoyear(date_day) as iso_year,
        week(date_day) as iso_week,
        {{ period_start("'week'", 'date_day') }} as week_start,
        {{ period_key("'week'", period_start("'week'", 'date_day')) | indent(8) }} as week_key,
        {{ period_start("'month'", 'date_day') }} as month_start,
        {{ period_key("'month'", 'date_day') | indent(8) }} as month_key,
        {{ period_start("'quarter'", 'date_day') }} as quarter_start,
        {{ period_key("'quarter'", 'date_day') | indent(8) }} as quarter_key,
        year(date_day) as calendar_year
    from date_spine
)

select * from dim_date
