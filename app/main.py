"""Dashboard router: page config, language switch, navigation. Pages live in app/pages/."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run app/main.py` from the repo root

from app.i18n import LANGS, lang, t  # noqa: E402

st.set_page_config(page_title=t("app_title"), page_icon="📶", layout="wide")

NAMES = {"vi": "Tiếng Việt", "en": "English"}
choice = st.sidebar.radio(t("language"), LANGS, index=LANGS.index(lang()), format_func=NAMES.get,
                          horizontal=True, key="language_switch")
if choice != lang():
    st.query_params["lang"] = choice
    st.rerun()

PAGES = Path(__file__).resolve().parent / "pages"
navigation = st.navigation([
    st.Page(PAGES / "overview.py", title=t("overview"), icon="📊", url_path="", default=True),
])
navigation.run()
