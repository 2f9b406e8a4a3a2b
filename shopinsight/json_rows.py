"""A whole frame as `--json` text, built by Polars in one vectorised pass.

The text is exactly what `json.dumps(frame.to_dicts(), indent=2, ensure_ascii=False)` followed
by `core.text.json_visible` writes (same layout, same escapes, same number formatting), so a
command's JSON does not change with its size. Why: with `indent`, Python's json module uses its
pure-Python encoder, about 15 µs per value: `customers --json` on a 1M-line shop (170,000
customers) spent ~25 s there; this takes well under a second. Frames holding a type this does
not write byte-for-byte like Python (datetimes, structs, NaN, huge or tiny floats) return None
and the caller falls back to the json module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import polars as pl

from shopinsight.core.text import _JSON_TABLE

__all__ = ["frame_json", "frame_json_parts"]

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

_INTS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)


def _string(expr: pl.Expr) -> pl.Expr:
    """A JSON string literal (json.dumps with ensure_ascii=False, then json_visible)."""
    return '"' + expr.str.replace_many(list(_ESCAPES), list(_ESCAPES.values())) + '"'


def _floats_like_python(series: pl.Series) -> bool:
    """Whether Polars writes every value of this float column as `repr()` does: finite values
    written positionally (Python switches to exponents below 1e-4 and from 1e16)."""
    values = series.drop_nulls().abs()
    if values.len() == 0:
        return True
    ok = (values == 0) | ((values >= 1e-4) & (values < 1e16))
    return bool(ok.all())


def _scalar(expr: pl.Expr, dtype: pl.DataType, series: pl.Series | None) -> pl.Expr | None:
    """The JSON text of one value of this type, or None when not written like Python."""
    if dtype == pl.String:
        text = _string(expr)
    elif dtype in _INTS:
        text = expr.cast(pl.String)
    elif dtype == pl.Boolean:
        text = pl.when(expr).then(pl.lit("true")).otherwise(pl.lit("false"))
    elif dtype in (pl.Float32, pl.Float64):
        if series is None or dtype == pl.Float32 or not _floats_like_python(series):
            return None
        text = expr.cast(pl.String)
    elif dtype == pl.Date:
        if series is not None and series.drop_nulls().len():
            years = series.drop_nulls().dt.year()
            if years.min() < 1000 or years.max() > 9999:  # type: ignore[operator]
                return None
        text = '"' + expr.cast(pl.String) + '"'
    else:
        return None
    return pl.when(expr.is_null()).then(pl.lit("null")).otherwise(text)


def _value(frame: pl.DataFrame, name: str) -> pl.Expr | None:
    """The JSON text of a column's values at the depth of an object's field (4 spaces)."""
    dtype = frame.schema[name]
    col = pl.col(name)
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        flat = frame.get_column(name).explode() if inner in (pl.Float64, pl.Date) else None
        item = _scalar(pl.element(), inner, flat)
        if item is None:
            return None
        body = col.list.eval(item).list.join(",\n      ")
        text = pl.when(col.list.len() == 0).then(pl.lit("[]"))
        text = text.otherwise("[\n      " + body + "\n    ]")
        return pl.when(col.is_null()).then(pl.lit("null")).otherwise(text)
    return _scalar(col, dtype, frame.get_column(name))


def frame_json_parts(frame: pl.DataFrame, rows: int = 20_000) -> Iterator[str] | None:
    """The frame's rows as indented JSON text in parts of `rows` rows (so a big output is
    written as it is made, never held whole), or None if a column needs json.dumps."""
    if frame.height == 0:
        return iter(["[]"])
    if frame.width == 0:
        return None
    fields = []
    for name in frame.columns:
        value = _value(frame, name)
        if value is None:
            return None
        key = json.dumps(name, ensure_ascii=False).translate(_JSON_TABLE)
        fields.append(pl.lit(f"    {key}: ") + value)
    row = "  {\n" + pl.concat_str(fields, separator=",\n") + "\n  }"

    def parts() -> Iterator[str]:
        yield "[\n"
        for start in range(0, frame.height, rows):
            text = frame.slice(start, rows).select(row.str.join(",\n")).item()
            yield text if start == 0 else ",\n" + text
        yield "\n]"

    return parts()


def frame_json(frame: pl.DataFrame) -> str | None:
    """The frame's rows as indented JSON text, or None if a column's type needs json.dumps."""
    parts = frame_json_parts(frame)
    return None if parts is None else "".join(parts)
