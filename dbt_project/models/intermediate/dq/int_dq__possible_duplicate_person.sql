-- The same folded name, date of birth and district (of the row's school) under two or more student keys.
with survey_rows as (
    select *, {{ fold('full_name') }} as name_fold from {{ ref('int_survey_rows') }}
),

groups as (
    select
        name_fold,
        date_of_birth,
        district_code,
        count(distinct student_key) as keys,
        max_by(source_file, load_order) as source_file,
        max_by(source_line, load_order) as source_line
    from survey_rows
    group by name_fold, date_of_birth, district_code
    having count(distinct student_key) >= 2
),

final as (
    select
        'possible_duplicate_person' as issue_type,
        'survey' as entity,
        md5(name_fold || '|' || strftime(date_of_birth, '%Y-%m-%d') || '|' || district_code) as record_key,
        'Cùng họ tên, ngày sinh và huyện ' || district_code || ' nhưng ' || keys || ' mã học sinh khác nhau'
            as detail,
        source_file,
        source_line
    from groups
)

select * from final
