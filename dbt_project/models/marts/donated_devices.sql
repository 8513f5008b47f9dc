-- Devices donated (form thiet_bi) by device type, condition and status, with the inspection outcome.
with donations as (
    select * from {{ ref('int_donations') }} where form = 'thiet_bi'
),

handovers as (
    select device_type, count(*) as handed_over from {{ ref('int_handovers') }} group by device_type
),

by_type as (
    select
        device_type,
        condition,
        coalesce(sum(devices_received), 0)::bigint as devices_received,
        coalesce(sum(devices_failed_inspection), 0)::bigint as devices_failed_inspection,
        coalesce(sum(devices_pledged), 0)::bigint as devices_pledged
    from donations
    group by device_type, condition
),

final as (
    select
        coalesce(by_type.device_type, handovers.device_type) as device_type,
        coalesce(by_type.condition, 'moi') as condition,
        coalesce(by_type.devices_received, 0) as devices_received,
        coalesce(by_type.devices_failed_inspection, 0) as devices_failed_inspection,
        coalesce(by_type.devices_pledged, 0) as devices_pledged,
        -- handovers are counted once per device type, on its 'moi' row
        case when coalesce(by_type.condition, 'moi') = 'moi' then coalesce(handovers.handed_over, 0) else 0 end
            as devices_handed_over
    from by_type
    full outer join handovers
        on handovers.device_type = by_type.device_type and by_type.condition = 'moi'
)

select * from final
