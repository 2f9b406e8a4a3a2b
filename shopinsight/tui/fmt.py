"""Numbers as a shop owner reads them: money with its currency, compact counts, percents."""

from __future__ import annotations

from typing import Any

from textual.markup import escape as _markup_escape

from shopinsight.core.text import visible

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CNY": "¥", "JPY": "¥", "BRL": "R$"}


def money(amount: float | None, currency: str | None = None, compact: bool = False) -> str:
    """'€1,234.50', or '€1.2k' when compact; unknown currencies get their code after the number."""
    if amount is None:
        return "–"
    number = compact_number(amount) if compact else f"{amount:,.2f}"
    if not currency:
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


def escape(text: object) -> str:
    """Text from an export inside Textual markup: brackets escaped, and control characters and
    escape sequences shown visibly (`\\x1b`) instead of reaching the terminal."""
    return _markup_escape(visible(text, keep_newlines=True))
