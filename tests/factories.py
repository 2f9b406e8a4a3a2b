"""Tiny hand-made canonical frames for tests: give only the columns a test is about."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from shopinsight.core.schema import LINE_SCHEMA, conform

if TYPE_CHECKING:
    from click.testing import Result

    from shopinsight.core.workspace import Workspace

DEFAULTS: dict[str, Any] = {
    "source": "shopify",
    "line_kind": "product",
    "quantity": 1,
    "unit_price": 10.0,
    "currency": "USD",
    "status": "paid",
    "fulfilled": True,
    "is_gift": False,
    "accepts_marketing": True,
    "refunded": 0.0,
    "order_discount": 0.0,
    "shipping": 0.0,
    "country": "US",
    "channel": "web",
}


def write_file(folder: Path, name: str, text: str) -> Path:
    """`text` written to `folder/name` as UTF-8, its line ends as given (CRLF kept)."""
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    return path


def cli(*args: str) -> Result:
    """The `shopinsight` command run with `args` (Typer's test runner)."""
    from typer.testing import CliRunner

    from shopinsight.cli import app

    return CliRunner().invoke(app, list(args))


def import_file(folder: Path, name: str, text: str, *options: str) -> str:
    """The workspace `folder/ws` (its path) after `text`, written to `folder/name`, was
    imported into it with `options`; the import must succeed."""
    path = write_file(folder, name, text)
    ws = str(folder / "ws")
    result = cli("-w", ws, "import", str(path), *options)
    assert result.exit_code == 0, result.output
    return ws


def member_visits(last: int = 1012, visits: int = 4, months: int = 3) -> str:
    """Member visits as the Groceries data set has them (member, day, item; no money, no time
    of day): members 1000 to `last` - 1, member m with 1 + m % `visits` visits a week apart
    in January to March 2015 (month 1 + m % `months`)."""
    rows = ["Member_number,Date,itemDescription"]
    for member in range(1000, last):
        for visit in range(1 + member % visits):
            rows.append(f"{member},{1 + visit * 7:02d}-0{1 + member % months}-2015,item{visit}")
    return "\n".join(rows) + "\n"


def cli_ok(ws: str, *args: str) -> str:
    """What the `shopinsight` command prints for `args` on the workspace `ws`, 160 columns
    wide; the command must succeed."""
    from typer.testing import CliRunner

    from shopinsight.cli import app

    result = CliRunner().invoke(app, ["-w", ws, *args], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    return result.output


def make_lines(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Canonical order lines from short dicts.

    Each dict needs `order_id`, `customer_id` and `ordered_at` (a date, datetime or ISO string);
    everything else has a default. `line_total` defaults to quantity × unit_price and
    `order_total` to the sum of the order's line totals; `line_no` counts within the order;
    `sku` defaults to `product_name` and vice versa.
    """
    filled = []
    counters: dict[tuple[str, str], int] = {}
    for row in rows:
        r = {**DEFAULTS, **row}
        at = r["ordered_at"]
        if isinstance(at, str):
            at = (
                dt.datetime.fromisoformat(at)
                if "T" in at or " " in at
                else dt.date.fromisoformat(at)
            )
        if isinstance(at, dt.date) and not isinstance(at, dt.datetime):
            at = dt.datetime.combine(at, dt.time(12))
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        r["ordered_at"] = at
        key = (r["source"], str(r["order_id"]))
        r["order_id"] = str(r["order_id"])
        counters[key] = counters.get(key, 0) + 1
        r.setdefault("line_no", counters[key])
        r.setdefault("sku", r.get("product_name"))
        r.setdefault("product_name", r.get("sku"))
        r.setdefault("line_total", r["quantity"] * r["unit_price"])
        r.setdefault("email", r["customer_id"] if "@" in str(r.get("customer_id")) else None)
        filled.append(r)
    frame = pl.DataFrame(filled, infer_schema_length=None)
    if "order_total" not in frame.columns:
        frame = frame.with_columns(
            pl.col("line_total").sum().over("source", "order_id").alias("order_total")
        )
    else:
        frame = frame.with_columns(
            pl.col("order_total").fill_null(pl.col("line_total").sum().over("source", "order_id"))
        )
    return conform(frame, LINE_SCHEMA).collect()


def sample_shopify_workspace(root: Path, seed: int, customers: int) -> Workspace:
    """A workspace holding a generated shop's Shopify export, imported as a merchant would."""
    from shopinsight.core.importers import import_files
    from shopinsight.core.samples.shop import generate_shop, write_exports
    from shopinsight.core.workspace import Workspace

    shop = generate_shop(seed=seed, customers=customers)
    files = write_exports(shop, root / "exports", ["shopify"])
    ws = Workspace.open(root / "ws")
    import_files(ws, files)
    return ws
