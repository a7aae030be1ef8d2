with

households as (
    select * from {{ ref('int_households') }}
),

dim_household as (
    select
        household_id,
        member_since,
        member_since_date,
        income_band,
        age_band,
        household_size,
        household_composition,
        kids_count,
        home_ownership,
        marital_status,
        has_demographics
    from households
)

select * from dim_household
