-- marts.progress_by_district_month summed over districts equals marts.monthly_progress month by month.
with by_district as (
    select month, sum(devices_handed_over) as h, sum(students_supported_new) as s
    from {{ ref('progress_by_district_month') }} group by month
)
select m.month
from {{ ref('monthly_progress') }} as m
full join by_district as d using (month)
where coalesce(m.devices_handed_over, 0) <> coalesce(d.h, 0)
   or coalesce(m.students_supported_new, 0) <> coalesce(d.s, 0)
