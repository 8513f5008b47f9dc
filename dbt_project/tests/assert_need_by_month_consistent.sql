-- marts.need_by_month: one row per month × district × tier; supported + self-resolved + remaining = identified
-- in every row; and its last month (every survey row and handover dated by then) is marts.program_kpis.
with need as (
    select * from {{ ref('need_by_month') }}
),

kpis as (
    select * from {{ ref('program_kpis') }}
),

duplicated as (
    select month, district_code, priority_tier, 'more than one row' as problem
    from need
    group by all
    having count(*) > 1
),

unbalanced as (
    select month, district_code, priority_tier, 'parts do not add up to identified' as problem
    from need
    where students_supported + students_self_resolved + students_remaining <> students_identified
),

last_month as (
    select
        sum(students_identified) as identified,
        sum(students_supported) as supported,
        sum(students_self_resolved) as self_resolved,
        sum(students_remaining) as remaining
    from need
    where month = (select max(month) from need)
),

off_kpis as (
    select null::date as month, null as district_code, null::integer as priority_tier,
           'last month differs from program_kpis' as problem
    from last_month, kpis
    where last_month.identified is not null
      and (last_month.identified <> kpis.students_identified
        or last_month.supported <> kpis.students_supported
        or last_month.self_resolved <> kpis.students_self_resolved
        or last_month.remaining <> kpis.students_remaining)
)

select * from duplicated
union all
select * from unbalanced
union all
select * from off_kpis
