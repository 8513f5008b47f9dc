-- Devices handed over by district × device type in each briefing month and up to its last day (docs/briefing.md:
-- handovers count by handed_on, in the district of the handover's school). Only groups with a handover so far.
with handovers as (
    select * from {{ ref('int_handovers') }}
),

briefing_months as (
    select month from {{ ref('briefing_months') }}
),

by_month as (
    select district_code, device_type, date_trunc('month', handed_on)::date as month, count(*) as handed
    from handovers
    where handed_on is not null
    group by all
),

calendar as (
    select generate_series::date as month
    from generate_series(
        (select min(month) from (select month from by_month union all select month from briefing_months))::timestamp,
        (select max(month) from briefing_months)::timestamp,
        interval 1 month
    )
),

groups as (
    select distinct district_code, device_type from by_month
),

running as (
    select
        calendar.month,
        groups.district_code,
        groups.device_type,
        coalesce(b.handed, 0)::bigint as this_month,
        (sum(coalesce(b.handed, 0)) over so_far)::bigint as cumulative
    from calendar
    cross join groups
    left join by_month as b
        on b.month = calendar.month and b.district_code is not distinct from groups.district_code
        and b.device_type is not distinct from groups.device_type
    window so_far as (
        partition by groups.district_code, groups.device_type order by calendar.month
        rows between unbounded preceding and current row
    )
),

final as (
    select running.*
    from running
    inner join briefing_months using (month)
    where running.cumulative > 0
)

select * from final
