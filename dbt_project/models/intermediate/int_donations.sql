-- One row per donation_id: the version loaded last wins; donor_fold compares donor names (SPEC §5).
with donations as (
    select * from {{ ref('stg_raw__donations') }}
),

winners as (
    {{ latest_per_id('donations', 'donation_id') }}
),

final as (
    select *, {{ fold('donor_name') }} as donor_fold from winners
)

select * from final
