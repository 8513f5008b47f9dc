{{ config(alias='coverage_by_district') }}
-- marts.coverage_by_district for the app, the briefing and the exports (no personal column).
select * from {{ ref('coverage_by_district') }}
