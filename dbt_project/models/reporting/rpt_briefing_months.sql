{{ config(alias='briefing_months') }}
-- marts.briefing_months for the press pack (warehouse/reports/figures.py; no personal column).
select * from {{ ref('briefing_months') }}
