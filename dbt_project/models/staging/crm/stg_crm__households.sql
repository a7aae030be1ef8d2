with

source as (
    {{ live_source_rows('raw_crm', 'households') }}
),

households as (
    select
        household_id,
        member_since,
        cast(member_since as date) as member_since_date,
        updated_at
    from source
)

select * from households
