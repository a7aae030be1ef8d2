{#
    Read the metric registry (models/marts/metrics/north_star_metrics.yml) from the dbt graph, so
    the metric marts are generated from that one file. graph.metrics is filled only when dbt
    executes, so at parse time these macros return no metrics and the models render as typed
    empty selects.
#}

{% macro metric_dimensions() -%}
    {{ return(['store', 'department', 'income_band']) }}
{%- endmacro %}

{# The registry's metrics in file order, checked for what the metric marts rely on. #}
{% macro northstar_metrics() %}
    {% set metrics = [] %}
    {% if execute %}
        {% if graph.metrics is not defined %}
            {% do exceptions.raise_compiler_error(
                "graph.metrics is missing because dbt unit tests do not provide it. Test the "
                ~ "models generated from the metric registry through dbt build instead."
            ) %}
        {% endif %}
        {% for node in graph.metrics.values() if node.package_name == project_name %}
            {% do metrics.append(node) %}
        {% endfor %}
        {% if metrics | length == 0 %}
            {% do exceptions.raise_compiler_error(
                "The metric registry defines no metrics: add them under 'metrics:' in "
                ~ "models/marts/metrics/north_star_metrics.yml."
            ) %}
        {% endif %}
        {% for metric in metrics %}
            {% do check_metric(metric, metrics) %}
        {% endfor %}
    {% endif %}
    {{ return(metrics) }}
{% endmacro %}

{% macro metric_meta(metric) %}
    {{ return(metric.config.meta or metric.meta or {}) }}
{% endmacro %}

{% macro metric_operand(metric, role) %}
    {% set operand = metric.type_params[role] %}
    {{ return(operand.name if operand is mapping else operand) }}
{% endmacro %}

{% macro check_metric(metric, metrics) %}
    {% set meta = metric_meta(metric) %}
    {% set where = "Metric '" ~ metric.name ~ "' in north_star_metrics.yml" %}
    {% set simple_names = metrics | selectattr('type', 'equalto', 'simple')
        | map(attribute='name') | list %}
    {% for grain in meta.grains or [] if grain not in metric_grains() %}
        {% do exceptions.raise_compiler_error(
            where ~ " has grain '" ~ grain ~ "'; use " ~ metric_grains() | join(', ') ~ "."
        ) %}
    {% endfor %}
    {% if not meta.grains %}
        {% do exceptions.raise_compiler_error(where ~ " has no 'grains' in config.meta.") %}
    {% endif %}
    {% for dimension in meta.dimensions or [] if dimension not in metric_dimensions() %}
        {% do exceptions.raise_compiler_error(
            where ~ " has dimension '" ~ dimension ~ "'; use "
            ~ metric_dimensions() | join(', ') ~ "."
        ) %}
    {% endfor %}
    {% if metric.type == 'simple' and not meta.compute %}
        {% do exceptions.raise_compiler_error(
            where ~ " is a simple metric without config.meta.compute, the SQL aggregate over "
            ~ "int_household_period_activity that computes it."
        ) %}
    {% elif metric.type == 'ratio' %}
        {% for role in ['numerator', 'denominator'] %}
            {% if metric_operand(metric, role) not in simple_names %}
                {% do exceptions.raise_compiler_error(
                    where ~ " has " ~ role ~ " '" ~ metric_operand(metric, role)
                    ~ "', which is not a simple metric; metric_values divides simple metrics only."
                ) %}
            {% endif %}
        {% endfor %}
    {% elif metric.type not in ['simple', 'ratio'] %}
        {% do exceptions.raise_compiler_error(
            where ~ " has type '" ~ metric.type ~ "'; metric_values computes simple and ratio "
            ~ "metrics only."
        ) %}
    {% endif %}
{% endmacro %}

{#
    SQL condition that keeps the rows of a metric's grains and dimensions, plus its totals;
    grains and dimensions default to the metric's own, prefix qualifies the columns.
#}
{% macro metric_scope(metric, grains=none, dimensions=none, prefix='') -%}
    {%- set meta = metric_meta(metric) -%}
    {%- set grains = grains if grains is not none else meta.grains -%}
    {%- set dimensions = dimensions if dimensions is not none else (meta.dimensions or []) -%}
    {{ prefix }}grain in ({{ sql_literals(grains) }})
    and {{ prefix }}dimension_name in ({{ sql_literals(['total'] + dimensions) }})
{%- endmacro %}

{% macro sql_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is boolean -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ value | string | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}

{% macro sql_literals(values) -%}
    {%- for value in values -%}{{ sql_literal(value) }}{{ ', ' if not loop.last }}{%- endfor -%}
{%- endmacro %}

{# Metric ids a formula combines, in the order written. #}
{% macro formula_children(formula) %}
    {{ return(modules.re.findall('[a-z_][a-z0-9_]*', formula or '')) }}
{% endmacro %}

{# Steps from the metric up to the north star (the north star has depth 0). #}
{% macro metric_tree_depth(metric, metrics) %}
    {% set parents = {} %}
    {% for node in metrics %}
        {% do parents.update({node.name: metric_meta(node).get('parent')}) %}
    {% endfor %}
    {% set state = namespace(depth=0, current=metric.name) %}
    {# A tree of n metrics is at most n - 1 steps deep; the registry loader rejects cycles. #}
    {% for _ in metrics %}
        {% if parents.get(state.current) %}
            {% set state.depth = state.depth + 1 %}
            {% set state.current = parents[state.current] %}
        {% endif %}
    {% endfor %}
    {{ return(state.depth) }}
{% endmacro %}

{#
    Metric ids in report order: the metric tree depth-first from the north star, children in
    registry order, then the metrics outside the tree in registry order.
#}
{% macro metric_tree_order(metrics) %}
    {% set ordered = [] %}
    {% set stack = metrics | selectattr('config.meta.north_star') | map(attribute='name') | list %}
    {% for _ in metrics %}
        {% if stack %}
            {% set current = stack.pop() %}
            {% do ordered.append(current) %}
            {% set children = [] %}
            {% for node in metrics if metric_meta(node).get('parent') == current %}
                {% do children.append(node.name) %}
            {% endfor %}
            {% do stack.extend(children | reverse) %}
        {% endif %}
    {% endfor %}
    {% for node in metrics if node.name not in ordered %}
        {% do ordered.append(node.name) %}
    {% endfor %}
    {{ return(ordered) }}
{% endmacro %}
