with

source as (
    {{ live_source_rows('raw_crm', 'demographics') }}
),

renamed as (
    select
        household_id,
        updated_at,
        nullif(trim(age), '') as age_range,
        nullif(trim(income), '') as income_range,
        nullif(trim(home_ownership), '') as home_ownership,
        nullif(trim(marital_status), '') as marital_status,
        nullif(trim(household_size), '') as household_size,
        nullif(trim(household_comp), '') as household_composition,
        nullif(trim(kids_count), '') as kids_count
    from source
),

banded as (
    select
        *,
        {{ income_band('income_range') }} as income_band,
        {{ age_band('age_range') }} as age_band
    from renamed
)

select * from banded
