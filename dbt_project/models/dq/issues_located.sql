-- dq.issues with the district (and school, for survey, handover and school rows) of the record each finding points at (its file and line among the accepted rows;
-- survey and handover rows through their school), so findings can be limited to a user's districts.
-- Unmasked: only the data-officer role reads it; everyone else reads reporting.dq_issues.
with schools as (
    select school_code, district_code from {{ ref('int_schools') }}
),

located as (
    select 'survey' as entity, r.source_file, r.source_line, s.district_code, r.school_code
    from {{ source('raw', 'survey') }} as r left join schools as s using (school_code)
    union all
    select 'handovers', r.source_file, r.source_line, s.district_code, r.school_code
    from {{ source('raw', 'handovers') }} as r left join schools as s using (school_code)
    union all
    select 'schools', source_file, source_line, district_code, school_code from {{ source('raw', 'schools') }}
    union all
    select 'coverage', source_file, source_line, district_code, null from {{ source('raw', 'coverage') }}
    union all
    select 'donations', source_file, source_line, district_code, null from {{ source('raw', 'donations') }}
)

select i.issue_type, i.entity, i.record_key, i.detail, i.source_file, i.source_line, l.district_code, l.school_code
from {{ source('dq', 'issues') }} as i
left join located as l on l.entity = i.entity and l.source_file = i.source_file and l.source_line = i.source_line
