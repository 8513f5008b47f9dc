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
        count(*) filter (where is_identified) as students_identified,
        count(*) filter (where is_supported) as students_supported,
        count(*) filter (where is_self_resolved) as students_self_resolved,
        count(*) filter (where is_remaining) as students_remaining,
        count(*) filter (where needs_connectivity) as students_need_connectivity
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
        case when students_identified = 0 then 0.0
             else (students_identified - students_remaining)::double / students_identified
        end as pct_covered,
        aggregated.students_need_connectivity
    from aggregated
    left join districts using (district_code)
)

select * from final
