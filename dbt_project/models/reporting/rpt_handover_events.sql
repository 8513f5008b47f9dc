{{ config(alias='handover_events') }}
-- One row per handover (the version loaded last) without the child's name, ID, birth date or key: the briefing
-- counts devices handed out by district, device type and date.
select handover_id, handed_on, district_code, school_code, device_type, donation_id, includes_connectivity
from {{ ref('int_handovers') }}
