"""Counts in words: "1 order", "2 orders", never "1 orders" or "order(s)"."""

from __future__ import annotations

__all__ = ["plural"]

_IRREGULAR = {"person": "people", "this": "these", "is": "are", "was": "were"}


def plural(n: int | float | None, singular: str, many: str | None = None) -> str:
    """`n` with thousands separators and the noun in the right number. The last word of
    `singular` is what changes ("selected customer" -> "selected customers")."""
    count = int(n or 0)
    if count == 1:
        return f"1 {singular}"
    if many is None:
        head, _, last = singular.rpartition(" ")
        word = _IRREGULAR.get(last) or (
            last[:-1] + "ies"
            if last.endswith("y") and last[-2:-1] not in "aeiou"
            else last + ("es" if last.endswith(("s", "x", "ch", "sh")) else "s")
        )
        many = f"{head} {word}" if head else word
    return f"{count:,} {many}"
