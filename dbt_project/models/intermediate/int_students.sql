-- One row per student key (SPEC §5): the latest record decides district, school level, tier and current
-- state; "identified" looks at every round; handovers decide supported and connectivity.
with survey_rows as (
    select * from {{ ref('int_survey_rows') }}
),

handovers as (
    select * from {{ ref('int_handovers') }}
),

-- each student's latest record (by its load order, unique per row) and whether any round found them in need
per_student as (
    select
        student_key,
        arg_max(load_order, {{ survey_recency() }}) as latest_load_order,
        bool_or(not has_device) as is_identified,
        min(survey_round) filter (where not has_device) as first_need_round
    from survey_rows
    group by student_key
),

latest as (
    select survey_rows.*, per_student.is_identified, per_student.first_need_round
    from survey_rows
    inner join per_student on survey_rows.load_order = per_student.latest_load_order
),

support as (
    select
        student_key,
        count(*) as handovers,
        bool_or(includes_connectivity) as has_connectivity_handover,
        min(handed_on) as first_handed_on
    from handovers
    group by student_key
),

states as (
    select
        latest.student_key,
        latest.district_code,
        latest.school_code,
        latest.survey_round as latest_round,
        {{ priority_tier('latest.household_status', 'latest.covid_orphan') }} as priority_tier,
        case
            when latest.grade between 1 and 5 then 'tieu_hoc'
            when latest.grade between 6 and 9 then 'thcs'
            when latest.grade between 10 and 12 then 'thpt'
            when latest.school_type in ('tieu_hoc', 'thcs', 'thpt', 'gdnn_gdtx', 'cao_dang_dai_hoc')
                then latest.school_type
            else 'khong_ro'
        end as school_level,
        latest.is_identified,
        latest.first_need_round,
        latest.is_identified and support.student_key is not null as is_supported,
        latest.has_device as latest_has_device,
        not latest.has_internet and not coalesce(support.has_connectivity_handover, false) as needs_connectivity,
        support.first_handed_on
    from latest
    left join support using (student_key)
),

statuses as (
    select
        *,
        {{ student_status('is_identified', 'is_supported', 'latest_has_device') }} as student_status
    from states
),

-- the flags every mart counts (student_counts()): one status per identified student, false otherwise
final as (
    select
        *,
        coalesce(student_status = 'self_resolved', false) as is_self_resolved,
        coalesce(student_status = 'remaining', false) as is_remaining
    from statuses
)

select * from final
