with

source as (
    {{ live_source_rows('raw_pos', 'transactions') }}
),

sales_lines as (
    select
        basket_id,
        product_id,
        household_id,
        store_id,
        quantity,
        sales_value,
        retail_disc as retail_discount,
        coupon_disc as coupon_discount,
        coupon_match_disc as coupon_match_discount,
        week as week_number,
        transaction_timestamp as purchased_at,
        cast(transaction_timestamp as date) as date_day
    from source
)

select * from sales_lines
