"""District scope of the signed-in user (issue 21 point 4).

A user may carry `districts: [codes]`; the sign-in puts that list in `st.session_state["districts"]`. None (or no
key) means the whole province. app/data.py intersects every query with it, so no page can forget it.
"""

from __future__ import annotations

import streamlit as st


def districts() -> tuple[str, ...] | None:
    """The district codes the user may see, or None for the province view (an empty list sees nothing)."""
    value = st.session_state.get("districts")
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    return tuple(str(code) for code in value)


def limit(chosen: tuple[str, ...] | list[str]) -> tuple[str, ...] | None:
    """The districts a query may read: the chosen ones inside the scope, else the whole scope.

    None means no district limit at all (a province user who chose none). A choice outside the scope (an old
    URL, a typed `?d=`) is dropped, never widened to.
    """
    allowed = districts()
    if allowed is None:
        return tuple(chosen) or None
    return tuple(code for code in chosen if code in allowed) or allowed
