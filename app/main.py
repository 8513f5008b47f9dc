"""Dashboard router: page config, language switch, the shared filter bar, navigation. Pages live in app/pages/."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run app/main.py` from the repo root

from app import auth, ui  # noqa: E402
from app.i18n import LANGS, lang, t  # noqa: E402

st.set_page_config(page_title=t("app_title"), page_icon=":material/signal_cellular_alt:", layout="wide")

NAMES = {"vi": "Tiếng Việt", "en": "English"}
choice = st.sidebar.radio(t("language"), LANGS, index=LANGS.index(lang()), format_func=NAMES.get,
                          horizontal=True, key="language_switch")
if choice != lang():
    st.query_params["lang"] = choice
    st.rerun()

if not auth.sign_in():
    st.stop()

PAGES = Path(__file__).resolve().parent / "pages"
# (file, title label, Material icon, address of SPEC §3)
PAGE_SPECS = [
    ("overview.py", "overview", "dashboard", ""),
    ("dia_ban.py", "districts_page", "map", "dia-ban"),
    ("nguon_luc.py", "resources_page", "volunteer_activism", "nguon-luc"),
    ("phu_song.py", "coverage_page", "signal_cellular_alt", "phu-song"),
    ("chat_luong_du_lieu.py", "quality_page", "fact_check", "chat-luong-du-lieu"),
    ("bao_cao_thang.py", "briefing_page", "newspaper", "bao-cao-thang"),
    ("kham_pha.py", "explore_page", "query_stats", "kham-pha"),
    ("phan_bo.py", "allocation_page", "inventory_2", "phan-bo"),
]
navigation = st.navigation([
    st.Page(PAGES / file, title=t(title), icon=f":material/{icon}:", url_path=address, default=not address)
    for file, title, icon, address in PAGE_SPECS
    if auth.allowed(title)  # pages refuse other roles themselves too (ui.header → auth.require)
])
ui.filter_bar()
navigation.run()
