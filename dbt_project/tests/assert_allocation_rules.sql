-- The proposal keeps the program's rules: never more than the stock; no tier t+1 student proposed while a
-- tier-t student waits; every queued student is remaining (so never already supported), each once.
with queue as (select * from {{ ref('allocation_queue') }}),
stock as (select stock from {{ ref('allocation_stock') }}),
over_stock as (
    select 'over_stock' as broken from queue, stock group by stock.stock
    having count(*) filter (where is_proposed) > stock.stock
),
tier_order as (
    select 'tier_order' as broken from queue as p join queue as w
      on p.is_proposed and not w.is_proposed and w.priority_tier < p.priority_tier
    limit 1
),
not_remaining as (
    select 'not_remaining' as broken from {{ ref('int_allocation_queue') }} as q
    join {{ ref('int_students') }} as s using (student_key)
    where not s.is_remaining or s.is_supported
)
select * from over_stock union all select * from tier_order union all select * from not_remaining
