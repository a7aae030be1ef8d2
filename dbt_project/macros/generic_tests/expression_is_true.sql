{#
    Fails on every row for which the SQL boolean expression is not true (false or null). On a
    column the expression is still written out in full; column_name is accepted and unused.
#}
{% test expression_is_true(model, expression, column_name=none) %}

with

failing_rows as (
    select *
    from {{ model }}
    where not coalesce({{ expression }}, false)
)

select * from failing_rows

{% endtest %}
