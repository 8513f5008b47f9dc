-- Districts in scope: the whole districts file, or — with the built-in reference — every district of the
-- provinces that appear in schools or coverage (SPEC §6 coverage_by_district grain).
with districts as (
    select * from {{ source('raw', 'districts') }}
),

schools as (
    select district_code from {{ source('raw', 'schools') }}
),

coverage as (
    select district_code from {{ source('raw', 'coverage') }}
),

winners as (
    {{ latest_per_id('districts', 'district_code') }}
),

used_provinces as (
    select distinct province_code
    from winners
    where district_code in (select district_code from schools union select district_code from coverage)
),

final as (
    select district_code, district_name, province_code, province_name, is_builtin
    from winners
    where not is_builtin or province_code in (select province_code from used_provinces)
)

select * from final
