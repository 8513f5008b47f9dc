-- (survey_round, student key) with more than one distinct survey row: listed twice in one round.
with survey_rows as (
    select * from {{ ref('int_survey_rows') }}
),

groups as (
    select
        survey_round,
        student_key,
        count(*) as members,
        count(distinct school_code) as schools,
        max_by(source_file, load_order) as source_file,
        max_by(source_line, load_order) as source_line
    from survey_rows
    group by survey_round, student_key
    having count(*) > 1
),

final as (
    select
        'duplicate_student_in_round' as issue_type,
        'survey' as entity,
        survey_round || '|' || student_key as record_key,
        'Học sinh có ' || members || ' bản ghi khác nhau trong đợt ' || survey_round
            || ' (' || schools || ' trường)' as detail,
        source_file,
        source_line
    from groups
)

select * from final
