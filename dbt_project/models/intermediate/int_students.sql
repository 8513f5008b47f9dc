-- One row per student key (SPEC §5): the latest record decides district, school level, tier and current
-- state; "identified" looks at every round; handovers decide supported and connectivity.
with survey_rows as (
    select * from {{ ref('int_survey_rows') }}
),

handovers as (
    select * from {{ ref('int_handovers') }}
),

latest as (
    select *
    from survey_rows
    qualify row_number() over (
        partition by student_key
        order by survey_round desc, surveyed_on desc nulls last, file_rank desc, source_line desc
    ) = 1
),

need as (
    select
        student_key,
        bool_or(not has_device) as is_identified,
        min(survey_round) filter (where not has_device) as first_need_round
    from survey_rows
    group by student_key
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
        need.is_identified,
        need.first_need_round,
        need.is_identified and support.student_key is not null as is_supported,
        latest.has_device as latest_has_device,
        not latest.has_internet and not coalesce(support.has_connectivity_handover, false) as needs_connectivity,
        support.first_handed_on
    from latest
    inner join need using (student_key)
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
