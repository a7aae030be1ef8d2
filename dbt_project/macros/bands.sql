{#
    Demographic bands used as metric dimensions. The CRM survey answers come in fine brackets
    (twelve income ranges, six age ranges); reports cut metrics by a few coarse bands so that
    each band holds enough households to compare. A missing or unrecognised answer is 'Unknown'.
#}

{% macro income_band(income_range) -%}
    case
        when {{ income_range }} in ('Under 15K', '15-24K', '25-34K') then 'Under 35K'
        when {{ income_range }} in ('35-49K', '50-74K') then '35-74K'
        when {{ income_range }} in ('75-99K', '100-124K', '125-149K') then '75-149K'
        when {{ income_range }} in ('150-174K', '175-199K', '200-249K', '250K+') then '150K+'
        else 'Unknown'
    end
{%- endmacro %}

{% macro age_band(age_range) -%}
    case
        when {{ age_range }} in ('19-24', '25-34') then '19-34'
        when {{ age_range }} in ('35-44', '45-54') then '35-54'
        when {{ age_range }} in ('55-64', '65+') then '55+'
        else 'Unknown'
    end
{%- endmacro %}
