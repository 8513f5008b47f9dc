{#- Views and tables in one statement each: `create or replace …`, then commit (issue 22 point 5).

    dbt's default materializations create `<name>__dbt_tmp`, rename it over the old relation and drop a backup, to
    swap a relation in a live database without a gap. Every refresh here builds a new, private file that readers
    never see before the atomic swap (warehouse/refresh.py), so that dance only costs time (~60 relations per
    refresh, each a few statements and catalog writes). -#}
{% macro _fresh(kind) -%}
    {%- set target_relation = this.incorporate(type=kind) -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% call statement('main') -%}
        create or replace {{ kind }} {{ target_relation }} as (
            {{ sql }}
        )
    {%- endcall %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmacro %}

{% materialization fresh_view, adapter='duckdb' -%}
    {{ return(_fresh('view')) }}
{%- endmaterialization %}

{% materialization fresh_table, adapter='duckdb' -%}
    {{ return(_fresh('table')) }}
{%- endmaterialization %}
