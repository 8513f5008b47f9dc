-- One row per school_code: the version loaded last wins.
with schools as (
    select * from {{ source('raw', 'schools') }}
),

final as (
    {{ latest_per_id('schools', 'school_code') }}
)

select * from final
