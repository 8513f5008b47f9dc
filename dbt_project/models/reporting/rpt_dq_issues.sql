{{ config(alias='dq_issues') }}
-- dq.issues for leaders and analysts: record keys masked (ID: last 3 digits, names: initials, no birth date).
select issue_type, entity, {{ mask_student_key('record_key') }} as record_key, detail, source_file, source_line,
       district_code
from {{ ref('issues_located') }}
