{{ config(alias='allocation_proposal') }}
-- marts.allocation_proposal for the app, the briefing and the exports (no personal column).
select * from {{ ref('allocation_proposal') }}
