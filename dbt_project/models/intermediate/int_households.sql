with

households as (
    select * from {{ ref('stg_crm__households') }}
),

demographics as (
    select * from {{ ref('stg_crm__demographics') }}
),

households_with_demographics as (
    select
        households.household_id,
        households.member_since,
        households.member_since_date,
        demographics.household_size,
        demographics.household_composition,
        demographics.kids_count,
        demographics.home_ownership,
        demographics.marital_status,
        -- Households that never answered the survey still need a dimension value.
        coalesce(demographics.income_band, 'Unknown') as income_band,
        coalesce(demographics.age_band, 'Unknown') as age_band,
        demographics.household_id is not null as has_demographics
    from households
    left join demographics on households.household_id = demographics.household_id
)

select * from households_with_demographics
