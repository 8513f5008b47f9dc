-- The queue without personal data: position, place, tier, level and whether the current stock reaches it.
-- The page recomputes the what-if ("we receive N") from queue_position alone.
with queue as (
    select * from {{ ref('int_allocation_queue') }}
),

stock as (
    select stock from {{ ref('allocation_stock') }}
),

final as (
    select
        queue.queue_position,
        queue.district_code,
        queue.school_code,
        queue.priority_tier,
        queue.school_level,
        queue.first_need_round,
        queue.queue_position <= stock.stock as is_proposed
    from queue cross join stock
)

select * from final
