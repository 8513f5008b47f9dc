-- Survey rows with identical rows collapsed (SPEC §4.1: they count once), each with the lineage of its
-- copy loaded last, the school's district and type, and the student key.
with survey as (
    select * from {{ source('raw', 'survey') }}
),

schools as (
    select school_code, district_code, school_type from {{ ref('int_schools') }}
),

collapsed as (
    select
        survey_round, student_id, full_name, date_of_birth, gender, school_code, grade, household_status,
        covid_orphan, has_device, has_internet, surveyed_on,
        max_by(source_file, {{ load_order() }}) as source_file,
        max_by(source_line, {{ load_order() }}) as source_line,
        max_by(file_rank, {{ load_order() }}) as file_rank,
        max({{ load_order() }}) as load_order
    from survey
    group by all
),

placed as (
    select
        collapsed.*,
        schools.district_code,
        schools.school_type,
        {{ fold('collapsed.full_name') }} as name_fold
    from collapsed
    inner join schools using (school_code)
),

final as (
    select
        *,
        {{ student_key('student_id', 'full_name', 'date_of_birth', 'district_code', name_fold='name_fold') }}
            as student_key
    from placed
)

select * from final
