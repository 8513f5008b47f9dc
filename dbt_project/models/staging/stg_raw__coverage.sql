with source as (
    select * from {{ source('raw', 'coverage') }}
),

final as (
    select * from source
)

select * from final
