with source as (
    select * from {{ source('raw', 'schools') }}
),

final as (
    select * from source
)

select * from final
