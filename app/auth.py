"""Sign-in and roles: who may see which page, and who sees personal data.

Passwords are bcrypt hashes in the users file (warehouse/users.py: demo users only in demo mode). A sign-in opens a
server-side session (app/sessions.py); the browser keeps only its random id, signed with the install secret
(warehouse/secret.py), in the `svmt_session` cookie. Sign-out revokes the session on the server, so a replayed
cookie is refused; sessions end after 12 hours; 5 wrong passwords in 15 minutes lock a user for 15 minutes. Every
sign-in, refusal, lock-out and sign-out goes to the warehouse's audit log.

Roles: `lanh_dao` (leaders: aggregates only), `phan_tich` (analysts: aggregates and explore, no names),
`can_bo_du_lieu` (data officers: the data-quality page with unmasked personal data, and the upload page). A page a
role may not see is refused by the page itself (not only hidden from the menu), so a typed address does not get around
it.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from datetime import datetime

import streamlit as st

from app.i18n import clock, t
from app.plain import plain
from app.sessions import MAX_FAILURES, WINDOW_S, AuthStore
from warehouse.secret import SecretError
from warehouse.users import ROLES, Directory, User, UsersError, active_users

EVERYONE = frozenset(ROLES)
ANALYSTS = frozenset({"phan_tich", "can_bo_du_lieu"})
PAGE_ROLES: dict[str, frozenset[str]] = {
    "overview": EVERYONE, "districts_page": EVERYONE, "resources_page": EVERYONE, "coverage_page": EVERYONE,
    "briefing_page": EVERYONE, "explore_page": ANALYSTS, "allocation_page": ANALYSTS, "quality_page": ANALYSTS,
    "upload_page": frozenset({"can_bo_du_lieu"}),  # stores files and starts refreshes; its reports show raw rows
    "review_page": frozenset({"can_bo_du_lieu"}),  # decides on findings (issue 24)
}


COOKIE = "svmt_session"
SID = "svmt_session_id"  # session_state key: the server-side session this browser tab is signed in with
SEEN = "svmt_cookie_seen"  # the cookie value already judged in this tab (st.context.cookies is fixed per tab)
_DUMMY_HASH = "$2b$12$ArDred6BdQzbeu7ghFv8oei42Lfta5xSzhL3SCADASDyBCPQVfSSO"  # equal work for unknown names


def _sign(sid: str) -> str:
    """The cookie value: the session id and its HMAC under the install secret (never a key from a users file)."""
    from warehouse.secret import install_secret

    mac = hmac.new(install_secret(), f"svmt-session-cookie:{sid}".encode(), hashlib.sha256).hexdigest()
    return f"{sid}.{mac}"


def _verify(cookie: str) -> str | None:
    """The session id of a cookie signed with this installation's secret, else None."""
    sid, _, _mac = cookie.rpartition(".")
    return sid if sid and hmac.compare_digest(_sign(sid).encode(), cookie.encode("utf-8", "replace")) else None


def _cookie_script(value: str | None) -> None:
    """Set (or with None, delete) the session cookie in the browser: Streamlit itself cannot set cookies."""
    attributes = "Max-Age=43200" if value else "Max-Age=0"
    js = (f"document.cookie = '{COOKIE}={value or ''}; {attributes}; Path=/; SameSite=Strict'"
          " + (location.protocol === 'https:' ? '; Secure' : '');")
    st.html(f"<script>{js}</script>", unsafe_allow_javascript=True)


def audit(event: str, user: str | None, outcome: str, message: str) -> None:
    """One line in the warehouse's audit log (never a password)."""
    from app.data import warehouse_path
    from warehouse.refresh import log_event

    try:
        log_event(warehouse_path(), {"event": event, "user": user, "started_at": datetime.now().replace(microsecond=0),
                                     "outcome": outcome, "message": message, "files": []})
    except OSError:  # an unwritable log must not lock everyone out; the refresh log shows the gap
        pass


def _enter(user: User, sid: str) -> None:
    """What the pages read about the signed-in user (role and districts come from the users file, every run)."""
    st.session_state.update({SID: sid, "authentication_status": True, "username": user.name, "name": user.full_name,
                             "roles": [user.role],
                             "districts": list(user.districts) if user.districts else None})


def _forget() -> None:
    for key in (SID, "authentication_status", "username", "name", "roles", "districts"):
        st.session_state.pop(key, None)


