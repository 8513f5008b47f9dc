-- What ingest promises about raw (ingest/contract.py, enforced by ingest/validate.py), checked where dbt starts
-- reading: every key present and every enum a canonical code. One singular test instead of one generic test per
-- column (each dbt node costs ~40 ms of every refresh). Returns one row per broken promise (none expected).
with checks as (
    select 'districts.district_code null' as broken, count(*) as n
    from {{ source('raw', 'districts') }} where district_code is null
    union all
    select 'schools.school_code null', count(*) from {{ source('raw', 'schools') }} where school_code is null
    union all
    select 'schools.school_type', count(*) from {{ source('raw', 'schools') }}
    where school_type not in ('tieu_hoc', 'thcs', 'thpt', 'lien_cap', 'gdnn_gdtx', 'cao_dang_dai_hoc')
    union all
    select 'survey.survey_round null', count(*) from {{ source('raw', 'survey') }} where survey_round is null
    union all
    select 'survey.household_status', count(*) from {{ source('raw', 'survey') }}
    where household_status not in ('ngheo', 'can_ngheo', 'kho_khan_covid', 'khac')
    union all
    select 'donations.donation_id null', count(*) from {{ source('raw', 'donations') }} where donation_id is null
    union all
    select 'donations.form', count(*) from {{ source('raw', 'donations') }}
    where form not in ('tien_mat', 'thiet_bi', 'goi_cuoc')
    union all
    select 'donations.status', count(*) from {{ source('raw', 'donations') }}
    where status not in ('da_nhan', 'cam_ket')
    union all
    select 'handovers.handover_id null', count(*) from {{ source('raw', 'handovers') }} where handover_id is null
    union all
    select 'coverage.point_id null', count(*) from {{ source('raw', 'coverage') }} where point_id is null
    union all
    select 'coverage.status', count(*) from {{ source('raw', 'coverage') }}
    where status not in ('chua_co_song', 'dang_trien_khai', 'da_phu_song')
    union all
    select 'dq.rejected_rows.reason_code', count(*) from {{ source('dq', 'rejected_rows') }}
    where reason_code not in ('missing', 'unparsable', 'not_in_enum', 'out_of_range', 'unknown_reference',
                              'outside_scope')
)

select * from checks where n > 0
