"""A whole frame as `--json` text, built by Polars in one vectorised pass.

The text is exactly what `json.dumps(frame.to_dicts(), indent=2, ensure_ascii=False)` followed
by `core.text.json_visible` writes (same layout, same escapes, same number formatting), so a
command's JSON does not change with its size. Why: with `indent`, Python's json module uses its
pure-Python encoder, about 15 µs per value: `customers --json` on a 1M-line shop (170,000
customers) spent ~25 s there. Here each row is one flat `concat_str` of literal text and the
values (nested `+` copied every row's text once per operator), handed out as UTF-8 bytes (no
Python string of 100 MB to decode and encode again). Frames holding a type this does not write
byte-for-byte like Python (datetimes, structs, NaN, huge or tiny floats) return None and the
caller falls back to the json module.

Escaping was the costly part (Polars' `replace_many` scans ~0.5 GB/s: a third of the CPU time
of `customers --json` at 1M lines) and almost never changes anything: a text column is escaped
only if its text holds a character to escape, which Python finds in one copy of the column's
bytes at several GB/s (`_plain`).
"""

from __future__ import annotations

import errno
import json
import re
from collections.abc import Iterator
from typing import BinaryIO

import polars as pl

from shopinsight.core.text import _JSON_TABLE

__all__ = ["frame_json", "frame_json_bytes", "frame_json_parts", "write_frame_json"]

_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
for _c in range(0x20):
    _ESCAPES.setdefault(chr(_c), f"\\u{_c:04x}")
for _c, _shown in _JSON_TABLE.items():  # what a terminal would obey: DEL, C1, bidi, separators
    _ESCAPES[chr(_c)] = _shown
_FROM, _TO = list(_ESCAPES), list(_ESCAPES.values())

# _plain's test. The UTF-8 bytes kept by `bytes.translate` (at GB/s): the ASCII characters to
# escape, and the first bytes of the others (C1, bidi, separators: 2 or 3 bytes) with every
# continuation byte, so what is left of such a character is still the whole character, next to
# nothing else; in the bytes left (usually none), each of those is looked for by its bytes but
# the last (a literal search), then in full.
_UTF8 = [char.encode() for char in _ESCAPES]
_KEEP = {b[0] for b in _UTF8} | set(range(0x80, 0xC0))
_DELETE = bytes(c for c in range(0x100) if c not in _KEEP)
_NOT_ASCII = bytes(range(0x80, 0x100))
_WIDE: dict[bytes, list[bytes]] = {}
for _b in _UTF8:
    if len(_b) > 1:
        _WIDE.setdefault(_b[:-1], []).append(_b[-1:])
_WIDE_FOUND = {
    head: re.compile(re.escape(head) + b"[" + b"".join(map(re.escape, last)) + b"]")
    for head, last in _WIDE.items()
}

_INTS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
_ITEM = ",\n      "  # between the items of a list value (a field is at depth 4, its items at 6)

Piece = str | pl.Expr
"""Part of a row's text: literal text, or an expression giving each row's text."""


def _escaped(expr: pl.Expr) -> pl.Expr:
    """A string's JSON escapes (json.dumps with ensure_ascii=False, then json_visible)."""
    return expr.str.replace_many(_FROM, _TO)


def _plain(text: bytes) -> bool:
    """Whether these UTF-8 bytes (a text column's values end to end: a character never
    straddles two values) hold no character `_escaped` would change."""
    left = text.translate(None, _DELETE)
    if not left:
        return True
    if left.translate(None, _NOT_ASCII):  # an ASCII character to escape
        return False
    return not any(head in left and found.search(left) for head, found in _WIDE_FOUND.items())


def _plain_columns(frame: pl.DataFrame, names: list[str]) -> frozenset[str]:
    """The text columns among `names` (String or list of String) with nothing to escape."""
    plain = []
    for name in names:
        values = frame.get_column(name)
        if isinstance(values.dtype, pl.List):
            values = values.explode(empty_as_null=False)
        if _plain(values.str.join("").cast(pl.Binary).item()):  # one select of all: slower
            plain.append(name)
    return frozenset(plain)


