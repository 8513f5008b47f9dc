{#- The reporting date of this build (SPEC §3: `refresh --as-of`), what "overdue" is counted from. It is read from
    meta.refresh, which the refresh writes before dbt builds (warehouse/refresh.py run_dbt), not passed as a dbt var:
    dbt parses the whole project again whenever its vars change, and the date changes every day (≈ 1,7 s of CPU). -#}
{% macro as_of() -%}
    (select as_of from {{ source('meta', 'refresh') }})
{%- endmacro %}
