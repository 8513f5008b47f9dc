{#- The briefing's months (docs/briefing.md): a calendar from the first event to the last briefing month, every group
    of `by_month` on every month of it, running totals up to each month's last day (and the month's own figures
    where asked), kept for the briefing months where `keep_if` holds. One block for briefing_donations_by_month and
    briefing_handovers_by_month, so "up to the month's last day" is computed the same way in both.

    Emits the CTEs `calendar`, `groups`, `running` and `final` (the model ends with `select * from final`); the model
    defines `by_month` (the groups' columns, `month`, the measures) and `briefing_months` before it.
    `columns`: [output name, 'total' (running total) or 'month' (the month's own), measure of by_month], in the
    output's order, after month and the groups' columns. -#}
{% macro briefing_running_totals(groups, columns, keep_if, by_month='by_month', months='briefing_months') -%}
-- from the first event (e.g. a pledge before the briefing's range) to the last briefing month
calendar as (
    select generate_series::date as month
    from generate_series(
        (select min(month) from (select month from {{ by_month }} union all select month from {{ months }}))::timestamp,
        (select max(month) from {{ months }})::timestamp,
        interval 1 month
    )
),

groups as (
    select distinct {{ groups | join(', ') }} from {{ by_month }}
),

running as (
    select
        calendar.month,
        {%- for group in groups %}
        groups.{{ group }},
        {%- endfor %}
        {%- for name, kind, measure in columns %}
        {% if kind == 'month' -%}
        coalesce(b.{{ measure }}, 0)::bigint
        {%- else -%}
        (sum(coalesce(b.{{ measure }}, 0)) over so_far)::bigint
        {%- endif %} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from calendar
    cross join groups
    left join {{ by_month }} as b
        on b.month = calendar.month
        {%- for group in groups %}
        and b.{{ group }} is not distinct from groups.{{ group }}
        {%- endfor %}
    window so_far as (
        partition by {% for group in groups %}groups.{{ group }}{{ ', ' if not loop.last }}{% endfor %}
        order by calendar.month
        rows between unbounded preceding and current row
    )
),

final as (
    select running.*
    from running
    inner join {{ months }} using (month)
    where running.{{ keep_if }}
)
{%- endmacro %}
