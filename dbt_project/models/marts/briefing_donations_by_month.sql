-- Donations by donor type × form as of each briefing month's last day (docs/briefing.md): a received donation
-- counts from its received_on, a pledge from its pledged_on; the amounts each brings (cash, devices received after a
-- passed inspection, failed ones, packages) are int_donations' columns. `_month` columns are the month's own, the others
-- running totals up to its last day.
with donations as (
    select * from {{ ref('int_donations') }}
),

briefing_months as (
    select month from {{ ref('briefing_months') }}
),

events as (
    select
        donor_type,
        form,
        date_trunc('month', case when status = 'da_nhan' then received_on else pledged_on end)::date as month,
        case when (status = 'da_nhan' and received_on is not null)
                  or (status = 'cam_ket' and pledged_on is not null) then 1 else 0 end as donations,
        -- what each donation brings is int_donations' (the rule "device received" is written there once)
        cash_received_vnd as cash_received,
        cash_pledged_vnd as cash_pledged,
        devices_received,
        devices_pledged,
        devices_failed_inspection,
        data_packages_received as packages_received
    from donations
    where (status = 'da_nhan' and received_on is not null) or (status = 'cam_ket' and pledged_on is not null)
),

by_month as (
    select
        donor_type, form, month,
        sum(donations)::bigint as donations,
        coalesce(sum(cash_received), 0)::bigint as cash_received,
        coalesce(sum(cash_pledged), 0)::bigint as cash_pledged,
        coalesce(sum(devices_received), 0)::bigint as devices_received,
        coalesce(sum(devices_pledged), 0)::bigint as devices_pledged,
        coalesce(sum(devices_failed_inspection), 0)::bigint as devices_failed_inspection,
        coalesce(sum(packages_received), 0)::bigint as packages_received
    from events
    group by all
),

-- from the first event (a pledge may predate the briefing's range) to the last briefing month
calendar as (
    select generate_series::date as month
    from generate_series(
        (select min(month) from (select month from by_month union all select month from briefing_months))::timestamp,
        (select max(month) from briefing_months)::timestamp,
        interval 1 month
    )
),

groups as (
    select distinct donor_type, form from by_month
),

running as (
    select
        calendar.month,
        groups.donor_type,
        groups.form,
        (sum(coalesce(b.donations, 0)) over so_far)::bigint as donations,
        coalesce(b.cash_received, 0)::bigint as cash_month,
        (sum(coalesce(b.cash_received, 0)) over so_far)::bigint as cash_received,
        (sum(coalesce(b.cash_pledged, 0)) over so_far)::bigint as cash_pledged,
        coalesce(b.devices_received, 0)::bigint as devices_month,
        (sum(coalesce(b.devices_received, 0)) over so_far)::bigint as devices_received,
        (sum(coalesce(b.devices_pledged, 0)) over so_far)::bigint as devices_pledged,
        (sum(coalesce(b.devices_failed_inspection, 0)) over so_far)::bigint as devices_failed_inspection,
        coalesce(b.packages_received, 0)::bigint as packages_month,
        (sum(coalesce(b.packages_received, 0)) over so_far)::bigint as packages_received
    from calendar
    cross join groups
    left join by_month as b
        on b.month = calendar.month and b.donor_type = groups.donor_type and b.form = groups.form
    window so_far as (
        partition by groups.donor_type, groups.form order by calendar.month
        rows between unbounded preceding and current row
    )
),

final as (
    select running.*
    from running
    inner join briefing_months using (month)
    where running.donations > 0
)

select * from final
