with source as (
    select * from {{ source('raw', 'survey') }}
),

final as (
    select * from source
)

select * from final
