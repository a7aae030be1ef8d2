with

sales_lines as (
    select * from {{ ref('stg_pos__transactions') }}
),

fct_sales_lines as (
    select
        basket_id,
        product_id,
        household_id,
        store_id,
        purchased_at,
        date_day,
        week_number,
        quantity,
        sales_value,
        retail_discount,
        coupon_discount,
        coupon_match_discount
    from sales_lines
)

select * from fct_sales_lines
