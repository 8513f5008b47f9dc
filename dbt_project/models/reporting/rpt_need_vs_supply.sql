{{ config(alias='need_vs_supply') }}
-- marts.need_vs_supply for the app, the briefing and the exports (no personal column).
select * from {{ ref('need_vs_supply') }}
