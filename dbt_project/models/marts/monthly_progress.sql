-- Calendar months from the first to the last with any activity, empty months in between as zeros,
-- with running totals (SPEC §5 monthly figures; students_supported_new = first handover's month).
with donations as (
    select * from {{ ref('int_donations') }} where status = 'da_nhan'  -- received_on is the month of a receipt
),

handovers as (
    select * from {{ ref('int_handovers') }}
),

students as (
    select * from {{ ref('int_students') }} where is_supported
),

events as (
    select date_trunc('month', received_on) as month,
           devices_received,
           cash_received_vnd,
           0 as devices_handed_over, 0 as students_supported_new
    from donations
    union all
    select date_trunc('month', handed_on), 0, 0, 1, 0 from handovers
    union all
    select date_trunc('month', first_handed_on), 0, 0, 0, 1 from students
),

by_month as (
    select
        month::date as month,
        sum(devices_received)::bigint as devices_received,
        sum(cash_received_vnd)::bigint as cash_received_vnd,
        sum(devices_handed_over)::bigint as devices_handed_over,
        sum(students_supported_new)::bigint as students_supported_new
    from events
    group by month
    having sum(devices_received) <> 0 or sum(cash_received_vnd) <> 0
        or sum(devices_handed_over) <> 0 or sum(students_supported_new) <> 0
),

calendar as (
    select generate_series::date as month
    from generate_series(
        (select min(month) from by_month)::timestamp,
        (select max(month) from by_month)::timestamp,
        interval 1 month
    )
),

filled as (
    select
        calendar.month,
        coalesce(by_month.devices_received, 0) as devices_received,
        coalesce(by_month.cash_received_vnd, 0) as cash_received_vnd,
        coalesce(by_month.devices_handed_over, 0) as devices_handed_over,
        coalesce(by_month.students_supported_new, 0) as students_supported_new
    from calendar
    left join by_month using (month)
),

final as (
    select
        *,
        (sum(devices_received) over w)::bigint as cum_devices_received,
        (sum(cash_received_vnd) over w)::bigint as cum_cash_received_vnd,
        (sum(devices_handed_over) over w)::bigint as cum_devices_handed_over,
        (sum(students_supported_new) over w)::bigint as cum_students_supported_new
    from filled
    window w as (order by month rows between unbounded preceding and current row)
)

select * from final
