{{ config(alias='allocation_queue') }}
-- marts.allocation_queue for the app, the briefing and the exports (no personal column).
select * from {{ ref('allocation_queue') }}
