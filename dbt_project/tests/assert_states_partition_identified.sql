-- SPEC §5: supported + self_resolved + remaining = identified, in every cell of need_vs_supply.
select * from {{ ref('need_vs_supply') }}
where students_supported + students_self_resolved + students_remaining <> students_identified
   or students_identified > students_surveyed
