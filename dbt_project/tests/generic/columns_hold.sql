{#- Generic test, declared once per model in its .yml: the model's column rules in ONE query (one dbt node).

    dbt runs each test as a node and a node costs it ~40 ms of Python per refresh whatever the data, so a model's
    not_null / unique / accepted_values checks are one node here instead of one per column and rule (issue 22
    point 5: the refresh an officer waits for). Returns one row per broken rule with the rows that break it:
      not_null: [col, …]            no null
      unique: [col, …]              no value twice (nulls ignored, as dbt's unique)
      accepted_values: {col: [v, …]} every non-null value in the list (compared as text): for codes dbt derives
                                     (school_level, priority_tier, …), which no contract lists
                     {col: {enum: kind.column}}  every non-null value a code of that enum column of ingest/contract.py,
                                     read from meta.contract_enums (written by ingest at every load), never copied
                                     here; an enum column that table does not hold is a broken rule of its own
-#}
{% test columns_hold(model, not_null=[], unique=[], accepted_values={}) -%}
with broken as (
    {%- for column in not_null %}
    select 'not_null({{ column }})' as rule, count(*) as failing_rows
    from {{ model }} where {{ column }} is null
    union all
    {%- endfor %}
    {%- for column in unique %}
    select 'unique({{ column }})' as rule, coalesce(sum(n), 0) as failing_rows
    from (select count(*) as n from {{ model }} where {{ column }} is not null group by {{ column }} having count(*) > 1)
    union all
    {%- endfor %}
    {%- for column, values in accepted_values.items() %}
    {%- if values is mapping %}
    {%- set kind, enum_column = values['enum'].split('.') %}
    {%- set codes = "select code from " ~ source('meta', 'contract_enums') ~ " where kind = '" ~ kind
                    ~ "' and column_name = '" ~ enum_column ~ "'" %}
    select 'contract_enum({{ values['enum'] }}) unknown' as rule, (count(*) = 0)::int as failing_rows
    from ({{ codes }})
    union all
    select 'accepted_values({{ column }})' as rule, count(*) as failing_rows
    from {{ model }}
    where {{ column }} is not null
      and cast({{ column }} as varchar) not in ({{ codes }})
    {%- else %}
    select 'accepted_values({{ column }})' as rule, count(*) as failing_rows
    from {{ model }}
    where {{ column }} is not null
      and cast({{ column }} as varchar) not in ({% for value in values %}'{{ value }}'{{ ", " if not loop.last }}{% endfor %})
    {%- endif %}
    union all
    {%- endfor %}
    select 'none' as rule, 0 as failing_rows
)

select * from broken where failing_rows > 0
{%- endtest %}