def _resume(sid: str, users: dict[str, User], store: AuthStore, via: str) -> bool:
    """Re-enter a session the server knows, is not revoked, is younger than 12 h and whose user still exists."""
    check = store.check(sid)
    if check.status == "ok" and check.user in users:
        _enter(users[check.user], sid)
        return True
    outcome = check.status if check.status != "ok" else "unknown_user"
    audit("sign_in_refused", check.user, outcome, f"{via}: session {outcome}")
    _forget()
    return False


def _locked(until: float) -> None:
    st.error(t("locked_out", n=MAX_FAILURES, w=WINDOW_S // 60, until=clock(datetime.fromtimestamp(until))))


def _attempt(name: str, password: str, users: dict[str, User], store: AuthStore) -> User | None:
    """Check a typed name and password, counting wrong ones; None (with a message shown) when refused."""
    import bcrypt

    user_name = name.strip().lower()[:64]
    until = store.locked_until(user_name)
    if until is not None:
        audit("sign_in_refused", user_name, "locked", "refused while locked out")
        _locked(until)
        return None
    user = users.get(user_name)
    try:
        good = bcrypt.checkpw(password.encode("utf-8"), (user.password_hash if user else _DUMMY_HASH).encode())
    except ValueError:  # a password over 72 bytes or a broken hash: simply wrong
        good = False
    if good and user is not None:
        store.clear_failures(user_name)
        return user
    audit("sign_in_refused", user_name, "wrong_password", "wrong password" if user else "unknown user name")
    until = store.record_failure(user_name)
    if until is not None:
        audit("lock_out", user_name, "locked", f"{MAX_FAILURES} wrong passwords within {WINDOW_S // 60} minutes")
        _locked(until)
    else:
        st.error(t("wrong_password"))
    return None


def _sign_out(store: AuthStore) -> None:
    sid = st.session_state.get(SID)
    if sid:
        store.revoke(sid)
        audit("sign_out", st.session_state.get("username"), "ok", "signed out")
    _forget()
    st.session_state["svmt_clear_cookie"] = True


def _signed_in(store: AuthStore) -> bool:
    st.sidebar.caption(f"{plain(st.session_state.get('name', ''))} · {role_label(role())}")  # a name as typed
    if st.sidebar.button(t("sign_out"), key="sign_out"):
        _sign_out(store)
        st.rerun()
    return True


def _form(directory: Directory, store: AuthStore) -> bool:
    st.title(t("app_title"))
    if not directory.users:
        st.warning(t("no_users"))
    box = st.empty()
    with box.form("sign_in_form"):
        st.subheader(t("sign_in"))
        name = st.text_input(t("username"))
        password = st.text_input(t("password"), type="password")
        submitted = st.form_submit_button(t("sign_in"))
    if directory.source == "demo":
        st.info(t("demo_users"))
    if not submitted:
        return False
    user = _attempt(name, password, directory.users, store)
    if user is None:
        return False
    sid = store.open_session(user.name)
    audit("sign_in", user.name, "ok", f"signed in ({directory.source})")
    _enter(user, sid)
    _cookie_script(_sign(sid))
    box.empty()
    return True


def sign_in() -> bool:
    """Show the sign-in form until the user is signed in; True once they are.

    A tab stays signed in through its server-side session id (session_state); a new tab or a reload resumes from
    the signed cookie (st.context.cookies) when the server still holds that session. Both are checked on every
    run, so a sign-out elsewhere, the 12-hour limit or a user removed from the users file ends the session.
    """
    try:
        directory = active_users()
        store = AuthStore()
        sid = st.session_state.get(SID)
        if sid and _resume(sid, directory.users, store, "tab"):
            return _signed_in(store)
        cookie = st.context.cookies.get(COOKIE)
        if isinstance(cookie, str) and cookie and cookie != st.session_state.get(SEEN):
            st.session_state[SEEN] = cookie
            cookie_sid = _verify(cookie)
            if cookie_sid is None:
                audit("sign_in_refused", None, "bad_signature", "cookie not signed with this installation's secret")
            elif _resume(cookie_sid, directory.users, store, "cookie"):
                return _signed_in(store)
            st.session_state["svmt_clear_cookie"] = True
        if st.session_state.pop("svmt_clear_cookie", False):
            _cookie_script(None)
        return _form(directory, store) and _signed_in(store)
    except (UsersError, SecretError, OSError, sqlite3.Error) as exc:  # say what is wrong, never a traceback
        st.title(t("app_title"))
        st.error(f"{t('sign_in_failed')}: {plain(exc)}")
        return False


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
