"""One sanitiser for untrusted text shown on a terminal.

Buyer names, emails, product titles and notes come from marketplace exports that anyone can
write into. A terminal interprets some characters as commands: ESC starts a sequence that can
clear the screen, set the window title (OSC) or draw a fake hyperlink; C1 controls such as
U+009B (CSI) do the same on many terminals; BEL rings; bidi overrides reverse what the reader
sees. `visible` turns every such character into a visible escape (`\\x1b`, `\\u202e`), so the
text is shown, never interpreted; printable text, including every script and emoji, is kept.
`visible_expr` is the same mapping as a vectorised Polars expression for whole columns.
"""

from __future__ import annotations

import re

import polars as pl

__all__ = ["UNSAFE", "json_visible", "visible", "visible_expr"]

_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
# C0 controls, DEL, C1 controls, bidi controls, and line/paragraph separators
_CODES = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI, 0x2028, 0x2029]


def _shown(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


UNSAFE: frozenset[str] = frozenset(chr(c) for c in _CODES)
_TABLE = {c: _shown(c) for c in _CODES}
_TABLE_KEEP_LINES = {c: s for c, s in _TABLE.items() if c not in (0x0A, 0x09)}


def visible(text: object, *, keep_newlines: bool = False) -> str:
    """`text` with every control character, escape and bidi override shown as `\\xNN`/`\\uNNNN`.

    With `keep_newlines`, line feeds and tabs stay (for multi-line messages we wrote ourselves
    around untrusted values); a carriage return is always shown, since it can overwrite a line.
    """
    s = text if isinstance(text, str) else str(text)
    return s.translate(_TABLE_KEEP_LINES if keep_newlines else _TABLE)


def visible_expr(expr: pl.Expr) -> pl.Expr:
    """`visible` for a text column, in one vectorised pass (no Python per row)."""
    return expr.str.replace_many(list(map(chr, _CODES)), [_TABLE[c] for c in _CODES])


_JSON_TABLE = {c: f"\\u{c:04x}" for c in _CODES if c >= 0x7F}
_JSON_UNSAFE = re.compile("[" + "".join(map(chr, _JSON_TABLE)) + "]")


def json_visible(json_text: str) -> str:
    """JSON text with the controls `json.dumps(ensure_ascii=False)` leaves raw (DEL, C1, bidi,
    line separators) written as `\\uXXXX` escapes: the same data, nothing a terminal obeys.
    Only valid on JSON text, where such characters can only stand inside strings. (A regex
    finds them: `str.translate` alone spent seconds on a big `--json` with nothing to change.)"""
    if _JSON_UNSAFE.search(json_text) is None:
        return json_text
    return json_text.translate(_JSON_TABLE)
