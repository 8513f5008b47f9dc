with source as (
    select * from {{ source('raw', 'donations') }}
),

final as (
    select * from source
)

select * from final
