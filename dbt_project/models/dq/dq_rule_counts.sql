{{ config(alias='rule_counts') }}
-- One row per data-quality rule: how many rows it looked at and how many broke it. This compact frame is what Great
-- Expectations validates after the build (expectations/run.py): every count of unexpected rows must be 0. The
-- duplicate and lineage rules (SPEC §5) count the members of their findings (dq_findings); the value rules count
-- in SQL what ingest already enforces (a row breaking them is rejected before it reaches raw), so the check costs
-- one scan, not a pandas frame of every row. `suite` groups the rules as the Data Docs show them.
with findings as (
    select issue_type, entity, sum(members) as unexpected from {{ ref('dq_findings') }} group by all
),

survey_rows as (
    select count(*) as n, count(*) filter (where student_key is null) as null_keys from {{ ref('int_survey_rows') }}
),

people as (
    select count(*) as n from {{ ref('int_survey_people') }}
),

survey_values as (
    select
        count(*) as n,
        count(*) filter (where not grade between 1 and 12) as bad_grade,
        count(*) filter (where not regexp_full_match(survey_round, '\d{4}-H[12]')) as bad_round,
        count(*) filter (where full_name is null) as null_names
    from {{ source('raw', 'survey') }}
),

handovers as (
    select count(*) as n from {{ ref('int_handovers') }}
),

donations as (
    select
        count(*) as n,
        count(*) filter (where form = 'thiet_bi') as devices,
        count(*) filter (where status = 'da_nhan') as received,
        count(*) filter (where amount_vnd < 0) as bad_amounts,
        count(*) filter (where quantity < 1) as bad_quantities
    from {{ ref('int_donations') }}
),

schools as (
    select count(*) as n, count(*) filter (where district_code is null) as null_districts
    from {{ ref('int_schools') }}
),

coverage as (
    select count(*) as n, count(*) filter (where status = 'da_phu_song') as covered,
           count(*) filter (where status = 'da_phu_song' and completed_on is null) as covered_undated
    from {{ ref('int_coverage') }}
),

-- Rows whose id occurs more than once (GX's count for a uniqueness rule: every copy is unexpected).
duplicate_ids as (
    select 'schools' as entity, coalesce(sum(n), 0) as unexpected
    from (select count(*) as n from {{ ref('int_schools') }} group by school_code having count(*) > 1)
    union all
    select 'coverage', coalesce(sum(n), 0)
    from (select count(*) as n from {{ ref('int_coverage') }} group by point_id having count(*) > 1)
    union all
    select 'donations', coalesce(sum(n), 0)
    from (select count(*) as n from {{ ref('int_donations') }} group by donation_id having count(*) > 1)
    union all
    select 'handovers', coalesce(sum(n), 0)
    from (select count(*) as n from {{ ref('int_handovers') }} group by handover_id having count(*) > 1)
),

{% set versioned = ['schools', 'donations', 'handovers', 'coverage'] %}
versions as (
    {% for entity in versioned %}
    select '{{ entity }}' as entity, count(*) as n
    from (select distinct * exclude (source_file, source_line, file_rank) from {{ source('raw', entity) }})
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

rules (suite, expectation_type, columns, element_count, unexpected_count) as (
    select 'survey.rows', 'expect_column_values_to_not_be_null', 'student_key', n, null_keys from survey_rows
    union all
    select 'survey.rows', 'expect_compound_columns_to_be_unique', 'survey_round, student_key', survey_rows.n,
           (select coalesce(sum(unexpected), 0) from findings where issue_type = 'duplicate_student_in_round')
    from survey_rows
    union all
    select 'survey.people', 'expect_compound_columns_to_be_unique', 'name_fold, date_of_birth, district_code', n,
           (select coalesce(sum(unexpected), 0) from findings where issue_type = 'possible_duplicate_person')
    from people
    union all
    select 'survey.values', 'expect_column_values_to_be_between', 'grade', n, bad_grade from survey_values
    union all
    select 'survey.values', 'expect_column_values_to_match_regex', 'survey_round', n, bad_round from survey_values
    union all
    select 'survey.values', 'expect_column_values_to_not_be_null', 'full_name', n, null_names from survey_values
    union all
    select 'handovers.rows', 'expect_column_values_to_be_unique', 'handover_id', n,
           (select unexpected from duplicate_ids where entity = 'handovers')
    from handovers
    {% for issue_type, expectation, column in [
        ('duplicate_handover_student', 'expect_column_values_to_be_unique', 'student_key'),
        ('duplicate_serial', 'expect_column_values_to_be_unique', 'serial_number'),
        ('handover_outside_need_list', 'expect_column_values_to_be_in_set', 'on_need_list'),
        ('handover_unknown_donation', 'expect_column_values_to_be_in_set', 'donation_found')] %}
    union all
    select 'handovers.rows', '{{ expectation }}', '{{ column }}', n,
           (select coalesce(sum(unexpected), 0) from findings where issue_type = '{{ issue_type }}')
    from handovers
    {% endfor %}
    union all
    select 'donations.devices', 'expect_column_pair_values_a_to_be_greater_than_b', 'quantity, handovers', devices,
           (select coalesce(sum(unexpected), 0) from findings where issue_type = 'donation_overdrawn')
    from donations
    union all
    select 'donations.received', 'expect_compound_columns_to_be_unique',
           'donor_fold, received_on, form, amount_vnd, quantity', received,
           (select coalesce(sum(unexpected), 0) from findings where issue_type = 'possible_duplicate_donation')
    from donations
    union all
    select 'donations.values', 'expect_column_values_to_be_unique', 'donation_id', n,
           (select unexpected from duplicate_ids where entity = 'donations')
    from donations
    union all
    select 'donations.values', 'expect_column_values_to_be_between', 'amount_vnd', n, bad_amounts from donations
    union all
    select 'donations.values', 'expect_column_values_to_be_between', 'quantity', n, bad_quantities from donations
    union all
    select 'schools.rows', 'expect_column_values_to_be_unique', 'school_code', n,
           (select unexpected from duplicate_ids where entity = 'schools')
    from schools
    union all
    select 'schools.rows', 'expect_column_values_to_not_be_null', 'district_code', n, null_districts from schools
    union all
    select 'coverage.points', 'expect_column_values_to_be_unique', 'point_id', n,
           (select unexpected from duplicate_ids where entity = 'coverage')
    from coverage
    union all
    select 'coverage.points', 'expect_column_values_to_be_in_set', 'has_completed_on', covered, covered_undated
    from coverage
    {% for entity in versioned %}
    union all
    select '{{ entity }}.versions', 'expect_column_values_to_be_unique', 'record_key', n,
           (select coalesce(sum(unexpected), 0) from findings
            where issue_type = 'conflicting_record' and entity = '{{ entity }}')
    from versions where entity = '{{ entity }}'
    {% endfor %}
)

select
    suite, expectation_type, columns, cast(element_count as bigint) as element_count,
    cast(unexpected_count as bigint) as unexpected_count
from rules
