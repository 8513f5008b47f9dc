"""Sign-in and roles (streamlit-authenticator): who may see which page, and who sees personal data.

Roles: `lanh_dao` (leaders: aggregates only), `phan_tich` (analysts: aggregates and explore, no names),
`can_bo_du_lieu` (data officers: the data-quality page with unmasked personal data, and the upload page). A page a
role may not see is refused by the page itself (not only hidden from the menu), so a typed address does not get around
it.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st
import yaml

from app.i18n import t

REPO = Path(__file__).resolve().parent.parent
ROLES = ("lanh_dao", "phan_tich", "can_bo_du_lieu")
EVERYONE = frozenset(ROLES)
ANALYSTS = frozenset({"phan_tich", "can_bo_du_lieu"})
PAGE_ROLES: dict[str, frozenset[str]] = {
    "overview": EVERYONE, "districts_page": EVERYONE, "resources_page": EVERYONE, "coverage_page": EVERYONE,
    "briefing_page": EVERYONE, "explore_page": ANALYSTS, "allocation_page": ANALYSTS, "quality_page": ANALYSTS,
    "upload_page": frozenset({"can_bo_du_lieu"}),  # stores files and starts refreshes; its reports show raw rows
}


def users_file() -> Path:
    """SVMT_USERS, else config/users.yaml, else the documented demo users."""
    if os.environ.get("SVMT_USERS"):
        return Path(os.environ["SVMT_USERS"])
    own = REPO / "config" / "users.yaml"
    return own if own.exists() else REPO / "config" / "users.demo.yaml"


def sign_in() -> bool:
    """Show the sign-in form until the user is signed in; True once they are."""
    import streamlit_authenticator as stauth

    config = yaml.safe_load(users_file().read_text(encoding="utf-8"))
    authenticator = stauth.Authenticate(config["credentials"], config["cookie"]["name"], config["cookie"]["key"],
                                        config["cookie"]["expiry_days"])
    if not st.session_state.get("authentication_status"):
        st.title(t("app_title"))
    try:
        authenticator.login(location="main", fields={"Form name": t("sign_in"), "Username": t("username"),
                                                     "Password": t("password"), "Login": t("sign_in")})
    except Exception as exc:  # the library raises on a broken cookie or config: say so, never a traceback
        st.error(f"{t('sign_in_failed')}: {type(exc).__name__}")
        return False
    status = st.session_state.get("authentication_status")
    if status is False:
        st.error(t("wrong_password"))
    if not status:
        if users_file().name == "users.demo.yaml":
            st.info(t("demo_users"))
        return False
    st.sidebar.caption(f"{st.session_state.get('name', '')} · {role_label(role())}")
    authenticator.logout(t("sign_out"), location="sidebar", key="sign_out")
    return True


def role() -> str | None:
    roles = st.session_state.get("roles") or []
    return next((r for r in roles if r in ROLES), None)


def role_label(value: str | None) -> str:
    return t(f"role_{value}") if value in ROLES else ""


def allowed(page_key: str) -> bool:
    return role() in PAGE_ROLES.get(page_key, frozenset())


def sees_personal_data() -> bool:
    """Only data officers see names, IDs and dates of birth unmasked."""
    return role() == "can_bo_du_lieu"


def require(page_key: str) -> bool:
    """Refuse the page (with a message) to a role that may not see it."""
    if allowed(page_key):
        return True
    st.title(t(page_key))
    st.error(t("forbidden", role=role_label(role())))
    return False
