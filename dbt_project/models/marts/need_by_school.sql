-- Drill-down of need_vs_supply to the school of each student's latest record (no personal data).
with students as (
    select * from {{ ref('int_students') }}
),

schools as (
    select school_code, school_name, school_type, has_internet from {{ ref('int_schools') }}
),

aggregated as (
    select
        district_code,
        school_code,
        priority_tier,
        school_level,
        count(*) as students_surveyed,
        count(*) filter (where is_identified) as students_identified,
        count(*) filter (where is_supported) as students_supported,
        count(*) filter (where is_self_resolved) as students_self_resolved,
        count(*) filter (where is_remaining) as students_remaining,
        count(*) filter (where needs_connectivity) as students_need_connectivity
    from students
    group by district_code, school_code, priority_tier, school_level
),

final as (
    select
        aggregated.*,
        schools.school_name,
        schools.school_type,
        schools.has_internet
    from aggregated
    left join schools using (school_code)
)

select * from final
