with

sales_lines as (
    select * from {{ ref('stg_pos__transactions') }}
),

fct_baskets as (
    -- A basket is one checkout with one household, store and moment, so min() returns that
    -- value. The test assert_basket_has_one_household_and_store checks the household and store.
    select
        basket_id,
        min(household_id) as household_id,
        min(store_id) as store_id,
        min(purchased_at) as purchased_at,
        min(date_day) as date_day,
        count(*) as lines,
        sum(quantity) as quantity,
        sum(sales_value) as sales_value
    from sales_lines
    group by basket_id
)

select * from fct_baskets
