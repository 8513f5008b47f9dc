{{ config(alias='districts') }}
-- The district reference (codes, names, province), for titles and the filter bar.
select district_code, district_name, province_code, province_name from {{ ref('int_districts') }}
