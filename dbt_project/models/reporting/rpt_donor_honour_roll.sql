{{ config(alias='donor_honour_roll') }}
-- marts.donor_honour_roll for the app, the briefing and the exports (no personal column).
select * from {{ ref('donor_honour_roll') }}
