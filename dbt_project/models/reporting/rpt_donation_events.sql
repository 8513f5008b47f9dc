{{ config(alias='donation_events') }}
-- One row per donation (the version loaded last) without the donor's name: what the briefing pack counts by date.
select donation_id, donor_type, form, status, received_on, pledged_on, amount_vnd, device_type, quantity, condition,
       inspection_passed, district_code
from {{ ref('int_donations') }}
