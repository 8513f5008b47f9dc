-- The headline figures (one row), exactly as SPEC §5 defines them. The data-quality findings come from dq_findings
-- (SPEC §5's types only; the fuzzy duplicates the expectation step adds to dq.issues are not counted).
with students as (
    select * from {{ ref('int_students') }}
),

donations as (
    select * from {{ ref('int_donations') }}
),

handovers as (
    select * from {{ ref('int_handovers') }}
),

coverage as (
    select * from {{ ref('coverage_by_district') }}
),

schools as (
    select * from {{ ref('int_schools') }}
),

issues as (
    select * from {{ ref('dq_findings') }}
),

rejected as (
    -- rows rejected: an entry for dropped coordinates (the row itself kept) is listed, not counted
    select * from {{ source('dq', 'rejected_rows') }}
    where column_name is null or column_name not in ('{{ var("kept_row_columns") | join("', '") }}')
),

student_figures as (
    select
        {{ student_counts() }}
    from students
),

supply as (
    select
        coalesce(sum(devices_received), 0)::bigint as devices_received,
        coalesce(sum(devices_failed_inspection), 0)::bigint as devices_failed_inspection,
        coalesce(sum(cash_received_vnd), 0)::bigint as cash_received_vnd,
        coalesce(sum(cash_pledged_vnd), 0)::bigint as cash_pledged_vnd,
        coalesce(sum(data_packages_received), 0)::bigint as data_packages_received
    from donations
),

handover_figures as (
    select
        count(*) as devices_handed_over,
        count(*) filter (
            where student_key not in (select student_key from students where is_identified)
        ) as handovers_outside_need_list
    from handovers
),

coverage_figures as (
    select
        coalesce(sum(points_total), 0)::bigint as coverage_points_total,
        coalesce(sum(points_covered), 0)::bigint as coverage_points_covered,
        coalesce(sum(points_overdue), 0)::bigint as coverage_points_overdue
    from coverage
),

school_figures as (
    select count(*) as schools_total, count(*) filter (where not has_internet) as schools_without_internet
    from schools
),

quality as (
    select
        (select count(*) from issues) as dq_issue_count,
        (select count(*) from rejected) as rejected_row_count
),

final as (
    select
        {{ as_of() }} as as_of,
        s.students_identified,
        s.students_supported,
        s.students_self_resolved,
        s.students_remaining,
        {{ pct_covered('s.students_identified', 's.students_remaining') }} as pct_covered,
        s.students_need_connectivity,
        supply.devices_received,
        supply.devices_failed_inspection,
        supply.cash_received_vnd,
        supply.cash_pledged_vnd,
        supply.data_packages_received,
        {{ device_equivalents('supply.devices_received', 'supply.cash_received_vnd', var('device_unit_cost_vnd')) }}
            as device_equivalents,
        h.devices_handed_over,
        h.handovers_outside_need_list,
        c.coverage_points_total,
        c.coverage_points_covered,
        c.coverage_points_overdue,
        sc.schools_total,
        sc.schools_without_internet,
        q.dq_issue_count,
        q.rejected_row_count
    from student_figures as s
    cross join supply
    cross join handover_figures as h
    cross join coverage_figures as c
    cross join school_figures as sc
    cross join quality as q
)

select * from final
