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

{{ briefing_running_totals(
    groups=['donor_type', 'form'],
    columns=[
        ['donations', 'total', 'donations'],
        ['cash_month', 'month', 'cash_received'],
        ['cash_received', 'total', 'cash_received'],
        ['cash_pledged', 'total', 'cash_pledged'],
        ['devices_month', 'month', 'devices_received'],
        ['devices_received', 'total', 'devices_received'],
        ['devices_pledged', 'total', 'devices_pledged'],
        ['devices_failed_inspection', 'total', 'devices_failed_inspection'],
        ['packages_month', 'month', 'packages_received'],
        ['packages_received', 'total', 'packages_received'],
    ],
    keep_if='donations > 0',
) }}

select * from final
