-- The proposal by district × priority tier × school level (combinations with ≥ 1 remaining student).
with queue as (
    select * from {{ ref('allocation_queue') }}
),

districts as (
    select district_code, district_name from {{ ref('int_districts') }}
),

final as (
    select
        queue.district_code,
        districts.district_name,
        queue.priority_tier,
        queue.school_level,
        count(*) as students_remaining,
        count(*) filter (where queue.is_proposed) as devices_proposed,
        count(*) filter (where not queue.is_proposed) as students_still_waiting_after
    from queue
    left join districts using (district_code)
    group by queue.district_code, districts.district_name, queue.priority_tier, queue.school_level
)

select * from final
