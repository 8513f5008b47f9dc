-- A device donation named by more handovers than its quantity (status and inspection ignored).
with donations as (
    select * from {{ ref('int_donations') }} where form = 'thiet_bi'
),

handovers as (
    select donation_id, count(*) as handovers
    from {{ ref('int_handovers') }}
    where donation_id is not null
    group by donation_id
),

final as (
    select
        'donation_overdrawn' as issue_type,
        'donations' as entity,
        donations.donation_id as record_key,
        'Khoản ủng hộ ' || donations.quantity || ' thiết bị nhưng có ' || handovers.handovers || ' lượt bàn giao'
            as detail,
        donations.source_file,
        donations.source_line
    from donations
    inner join handovers using (donation_id)
    where handovers.handovers > donations.quantity
)

select * from final
