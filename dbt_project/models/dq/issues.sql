-- dq.issues: one row per offending group, for every issue type of SPEC §5.
{% set types = ['duplicate_student_in_round', 'possible_duplicate_person', 'duplicate_handover_student',
                'duplicate_serial', 'handover_outside_need_list', 'handover_unknown_donation',
                'donation_overdrawn', 'possible_duplicate_donation', 'conflicting_record'] %}
with
{% for t in types %}
{{ t }} as (
    select * from {{ ref('int_dq__' ~ t) }}
),
{% endfor %}

final as (
    {% for t in types %}
    select issue_type, entity, record_key, detail, source_file, source_line from {{ t }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
