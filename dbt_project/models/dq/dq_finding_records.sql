{{ config(alias='finding_records', materialized='fresh_view') }}
-- The records each finding of dq.findings involves, side by side (issue 24: the review page shows them to data
-- officers). One row per (finding, record): its file and line and a one-line summary as written (names, birth
-- dates: unmasked, so only the data-officer role reads it, app/data.py). The record key of every candidate row is
-- computed as dq_findings computes it, and only rows whose (issue_type, record_key) is a finding are kept.
with findings as (
    select distinct issue_type, record_key from {{ ref('dq_findings') }}
),

survey as (
    select * from {{ ref('int_survey_rows') }}
),

handovers as (
    select * from {{ ref('int_handovers') }}
),

donations as (
    select * from {{ ref('int_donations') }}
),

{#- The one-line summary of a record of each kind, computed only for the rows a finding names (below): building it
    for every survey and handover row first cost 2,2 s of a national refresh (3,6 million rows). -#}
{%- set survey_summary -%}
    concat_ws(' · ', full_name, 'sinh ' || strftime(date_of_birth, '%d/%m/%Y'), 'mã ' || student_id,
              'trường ' || school_code, 'lớp ' || grade, 'đợt ' || survey_round)
{%- endset %}
{%- set handover_summary -%}
    concat_ws(' · ', 'bàn giao ' || handover_id, full_name, 'sinh ' || strftime(date_of_birth, '%d/%m/%Y'),
              'mã ' || student_id, 'trường ' || school_code, 'ngày ' || strftime(handed_on, '%d/%m/%Y'),
              'serial ' || serial_number, 'ủng hộ ' || donation_id)
{%- endset %}
{%- set donation_summary -%}
    concat_ws(' · ', 'ủng hộ ' || donation_id, donor_name, form, status,
              'ngày ' || strftime(received_on, '%d/%m/%Y'), 'số tiền ' || amount_vnd, 'số lượng ' || quantity)
{%- endset %}

{#- Every finding type whose records are found by a key column: (issue_type, record_key expression, relation,
    summary expression). The built rows' summaries, then each raw version of a conflicting_record (one row a
    version, every column as written). -#}
{%- set keyed = [
    ('duplicate_student_in_round', "survey_round || '|' || student_key", 'survey', survey_summary),
    ('possible_duplicate_person',
     "name_fold || '|' || coalesce(cast(date_of_birth as varchar), 'None') || '|' || district_code",
     'survey', survey_summary),
    ('duplicate_handover_student', 'student_key', 'handovers', handover_summary),
    ('duplicate_serial', 'serial_number', 'handovers', handover_summary),
    ('handover_outside_need_list', 'handover_id', 'handovers', handover_summary),
    ('handover_unknown_donation', 'handover_id', 'handovers', handover_summary),
    ('donation_overdrawn', 'donation_id', 'donations', donation_summary),
    ('donation_overdrawn', 'donation_id', 'handovers', handover_summary),
] -%}
{%- for entity, key in [('schools', 'school_code'), ('donations', 'donation_id'), ('handovers', 'handover_id'),
                        ('coverage', 'point_id')] %}
    {%- do keyed.append(('conflicting_record', key, source('raw', entity),
                         "'phiên bản: ' || concat_ws(' · ', *columns(* exclude (source_file, source_line, file_rank)))"))
    %}
{%- endfor %}
candidates as (
    {%- for issue_type, record_key, relation, summary in keyed %}
    select '{{ issue_type }}' as issue_type, {{ record_key }} as record_key, source_file, source_line,
           {{ summary }} as summary
    from {{ relation }}
    where {{ record_key }} in (select record_key from findings where issue_type = '{{ issue_type }}')
    union all
    {%- endfor %}
    -- a possible duplicate donation's key lists its donations: each of them is one of its records
    select 'possible_duplicate_donation', f.record_key, d.source_file, d.source_line, {{ donation_summary }}
    from donations as d
    inner join findings as f
        on f.issue_type = 'possible_duplicate_donation'
       and list_contains(string_split(f.record_key, ', '), d.donation_id)
),

final as (
    select * from candidates
)

select * from final
