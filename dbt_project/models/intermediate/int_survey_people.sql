-- The people of the survey (macro survey_people): one row per folded name, birth date, district and student key,
-- built once for the three readers of the same group by over 3 million rows: dq_findings
-- (possible_duplicate_person), dq_rule_counts (how many people were compared) and the expectation step's fuzzy
-- duplicate search (expectations/run.py).
with final as (
    {{ survey_people(ref('int_survey_rows')) }}
)

select * from final
