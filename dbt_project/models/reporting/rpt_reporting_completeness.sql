{{ config(alias='reporting_completeness') }}
-- marts.reporting_completeness for the app, the briefing and the exports (no personal column).
select * from {{ ref('reporting_completeness') }}
