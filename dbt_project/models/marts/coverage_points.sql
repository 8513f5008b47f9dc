-- Every coverage point (one per point_id, the version loaded last) with its district and overdue flag.
with coverage as (
    select * from {{ ref('int_coverage') }}
),

districts as (
    select district_code, district_name from {{ ref('int_districts') }}
),

final as (
    select
        coverage.point_id,
        coverage.point_name,
        coverage.commune_name,
        coverage.district_code,
        districts.district_name,
        coalesce(coverage.operator, 'khac') as operator,
        coverage.technology,
        coverage.status,
        coverage.planned_on,
        coverage.completed_on,
        coalesce(coverage.status <> 'da_phu_song' and coverage.planned_on < {{ as_of() }}, false)
            as is_overdue,
        coalesce(coverage.households, 0) as households,
        coalesce(coverage.students, 0) as students,
        coverage.latitude,
        coverage.longitude
    from coverage
    left join districts using (district_code)
)

select * from final
