-- A serial number / IMEI on more than one handover: one device handed out twice.
with handovers as (
    select * from {{ ref('int_handovers') }} where serial_number is not null
),

groups as (
    select
        serial_number,
        count(*) as members,
        max_by(source_file, load_order) as source_file,
        max_by(source_line, load_order) as source_line
    from handovers
    group by serial_number
    having count(*) > 1
),

final as (
    select
        'duplicate_serial' as issue_type,
        'handovers' as entity,
        serial_number as record_key,
        'Số serial/IMEI xuất hiện ở ' || members || ' biên bản bàn giao' as detail,
        source_file,
        source_line
    from groups
)

select * from final
