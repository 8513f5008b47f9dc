"""Every page for every role in both languages, in a real browser, on the demo province (issue 23 point 8): no
exception, no untranslated identifier, figures written the Vietnamese way. The fixture province's run and the shared
helpers are in tests/test_guide_browser.py; a file of its own so the parallel workers run the two at once.

The Vietnamese screenshots are the user guide's pictures (docs/huong-dan-su-dung.md, `make guide-images`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.test_browser import streamlit_server
from tests.test_guide_browser import EN_STYLE, VI_THOUSANDS, _visit_all

pytestmark = pytest.mark.slow  # a browser, a server and the demo province's refresh


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from warehouse.demo import generate
    from warehouse.refresh import refresh

    root = tmp_path_factory.mktemp("demo")
    generate(root / "source", scale="province", seed=1)
    db = root / "demo.duckdb"
    refresh(root / "source", db, date(2023, 6, 30))
    return db


def test_demo_province_every_page_every_role_with_vietnamese_numbers(chromium, demo_db: Path) -> None:
    with streamlit_server({"SVMT_DB": str(demo_db)}) as url:
        seen = _visit_all(chromium, url, shots="demo")
    for (role, lang, address), body in seen.items():
        if lang == "vi":
            assert not EN_STYLE.findall(body), (role, address, EN_STYLE.findall(body)[:5])
    overview = seen[("lanh_dao", "vi", "/")]
    assert VI_THOUSANDS.search(overview), "thousands written 1.234 on the demo province's overview"
