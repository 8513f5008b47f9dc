with source as (
    select * from {{ source('dq', 'rejected_rows') }}
),

final as (
    select * from source
)

select * from final
