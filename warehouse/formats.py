"""Numbers, money, percentages and dates, written once for everything that shows a figure: the CLI, held-refresh
messages, the press pack and the dashboard (app/i18n.py passes the reader's language).

Leaders read `1.234.567`, `72,6 %`, `21,4 tỷ ₫` and `dd/mm/yyyy`; English gives `1,234,567`, `72.6%`,
`21.4 billion ₫`. Everything goes through Babel's locale data, never string replaces. Vietnamese is the
default, so the warehouse's own output (always Vietnamese) passes no language.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent, get_group_symbol

LOCALES = {"vi": "vi_VN", "en": "en_US"}
LOCALE = LOCALES["vi"]
NONE = "–"  # what a missing figure shows
PERCENT = {"vi": "#,##0.0 %", "en": "#,##0.0%"}
SHORT_UNITS = ((1e9, {"vi": "tỷ", "en": "billion"}), (1e6, {"vi": "triệu", "en": "million"}))
GROUP = {lang: get_group_symbol(locale) for lang, locale in LOCALES.items()}  # `.` in Vietnamese, `,` in English


def number(value: float | int | None, lang: str = "vi") -> str:
    """`1.234.567` (en `1,234,567`); decimals are kept as they are."""
    return NONE if value is None else format_decimal(value, locale=LOCALES[lang], decimal_quantization=False)


def whole(value: int | float | None, lang: str = "vi") -> str:
    """`1.234.567` for a whole number, written fast: a table formats every cell, and Babel's formatting (`number`)
    costs some 40 µs a cell; the grouping symbol is still the locale's own (Babel's), so both write the same."""
    return NONE if value is None or value != value else f"{int(value):,}".replace(",", GROUP[lang])


def money(vnd: int | float | None, lang: str = "vi") -> str:
    """`1.234.567 ₫` (whole đồng; a missing amount, None or a table's NaN, shows `–`)."""
    return NONE if vnd is None or vnd != vnd else f"{format_decimal(int(vnd), locale=LOCALES[lang])} ₫"


def money_short(vnd: int | float | None, lang: str = "vi") -> str:
    """`21,4 tỷ ₫`, `6 triệu ₫` (en `21.4 billion ₫`); below a million, the whole amount."""
    if vnd is None or vnd != vnd:
        return NONE
    for size, unit in SHORT_UNITS:
        if abs(vnd) >= size:
            figure = format_decimal(round(vnd / size, 1), format="#,##0.#", locale=LOCALES[lang])
            return f"{figure} {unit[lang]} ₫"
    return money(vnd, lang)


def percent(ratio: float | None, lang: str = "vi") -> str:
    """`44,4 %` (en `44.4%`)."""
    return NONE if ratio is None else format_percent(ratio, format=PERCENT[lang], locale=LOCALES[lang])


def day(value: date | datetime | None, lang: str = "vi") -> str:
    """`31/10/2022`."""
    return NONE if value is None else format_date(value, "dd/MM/yyyy", locale=LOCALES[lang])


def month(value: date | datetime | None, lang: str = "vi") -> str:
    """`10/2022` (a month's label)."""
    return NONE if value is None else format_date(value, "MM/yyyy", locale=LOCALES[lang])


def clock(value: datetime | None, lang: str = "vi") -> str:
    """`14:05 31/10/2022`."""
    return NONE if value is None else format_datetime(value, "HH:mm dd/MM/yyyy", locale=LOCALES[lang])


def points(ratio_change: float, lang: str = "vi") -> str:
    """A change of a percentage in percentage points, without its sign: `22,2 điểm %` (the press pack's
    month-on-month change of the share covered)."""
    unit = {"vi": "điểm %", "en": "points"}[lang]
    return f"{format_decimal(abs(ratio_change) * 100, format='#,##0.0', locale=LOCALES[lang])} {unit}"


def decimal(value: float | None, digits: int = 1, lang: str = "vi") -> str:
    """`12,5` (a fixed number of decimals: timings)."""
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return NONE if value is None else format_decimal(value, format=pattern, locale=LOCALES[lang])
