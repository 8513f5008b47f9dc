-- Donations by donor type × form (only the combinations present; `donations` counts every status).
with donations as (
    select * from {{ ref('int_donations') }}
),

final as (
    select
        donor_type,
        form,
        count(*) as donations,
        coalesce(sum(cash_received_vnd), 0)::bigint as cash_received_vnd,
        coalesce(sum(cash_pledged_vnd), 0)::bigint as cash_pledged_vnd,
        coalesce(sum(devices_received), 0)::bigint as devices_received,
        coalesce(sum(data_packages_received), 0)::bigint as data_packages_received
    from donations
    group by donor_type, form
)

select * from final
