-- Donations by donor type × form (only the combinations present; `donations` counts every status).
with donations as (
    select * from {{ ref('int_donations') }}
),

final as (
    select
        donor_type,
        form,
        count(*) as donations,
        coalesce(sum(amount_vnd) filter (where form = 'tien_mat' and status = 'da_nhan'), 0)::bigint
            as cash_received_vnd,
        coalesce(sum(amount_vnd) filter (where form = 'tien_mat' and status = 'cam_ket'), 0)::bigint
            as cash_pledged_vnd,
        coalesce(sum(quantity) filter (where form = 'thiet_bi' and status = 'da_nhan' and inspection_passed), 0)::bigint
            as devices_received,
        coalesce(sum(quantity) filter (where form = 'goi_cuoc' and status = 'da_nhan'), 0)::bigint
            as data_packages_received
    from donations
    group by donor_type, form
)

select * from final
