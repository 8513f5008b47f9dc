"""Files from the browser into the source folder, and the refresh that follows, without a terminal.

The upload page (`app/pages/tai_len.py`) stays thin; everything it does to files lives here, with no Streamlit,
so the same rules hold whatever path a file takes. By job:

- `checks`: what may enter the source folder (`check_upload`: a name that climbs out of it or hides in it, a type
  other than `.csv` / `.xlsx`, a file over `SVMT_MAX_UPLOAD_MB` (default 200), an `.xlsx` that unpacks to an absurd
  size are refused; control and invisible characters are removed from names) and where that folder is.
- `files`: storing (all or nothing, never overwriting, a district officer's scope beside the file), withdrawing
  (moved, never deleted), listing; every upload and withdrawal goes to the audit log (who, when, name, size,
  SHA-256); the hidden folder of a trial build.
- `jobs`: starting a refresh or a trial in the background and reading where it stands (`job_status`,
  `trial_status`) from the stage and outcome files the runner writes.
- `runner`: the background process itself (`python -m warehouse.upload run-job JOB`): `warehouse.refresh.refresh`
  in-process, `on_stage` → the stage file, the result object or the exception → the outcome file.

The names the page and the tests use are re-exported here.
"""

from warehouse.refresh import audit_log_path
from warehouse.upload.checks import (
    UploadRefused,
    check_upload,
    inspect_xlsx,
    max_upload_bytes,
    safe_name,
    sha256,
    source_dir,
    withdrawn_dir,
)
from warehouse.upload.files import (
    Incoming,
    SourceEntry,
    Stored,
    list_source,
    may_withdraw,
    recent_events,
    store,
    store_all,
    stored_name,
    withdraw,
    write_scope,
)
from warehouse.upload.jobs import (
    KPI_FIELDS,
    JobStatus,
    current_as_of,
    job_path,
    job_status,
    kpi_snapshot,
    refresh_running,
    start_refresh,
    start_trial,
    trial_status,
)

__all__ = ["KPI_FIELDS", "Incoming", "JobStatus", "SourceEntry", "Stored", "UploadRefused", "audit_log_path",
           "check_upload", "current_as_of", "inspect_xlsx", "job_path", "job_status", "kpi_snapshot", "list_source",
           "max_upload_bytes", "may_withdraw", "recent_events", "refresh_running", "safe_name", "sha256",
           "source_dir", "start_refresh", "start_trial", "store", "store_all", "stored_name", "trial_status",
           "withdraw", "withdrawn_dir", "write_scope"]
