-- The proposal keeps the program's rules: never more than the stock; no tier t+1 student proposed while a
-- tier-t student waits; every queued student is remaining (so never already supported), each once.
with queue as (select * from {{ ref('allocation_queue') }}),
stock as (select stock from {{ ref('allocation_stock') }}),
over_stock as (
    select 'over_stock' as broken from queue, stock group by stock.stock
    having count(*) filter (where is_proposed) > stock.stock
),
-- some proposed student of tier t and a waiting one of a lower tier ⇔ min(waiting tier) < max(proposed tier):
-- one pass over the queue, not a self-join (the queue holds every remaining student of the country)
tier_order as (
    select 'tier_order' as broken from queue
    having min(priority_tier) filter (where not is_proposed) < max(priority_tier) filter (where is_proposed)
),
-- the queue is exactly the remaining students (int_allocation_queue filters is_remaining; keys are unique in
-- int_students), so: no remaining student is also supported, and the queue holds each remaining one once
not_remaining as (
    select 'not_remaining' as broken from {{ ref('int_students') }} where is_remaining and is_supported
    union all
    select 'queue_is_not_the_remaining_students' as broken
    from (select count(*) as n from queue) as q, (select count(*) as n from {{ ref('int_students') }} where is_remaining) as s
    where q.n <> s.n
)
select * from over_stock union all select * from tier_order union all select * from not_remaining
