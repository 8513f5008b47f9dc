-- One row per school_code: the version loaded last wins.
with schools as (
    select * from {{ ref('stg_raw__schools') }}
),

final as (
    {{ latest_per_id('schools', 'school_code') }}
)

select * from final
