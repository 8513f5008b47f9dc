-- The allocation queue (docs/allocation.md): every remaining student, in the order the program serves them —
-- priority tier (1 first), then the earliest round in which a survey row said has_device = false (who waited
-- longest), then district code, then student key. Holds student keys: for data officers only, never a mart.
-- A view: marts.allocation_queue numbers the queue without carrying the keys into its table, and a data
-- officer's query of the per-student list numbers it the same way.
-- The position is the students of the (tier, round, district) groups before the student's group plus the
-- student's rank by key inside the group: the same numbering as one row_number() over the four keys, but
-- each sort is one group's, so the sorts are small and run in parallel.
{{ config(materialized='view') }}

with students as (
    select * from {{ ref('int_students') }} where is_remaining
),

groups as (
    select priority_tier, first_need_round, district_code, count(*) as students
    from students
    group by priority_tier, first_need_round, district_code
),

group_offsets as (
    select
        priority_tier,
        first_need_round,
        district_code,
        coalesce(sum(students) over (
            order by priority_tier, first_need_round, district_code
            rows between unbounded preceding and 1 preceding
        ), 0) as students_before
    from groups
),

final as (
    select
        (group_offsets.students_before + row_number() over (
            partition by students.priority_tier, students.first_need_round, students.district_code
            order by students.student_key
        ))::bigint as queue_position,
        students.student_key,
        students.district_code,
        students.school_code,
        students.priority_tier,
        students.school_level,
        students.first_need_round
    from students
    inner join group_offsets
        on students.priority_tier is not distinct from group_offsets.priority_tier
        and students.first_need_round is not distinct from group_offsets.first_need_round
        and students.district_code is not distinct from group_offsets.district_code
)

select * from final
