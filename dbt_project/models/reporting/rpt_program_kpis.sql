{{ config(alias='program_kpis') }}
-- marts.program_kpis for leaders and analysts: the headline figures hold no personal data, so the view is the mart.
select * from {{ ref('program_kpis') }}
