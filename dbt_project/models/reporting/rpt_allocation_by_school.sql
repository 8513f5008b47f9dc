{{ config(alias='allocation_by_school') }}
-- marts.allocation_by_school for the app, the briefing and the exports (no personal column).
select * from {{ ref('allocation_by_school') }}
