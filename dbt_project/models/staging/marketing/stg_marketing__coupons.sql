with

source as (
    {{ live_source_rows('raw_marketing', 'coupons') }}
),

coupons as (
    select
        coupon_upc,
        product_id,
        campaign_id
    from source
)

select * from coupons
