{#
    Fails on every combination of the given columns that occurs more than once: the key test for
    models whose primary key spans several columns.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

duplicate_keys as (
    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
)

select * from duplicate_keys

{% endtest %}
