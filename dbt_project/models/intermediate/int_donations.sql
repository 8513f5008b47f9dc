-- One row per donation_id: the version loaded last wins.
with donations as (
    select * from {{ ref('stg_raw__donations') }}
),

final as (
    {{ latest_per_id('donations', 'donation_id') }}
)

select * from final
