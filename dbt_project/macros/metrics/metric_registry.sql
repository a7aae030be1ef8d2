{#
    Read the metric registry (models/marts/metrics/north_star_metrics.yml) from the dbt graph, so
    the metric marts are generated from that one file. graph.metrics is filled only when dbt
    executes, so at parse time these macros return no metrics and the models render as typed
    empty selects.
#}

{#
    Dimensions the metrics may be cut by: the semantic model's config.meta.metric_dimensions, or
    the retail cuts when it lists none (and at parse time, when the graph is empty).
#}
{% macro metric_dimensions() %}
    {% set dimensions = [] %}
    {% for model in metric_semantic_models() %}
        {% do dimensions.extend((model.config.meta or {}).get('metric_dimensions') or []) %}
    {% endfor %}
    {{ return(dimensions or ['store', 'region', 'department', 'income_band']) }}
{% endmacro %}

{% macro metric_semantic_models() %}
    {% set models = [] %}
    {% if execute and graph.semantic_models is defined %}
        {% for node in graph.semantic_models.values() if node.package_name == project_name %}
            {% do models.append(node) %}
        {% endfor %}
    {% endif %}
    {{ return(models) }}
{% endmacro %}

{# Measures of the semantic models by name: {agg, expr}. #}
{% macro metric_measures() %}
    {% set measures = {} %}
    {% for model in metric_semantic_models() %}
        {% for measure in model.measures %}
            {% do measures.update({measure.name: {
                'agg': measure.agg, 'expr': measure.expr or measure.name
            }}) %}
        {% endfor %}
    {% endfor %}
    {{ return(measures) }}
{% endmacro %}

{# SQL of each semantic model dimension by name, for rendering MetricFlow filters. #}
{% macro metric_dimension_exprs() %}
    {% set exprs = {} %}
    {% for model in metric_semantic_models() %}
        {% for dimension in model.dimensions %}
            {% do exprs.update({dimension.name: dimension.expr or dimension.name}) %}
        {% endfor %}
    {% endfor %}
    {{ return(exprs) }}
{% endmacro %}

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
        {% do check_activity_model() %}
        {% for metric in metrics %}
            {% do check_metric(metric, metrics) %}
        {% endfor %}
    {% endif %}
    {{ return(metrics) }}
{% endmacro %}

{# The model every metric aggregates; the semantic models must read the same model. #}
{% macro metric_activity_model() -%}
    {{ return(var('metric_activity_model', 'int_household_period_activity')) }}
{%- endmacro %}

{% macro check_activity_model() %}
    {% set expected = 'model.' ~ project_name ~ '.' ~ metric_activity_model() %}
    {% for model in metric_semantic_models() if expected not in model.depends_on.nodes %}
        {% do exceptions.raise_compiler_error(
            "Semantic model '" ~ model.name ~ "' reads " ~ model.depends_on.nodes | join(', ')
            ~ ", but metric_values aggregates " ~ expected ~ "; set the dbt var "
            ~ "metric_activity_model to the semantic model's model."
        ) %}
    {% endfor %}
{% endmacro %}

{% macro metric_meta(metric) %}
    {{ return(metric.config.meta or metric.meta or {}) }}
{% endmacro %}

{% macro metric_operand(metric, role) %}
    {% set operand = metric.type_params[role] %}
    {{ return(operand.name if operand is mapping else operand) }}
{% endmacro %}

{# A metric's MetricFlow filter as one SQL template string, or none. #}
{% macro metric_filter(metric) %}
    {% set where_filters = (metric.filter or {}).get('where_filters') or [] %}
    {% set templates = where_filters | map(attribute='where_sql_template') | list %}
    {{ return(('(' ~ templates | join(') and (') ~ ')') if templates else none) }}
{% endmacro %}

{# The fields that define a metric's numbers and tree, as the current version has them. #}
{% macro metric_fields(metric) %}
    {% set meta = metric_meta(metric) %}
    {% set measure = metric.type_params.measure %}
    {{ return({
        'type': metric.type,
        'measure': (measure.name if measure is mapping else measure) if measure else none,
        'filter': metric_filter(metric),
        'numerator': metric_operand(metric, 'numerator') if metric.type == 'ratio' else none,
        'denominator': metric_operand(metric, 'denominator') if metric.type == 'ratio' else none,
        'expr': metric.type_params.expr if metric.type == 'derived' else none,
        'north_star': meta.north_star or false,
        'parent': meta.get('parent'),
        'relation': meta.get('relation'),
        'formula': meta.get('formula'),
        'unit': meta.get('unit'),
        'zero_denominator': meta.get('zero_denominator'),
    }) }}
{% endmacro %}

{#
    The metric's versions, oldest first: {version, effective_date, author, reason, fields,
    changed_fields}. Each change in config.meta.changes records the fields before it under
    'previous', so walking back from the current fields rebuilds every earlier version.
#}
{% macro metric_versions(metric) %}
    {% set meta = metric_meta(metric) %}
    {% set current_version = meta.version or 1 %}
    {% set changes = {} %}
    {% for change in meta.changes or [] %}
        {% do changes.update({change.version: change}) %}
    {% endfor %}
    {% set state = namespace(fields=metric_fields(metric)) %}
    {% set versions = [] %}
    {% for number in range(current_version, 0, -1) %}
        {% set change = changes.get(number, {}) %}
        {% set previous = change.get('previous') or {} %}
        {% do versions.insert(0, {
            'version': number,
            'effective_date': meta.effective_date if number == current_version
                else change.get('effective_date'),
            'author': change.get('author'),
            'reason': change.get('reason'),
            'fields': state.fields,
            'changed_fields': previous.keys() | list | sort,
        }) %}
        {% set fields = {} %}
        {% do fields.update(state.fields) %}
        {% do fields.update(previous) %}
        {% set state.fields = fields %}
    {% endfor %}
    {{ return(versions) }}
{% endmacro %}

{# The SQL aggregate of a simple metric's measure over the activity rows its filter keeps. #}
{% macro metric_compute(fields) %}
    {% set measure = metric_measures()[fields.measure] %}
    {% set state = namespace(expr=measure.expr, filter=fields.filter) %}
    {% if state.filter %}
        {% set exprs = metric_dimension_exprs() %}
        {% set pattern = "[{][{]\\s*Dimension[(]\\s*['\"]([a-z0-9_]+)['\"]\\s*[)]\\s*[}][}]" %}
        {% for match in modules.re.finditer(pattern, fields.filter) %}
            {% set name = match.group(1).split('__') | last %}
            {% set state.filter = state.filter | replace(
                match.group(0), '(' ~ exprs.get(name, name) ~ ')'
            ) %}
        {% endfor %}
        {% set state.expr = 'case when (' ~ state.filter ~ ') then ' ~ measure.expr ~ ' end' %}
    {% endif %}
    {% set aggregates = {
        'sum': 'sum({})', 'count': 'count({})', 'count_distinct': 'count(distinct {})',
        'average': 'avg({})', 'min': 'min({})', 'max': 'max({})',
        'sum_boolean': 'sum(cast({} as integer))',
    } %}
    {{ return(aggregates[measure.agg].replace('{}', state.expr)) }}
{% endmacro %}

{#
    value, numerator and denominator SQL of a metric version over a row that holds every simple
    metric as a column named by `column(metric_id)`: the metric itself for a simple metric, the
    quotient for a ratio, the expression for a derived metric. The zero_denominator policy
    turns a division by zero into null or zero.
#}
{% macro metric_value_sql(metric_id, fields, column_prefix='') %}
    {% if fields.type == 'ratio' %}
        {% set numerator = column_prefix ~ fields.numerator %}
        {% set denominator = column_prefix ~ fields.denominator %}
        {% set value = numerator ~ ' / nullif(' ~ denominator ~ ', 0)' %}
    {% elif fields.type == 'derived' %}
        {% set numerator, denominator = 'null', 'null' %}
        {% set names = modules.re.findall('[a-z_][a-z0-9_]*', fields.expr) %}
        {% set state = namespace(expr=fields.expr) %}
        {% for name in names | unique %}
            {% set state.expr = modules.re.sub('\\b' ~ name ~ '\\b', column_prefix ~ name, state.expr) %}
        {% endfor %}
        {% set value = 'case when isfinite(' ~ state.expr ~ ') then ' ~ state.expr ~ ' end' %}
    {% else %}
        {% set numerator, denominator = 'null', 'null' %}
        {% set value = column_prefix ~ metric_id %}
    {% endif %}
    {% if fields.zero_denominator == 'zero' %}
        {% set value = 'coalesce(' ~ value ~ ', 0)' %}
    {% endif %}
    {{ return({'value': value, 'numerator': numerator, 'denominator': denominator}) }}
{% endmacro %}

{% macro check_metric(metric, metrics) %}
    {% set meta = metric_meta(metric) %}
    {% set where = "Metric '" ~ metric.name ~ "' in the metric registry" %}
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
    {% for version in metric_versions(metric) %}
        {% set fields = version.fields %}
        {% if fields.type == 'simple' and fields.measure not in metric_measures() %}
            {% do exceptions.raise_compiler_error(
                where ~ " (version " ~ version.version ~ ") uses measure '" ~ fields.measure
                ~ "', which no semantic model defines."
            ) %}
        {% elif fields.type == 'ratio' %}
            {% for role in ['numerator', 'denominator'] if fields[role] not in simple_names %}
                {% do exceptions.raise_compiler_error(
                    where ~ " has " ~ role ~ " '" ~ fields[role]
                    ~ "', which is not a simple metric; metric_values divides simple metrics only."
                ) %}
            {% endfor %}
        {% elif fields.type == 'derived' %}
            {% for name in modules.re.findall('[a-z_][a-z0-9_]*', fields.expr or '')
                if name not in simple_names %}
                {% do exceptions.raise_compiler_error(
                    where ~ " has expr '" ~ fields.expr ~ "' over '" ~ name
                    ~ "', which is not a simple metric; metric_values derives from simple metrics."
                ) %}
            {% endfor %}
        {% elif fields.type not in ['simple', 'ratio', 'derived'] %}
            {% do exceptions.raise_compiler_error(
                where ~ " has type '" ~ fields.type ~ "'; metric_values computes simple, ratio "
                ~ "and derived metrics only."
            ) %}
        {% endif %}
    {% endfor %}
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
