-- The honour roll: every donor (organisations and people, as the program publicly thanks them) with what
-- they gave. Donor names are public; no student data here.
with donations as (
    select * from {{ ref('int_donations') }}
),

final as (
    select
        donor_name,
        any_value(donor_type) as donor_type,
        count(*) as donations,
        coalesce(sum(cash_received_vnd), 0)::bigint as cash_received_vnd,
        coalesce(sum(cash_pledged_vnd), 0)::bigint as cash_pledged_vnd,
        coalesce(sum(devices_received), 0)::bigint as devices_received,
        coalesce(sum(data_packages_received), 0)::bigint as data_packages_received,
        min(coalesce(received_on, pledged_on)) as first_gift_on
    from donations
    group by donor_name
)

select * from final
