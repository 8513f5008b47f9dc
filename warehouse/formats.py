"""Numbers, money, percentages and dates written the Vietnamese way for everything the warehouse prints:
the CLI, held-refresh messages and the press pack (Babel vi_VN; the dashboard's app/i18n.py follows the same
conventions and switches language)."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

LOCALE = "vi_VN"


def number(value: float | int | None) -> str:
    """`1.234.567`."""
    return "–" if value is None else format_decimal(value, locale=LOCALE, decimal_quantization=False)


def money(vnd: int | float | None) -> str:
    """`1.234.567 ₫`."""
    return "–" if vnd is None else f"{format_decimal(int(vnd), locale=LOCALE)} ₫"


def percent(ratio: float | None) -> str:
    """`44,4 %`."""
    return "–" if ratio is None else format_percent(ratio, format="#,##0.0 %", locale=LOCALE)


def day(value: date | None) -> str:
    """`31/10/2022`."""
    return "–" if value is None else format_date(value, "dd/MM/yyyy", locale=LOCALE)


def clock(value: datetime | None) -> str:
    return "–" if value is None else format_datetime(value, "HH:mm dd/MM/yyyy", locale=LOCALE)


def decimal(value: float | None, digits: int = 1) -> str:
    """`12,5` (a fixed number of decimals: timings)."""
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return "–" if value is None else format_decimal(value, format=pattern, locale=LOCALE)
