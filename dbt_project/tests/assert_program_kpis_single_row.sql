-- marts.program_kpis has exactly one row.
select count(*) as n from {{ ref('program_kpis') }} having count(*) <> 1
