with

source as (
    {{ live_source_rows('raw_marketing', 'campaigns') }}
),

campaigns as (
    select
        campaign_id,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        nullif(trim(campaign_type), '') as campaign_type
    from source
)

select * from campaigns
