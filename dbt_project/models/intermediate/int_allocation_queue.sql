-- The allocation queue (docs/allocation.md): every remaining student, in the order the program serves them —
-- priority tier (1 first), then the earliest round in which a survey row said has_device = false (who waited
-- longest), then district code, then student key. Holds student keys: for data officers only, never a mart.
-- A view: marts.allocation_queue numbers the queue without carrying the keys into its table, and a data
-- officer's query of the per-student list numbers it the same way.
{{ config(materialized='fresh_view') }}

with students as (
    select * from {{ ref('int_students') }} where is_remaining
),

final as (
    select
        row_number() over (
            order by priority_tier, first_need_round, district_code, student_key
        ) as queue_position,
        student_key,
        district_code,
        school_code,
        priority_tier,
        school_level,
        first_need_round
    from students
)

select * from final
