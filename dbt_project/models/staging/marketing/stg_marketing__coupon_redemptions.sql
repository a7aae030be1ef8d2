with

source as (
    {{ live_source_rows('raw_marketing', 'coupon_redemptions') }}
),

coupon_redemptions as (
    select
        household_id,
        coupon_upc,
        campaign_id,
        cast(redemption_date as date) as redemption_date
    from source
)

select * from coupon_redemptions
