-- Stock available for allocation = max(0, device_equivalents − devices_handed_over) (SPEC §5 figures),
-- with how it is made up; `allocation_stock` (refresh --allocation-stock N) replaces it for a what-if.
with donations as (
    select * from {{ ref('int_donations') }}
),

handovers as (
    select * from {{ ref('int_handovers') }}
),

supply as (
    select
        coalesce(sum(devices_received), 0)::bigint as devices_received,
        coalesce(sum(cash_received_vnd), 0)::bigint as cash_received_vnd
    from donations
),

handed as (
    select count(*) as devices_handed_over from handovers
),

figures as (
    select
        supply.devices_received,
        supply.cash_received_vnd,
        {{ device_equivalents('supply.devices_received', 'supply.cash_received_vnd', var('device_unit_cost_vnd')) }}
            as device_equivalents,
        handed.devices_handed_over
    from supply cross join handed
),

final as (
    select
        *,
        greatest(0, device_equivalents - devices_handed_over) as computed_stock,
        greatest(0, devices_received - devices_handed_over) as devices_in_hand,
        -- handovers beyond the donated devices were bought with cash, at the unit cost
        greatest(0, cash_received_vnd
                    - greatest(0, devices_handed_over - devices_received) * {{ var('device_unit_cost_vnd') }})
            as cash_not_yet_spent_vnd,
        {{ var('allocation_stock') if var('allocation_stock') is not none else 'null' }}::bigint as stock_override,
        coalesce({{ var('allocation_stock') if var('allocation_stock') is not none else 'null' }}::bigint,
                 greatest(0, device_equivalents - devices_handed_over)) as stock
    from figures
)

select * from final
