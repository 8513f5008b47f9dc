with source as (
    select * from {{ source('raw', 'handovers') }}
),

final as (
    select * from source
)

select * from final
