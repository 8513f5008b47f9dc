"""The data-quality suites: one module per entity, each a list of `Frame`s with their expectations.

A frame is a narrow SELECT from the warehouse (only the columns its expectations need, plus
`row_id` and the lineage columns source_file / source_line / load_order). GX validates the frame;
an expectation that names an `Issue` turns its unexpected rows into rows of dq.issues, one per
offending group (SPEC §5), pointing at the group's member loaded last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

LINEAGE = "source_file, source_line, load_order"


@dataclass(frozen=True)
class Issue:
    """How unexpected rows become dq.issues rows."""

    issue_type: str
    entity: str
    group_by: tuple[str, ...]
    record_key: Callable[[pd.DataFrame], str]
    detail: Callable[[pd.DataFrame], str]
    # The key is personal (a name, a birth date): dq.issues gets its keyed hash (warehouse.secret), stable
    # across refreshes under one install secret, never recomputable from the person's details without it.
    keyed: bool = False


@dataclass(frozen=True)
class Check:
    expectation: Callable[[], object]  # a factory: GX binds an expectation instance to one suite
    issue: Issue | None = None


@dataclass(frozen=True)
class Frame:
    suite: str  # "<entity>.<frame>", the GX suite name
    sql: str
    checks: tuple[Check, ...] = field(default=())


def shared_tables() -> dict[str, str]:
    """Temp tables several frames (and the fuzzy search) read, by name: each is built once per run, before them."""
    from expectations.suites import survey

    return dict(survey.SHARED)


def all_frames() -> list[Frame]:
    from expectations.suites import coverage, donations, handovers, records, schools, survey

    return [*survey.FRAMES, *handovers.FRAMES, *donations.FRAMES, *schools.FRAMES, *coverage.FRAMES,
            *records.FRAMES]
