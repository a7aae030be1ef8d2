with

source as (
    select * from {{ source('raw_marketing', 'coupons') }}
),

coupons as (
    select
        coupon_upc,
        product_id,
        campaign_id
    from source
)

select * from coupons
