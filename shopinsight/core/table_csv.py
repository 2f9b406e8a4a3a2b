"""A table the merchant sees in the app, written as a CSV they can open in a spreadsheet.

The app's lists (customers, churn alerts, bundles) are saved as they are shown: the columns
named as in the app, lists joined with ", ", money rounded to the cent (other numbers, such as
risks and shares, to four places), times as `YYYY-MM-DD HH:MM` (UTC) and text that a
spreadsheet would run as a formula (=, +, -, @) quoted with an apostrophe, as in the tag exports.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopinsight.core.errors import InputError
from shopinsight.core.exporters import safe_cell
from shopinsight.core.workspace import atomic_write_bytes

MONEY = frozenset(
    {"monetary", "expected_value", "value_at_risk", "combined_price", "bundle_price",
     "net_revenue", "order_total", "spend"}
)  # fmt: skip
"""Columns of the app's tables that hold money: written to the cent."""


def table_csv(frame: pl.DataFrame, columns: dict[str, str]) -> str:
    """CSV text of `frame`'s `columns` (name -> header), in that order; missing ones skipped."""
    exprs = []
    schema = frame.schema
    for name, header in columns.items():
        if name not in schema:
            continue
        dtype = schema[name]
        e = pl.col(name)
        if isinstance(dtype, pl.List):
            e = safe_cell(e.cast(pl.List(pl.Utf8)).list.join(", "))
        elif dtype == pl.Utf8:
            e = safe_cell(e)
        elif dtype.is_float():
            e = e.round(2 if name in MONEY else 4)
        elif isinstance(dtype, pl.Datetime):
            e = (
                e.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M")
                if dtype.time_zone
                else e.dt.strftime("%Y-%m-%d %H:%M")
            )
        exprs.append(e.alias(header))
    return frame.select(exprs).write_csv(line_terminator="\n")


def write_table_csv(frame: pl.DataFrame, columns: dict[str, str], path: Path | str) -> Path:
    """Write `table_csv` to `path` (its folder created; the file replaced atomically, readable
    by its owner only: it names customers, like the tag exports)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, table_csv(frame, columns).encode("utf-8"), private=True)
    except OSError as exc:
        raise InputError(f"Cannot write {path}", str(exc)) from None
    return path
