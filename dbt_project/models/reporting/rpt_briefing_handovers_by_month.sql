{{ config(alias='briefing_handovers_by_month') }}
-- marts.briefing_handovers_by_month for the press pack (warehouse/reports/figures.py; no personal column).
select * from {{ ref('briefing_handovers_by_month') }}
