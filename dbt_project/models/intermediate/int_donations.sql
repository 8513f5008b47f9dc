-- One row per donation_id: the version loaded last wins; donor_fold compares donor names (SPEC §5).
-- What each donation brings, written once for every mart: a device counts as received only when it arrived
-- (status da_nhan) and passed inspection (SPEC §5 devices_received); cash and data packages count when received.
with donations as (
    select * from {{ source('raw', 'donations') }}
),

winners as (
    {{ latest_per_id('donations', 'donation_id') }}
),

flagged as (
    select
        *,
        {{ fold('donor_name') }} as donor_fold,
        form = 'thiet_bi' and status = 'da_nhan' and coalesce(inspection_passed, false) as is_device_received,
        form = 'thiet_bi' and status = 'da_nhan' and not coalesce(inspection_passed, true) as is_device_failed_inspection
    from winners
),

final as (
    select
        *,
        case when is_device_received then quantity else 0 end as devices_received,
        case when is_device_failed_inspection then quantity else 0 end as devices_failed_inspection,
        case when form = 'thiet_bi' and status = 'cam_ket' then quantity else 0 end as devices_pledged,
        case when form = 'tien_mat' and status = 'da_nhan' then amount_vnd else 0 end as cash_received_vnd,
        case when form = 'tien_mat' and status = 'cam_ket' then amount_vnd else 0 end as cash_pledged_vnd,
        case when form = 'goi_cuoc' and status = 'da_nhan' then quantity else 0 end as data_packages_received
    from flagged
)

select * from final
