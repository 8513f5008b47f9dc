-- Coverage points and schools per district (every district in scope, zeros included).
with districts as (
    select * from {{ ref('int_districts') }}
),

coverage as (
    select * from {{ ref('int_coverage') }}
),

schools as (
    select * from {{ ref('int_schools') }}
),

points as (
    select
        district_code,
        count(*) as points_total,
        count(*) filter (where status = 'da_phu_song') as points_covered,
        count(*) filter (where status = 'dang_trien_khai') as points_in_progress,
        count(*) filter (where status = 'chua_co_song') as points_not_started,
        count(*) filter (where status <> 'da_phu_song'
                         and planned_on < {{ as_of() }}) as points_overdue,
        sum(coalesce(students, 0)) filter (where status <> 'da_phu_song') as students_affected_uncovered
    from coverage
    group by district_code
),

school_counts as (
    select
        district_code,
        count(*) as schools_total,
        count(*) filter (where not has_internet) as schools_without_internet
    from schools
    group by district_code
),

final as (
    select
        districts.district_code,
        districts.district_name,
        coalesce(points.points_total, 0) as points_total,
        coalesce(points.points_covered, 0) as points_covered,
        coalesce(points.points_in_progress, 0) as points_in_progress,
        coalesce(points.points_not_started, 0) as points_not_started,
        coalesce(points.points_overdue, 0) as points_overdue,
        coalesce(points.students_affected_uncovered, 0)::bigint as students_affected_uncovered,
        coalesce(school_counts.schools_total, 0) as schools_total,
        coalesce(school_counts.schools_without_internet, 0) as schools_without_internet
    from districts
    left join points using (district_code)
    left join school_counts using (district_code)
)

select * from final
