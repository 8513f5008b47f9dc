-- A handover naming a donation_id that no accepted donation has.
with handovers as (
    select * from {{ ref('int_handovers') }} where donation_id is not null
),

donations as (
    select donation_id from {{ ref('int_donations') }}
),

final as (
    select
        'handover_unknown_donation' as issue_type,
        'handovers' as entity,
        handover_id as record_key,
        'Bàn giao ' || handover_id || ' ghi mã ủng hộ ' || donation_id || ' không tồn tại' as detail,
        source_file,
        source_line
    from handovers
    where donation_id not in (select donation_id from donations)
)

select * from final
