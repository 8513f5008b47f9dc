-- Need vs. supply by district × priority tier × school level, each student placed by the latest record.
with students as (
    select * from {{ ref('int_students') }}
),

districts as (
    select district_code, district_name from {{ ref('int_districts') }}
),

aggregated as (
    select
        district_code,
        priority_tier,
        school_level,
        count(*) as students_surveyed,
        {{ student_counts() }}
    from students
    group by district_code, priority_tier, school_level
),

final as (
    select
        aggregated.district_code,
        districts.district_name,
        aggregated.priority_tier,
        aggregated.school_level,
        aggregated.students_surveyed,
        aggregated.students_identified,
        aggregated.students_supported,
        aggregated.students_self_resolved,
        aggregated.students_remaining,
        {{ pct_covered('aggregated.students_identified', 'aggregated.students_remaining') }} as pct_covered,
        aggregated.students_need_connectivity
    from aggregated
    left join districts using (district_code)
)

select * from final
