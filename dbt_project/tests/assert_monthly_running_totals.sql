-- The running total of students_supported_new equals students_supported (SPEC §5 clarification).
select * from {{ ref('program_kpis') }}
where students_supported <> coalesce((select sum(students_supported_new) from {{ ref('monthly_progress') }}), 0)
