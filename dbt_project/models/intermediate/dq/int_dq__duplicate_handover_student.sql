-- A student key with more than one handover: breaks "01 lần / 01 học sinh".
with handovers as (
    select * from {{ ref('int_handovers') }}
),

groups as (
    select
        student_key,
        count(*) as members,
        max_by(source_file, load_order) as source_file,
        max_by(source_line, load_order) as source_line
    from handovers
    group by student_key
    having count(*) > 1
),

final as (
    select
        'duplicate_handover_student' as issue_type,
        'handovers' as entity,
        student_key as record_key,
        'Một học sinh nhận ' || members || ' thiết bị (quy định: 01 lần / 01 học sinh)' as detail,
        source_file,
        source_line
    from groups
)

select * from final
