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
        {{ student_counts() }}
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
