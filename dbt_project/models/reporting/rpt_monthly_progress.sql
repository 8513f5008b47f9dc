{{ config(alias='monthly_progress') }}
-- marts.monthly_progress for the app, the briefing and the exports (no personal column).
select * from {{ ref('monthly_progress') }}
