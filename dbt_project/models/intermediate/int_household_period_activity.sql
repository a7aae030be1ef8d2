with

sales_lines as (
    select * from {{ ref('stg_pos__transactions') }}
),

products as (
    select * from {{ ref('stg_catalog__products') }}
),

households as (
    select * from {{ ref('int_households') }}
),

campaigns as (
    select * from {{ ref('stg_marketing__campaigns') }}
),

campaign_households as (
    select * from {{ ref('stg_marketing__campaign_households') }}
),

store_regions as (
    select * from {{ ref('store_regions') }}
),

grains as (
    select unnest({{ metric_grains() }}) as grain
),

basket_departments as (
    -- The finest cut any dimension needs: a basket's lines summed per department, several times
    -- fewer rows than the sales lines.
    select
        sales_lines.basket_id,
        sales_lines.household_id,
        sales_lines.store_id,
        sales_lines.date_day,
        coalesce(products.department, 'Unknown') as department,
        sum(sales_lines.sales_value) as sales_value
    from sales_lines
    left join products on sales_lines.product_id = products.product_id
    group by
        sales_lines.basket_id,
        sales_lines.household_id,
        sales_lines.store_id,
        sales_lines.date_day,
        coalesce(products.department, 'Unknown')
),

baskets as (
    select
        basket_id,
        household_id,
        store_id,
        date_day,
        sum(sales_value) as sales_value
    from basket_departments
    group by basket_id, household_id, store_id, date_day
),

basket_cuts as (
    -- One row per basket and cut it falls in: the total, its store, its store's region, its
    -- household's income band and each department it holds. A basket appears once per cut,
    -- so count(*) over a cut counts distinct baskets without the cost of count(distinct).
    select
        basket_id,
        household_id,
        date_day,
        'total' as dimension_name,
        'all' as dimension_value,
        sales_value
    from baskets

    union all

    select
        basket_id,
        household_id,
        date_day,
        'store' as dimension_name,
        cast(store_id as varchar) as dimension_value,
        sales_value
    from baskets

    union all

    -- A household is active in a region when it bought in any store of the region.
    select
        baskets.basket_id,
        baskets.household_id,
        baskets.date_day,
        'region' as dimension_name,
        coalesce(store_regions.region, 'Unknown') as dimension_value,
        baskets.sales_value
    from baskets
    left join store_regions on baskets.store_id = store_regions.store_id

    union all

    select
        baskets.basket_id,
        baskets.household_id,
        baskets.date_day,
        'income_band' as dimension_name,
        coalesce(households.income_band, 'Unknown') as dimension_value,
        baskets.sales_value
    from baskets
    left join households on baskets.household_id = households.household_id

    union all

    select
        basket_id,
        household_id,
        date_day,
        'department' as dimension_name,
        department as dimension_value,
        sales_value
    from basket_departments
),

activity_by_dimension as (
    select
        grains.grain,
        {{ period_start('grains.grain', 'basket_cuts.date_day') }} as period_start,
        basket_cuts.dimension_name,
        basket_cuts.dimension_value,
        basket_cuts.household_id,
        count(*) as baskets,
        sum(basket_cuts.sales_value) as sales_value
    from basket_cuts
    cross join grains
    group by
        grains.grain,
        {{ period_start('grains.grain', 'basket_cuts.date_day') }},
        basket_cuts.dimension_name,
        basket_cuts.dimension_value,
        basket_cuts.household_id
),

household_periods as (
    select
        grain,
        period_start,
        {{ period_end('grain', 'period_start') | indent(8) }} as period_end,
        household_id
    from activity_by_dimension
    where dimension_name = 'total'
),

campaign_reached_household_periods as (
    -- A household counts as targeted in a period when any campaign it received runs on at least
    -- one day of the period (both date ranges are inclusive).
    select distinct
        household_periods.grain,
        household_periods.period_start,
        household_periods.household_id
    from household_periods
    inner join campaign_households
        on household_periods.household_id = campaign_households.household_id
    inner join campaigns
        on
            campaign_households.campaign_id = campaigns.campaign_id
            and household_periods.period_start <= campaigns.end_date
            and household_periods.period_end >= campaigns.start_date
),

household_period_flags as (
    select
        household_periods.grain,
        household_periods.period_start,
        household_periods.household_id,
        coalesce(
            households.member_since_date between household_periods.period_start
            and household_periods.period_end,
            false
        ) as is_new_household,
        campaign_reached_household_periods.household_id is not null as is_campaign_targeted
    from household_periods
    left join households on household_periods.household_id = households.household_id
    left join campaign_reached_household_periods
        on
            household_periods.grain = campaign_reached_household_periods.grain
            and household_periods.period_start = campaign_reached_household_periods.period_start
            and household_periods.household_id = campaign_reached_household_periods.household_id
),

household_period_activity as (
    select
        activity_by_dimension.grain,
        activity_by_dimension.period_start,
        activity_by_dimension.dimension_name,
        activity_by_dimension.dimension_value,
        activity_by_dimension.household_id,
        activity_by_dimension.baskets,
        activity_by_dimension.sales_value,
        household_period_flags.is_new_household,
        household_period_flags.is_campaign_targeted
    from activity_by_dimension
    inner join household_period_flags
        on
            activity_by_dimension.grain = household_period_flags.grain
            and activity_by_dimension.period_start = household_period_flags.period_start
            and activity_by_dimension.household_id = household_period_flags.household_id
)

select * from household_period_activity
