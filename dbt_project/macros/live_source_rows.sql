{#
    Select the rows of a raw source table that still exist in the source system.

    Extraction soft-deletes: a row removed from the source keeps its raw row with `_deleted_at`
    set, so history stays auditable. Staging reads only live rows. A raw table without the
    column (an older load, a hand-made test layer) has no deletions to hide.
#}
{% macro live_source_rows(source_name, table_name) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- set column_names = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do column_names.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    select * from {{ relation }}
    {%- if '_deleted_at' in column_names %} where _deleted_at is null{% endif %}
{% endmacro %}
