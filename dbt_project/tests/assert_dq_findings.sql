-- dq.findings: every finding is one of SPEC §5's types, says what and where (lineage), and counts its rows;
-- dq.rule_counts: one row per rule, no more rows broken than looked at.
with findings as (
    select * from {{ ref('dq_findings') }}
),

counts as (
    select * from {{ ref('dq_rule_counts') }}
),

bad_findings as (
    select 'finding ' || coalesce(issue_type, '?') || ' ' || coalesce(record_key, '?') as problem
    from findings
    where issue_type not in (
            'duplicate_student_in_round', 'possible_duplicate_person', 'duplicate_handover_student',
            'duplicate_serial', 'handover_outside_need_list', 'handover_unknown_donation',
            'donation_overdrawn', 'possible_duplicate_donation', 'conflicting_record')
       or issue_type is null or entity is null or record_key is null or detail is null or keyed is null
       or source_file is null or source_line is null or members < 1
),

bad_counts as (
    select 'rule ' || suite || ' ' || expectation_type || ' ' || columns as problem
    from counts
    where unexpected_count is null or element_count is null or unexpected_count > element_count
       or unexpected_count < 0
),

repeated_rules as (
    select 'rule twice ' || suite || ' ' || expectation_type || ' ' || columns as problem
    from counts
    group by suite, expectation_type, columns
    having count(*) > 1
),

final as (
    select * from bad_findings
    union all select * from bad_counts
    union all select * from repeated_rules
)

select * from final
