with

sales_lines as (
    select * from {{ ref('stg_pos__transactions') }}
),

-- The point-of-sale system is the only source that names stores, so the store list is the set
-- of stores that have sold anything.
dim_store as (
    select
        store_id,
        min(date_day) as first_sale_date,
        max(date_day) as last_sale_date
    from sales_lines
    group by store_id
)

select * from dim_store
