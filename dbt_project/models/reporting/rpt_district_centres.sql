{{ config(alias='district_centres') }}
-- Each district's point on Theo địa bàn's map, with its name (no personal data): int_district_centres.
with centres as (
    select * from {{ ref('int_district_centres') }}
),

districts as (
    select district_code, district_name from {{ ref('int_districts') }}
),

final as (
    select centres.district_code, districts.district_name, centres.latitude, centres.longitude, centres.centre_source
    from centres
    inner join districts using (district_code)
)

select * from final
