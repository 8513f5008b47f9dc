{#- SPEC §5 fold(): remove diacritics (đ→d), lower-case, collapse spaces. Text is already NFC.
    The regex (RE2's \s is tab, newline, form feed, carriage return, space) only runs on text that has two
    spaces in a row or one of those other characters: elsewhere every match is one space, replaced by one
    space, so skipping it changes nothing and saves ~0,6 s on 3 million names. -#}
{% macro fold(expr) -%}
    {%- set folded = "lower(strip_accents(replace(replace(" ~ expr ~ ", 'đ', 'd'), 'Đ', 'D')))" -%}
    trim(case when contains({{ folded }}, '  ') or contains({{ folded }}, chr(9)) or contains({{ folded }}, chr(10))
                   or contains({{ folded }}, chr(12)) or contains({{ folded }}, chr(13))
              then regexp_replace({{ folded }}, '\s+', ' ', 'g') else {{ folded }} end)
{%- endmacro %}

{#- Load order: "the row loaded last" is the highest (file_rank, source_line). -#}
{% macro load_order(rank='file_rank', line='source_line') -%}
    ({{ rank }}::bigint * 10000000000 + {{ line }})
{%- endmacro %}

{#- SPEC §5 student key: ID:<id> when present, else NB:<fold(name)>|<dob ISO>|<district of the school>.
    name_fold: a column already holding fold(full_name), so a model that keeps it folds each name once. -#}
{% macro student_key(student_id, full_name, date_of_birth, district_code, name_fold=none) -%}
    case when {{ student_id }} is not null then 'ID:' || upper({{ student_id }})
         else 'NB:' || {{ name_fold if name_fold else fold(full_name) }} || '|' || strftime({{ date_of_birth }}, '%Y-%m-%d') || '|' || {{ district_code }}
    end
{%- endmacro %}

{#- The winning version of each id: the row loaded last (SPEC §4.1, §5 conflicting_record). -#}
{% macro latest_per_id(relation, id_column) -%}
    select * exclude (rn) from (
        select *, row_number() over (partition by {{ id_column }} order by {{ load_order() }} desc) as rn
        from {{ relation }}
    ) where rn = 1
{%- endmacro %}

{#- SPEC §5 priority tier of a survey row: 1 poor, 2 near-poor, 3 hardship from COVID-19 (or orphaned by it), 4 other. -#}
{% macro priority_tier(household_status='household_status', covid_orphan='covid_orphan') -%}
    case
        when {{ household_status }} = 'ngheo' then 1
        when {{ household_status }} = 'can_ngheo' then 2
        when {{ household_status }} = 'kho_khan_covid' or {{ covid_orphan }} then 3
        else 4
    end
{%- endmacro %}

{#- The day a survey row speaks for (docs/briefing.md): surveyed_on, else its round's first day (H1 → 1 January, H2 → 1 July). -#}
{% macro survey_dated_on(surveyed_on='surveyed_on', survey_round='survey_round') -%}
    coalesce({{ surveyed_on }}, make_date(cast(left({{ survey_round }}, 4) as integer),
                                          case when right({{ survey_round }}, 2) = 'H2' then 7 else 1 end, 1))
{%- endmacro %}

{#- ===== rules: marts (issue 22 point 1, h/rules) — each figure's rule written once ===== -#}

{#- SPEC §5 student status of an identified student: supported (a handover reached them), else self-resolved
    (their latest record has a device), else remaining. Not identified → null: they count in no status.
    int_students stores it per student; need_by_month applies it to each month's state. -#}
{% macro student_status(is_identified, is_supported, latest_has_device) -%}
    case when not ({{ is_identified }}) then null
         when {{ is_supported }} then 'supported'
         when {{ latest_has_device }} then 'self_resolved'
         else 'remaining'
    end
{%- endmacro %}

{#- The student figures of a group of int_students rows (every mart that counts students uses these names). -#}
{% macro student_counts() -%}
    count(*) filter (where is_identified) as students_identified,
        count(*) filter (where is_supported) as students_supported,
        count(*) filter (where is_self_resolved) as students_self_resolved,
        count(*) filter (where is_remaining) as students_remaining,
        count(*) filter (where needs_connectivity) as students_need_connectivity
{%- endmacro %}

{#- SPEC §5 pct_covered: share of identified students no longer remaining (0 when none identified). -#}
{% macro pct_covered(identified, remaining) -%}
    case when {{ identified }} = 0 then 0.0
         else ({{ identified }} - {{ remaining }})::double / {{ identified }}
    end
{%- endmacro %}

{#- SPEC §5 device_equivalents = devices received + floor(cash received / unit cost); dbt passes
    var('device_unit_cost_vnd') as unit_cost (rules.sql stays plain Jinja, see ingest/rules.py). -#}
{% macro device_equivalents(devices, cash_vnd, unit_cost) -%}
    ({{ devices }} + floor({{ cash_vnd }} / {{ unit_cost }})::bigint)

{%- endmacro %}

{#- ===== Issue 22, one build (h/onebuild): the shared SQL of the data-quality findings (SPEC §5). ===== -#}

{#- The people of the survey: one row per (folded name, birth date, district, student key) with the lineage of its
    row loaded last and the fuzzy search's blocking keys (birth year, the smaller and the larger of day and month).
    Built once as intermediate.int_survey_people: dbt's possible_duplicate_person, dq_rule_counts and the fuzzy
    duplicate search (expectations/fuzzy.py) read the same rows. -#}
{% macro survey_people(relation) -%}
    select
        name_fold, date_of_birth, district_code, student_key,
        max_by(source_file, load_order) as source_file,
        max_by(source_line, load_order) as source_line,
        max(load_order) as load_order,
        year(date_of_birth) as birth_year,
        least(day(date_of_birth), month(date_of_birth)) as day_month_low,
        greatest(day(date_of_birth), month(date_of_birth)) as day_month_high
    from {{ relation }}
    group by name_fold, date_of_birth, district_code, student_key
{%- endmacro %}

{#- SPEC §5's duplicate rules: the groups (`group_by`, SQL expressions) of `relation` whose distinct `member`s are more
    than one. dq_findings counts every group; the upload preview (ingest/preview.py) adds its own aggregates
    (`extra`, e.g. which lines are new) and keeps the groups an upload adds to (`having`).
    The distinct counts run only on the groups whose hash bucket (hash of the group's columns) holds two members: one
    group by an integer with min <> max finds those buckets ~6× faster than distinct counts over every group (3
    million survey rows, almost all alone in their group); a bucket is a superset of its groups, so none is lost. -#}
{% macro duplicate_groups(relation, group_by, member, where='true', extra='', having='true') -%}
    select {{ group_by }}, count(distinct {{ member }}) as members{{ extra }}
    from {{ relation }}
    where {{ where }}
      and hash({{ group_by }}) in (
          select hash({{ group_by }}) from {{ relation }}
          where {{ where }}
          group by all
          having min({{ member }}) <> max({{ member }})
      )
    group by {{ group_by }}
    having count(distinct {{ member }}) > 1 and ({{ having }})
{%- endmacro %}

{#- The columns that make two received donations "the same gift" (possible_duplicate_donation): an empty amount or
    quantity matches an empty one, so they are compared as text. -#}
{% macro donation_gift_key(donor_fold='donor_fold', received_on='received_on', form='form', amount_vnd='amount_vnd',
                           quantity='quantity') -%}
    {{ donor_fold }}, coalesce(cast({{ received_on }} as varchar), ''), {{ form }},
    coalesce(cast({{ amount_vnd }} as varchar), ''), coalesce(cast({{ quantity }} as varchar), '')
{%- endmacro %}

{#- ===== Issue 22 point 5, national refresh (h/nat): shared orders of the survey rows. ===== -#}

{#- "The latest record" of a student (SPEC §5) as one comparable value: round, then surveyed_on (a missing one first),
    then load order. The highest wins; int_students takes each student's arg_max (one hash aggregate instead of a
    sorted window) and need_by_month the running one. One HUGEINT, from the top bits down: the round (year × 2 +
    half; survey_round is always `YYYY-H1`/`YYYY-H2` after ingest), whether surveyed_on is given, surveyed_on (days
    from 1970, shifted to stay positive), the load order (< 2^63): it orders as the tuple of those would, and
    sorting or comparing one integer is ~1,5× cheaper than a struct (3 million rows nationally). -#}
{% macro survey_recency(survey_round='survey_round', surveyed_on='surveyed_on', file_rank='file_rank',
                        source_line='source_line') -%}
    (((cast(left({{ survey_round }}, 4) as integer) * 2 + (right({{ survey_round }}, 1) = '2')::integer) * 2
       + ({{ surveyed_on }} is not null)::integer)::hugeint * (1::hugeint << 96)
     + (coalesce(date_diff('day', date '1970-01-01', {{ surveyed_on }}), 0) + 2147483648)::hugeint * (1::hugeint << 63)
     + {{ load_order(file_rank, source_line) }})
{%- endmacro %}
