-- The need figures of SPEC §5 as of each month's last day, by district × priority tier (docs/briefing.md):
-- only survey rows dated on or before that day count (a row without surveyed_on is dated by its round's
-- first day) and handovers handed on or before it. The briefing pack and its dashboard page read a month
-- here instead of re-deriving every student's state from the survey rows.
--
-- Set-based: a student's survey state (latest row so far, identified so far) changes only in a month in
-- which one of their survey rows is dated; their first handover splits that interval into a part before
-- and a part after. Each part adds its student to its figures in its first month and takes them out again
-- in the month it ends; a running sum over the calendar gives the figures at each month's end.
with districts as (
    select district_code, row_number() over (order by district_code) as district_index
    from (select distinct district_code from {{ ref('int_survey_rows') }})
),

survey_rows as (
    select
        survey.student_key,
        date_trunc('month', {{ survey_dated_on('survey.surveyed_on', 'survey.survey_round') }})::date as month,
        -- int_students' "latest record" order
        {{ survey_recency('survey.survey_round', 'survey.surveyed_on', 'survey.file_rank', 'survey.source_line') }}
            as recency,
        districts.district_index,
        {{ priority_tier('survey.household_status', 'survey.covid_orphan') }} as priority_tier,
        survey.has_device
    from {{ ref('int_survey_rows') }} as survey
    inner join districts using (district_code)
),

handed as (
    select student_key, date_trunc('month', min(handed_on))::date as month
    from {{ ref('int_handovers') }}
    group by student_key
    having min(handed_on) is not null
),

monthly_progress as (
    select month from {{ ref('monthly_progress') }}
),

-- each student's survey state once all the rows of a month are in: the latest row so far, identified if
-- any row so far lacked a device; one row per student and month (the last of the month), with the month
-- the state changes again
running as (
    select
        student_key,
        month,
        lead(month) over so_far as next_row_month,
        -- the latest row's state as one small integer (district, tier, has_device): the running arg_max is
        -- ~2 × faster over an integer than over a struct at national size
        arg_max((district_index * 8 + (priority_tier - 1) * 2 + has_device::integer)::integer, recency)
            over so_far as state,
        bool_or(not has_device) over so_far as is_identified
    from survey_rows
    window so_far as (
        partition by student_key order by month, recency rows between unbounded preceding and current row
    )
),

survey_intervals as (
    select
        running.student_key,
        running.month as valid_from,
        running.next_row_month as valid_to,
        running.state // 8 as district_index,
        (running.state // 2 % 4 + 1)::integer as priority_tier,
        running.state % 2 = 1 as latest_has_device
    from running
    where running.is_identified
      and (running.next_row_month is null or running.next_row_month > running.month)
),

-- the part before the first handover (waiting or self-resolved) and the part from it on (supported)
parts as (
    select
        survey_intervals.district_index,
        survey_intervals.priority_tier,
        survey_intervals.latest_has_device,
        handed.month as handed_month,
        unnest([
            {'supported': false, 'valid_from': survey_intervals.valid_from,
             'valid_to': least(survey_intervals.valid_to, handed.month)},
            {'supported': true, 'valid_from': greatest(survey_intervals.valid_from, handed.month),
             'valid_to': survey_intervals.valid_to}
        ], recursive := true)
    from survey_intervals
    left join handed using (student_key)
),

-- least / greatest skip a missing month: without a handover the first part is the whole interval and the
-- second (its "from" the interval's own start, not a handover) is dropped
nonempty_parts as (
    select parts.* exclude (handed_month) from parts
    where (valid_to is null or valid_from < valid_to)
      and (not supported or handed_month is not null)
),

changes as (
    select
        district_index,
        priority_tier,
        unnest([
            {'month': valid_from, 'change': 1},
            {'month': valid_to, 'change': -1}
        ], recursive := true),
        -- every interval is of an identified student (survey_intervals keeps only those)
        {{ student_status('true', 'supported', 'latest_has_device') }} as student_status
    from nonempty_parts
),

changes_by_month as (
    select
        month,
        district_index,
        priority_tier,
        sum(change) as identified,
        sum(change) filter (where student_status = 'supported') as supported,
        sum(change) filter (where student_status = 'self_resolved') as self_resolved,
        sum(change) filter (where student_status = 'remaining') as remaining
    from changes
    where month is not null
    group by all
),

-- the briefing's months: monthly_progress's range stretched over the survey dates
calendar as (
    select generate_series::date as month
    from generate_series(
        (select min(month) from (select month from monthly_progress union all select month from survey_rows))::timestamp,
        (select max(month) from (select month from monthly_progress union all select month from survey_rows))::timestamp,
        interval 1 month
    )
),

-- every district × tier a survey row names, so every calendar month has rows (zeros before the first need)
groups as (
    select distinct survey_rows.district_index, districts.district_code, survey_rows.priority_tier
    from survey_rows
    inner join districts using (district_index)
),

final as (
    select
        calendar.month,
        groups.district_code,
        groups.priority_tier,
        (sum(coalesce(c.identified, 0)) over so_far)::bigint as students_identified,
        (sum(coalesce(c.supported, 0)) over so_far)::bigint as students_supported,
        (sum(coalesce(c.self_resolved, 0)) over so_far)::bigint as students_self_resolved,
        (sum(coalesce(c.remaining, 0)) over so_far)::bigint as students_remaining
    from calendar
    cross join groups
    left join changes_by_month as c
        on c.month = calendar.month
        and c.district_index = groups.district_index
        and c.priority_tier = groups.priority_tier
    window so_far as (
        partition by groups.district_index, groups.priority_tier
        order by calendar.month
        rows between unbounded preceding and current row
    )
)

select * from final
