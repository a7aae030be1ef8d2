{{ config(severity='error') }}

-- Every parent in the metric tree must equal its formula over its children, within the parent's
-- identity_tolerance, on every grain, period and dimension value. A failing row means a metric's
-- compute no longer matches the tree the registry declares, so the numbers must not be published.
with

metric_tree_checks as (
    select * from {{ ref('metric_tree_checks') }}
),

broken_identities as (
    select
        parent_metric_id,
        formula,
        grain,
        period_start,
        dimension_name,
        dimension_value,
        parent_value,
        formula_value,
        rel_diff,
        tolerance
    from metric_tree_checks
    where not holds
)

select * from broken_identities
