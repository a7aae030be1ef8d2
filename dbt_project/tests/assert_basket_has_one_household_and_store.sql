-- A basket is one checkout, so all its lines share one household and one store. fct_baskets
-- relies on this when it takes the household and store of a basket from its lines.
with

sales_lines as (
    select * from {{ ref('stg_pos__transactions') }}
),

inconsistent_baskets as (
    select
        basket_id,
        count(distinct household_id) as household_count,
        count(distinct store_id) as store_count
    from sales_lines
    group by basket_id
    having count(distinct household_id) > 1 or count(distinct store_id) > 1
)

select * from inconsistent_baskets
