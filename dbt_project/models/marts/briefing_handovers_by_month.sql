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

{{ briefing_running_totals(
    groups=['district_code', 'device_type'],
    columns=[['this_month', 'month', 'handed'], ['cumulative', 'total', 'handed']],
    keep_if='cumulative > 0',
) }}

select * from final
