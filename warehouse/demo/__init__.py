"""Synthetic but realistic source folder for demos, tests and benchmarks (SPEC §3 `demo-data`): `generate`.

Why synthetic: the real lists name poor children. The folder imitates what the Đắk Lắk data
officers receive (plan 001 in shared/seeds): a school list, the need survey per district and half-year
round, donations per year, handover records per year and the operators' coverage-gap points, in the
canonical format of `ingest/contract.py` (UTF-8, canonical headers and codes, ISO dates, true/false).

The story it tells: students persist across rounds (the same child is resurveyed, grades advance in
September, some families buy a device themselves); devices go mostly to tier 1 first, from donations
received before the handover; supply covers a good part of the need but the remote districts lag.
It also carries the problems the data-quality page exists for, at low realistic rates (see
`survey.plant_survey`, `handovers._plant_handovers`, `donations.donation_files`): duplicates,
conflicting records, rows that must be rejected.

Everything is drawn from one `numpy.random.Generator` in a fixed order and built with numpy / polars
arrays (no per-row Python loops), so one seed gives byte-identical files and the same code
grows to national scale: `scale="national"` runs it over the 63 provinces and their districts
(profiles drawn around PROVINCE_PROFILE), five rounds from 2021-H1 with the published 2021 mix of
poor / near-poor / other, ~45.000 schools, ~3.100.000 survey rows, ~500.000 handovers, 100.000
donations and 2.000 coverage points, split into files per province as the provinces send them
(~20 s and ~4.5 GB of memory on a 2-core machine). `fraction` scales the row counts for benchmarks.

Modules by job: `settings` (scales, time line, profiles), `names`, `randoms` (vectorised draws), `places`
(districts, communes, schools, coverage points), `survey` (children and their survey rows), `donations`,
`handovers` (who gets which device, the handover files) and `folder` (`generate`: draw and write the files).
"""

from warehouse.demo.folder import generate
from warehouse.demo.settings import SCALES, Scale, scale_of

__all__ = ["SCALES", "Scale", "generate", "scale_of"]
