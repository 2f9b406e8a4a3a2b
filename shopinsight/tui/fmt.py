"""Numbers as a shop owner reads them: money with its currency, compact counts, percents."""

from __future__ import annotations

import re
from typing import Any

from textual.markup import escape as _markup_escape

from shopinsight.core.text import visible
from shopinsight.tui.shop_facts import NO_CURRENCY

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CNY": "¥", "JPY": "¥", "BRL": "R$"}


def money(amount: float | None, currency: str | None = None, compact: bool = False) -> str:
    """'€1,234.50', or '€1.2k' when compact; other currencies get their code after the number,
    and amounts of no named currency ('unknown', as `status` files them) none."""
    if amount is None:
        return "–"
    number = compact_number(amount) if compact else f"{amount:,.2f}"
    if not currency or currency == NO_CURRENCY:
        return number
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{number} {currency}"


def compact_number(value: float) -> str:
    """1234 -> '1,234'; 123456 -> '123k'; 1234567 -> '1.23M'."""
    size = abs(value)
    if size >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    if size >= 100_000:
        return f"{value / 1000:.0f}k"
    if size >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def count(value: Any) -> str:
    return "–" if value is None else f"{int(value):,}"


def pct(share: float | None, digits: int = 0) -> str:
    return "–" if share is None else f"{share * 100:.{digits}f}%"


def main_currency(amounts: dict[str, float]) -> str | None:
    """The currency with the most revenue (the analyses' main currency)."""
    return max(amounts, key=lambda c: amounts[c]) if amounts else None


_UNNAMED = re.compile(r"(\d) (?:unknown\b|(?=;))")


def unnamed(text: object) -> str:
    """A reason from the core with its amounts of no named currency ('56.50 unknown', as
    `status` files them, or '40.00 ;' with an empty code) shown as `money` shows them: the
    number alone."""
    return _UNNAMED.sub(r"\1", str(text))


def escape(text: object) -> str:
    """Text from an export inside Textual markup: brackets escaped, and control characters and
    escape sequences shown visibly (`\\x1b`) instead of reaching the terminal."""
    return _markup_escape(visible(text, keep_newlines=True))


_CLI_WORDS = [
    # the day's note (core.shop.Shop.day_note) and the other currencies' orders left out
    (re.compile(r" — use --currency or --as-of\."), " — pick their currency in Settings (,)."),
    (re.compile(r" — use --currency ([A-Z]{3})\."), r" — pick \1 in Settings (,) to see them."),
    # orders left out by exclusions: Customers' X lists the customers and brings one back
    (re.compile(r"; see `shopinsight exclude --list`\."), "; X on Customers brings one back."),
    # an export with the consent box ticked: the box is on screen
    (re.compile(r" \(--include-unsubscribed\)"), ""),
]


def in_app(text: str) -> str:
    """A note from the core in the app's words: the command line's options it names
    ('use --currency or --as-of') become where the app does it (Settings), or go where the
    screen shows the choice already."""
    for pattern, words in _CLI_WORDS:
        text = pattern.sub(words, text)
    return text
