-- Received donations sharing (folded donor name, received_on, form, amount, quantity) under two or more
-- donation_ids: the same gift recorded twice. An empty amount or quantity matches an empty one.
with donations as (
    select *, {{ fold('donor_name') }} as donor_fold, {{ load_order() }} as load_order
    from {{ ref('int_donations') }}
    where status = 'da_nhan'
),

groups as (
    select
        donor_fold, received_on, form, amount_vnd, quantity,
        count(*) as members,
        string_agg(donation_id, ', ' order by donation_id) as ids,
        max_by(source_file, load_order) as source_file,
        max_by(source_line, load_order) as source_line
    from donations
    group by donor_fold, received_on, form, amount_vnd, quantity
    having count(*) >= 2
),

final as (
    select
        'possible_duplicate_donation' as issue_type,
        'donations' as entity,
        ids as record_key,
        'Có thể ghi trùng một khoản ủng hộ: ' || ids as detail,
        source_file,
        source_line
    from groups
)

select * from final
