-- A handover whose student key is not an identified student (not on the need list).
with handovers as (
    select * from {{ ref('int_handovers') }}
),

identified as (
    select student_key from {{ ref('int_students') }} where is_identified
),

final as (
    select
        'handover_outside_need_list' as issue_type,
        'handovers' as entity,
        handover_id as record_key,
        'Bàn giao ' || handover_id || ' cho học sinh không có trong danh sách cần hỗ trợ' as detail,
        source_file,
        source_line
    from handovers
    where student_key not in (select student_key from identified)
)

select * from final
