"""Numbers as a shop owner reads them: money with its currency, compact counts, percents."""

from __future__ import annotations

import re
from typing import Any

from textual.markup import escape as _markup_escape

from shopinsight.core.shop_facts import NO_CURRENCY
from shopinsight.core.text import visible

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


APP_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern), words)
    for pattern, words in [
        # the day's note (core.shop.Shop.day_note) and the other currencies' orders left out
        (r" — use --currency or --as-of\.", " — pick their currency in Settings (,)."),
        (r" — use --currency ([A-Z]{3})\.", r" — pick \1 in Settings (,) to see them."),
        # orders left out by exclusions: Customers' X lists the customers and brings one back
        (r"; see `shopinsight exclude --list`\.", "; X on Customers brings one back."),
        # an export with the consent box ticked: the box is on screen
        (r" \(--include-unsubscribed\)", ""),
        # an importer's messages: the import screen has a column mapping and a store name
        (r" ?\(`shopinsight where` shows it\)", ""),
        (r"Set `currency` under \[shop\] in shopinsight\.toml", "Set the currency in Settings (,)"),
        (r",? e\.g\. `--map[^`]*`", ""),
        (r",? e\.g\. --map \S+", ""),
        (r"`(?:shopinsight )?import FILE --store NAME`", "a store name for the file"),
        (r"\(--map (\w+)=…\)", r"(mapped to \1)"),
        (r"--format generic with --map", "the Generic format with the column mapping below"),
        (r"with --map", "in the column mapping below"),
        (r"--format generic", "the Generic format"),
        (r"the same --store as before", "the same store name as before"),
        (r"--store \w+", "a store name"),
        (r"--store", "a store name"),
        (r"--map", "the column mapping below"),
    ]
]
"""The command line's words in a note from the core (pattern, the app's words), in order."""


def in_app(text: str) -> str:
    """A note or message from the core in the app's words: the command line's options it
    names ('use --currency or --as-of', `--map`, `--store`…) become where the app does it
    (Settings, the import screen's column mapping), or go where the screen shows the choice
    already; the spaces a removal leaves go with it."""
    for pattern, words in APP_WORDS:
        text = pattern.sub(words, text)
    return re.sub(r"  +", " ", text).replace(" .", ".").strip()
