-- Handovers and newly supported students by district and month (sparse: months with activity only), so a
-- district-scoped user gets a monthly trend of their own districts (issue 21 point 4). Summed over districts it
-- equals marts.monthly_progress's devices_handed_over and students_supported_new (tests/assert_…).
with handovers as (
    select date_trunc('month', handed_on)::date as month, district_code, 1 as devices_handed_over,
           0 as students_supported_new
    from {{ ref('int_handovers') }}
),

students as (
    select date_trunc('month', first_handed_on)::date, district_code, 0, 1
    from {{ ref('int_students') }}
    where is_supported
),

final as (
    select month, district_code,
           sum(devices_handed_over)::bigint as devices_handed_over,
           sum(students_supported_new)::bigint as students_supported_new
    from (select * from handovers union all select * from students)
    group by month, district_code
)

select * from final
