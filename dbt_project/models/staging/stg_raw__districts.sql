with source as (
    select * from {{ source('raw', 'districts') }}
),

final as (
    select * from source
)

select * from final
