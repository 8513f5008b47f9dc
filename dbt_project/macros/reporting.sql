{#- Masks for the reporting schema (issue 21 point 5): leaders and analysts never read a full ID, name or birth date. -#}

{#- An ID shows at most its last 3 characters (none when it is shorter than 7): `001234567890` → `*********890`. -#}
{% macro mask_id(expr) -%}
    case when {{ expr }} is null then null
         when length({{ expr }}) >= 7 then repeat('*', length({{ expr }}) - 3) || right({{ expr }}, 3)
         else repeat('*', length({{ expr }})) end
{%- endmacro %}

{#- A name shows its initials only: `Nguyễn Thị Thu Hà` → `N. T. T. H.`. -#}
{% macro mask_name(expr) -%}
    case when {{ expr }} is null then null
         else array_to_string(list_transform(list_filter(string_split(trim({{ expr }}), ' '), lambda w: w <> ''),
                                             lambda w: upper(left(w, 1)) || '.'), ' ') end
{%- endmacro %}

{#- A student key inside a record key (`2022-H1|ID:001234567890`, `NB:<fold name>|<dob>|<district>`): the round
    prefix and the district stay, the ID keeps at most 3 digits, the name its initials, the birth date none. -#}
{% macro mask_student_key(expr) -%}
    case
        when strpos({{ expr }}, 'ID:') > 0 then
            left({{ expr }}, strpos({{ expr }}, 'ID:') + 2)
            || {{ mask_id("substr(" ~ expr ~ ", strpos(" ~ expr ~ ", 'ID:') + 3)") }}
        when strpos({{ expr }}, 'NB:') > 0 then
            left({{ expr }}, strpos({{ expr }}, 'NB:') + 2)
            || {{ mask_name("split_part(substr(" ~ expr ~ ", strpos(" ~ expr ~ ", 'NB:') + 3), '|', 1)") }}
            || '|****|' || split_part(substr({{ expr }}, strpos({{ expr }}, 'NB:') + 3), '|', 3)
        else {{ expr }}
    end
{%- endmacro %}

{#- The value of a rejected row, masked when its column is personal. -#}
{% macro mask_rejected_value(column_name, value) -%}
    case {{ column_name }}
        when 'full_name' then {{ mask_name(value) }}
        when 'student_id' then {{ mask_id(value) }}
        when 'date_of_birth' then case when {{ value }} is null then null else '**/**/****' end
        else {{ value }}
    end
{%- endmacro %}

{#- dq.issues is written by the expectation step after the build (it hashes the person keys of dq.findings and adds
    the fuzzy duplicates); the views over it are made during the build, so an empty table with the columns of
    expectations/run.py `write` stands in for it until then (a no-op when it exists). The step replaces it with
    CREATE OR REPLACE; the views re-bind at each query. -#}
{% macro ensure_dq_issues() -%}
    create schema if not exists dq;
    create table if not exists dq.issues (issue_type varchar, entity varchar, record_key varchar, detail varchar,
                                          source_file varchar, source_line bigint);
{%- endmacro %}

{#- Generic test: a student key shows no ID character but the last 3, no lower-case name, no birth date. (Other
    record keys — serial numbers, IMEI, donation ids — are not personal and may hold any digits.) -#}
{% test masked_student_key(model, column_name) -%}
    select {{ column_name }} from {{ model }}
    where regexp_matches({{ column_name }}, 'ID:\*{0,}[^*|]{4}')
       or regexp_matches({{ column_name }}, 'NB:[^|]*[[:lower:]]')
       or regexp_matches({{ column_name }}, 'NB:.*[0-9]{4}-[0-9]{2}-[0-9]{2}')
{%- endtest %}

{#- Generic test: the value of a personal column is masked (ID: at most 3 characters shown; name: initials). -#}
{% test masked_personal_value(model, column_name) -%}
    select {{ column_name }} from {{ model }}
    where (column_name = 'student_id' and regexp_matches({{ column_name }}, '[^*]{4}'))
       or (column_name = 'full_name' and regexp_matches({{ column_name }}, '[^.\s]{2}'))
       or (column_name = 'date_of_birth' and {{ column_name }} <> '**/**/****')
{%- endtest %}
