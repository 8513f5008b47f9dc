-- What ingest promises about raw (ingest/contract.py, enforced by ingest/validate.py), checked where dbt starts
-- reading: every key present and every enum a canonical code. One singular test instead of one generic test per
-- column (each dbt node costs ~40 ms of every refresh). Returns one row per broken promise (none expected).
-- The codes are not copied here: ingest writes them from the contract into meta.contract_enums at every load
-- (ingest/load.py write_contract_enums), and the enum checks below are generated from that table's rows.
-- depends_on: {{ source('meta', 'contract_enums') }}, {{ source('dq', 'rejected_rows') }}
{%- set enum_columns = [] -%}
{%- if execute -%}
    {%- set enum_columns = run_query(
        "select distinct kind, column_name from " ~ source('meta', 'contract_enums') ~ " order by all").rows -%}
{%- endif %}
with contract_enums as (
    select * from {{ source('meta', 'contract_enums') }}
),

checks as (
    select 'districts.district_code null' as broken, count(*) as n
    from {{ source('raw', 'districts') }} where district_code is null
    union all
    select 'schools.school_code null', count(*) from {{ source('raw', 'schools') }} where school_code is null
    union all
    select 'survey.survey_round null', count(*) from {{ source('raw', 'survey') }} where survey_round is null
    union all
    select 'donations.donation_id null', count(*) from {{ source('raw', 'donations') }} where donation_id is null
    union all
    select 'handovers.handover_id null', count(*) from {{ source('raw', 'handovers') }} where handover_id is null
    union all
    select 'coverage.point_id null', count(*) from {{ source('raw', 'coverage') }} where point_id is null
    union all
    select 'meta.contract_enums empty', (count(*) = 0)::int from contract_enums
    {%- for kind, column in enum_columns %}
    union all
    select '{{ kind }}.{{ column }}', count(*)
    from {{ source('dq', kind) if kind == 'rejected_rows' else source('raw', kind) }}
    where {{ column }} is not null
      and {{ column }} not in (select code from contract_enums where kind = '{{ kind }}' and column_name = '{{ column }}')
    {%- endfor %}
)

select * from checks where n > 0
