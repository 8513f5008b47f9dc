{{ config(alias='need_by_school') }}
-- marts.need_by_school for the app, the briefing and the exports (no personal column).
select * from {{ ref('need_by_school') }}
