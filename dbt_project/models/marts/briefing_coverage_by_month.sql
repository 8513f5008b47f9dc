-- Coverage points and schools by district as of each briefing month's last day (docs/briefing.md): a point counts
-- as covered from its completed_on (status da_phu_song), and is overdue when not covered and planned before the
-- earlier of the month's last day and the warehouse's as-of date. Schools have no dates: the current state.
-- Every district of the reference, every briefing month.
with points as (
    select * from {{ ref('coverage_points') }}
),

schools as (
    select * from {{ ref('int_schools') }}
),

districts as (
    select * from {{ ref('int_districts') }}
),

briefing_months as (
    select
        month,
        last_day(month) as month_end,
        least(last_day(month), {{ as_of() }}) as overdue_on
    from {{ ref('briefing_months') }}
),

point_states as (
    select
        briefing_months.month,
        points.district_code,
        points.status = 'da_phu_song'
            and coalesce(points.completed_on, date '0001-01-01') <= briefing_months.month_end as covered,
        points.planned_on < briefing_months.overdue_on as planned_before,
        points.students
    from briefing_months
    cross join points
),

points_by_district as (
    select
        month,
        district_code,
        count(*) as points_total,
        count(*) filter (where covered) as points_covered,
        count(*) filter (where not covered) as points_uncovered,
        count(*) filter (where not covered and planned_before) as points_overdue,
        coalesce(sum(coalesce(students, 0)) filter (where not covered), 0)::bigint as students_affected_uncovered
    from point_states
    group by all
),

schools_by_district as (
    select district_code, count(*) as schools_total, count(*) filter (where not has_internet) as schools_without_internet
    from schools
    group by district_code
),

final as (
    select
        briefing_months.month,
        districts.district_code,
        coalesce(p.points_total, 0) as points_total,
        coalesce(p.points_covered, 0) as points_covered,
        coalesce(p.points_uncovered, 0) as points_uncovered,
        coalesce(p.points_overdue, 0) as points_overdue,
        coalesce(p.students_affected_uncovered, 0) as students_affected_uncovered,
        coalesce(s.schools_total, 0) as schools_total,
        coalesce(s.schools_without_internet, 0) as schools_without_internet
    from briefing_months
    cross join districts
    left join points_by_district as p
        on p.month = briefing_months.month and p.district_code = districts.district_code
    left join schools_by_district as s on s.district_code = districts.district_code
)

select * from final
