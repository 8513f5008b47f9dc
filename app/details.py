"""A finding's detail (`dq.issues.detail`) in the reader's language.

dbt (dbt_project/models/dq/dq_findings.sql) and the fuzzy search (expectations/fuzzy.py) write the detail once, in
Vietnamese, because the warehouse, the briefing and the officers' worklists are Vietnamese and a finding's key
(`issue_type|record_key`) must not depend on the reader. For an English page the text is read back against its
Vietnamese wording (LABELS `detail_<issue_type>`, `detail_<issue_type>~<variant>`: the one translation table) and
written with the English one, the values (ids, counts, rounds) carried over unchanged. A text no wording matches
(an older warehouse's) stays as written rather than being guessed at.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from app.i18n import LABELS, lang

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=64)
def _wordings(issue_type: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """(Vietnamese wording as a pattern, LABELS key) of every wording of an issue type."""
    keys = [k for k in LABELS if k == f"detail_{issue_type}" or k.startswith(f"detail_{issue_type}~")]
    out = []
    for key in keys:
        parts = PLACEHOLDER.split(LABELS[key]["vi"])  # literal, name, literal, name, …
        pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        out.append((re.compile(pattern, re.DOTALL), key))
    return tuple(out)


def detail(issue_type: object, text: object, language: str | None = None) -> object:
    """`text` (a Vietnamese detail of `issue_type`) in `language` (the page's by default)."""
    language = language or lang()
    if language == "vi" or not isinstance(text, str) or not isinstance(issue_type, str):
        return text
    for pattern, key in _wordings(issue_type):
        match = pattern.fullmatch(text)
        if match:
            return LABELS[key][language].format(**match.groupdict())
    return text


def details(frame: pd.DataFrame, language: str | None = None) -> pd.Series:
    """The `detail` column of a findings frame (with its `issue_type`) in `language`."""
    language = language or lang()
    if language == "vi":
        return frame["detail"]
    return pd.Series([detail(i, d, language) for i, d in zip(frame["issue_type"], frame["detail"], strict=True)],
                     index=frame.index, dtype=object)
