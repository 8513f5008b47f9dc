{{ config(alias='need_by_month') }}
-- marts.need_by_month for the app, the briefing and the exports (no personal column).
select * from {{ ref('need_by_month') }}
