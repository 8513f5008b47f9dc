-- The months a press pack can be built for (docs/briefing.md): monthly_progress's range stretched over the survey
-- dates, as need_by_month has them. One row per month; the other briefing_* marts are laid on this calendar.
with progress_months as (
    select month from {{ ref('monthly_progress') }}
),

need_months as (
    select distinct month from {{ ref('need_by_month') }}
),

final as (
    select distinct month::date as month
    from (select month from progress_months union all select month from need_months)
)

select * from final
