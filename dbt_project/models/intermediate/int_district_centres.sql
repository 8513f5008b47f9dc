-- Where each district in scope is drawn on a map (issue 23 point 4): the point shipped with the built-in
-- reference; for a district the reference does not know (a province's own districts file), the mean of its
-- schools' and coverage points' coordinates; failing that, the mean of the other districts' points of its
-- province; else null (the district is not drawn).
with districts as (
    select district_code, province_code from {{ ref('int_districts') }}
),

reference as (
    select district_code, latitude, longitude from {{ source('raw', 'district_centres') }}
),

schools as (
    select district_code, latitude, longitude from {{ ref('int_schools') }} where latitude is not null
),

coverage as (
    select district_code, latitude, longitude from {{ ref('int_coverage') }} where latitude is not null
),

from_data as (
    select district_code, avg(latitude) as latitude, avg(longitude) as longitude
    from (select * from schools union all select * from coverage)
    group by district_code
),

own as (
    select
        districts.district_code,
        districts.province_code,
        coalesce(reference.latitude, from_data.latitude) as latitude,
        coalesce(reference.longitude, from_data.longitude) as longitude,
        case when reference.latitude is not null then 'reference'
             when from_data.latitude is not null then 'data' end as centre_source
    from districts
    left join reference using (district_code)
    left join from_data using (district_code)
),

provinces as (
    select province_code, avg(latitude) as latitude, avg(longitude) as longitude
    from own
    where latitude is not null
    group by province_code
),

final as (
    select
        own.district_code,
        coalesce(own.latitude, provinces.latitude) as latitude,
        coalesce(own.longitude, provinces.longitude) as longitude,
        coalesce(own.centre_source, case when provinces.latitude is not null then 'province' end) as centre_source
    from own
    left join provinces using (province_code)
)

select * from final
