"""Dashboard router: page config, language switch, the shared filter bar, navigation. Pages live in app/pages/."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run app/main.py` from the repo root

from app import ui  # noqa: E402
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
    st.Page(PAGES / "dia_ban.py", title=t("districts_page"), icon="🗺️", url_path="dia-ban"),
    st.Page(PAGES / "nguon_luc.py", title=t("resources_page"), icon="🎁", url_path="nguon-luc"),
    st.Page(PAGES / "phu_song.py", title=t("coverage_page"), icon="📶", url_path="phu-song"),
    st.Page(PAGES / "chat_luong_du_lieu.py", title=t("quality_page"), icon="🧹", url_path="chat-luong-du-lieu"),
    st.Page(PAGES / "bao_cao_thang.py", title=t("briefing_page"), icon="📰", url_path="bao-cao-thang"),
    st.Page(PAGES / "kham_pha.py", title=t("explore_page"), icon="🔎", url_path="kham-pha"),
])
ui.filter_bar()
navigation.run()
