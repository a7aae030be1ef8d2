with

sales_lines as (
    select * from {{ ref('stg_pos__transactions') }}
),

store_regions as (
    select * from {{ ref('store_regions') }}
),

-- The point-of-sale system is the only source that names stores, so the store list is the set
-- of stores that have sold anything. Regions come from the store master seed.
store_sales as (
    select
        store_id,
        min(date_day) as first_sale_date,
        max(date_day) as last_sale_date
    from sales_lines
    group by store_id
),

dim_store as (
    select
        store_sales.store_id,
        store_sales.first_sale_date,
        store_sales.last_sale_date,
        coalesce(store_regions.region, 'Unknown') as region
    from store_sales
    left join store_regions on store_sales.store_id = store_regions.store_id
)

select * from dim_store
