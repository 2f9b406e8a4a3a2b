"""`shopinsight sample`: write the seeded sample shop's exports in every supported format."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from shopinsight.cli.app import JsonOpt, app, console, print_json
from shopinsight.core.errors import InputError

MAX_CUSTOMERS = 200_000


@app.command("sample")
def sample_cmd(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Folder to write the exports into (created if needed).",
        ),
    ] = Path("sample_exports"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same shop.")] = 7,
    customers: Annotated[
        int, typer.Option("--customers", help="Number of customers (about 3.6 orders each).")
    ] = 400,
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            metavar="NAME",
            help="Only these formats (repeat): shopify, shopify-customers, etsy, woocommerce, "
            "amazon, ebay, taobao, generic. Default: all.",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Write a realistic sample shop's order exports, one file per marketplace layout.

    The shop is generated from the seed: repeat buyers and one-timers, gift orders, discount
    codes, products bought together, a Q4 peak, refunds, cancellations and open orders, over
    two years up to 2026-11-20. Import the files to try everything without your own data.

    Example: shopinsight sample --out /tmp/shop && shopinsight import /tmp/shop/*

    Example: shopinsight sample --out /tmp/big --customers 20000 --format shopify
    """
    from shopinsight.core.samples.shop import expected_totals, generate_shop, write_exports

    if not 1 <= customers <= MAX_CUSTOMERS:
        raise InputError(
            f"Bad --customers {customers}", f"Use a number from 1 to {MAX_CUSTOMERS:,}."
        )
    if out.exists() and not out.is_dir():
        raise InputError(f"Cannot write into {out}", "It is a file; pass a folder to --out.")
    shop = generate_shop(seed=seed, customers=customers)
    written = write_exports(shop, out, formats)
    totals = expected_totals(shop)
    rows = [
        {
            "file": str(p),
            "format": totals[p.name]["format"],
            "orders": totals[p.name].get("orders"),
            "customers": totals[p.name]["customers"],
            "net_revenue": totals[p.name].get("net_revenue"),
            "currency": totals[p.name].get("currency"),
            "bytes": p.stat().st_size,
        }
        for p in written
    ]
    if json_out:
        print_json(rows)
        return
    table = Table(title=escape(f"Sample shop (seed {seed}) written to {out}"), header_style="bold")
    table.add_column("file · format", overflow="fold", min_width=20)
    for name in ("orders", "customers", "net revenue", "size"):
        table.add_column(name, justify="right", no_wrap=True)
    for r in rows:
        revenue = f"{r['net_revenue']:,.2f} {r['currency']}" if r["orders"] is not None else "—"
        table.add_row(
            Text(Path(r["file"]).name) + Text(f"\n{r['format']}", style="dim"),
            "—" if r["orders"] is None else f"{r['orders']:,}",
            f"{r['customers']:,}",
            revenue,
            f"{r['bytes'] / 1024:,.0f} KB",
        )
    console.print(table)
    console.print("Import them with:")
    console.print(f"  shopinsight import {escape(shlex.quote(str(out)))}/*", soft_wrap=True)
