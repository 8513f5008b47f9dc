-- Every point the maps draw is inside Vietnam's box (var vietnam_box = ingest/contract.py VIETNAM_BOX), and a
-- school's or coverage point's coordinates come as a pair: ingest drops a broken pair, the reference ships none.
{% set box = var('vietnam_box') %}
with points as (
    select 'schools' as what, latitude, longitude from {{ ref('int_schools') }}
    union all
    select 'coverage_points', latitude, longitude from {{ ref('coverage_points') }}
    union all
    select 'district_centres', latitude, longitude from {{ ref('int_district_centres') }}
)

select * from points
where (latitude is null) <> (longitude is null)
   or latitude not between {{ box.latitude[0] }} and {{ box.latitude[1] }}
   or longitude not between {{ box.longitude[0] }} and {{ box.longitude[1] }}
