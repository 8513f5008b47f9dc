-- The proposal by school × priority tier × school level (the dashboard sums the levels its filter keeps).
with queue as (
    select * from {{ ref('allocation_queue') }}
),

schools as (
    select school_code, school_name from {{ ref('int_schools') }}
),

final as (
    select
        queue.district_code,
        queue.school_code,
        schools.school_name,
        queue.priority_tier,
        queue.school_level,
        count(*) as students_remaining,
        count(*) filter (where queue.is_proposed) as devices_proposed,
        count(*) filter (where not queue.is_proposed) as students_still_waiting_after
    from queue
    left join schools using (school_code)
    group by queue.district_code, queue.school_code, schools.school_name, queue.priority_tier, queue.school_level
)

select * from final
