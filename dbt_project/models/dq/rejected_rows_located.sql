-- dq.rejected_rows with a district where the row itself names one (its district_code column); a rejected row's
-- other columns are not kept, so otherwise it is null. Unmasked: only the data-officer role reads it.
-- row_kept: the entry is a dropped coordinate pair (var kept_row_columns), its row loaded (issue 23 point 4).
select kind, source_file, source_line, column_name, value, reason, reason_code,
       case when column_name = 'district_code' then value end as district_code,
       coalesce(column_name in ('{{ var("kept_row_columns") | join("', '") }}'), false) as row_kept
from {{ source('dq', 'rejected_rows') }}
