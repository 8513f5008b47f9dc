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
not_remaining as (
    select 'not_remaining' as broken from {{ ref('int_allocation_queue') }} as q
    join {{ ref('int_students') }} as s using (student_key)
    where not s.is_remaining or s.is_supported
)
select * from over_stock union all select * from tier_order union all select * from not_remaining
