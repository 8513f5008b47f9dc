{{ config(alias='coverage_points') }}
-- marts.coverage_points for the app, the briefing and the exports (no personal column).
select * from {{ ref('coverage_points') }}
