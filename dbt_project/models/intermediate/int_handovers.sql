-- One row per handover_id (the version loaded last wins), with the student key of SPEC §5
-- (the name key uses the district of the handover's school).
with handovers as (
    select * from {{ source('raw', 'handovers') }}
),

schools as (
    select school_code, district_code from {{ ref('int_schools') }}
),

winners as (
    {{ latest_per_id('handovers', 'handover_id') }}
),

final as (
    select
        winners.*,
        schools.district_code,
        {{ student_key('winners.student_id', 'winners.full_name', 'winners.date_of_birth', 'schools.district_code') }}
            as student_key,
        {{ load_order('winners.file_rank', 'winners.source_line') }} as load_order
    from winners
    inner join schools using (school_code)
)

select * from final
