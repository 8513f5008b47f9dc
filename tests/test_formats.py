"""Issue 22 point 1: number and date formatting lives in warehouse/formats.py only; the dashboard's app/i18n.py
passes the reader's language to it (values written by hand, Vietnamese first)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from warehouse import formats


@pytest.mark.parametrize(("lang", "expected"), [
    ("vi", ("1.234.567", "12,5", "1.234.567 ₫", "21,4 tỷ ₫", "6 triệu ₫", "999.999 ₫", "72,6 %", "31/10/2022",
            "14:05 15/01/2023", "10/2022")),
    ("en", ("1,234,567", "12.5", "1,234,567 ₫", "21.4 billion ₫", "6 million ₫", "999,999 ₫", "72.6%", "31/10/2022",
            "14:05 15/01/2023", "10/2022")),
])
def test_one_implementation_in_both_languages(lang: str, expected: tuple[str, ...]) -> None:
    got = (formats.number(1234567, lang), formats.number(12.5, lang), formats.money(1234567, lang),
           formats.money_short(21_400_000_000, lang), formats.money_short(6_000_000, lang),
           formats.money_short(999_999, lang), formats.percent(0.7261, lang), formats.day(date(2022, 10, 31), lang),
           formats.clock(datetime(2023, 1, 15, 14, 5), lang), formats.month(date(2022, 10, 1), lang))
    assert got == expected


def test_missing_figures_show_a_dash() -> None:
    assert [formats.number(None), formats.money(None), formats.money(float("nan")), formats.money_short(None),
            formats.percent(None), formats.day(None), formats.clock(None), formats.month(None)] == ["–"] * 8


def test_the_warehouse_default_is_vietnamese() -> None:
    assert (formats.number(2500000), formats.percent(0.444)) == ("2.500.000", "44,4 %")


def test_the_dashboard_formats_through_the_same_module(monkeypatch: pytest.MonkeyPatch) -> None:
    from app import i18n

    for lang, expected in (("vi", ("1.234.567", "21,4 tỷ ₫", "44,4 %", "31/10/2022")),
                           ("en", ("1,234,567", "21.4 billion ₫", "44.4%", "31/10/2022"))):
        monkeypatch.setattr(i18n, "lang", lambda lang=lang: lang)
        assert (i18n.number(1234567), i18n.money_short(21_400_000_000), i18n.percent(0.444),
                i18n.day(date(2022, 10, 31))) == expected
    calls = []
    monkeypatch.setattr(formats, "number", lambda value, lang="vi": calls.append((value, lang)) or "x")
    assert i18n.number(5) == "x" and calls == [(5, "en")]


@pytest.mark.parametrize(("lang", "expected"), [("vi", ["0", "7", "1.234", "-1.234.567", "1.234.567.890", "–", "–"]),
                                                ("en", ["0", "7", "1,234", "-1,234,567", "1,234,567,890", "–", "–"])])
def test_table_cells_are_written_like_the_figures(lang: str, expected: list[str]) -> None:
    """`whole` (a table's cells, fast) writes what `number` (Babel) writes, in both languages; missing shows `–`."""
    values = [0, 7, 1234, -1234567, 1234567890.0, None, float("nan")]
    assert [formats.whole(v, lang) for v in values] == expected
    assert [formats.number(v, lang) for v in values[:4]] == expected[:4]
