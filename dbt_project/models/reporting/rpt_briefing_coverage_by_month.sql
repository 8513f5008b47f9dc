{{ config(alias='briefing_coverage_by_month') }}
-- marts.briefing_coverage_by_month for the press pack (warehouse/reports/figures.py; no personal column).
select * from {{ ref('briefing_coverage_by_month') }}
