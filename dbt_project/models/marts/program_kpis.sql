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
    select * from {{ ref('stg_dq__rejected_rows') }}
),

student_figures as (
    select
        count(*) filter (where is_identified) as students_identified,
        count(*) filter (where is_supported) as students_supported,
        count(*) filter (where is_self_resolved) as students_self_resolved,
        count(*) filter (where is_remaining) as students_remaining,
        count(*) filter (where needs_connectivity) as students_need_connectivity
    from students
),

supply as (
    select
        coalesce(sum(quantity) filter (where form = 'thiet_bi' and status = 'da_nhan' and inspection_passed), 0)::bigint
            as devices_received,
        coalesce(sum(quantity) filter (where form = 'thiet_bi' and status = 'da_nhan' and not inspection_passed), 0)::bigint
            as devices_failed_inspection,
        coalesce(sum(amount_vnd) filter (where form = 'tien_mat' and status = 'da_nhan'), 0)::bigint
            as cash_received_vnd,
        coalesce(sum(amount_vnd) filter (where form = 'tien_mat' and status = 'cam_ket'), 0)::bigint
            as cash_pledged_vnd,
        coalesce(sum(quantity) filter (where form = 'goi_cuoc' and status = 'da_nhan'), 0)::bigint
            as data_packages_received
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
        cast('{{ var("as_of") }}' as date) as as_of,
        s.students_identified,
        s.students_supported,
        s.students_self_resolved,
        s.students_remaining,
        case when s.students_identified = 0 then 0.0
             else (s.students_identified - s.students_remaining)::double / s.students_identified
        end as pct_covered,
        s.students_need_connectivity,
        supply.devices_received,
        supply.devices_failed_inspection,
        supply.cash_received_vnd,
        supply.cash_pledged_vnd,
        supply.data_packages_received,
        supply.devices_received
            + floor(supply.cash_received_vnd / {{ var('device_unit_cost_vnd') }})::bigint as device_equivalents,
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
