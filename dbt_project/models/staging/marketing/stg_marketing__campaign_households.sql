with

source as (
    {{ live_source_rows('raw_marketing', 'campaign_households') }}
),

campaign_households as (
    select
        campaign_id,
        household_id
    from source
)

select * from campaign_households
