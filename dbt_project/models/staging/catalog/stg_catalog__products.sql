with

source as (
    {{ live_source_rows('raw_catalog', 'products') }}
),

products as (
    select
        product_id,
        manufacturer_id,
        -- Department is a metric dimension, so a product without one gets a named value.
        coalesce(nullif(trim(department), ''), 'Unknown') as department,
        nullif(trim(brand), '') as brand,
        nullif(trim(product_category), '') as product_category,
        nullif(trim(product_type), '') as product_type,
        nullif(trim(package_size), '') as package_size
    from source
)

select * from products
