{{ config(alias='school_levels') }}
-- The school levels a student is counted under (int_students derives them; dbt var school_levels), in the order
-- the app's filter lists them: the app takes its choices from here instead of a list of its own (issue 22).
with levels as (
    {%- for level in var('school_levels') %}
    select '{{ level }}' as school_level, {{ loop.index }} as level_order
    {{- " union all" if not loop.last }}
    {%- endfor %}
),

final as (
    select school_level, level_order from levels
)

select * from final
