{{ config(alias='briefing_donations_by_month') }}
-- marts.briefing_donations_by_month for the press pack (warehouse/reports/figures.py; no personal column).
select * from {{ ref('briefing_donations_by_month') }}