def _floats_like_python(series: pl.Series) -> bool:
    """Whether Polars writes every value of this float column as `repr()` does: finite values
    written positionally (Python switches to exponents below 1e-4 and from 1e16)."""
    values = series.drop_nulls().abs()
    if values.len() == 0:
        return True
    ok = (values == 0) | ((values >= 1e-4) & (values < 1e16))
    return bool(ok.all())


def _scalar(
    expr: pl.Expr, dtype: pl.DataType, series: pl.Series, escape: bool
) -> list[Piece] | None:
    """The JSON text of one value of this type as pieces, or None when not written like
    Python. A column without nulls skips the null test (a pass over every row)."""
    if dtype == pl.String:
        pieces: list[Piece] = ['"', _escaped(expr) if escape else expr, '"']
    elif dtype in _INTS:
        pieces = [expr.cast(pl.String)]
    elif dtype == pl.Boolean:
        pieces = [pl.when(expr).then(pl.lit("true")).otherwise(pl.lit("false"))]
    elif dtype in (pl.Float32, pl.Float64):
        if dtype == pl.Float32 or not _floats_like_python(series):
            return None
        pieces = [expr.cast(pl.String)]
    elif dtype == pl.Date:
        if series.drop_nulls().len():
            years = series.drop_nulls().dt.year()
            if years.min() < 1000 or years.max() > 9999:  # type: ignore[operator]
                return None
        pieces = ['"', expr.cast(pl.String), '"']
    else:
        return None
    if series.null_count() == 0:
        return pieces
    return [pl.when(expr.is_null()).then(pl.lit("null")).otherwise(_concat(pieces))]


def _concat(pieces: list[Piece]) -> pl.Expr:
    """One expression of the pieces, adjacent literals merged."""
    merged: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    if len(merged) == 1:
        only = merged[0]
        return pl.lit(only) if isinstance(only, str) else only
    return pl.concat_str([pl.lit(p) if isinstance(p, str) else p for p in merged])


def _value(frame: pl.DataFrame, name: str, escape: bool) -> list[Piece] | None:
    """The JSON text of a column's values at the depth of an object's field (4 spaces); its
    text escaped if `escape`."""
    dtype = frame.schema[name]
    col = pl.col(name)
    series = frame.get_column(name)
    if not isinstance(dtype, pl.List):
        return _scalar(col, dtype, series, escape)
    flat = series.explode(empty_as_null=False)
    if dtype.inner == pl.String and flat.null_count() == 0:  # quotes around the join
        items = col.list.eval(_escaped(pl.element())) if escape else col
        body = pl.concat_str([pl.lit('"'), items.list.join(f'"{_ITEM}"'), pl.lit('"')])
    else:
        item = _scalar(pl.element(), dtype.inner, flat, escape)
        if item is None:
            return None
        body = col.list.eval(_concat(item)).list.join(_ITEM)
    text = pl.when(col.list.len() == 0).then(pl.lit("[]"))
    text = text.otherwise(pl.concat_str([pl.lit("[\n      "), body, pl.lit("\n    ]")]))
    if series.null_count() == 0:
        return [text]
    return [pl.when(col.is_null()).then(pl.lit("null")).otherwise(text)]


_Field = tuple[str, str, list[Piece], list[Piece] | None]
"""A column's name, its key's text, its value's text escaped and as it is (text columns)."""


