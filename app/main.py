"""Dashboard router: page config, language switch, the shared filter bar, navigation. Pages live in app/pages/."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run app/main.py` from the repo root

from warehouse.private import restrict_umask  # noqa: E402

restrict_umask()  # issue 21: uploads, job files, packs and logs written by the dashboard are its user's only

from app import auth, ui  # noqa: E402
from app.i18n import LANGS, LANGUAGE_NAMES, lang, t  # noqa: E402
from app.registry import PAGE_SPECS  # noqa: E402

st.set_page_config(page_title=t("app_title"), page_icon=":material/signal_cellular_alt:", layout="wide")

PAGES = Path(__file__).resolve().parent / "pages"


def pages(only_allowed: bool) -> list:
    return [st.Page(PAGES / file, title=t(title), icon=f":material/{icon}:", url_path=address, default=not address)
            for file, title, icon, address in PAGE_SPECS
            if not only_allowed or auth.allowed(title)]  # pages refuse other roles themselves too (auth.require)


# Every address first, unlisted and not run: the page asked for in the URL (/tai-len, typed or reloaded) is
# settled before the sign-in's cookie component makes the browser rerun the script, which would otherwise
# rerun it as the default page. The real menu, for the signed-in role only, follows the sign-in.
st.navigation(pages(only_allowed=False), position="hidden")

choice = st.sidebar.radio(t("language"), LANGS, index=LANGS.index(lang()), format_func=LANGUAGE_NAMES.get,
                          horizontal=True, key="language_switch")
if choice != lang():
    st.query_params["lang"] = choice
    st.rerun()

if not auth.sign_in():
    st.stop()

navigation = st.navigation(pages(only_allowed=True))
ui.filter_bar()
navigation.run()
