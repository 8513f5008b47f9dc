{{ config(alias='rejected_rows') }}
-- dq.rejected_rows for leaders and analysts: values of personal columns masked.
select kind, source_file, source_line, column_name, {{ mask_rejected_value('column_name', 'value') }} as value,
       reason, reason_code, district_code, row_kept
from {{ ref('rejected_rows_located') }}
