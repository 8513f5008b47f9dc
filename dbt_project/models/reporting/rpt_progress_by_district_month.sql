{{ config(alias='progress_by_district_month') }}
-- marts.progress_by_district_month for the app, the briefing and the exports (no personal column).
select * from {{ ref('progress_by_district_month') }}
