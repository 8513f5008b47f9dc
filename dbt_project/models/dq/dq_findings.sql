{{ config(alias='findings') }}
-- SPEC §5's data-quality findings, one row per offending group, pointing at the group's member loaded last: the rows
-- of dq.issues before the keys that name a person are hashed (`keyed`: the refresh's expectation step hashes them
-- with the install secret, which SQL never sees) and before the fuzzy duplicates are added. `members`: the rows
-- of the group (GX's "unexpected" rows; dq_rule_counts sums them per rule).
{% set lineage = "max_by(source_file, load_order) as source_file, max_by(source_line, load_order) as source_line" %}

with survey as (
    select * from {{ ref('int_survey_rows') }}
),

people as (
    select * from {{ ref('int_survey_people') }}
),

students as (
    select student_key from {{ ref('int_students') }} where is_identified
),

handovers as (
    select * from {{ ref('int_handovers') }}
),

donations as (
    select *, {{ load_order() }} as load_order from {{ ref('int_donations') }}
),

handovers_per_donation as (
    select donation_id, count(*) as handovers from handovers where donation_id is not null group by donation_id
),

duplicate_student_in_round as (
    select
        'duplicate_student_in_round' as issue_type, 'survey' as entity, survey_round || '|' || student_key as record_key,
        false as keyed,
        'Học sinh có ' || members || ' bản ghi khác nhau trong đợt ' || survey_round || ' (' || schools || ' trường)'
            as detail,
        source_file, source_line, members
    from ({{ duplicate_groups('survey', 'survey_round, student_key', 'load_order',
                              extra=', count(distinct school_code) as schools, ' ~ lineage) }})
),

possible_duplicate_person as (
    select
        'possible_duplicate_person', 'survey',
        name_fold || '|' || coalesce(cast(date_of_birth as varchar), 'None') || '|' || district_code, true,
        'Cùng họ tên, ngày sinh và huyện ' || district_code || ' nhưng ' || members || ' mã học sinh khác nhau',
        source_file, source_line, members
    from ({{ duplicate_groups('people', 'name_fold, date_of_birth, district_code', 'student_key',
                              extra=', ' ~ lineage) }})
),

duplicate_handover_student as (
    select
        'duplicate_handover_student', 'handovers', student_key, false,
        'Một học sinh nhận ' || members || ' thiết bị (quy định: 01 lần / 01 học sinh)',
        source_file, source_line, members
    from ({{ duplicate_groups('handovers', 'student_key', 'handover_id', where='student_key is not null',
                              extra=', ' ~ lineage) }})
),

duplicate_serial as (
    select
        'duplicate_serial', 'handovers', serial_number, false,
        'Số serial/IMEI xuất hiện ở ' || members || ' biên bản bàn giao',
        source_file, source_line, members
    from ({{ duplicate_groups('handovers', 'serial_number', 'handover_id', where='serial_number is not null',
                              extra=', ' ~ lineage) }})
),

-- A handover to a key not on the need list; a key that cannot be compared (null) is not a finding.
handover_outside_need_list as (
    select
        'handover_outside_need_list', 'handovers', handover_id, false,
        'Bàn giao ' || handover_id || ' cho học sinh không có trong danh sách cần hỗ trợ',
        source_file, source_line, 1
    from handovers
    where not (student_key in (select student_key from students))
),

handover_unknown_donation as (
    select
        'handover_unknown_donation', 'handovers', handover_id, false,
        'Bàn giao ' || handover_id || ' ghi mã ủng hộ ' || donation_id || ' không tồn tại',
        source_file, source_line, 1
    from handovers
    where not (donation_id in (select donation_id from donations))
),

donation_overdrawn as (
    select
        'donation_overdrawn', 'donations', donations.donation_id, false,
        'Khoản ủng hộ ' || donations.quantity || ' thiết bị nhưng có ' || coalesce(n.handovers, 0) || ' lượt bàn giao',
        donations.source_file, donations.source_line, 1
    from donations
    left join handovers_per_donation as n using (donation_id)
    where donations.form = 'thiet_bi' and not coalesce(donations.quantity >= coalesce(n.handovers, 0), false)
),

possible_duplicate_donation as (
    select
        'possible_duplicate_donation', 'donations', ids, false, 'Có thể ghi trùng một khoản ủng hộ: ' || ids,
        source_file, source_line, members
    from ({{ duplicate_groups('donations', donation_gift_key(), 'donation_id', where="status = 'da_nhan'",
                              extra=", string_agg(donation_id, ', ' order by donation_id) as ids, " ~ lineage) }})
),

{% set keyed_entities = [('schools', 'school_code'), ('donations', 'donation_id'), ('handovers', 'handover_id'),
                         ('coverage', 'point_id')] %}
{% for entity, key in keyed_entities %}
{{ entity }}_versions as (
    select {{ key }} as record_key, count(*) as versions
    from (select distinct * exclude (source_file, source_line, file_rank) from {{ source('raw', entity) }})
    where {{ key }} is not null
    group by {{ key }}
    having count(*) > 1
),

conflicting_{{ entity }} as (
    select
        'conflicting_record', '{{ entity }}', v.record_key, false,
        'Mã ' || v.record_key || ' có ' || v.versions || ' nội dung khác nhau; bản nạp sau cùng được dùng',
        max_by(r.source_file, {{ load_order('r.file_rank', 'r.source_line') }}),
        max_by(r.source_line, {{ load_order('r.file_rank', 'r.source_line') }}), v.versions
    from {{ entity }}_versions as v
    inner join {{ source('raw', entity) }} as r on r.{{ key }} = v.record_key
    group by v.record_key, v.versions
),

{% endfor %}
final as (
    select * from duplicate_student_in_round
    union all select * from possible_duplicate_person
    union all select * from duplicate_handover_student
    union all select * from duplicate_serial
    union all select * from handover_outside_need_list
    union all select * from handover_unknown_donation
    union all select * from donation_overdrawn
    union all select * from possible_duplicate_donation
    {% for entity, key in keyed_entities %}
    union all select * from conflicting_{{ entity }}
    {% endfor %}
)

select
    issue_type, entity, record_key, keyed, detail, source_file, cast(source_line as bigint) as source_line,
    cast(members as bigint) as members
from final
