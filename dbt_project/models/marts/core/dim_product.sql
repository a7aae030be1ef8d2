with

products as (
    select * from {{ ref('stg_catalog__products') }}
),

dim_product as (
    select
        product_id,
        manufacturer_id,
        department,
        brand,
        product_category,
        product_type,
        package_size
    from products
)

select * from dim_product
