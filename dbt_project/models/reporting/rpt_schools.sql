{{ config(alias='schools') }}
-- Schools (the version loaded last): codes, names, district, type, internet.
select school_code, school_name, district_code, school_type, has_internet, in_coverage_gap
from {{ ref('int_schools') }}
