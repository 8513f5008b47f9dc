"""The monthly press-briefing pack (SPEC §3 `briefing`): `briefing-YYYY-MM.xlsx` and `briefing-YYYY-MM.pdf`.

By job: `figures` (the month's figures, from the `reporting` views only), `wording` (labels and lines of
text, numbers through warehouse/formats.py), `store` (publishing and the published-figures store, corrections),
`excel`, `pdf`, and `pack` (writing both files). Pure Python over a read-only warehouse connection (no
Streamlit), so the dashboard page and the CLI share `month_figures` and `write_pack`. The names they use are
re-exported here.
"""

from warehouse.reports.figures import FIGURES, BriefingError, available_months, month_figures, month_label
from warehouse.reports.pack import Pack, build_pack, pack_bytes, write_pack
from warehouse.reports.store import (
    Publication,
    PublishRefused,
    may_publish,
    pending_corrections,
    publish,
    publish_roles,
    published,
    published_store,
)
from warehouse.reports.wording import correction_lines

__all__ = ["FIGURES", "BriefingError", "Pack", "Publication", "PublishRefused", "available_months", "build_pack",
           "correction_lines", "may_publish", "month_figures", "month_label", "pack_bytes", "pending_corrections",
           "publish", "publish_roles", "published", "published_store", "write_pack"]
