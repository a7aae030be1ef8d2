with

source as (
    select * from {{ source('raw_marketing', 'campaign_households') }}
),

campaign_households as (
    select
        campaign_id,
        household_id
    from source
)

select * from campaign_households
