"""Numbers in words for people: counts ("1 order", "2 orders", never "1 orders" or
"order(s)") and amounts in a few characters ("1.2M", "558k")."""

from __future__ import annotations

__all__ = ["compact", "plural"]

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


def compact(value: float) -> str:
    """An amount in at most 5 characters (1.2M, 558k, 950): for heatmap cells."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:.1f}M"
    if size >= 1e4:
        return f"{value / 1e3:.0f}k"
    if size >= 1e3:
        return f"{value / 1e3:.1f}k"
    return f"{value:.0f}"
