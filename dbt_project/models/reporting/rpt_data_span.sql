{{ config(alias='data_span') }}
-- What the figures include, per district (issue 23, honest dates): the latest day each kind of event is dated in
-- the accepted data. Pages and the pack say "cập nhật đến" (updated to) the latest of them, beside the reporting
-- date (--as-of, which only moves overdue figures) and the refresh time, so no one reads the reporting date as
-- the end of the data.
with survey as (
    select district_code, max({{ survey_dated_on() }}) as latest_surveyed_on
    from {{ ref('int_survey_rows') }}
    group by district_code
),

handovers as (
    select district_code, max(handed_on) as latest_handed_on
    from {{ ref('int_handovers') }}
    group by district_code
),

donations as (
    select district_code, max(coalesce(received_on, pledged_on)) as latest_donation_on
    from {{ ref('int_donations') }}
    group by district_code
),

coverage as (
    select district_code, max(completed_on) as latest_completed_on
    from {{ ref('int_coverage') }}
    group by district_code
),

districts as (
    select district_code from survey
    union select district_code from handovers
    union select district_code from donations
    union select district_code from coverage
),

final as (
    select
        districts.district_code,
        survey.latest_surveyed_on,
        handovers.latest_handed_on,
        donations.latest_donation_on,
        coverage.latest_completed_on,
        greatest(survey.latest_surveyed_on, handovers.latest_handed_on, donations.latest_donation_on,
                 coverage.latest_completed_on) as latest_on
    from districts
    left join survey using (district_code)
    left join handovers using (district_code)
    left join donations using (district_code)
    left join coverage using (district_code)
)

select * from final
