{{ config(alias='schools') }}
-- Schools (the version loaded last): codes, names, district, type, internet, and the school's point on the map
-- (latitude, longitude: null when the file gives none, or a broken pair). A school's place is not personal data.
select school_code, school_name, district_code, school_type, has_internet, in_coverage_gap, latitude, longitude
from {{ ref('int_schools') }}
