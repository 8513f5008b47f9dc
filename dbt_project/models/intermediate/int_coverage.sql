-- One row per point_id: the version loaded last wins.
with coverage as (
    select * from {{ source('raw', 'coverage') }}
),

final as (
    {{ latest_per_id('coverage', 'point_id') }}
)

select * from final
