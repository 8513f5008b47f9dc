{{ config(alias='donation_events') }}
-- One row per donation (the version loaded last) without the donor's name: what the briefing pack counts by date.
-- The received / pledged figures are int_donations' (devices_received = arrived and passed inspection), so a
-- report sums them by date instead of restating the rule.
select donation_id, donor_type, form, status, received_on, pledged_on, amount_vnd, device_type, quantity, condition,
       inspection_passed, district_code,
       is_device_received, devices_received, devices_failed_inspection, devices_pledged,
       cash_received_vnd, cash_pledged_vnd, data_packages_received
from {{ ref('int_donations') }}
