{{ config(alias='allocation_stock') }}
-- marts.allocation_stock for the app, the briefing and the exports (no personal column).
select * from {{ ref('allocation_stock') }}
