{{ config(alias='donations_by_donor_type') }}
-- marts.donations_by_donor_type for the app, the briefing and the exports (no personal column).
select * from {{ ref('donations_by_donor_type') }}
