{{ config(alias='donated_devices') }}
-- marts.donated_devices for the app, the briefing and the exports (no personal column).
select * from {{ ref('donated_devices') }}
