-- Survey rows with identical rows collapsed (SPEC §4.1: they count once), each with the lineage of its
-- copy loaded last, the school's district and type, and the student key.
{% set survey_columns = 'survey_round, student_id, full_name, date_of_birth, gender, school_code, grade, '
                        'household_status, covid_orphan, has_device, has_internet, surveyed_on' %}
with survey as (
    select *, {{ load_order() }} as load_order from {{ source('raw', 'survey') }}
),

schools as (
    select school_code, district_code, school_type from {{ ref('int_schools') }}
),

-- identical rows share their hash: only the rows of a hash held more than once go through the 12-column group by
-- (a few hundred of 3 million rows nationally: ~2× faster than grouping every row)
hashed as (
    select *, hash({{ survey_columns }}) as row_hash from survey
),

repeated_hashes as (
    select row_hash from hashed group by row_hash having count(*) > 1
),

single_rows as (
    select {{ survey_columns }}, source_file, source_line, file_rank, load_order
    from hashed
    anti join repeated_hashes using (row_hash)
),

collapsed_rows as (
    select
        {{ survey_columns }},
        max_by(source_file, load_order) as source_file,
        max_by(source_line, load_order) as source_line,
        max_by(file_rank, load_order) as file_rank,
        max(load_order) as load_order
    from hashed
    semi join repeated_hashes using (row_hash)
    group by all
),

collapsed as (
    select * from single_rows
    union all
    select * from collapsed_rows
),

-- each distinct name folded once (~25 thousand names for 3 million rows nationally)
names as (
    select full_name, {{ fold('full_name') }} as name_fold
    from (select distinct full_name from survey)
),

placed as (
    select
        collapsed.*,
        schools.district_code,
        schools.school_type,
        names.name_fold
    from collapsed
    inner join schools using (school_code)
    left join names using (full_name)
),

final as (
    select
        *,
        {{ student_key('student_id', 'full_name', 'date_of_birth', 'district_code', name_fold='name_fold') }}
            as student_key
    from placed
)

select * from final
