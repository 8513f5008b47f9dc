-- An id seen with different content among accepted rows (one file or several). Identical copies are no
-- conflict. Lineage: the version loaded last (the one that wins).
{% set entities = [('schools', 'school_code'), ('donations', 'donation_id'),
                   ('handovers', 'handover_id'), ('coverage', 'point_id')] %}
with
{% for entity, id in entities %}
{{ entity }} as (
    select * from {{ ref('stg_raw__' ~ entity) }}
),

{{ entity }}_versions as (
    select {{ id }} as record_key, count(*) as versions
    from (select distinct * exclude (source_file, source_line, file_rank) from {{ entity }})
    group by {{ id }}
    having count(*) > 1
),

{{ entity }}_conflicts as (
    select
        '{{ entity }}' as entity,
        v.record_key,
        v.versions,
        max_by(e.source_file, {{ load_order('e.file_rank', 'e.source_line') }}) as source_file,
        max_by(e.source_line, {{ load_order('e.file_rank', 'e.source_line') }}) as source_line
    from {{ entity }}_versions as v
    inner join {{ entity }} as e on e.{{ id }} = v.record_key
    group by v.record_key, v.versions
),
{% endfor %}

final as (
    {% for entity, id in entities %}
    select
        'conflicting_record' as issue_type,
        entity,
        record_key,
        'Mã ' || record_key || ' có ' || versions || ' nội dung khác nhau; bản nạp sau cùng được dùng' as detail,
        source_file,
        source_line
    from {{ entity }}_conflicts
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