class _Rows:
    """Each row's object as text (indent 2, inside the list), for a frame Polars can write
    (else `of` gives None; see the module). Text columns are escaped only in the parts of the
    rows that need it: each field is made both ways once, and a part's text is put together
    from the ways its values need."""

    def __init__(self, frame: pl.DataFrame, fields: list[_Field]):
        self.frame = frame
        self.fields = fields
        self.text_columns = [name for name, _, _, as_is in fields if as_is is not None]
        self.made: dict[frozenset[str], pl.Expr] = {}

    @classmethod
    def of(cls, frame: pl.DataFrame) -> _Rows | None:
        fields: list[_Field] = []
        for name in frame.columns:
            escaped = _value(frame, name, escape=True)
            if escaped is None:
                return None
            dtype = frame.schema[name]
            as_is = None
            if dtype == pl.String or (isinstance(dtype, pl.List) and dtype.inner == pl.String):
                as_is = _value(frame, name, escape=False)
            key = json.dumps(name, ensure_ascii=False).translate(_JSON_TABLE)
            fields.append((name, f"    {key}: ", escaped, as_is))
        return cls(frame, fields) if fields else None

    def text(self, part: pl.DataFrame) -> pl.Expr:
        """Each row's text for these rows of the frame."""
        plain = _plain_columns(part, self.text_columns)
        if plain not in self.made:
            pieces: list[Piece] = ["  {\n"]
            for i, (name, key, escaped, as_is) in enumerate(self.fields):
                value = as_is if as_is is not None and name in plain else escaped
                pieces += [",\n" if i else "", key, *value]  # one flat concat_str per row
            self.made[plain] = _concat([*pieces, "\n  }"])
        return self.made[plain]

    def parts(self, rows: int) -> Iterator[tuple[int, pl.DataFrame, pl.Expr]]:
        """The frame in parts of `rows` rows: where each starts, its rows and their text."""
        for start in range(0, self.frame.height, rows):
            part = self.frame.slice(start, rows)
            yield start, part, self.text(part)


def frame_json_bytes(frame: pl.DataFrame, rows: int = 20_000) -> Iterator[bytes] | None:
    """The frame's rows as indented JSON in UTF-8, in parts of `rows` rows (a big output is
    written as it is made, never held whole), or None if a column needs json.dumps."""
    if frame.height == 0:
        return iter([b"[]"])
    made = _Rows.of(frame)
    if made is None:
        return None

    def parts() -> Iterator[bytes]:
        yield b"[\n"
        for start, part, text in made.parts(rows):
            if start:
                yield b",\n"
            yield part.select(text.str.join(",\n").cast(pl.Binary)).item()
        yield b"\n]"

    return parts()


def write_frame_json(frame: pl.DataFrame, out: BinaryIO, rows: int = 20_000) -> bool:
    """`frame_json_bytes`' text written to `out` by Polars' CSV writer, or False (nothing
    written) if a column needs json.dumps. Each row's text is the one field of a line, never
    quoted, and the lines end with a comma (the last with the closing bracket): no part's
    text is joined into one string and copied into Python (a quarter of the CPU time of
    `customers --json` at 1M lines)."""
    if frame.height == 0:
        out.write(b"[]")
        return True
    made = _Rows.of(frame)
    if made is None:
        return False
    out.write(b"[\n")
    try:
        out.flush()  # before Polars writes
        for start, part, text in made.parts(rows):
            if start + rows < frame.height:
                _lines(part, text, out, ",\n")
            else:  # the last row ends the list
                _lines(part.head(part.height - 1), text, out, ",\n")
                _lines(part.tail(1), text, out, "\n]")
    except OSError as error:  # Polars says a closed pipe in a plain OSError's message
        said = (f"[Errno {errno.EPIPE}]", f"(os error {errno.EPIPE})")  # a Python or a Rust write
        closed = error.errno == errno.EPIPE or any(words in str(error) for words in said)
        if closed and not isinstance(error, BrokenPipeError):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe") from None
        raise
    return True


def _lines(rows: pl.DataFrame, text: pl.Expr, out: BinaryIO, end: str) -> None:
    if rows.height:
        rows.select(text).write_csv(
            out, include_header=False, quote_style="never", line_terminator=end
        )


def frame_json_parts(frame: pl.DataFrame, rows: int = 20_000) -> Iterator[str] | None:
    """`frame_json_bytes` as text."""
    parts = frame_json_bytes(frame, rows)
    return None if parts is None else (part.decode() for part in parts)


def frame_json(frame: pl.DataFrame) -> str | None:
    """The frame's rows as indented JSON text, or None if a column's type needs json.dumps."""
    parts = frame_json_parts(frame)
    return None if parts is None else "".join(parts)
