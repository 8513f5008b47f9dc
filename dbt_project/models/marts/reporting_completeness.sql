-- For each survey round × district in scope: schools that sent at least one accepted survey row.
with districts as (
    select district_code, district_name from {{ ref('coverage_by_district') }}
),

schools as (
    select school_code, district_code from {{ ref('int_schools') }}
),

survey_rows as (
    select distinct survey_round, school_code from {{ ref('int_survey_rows') }}
),

rounds as (
    select distinct survey_round from survey_rows
),

school_counts as (
    select district_code, count(*) as schools_total from schools group by district_code
),

reported as (
    select survey_rows.survey_round, schools.district_code, count(*) as schools_reported
    from survey_rows
    inner join schools using (school_code)
    group by survey_rows.survey_round, schools.district_code
),

final as (
    select
        rounds.survey_round,
        districts.district_code,
        districts.district_name,
        coalesce(school_counts.schools_total, 0) as schools_total,
        coalesce(reported.schools_reported, 0) as schools_reported,
        case when coalesce(school_counts.schools_total, 0) = 0 then 0.0
             else coalesce(reported.schools_reported, 0)::double / school_counts.schools_total
        end as pct_reported
    from rounds
    cross join districts
    left join school_counts using (district_code)
    left join reported on reported.survey_round = rounds.survey_round
        and reported.district_code = districts.district_code
)

select * from final
