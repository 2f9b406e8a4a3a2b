"""`shopinsight bundles`: products bought together, as bundle offers with a price and a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer

from shopinsight.cli.app import (
    AsOfOpt,
    CurrencyOpt,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    print_json,
    print_notes,
)
from shopinsight.cli.lazy_rich import Table, Text, escape
from shopinsight.cli.warm import BUNDLES_TOP, bundles_found, offers_json
from shopinsight.core.words import plural

if TYPE_CHECKING:
    import datetime as dt

    from shopinsight.core.results import BundlesResult


@app.command("bundles")
def bundles_cmd(
    min_support: Annotated[
        float | None,
        typer.Option(
            "--min-support",
            metavar="SHARE",
            help="Smallest share of orders a set must be in (0.01 = 1%). "
            'Default: min_support in shopinsight.toml ("auto" grows with the shop).',
            show_default=False,
        ),
    ] = None,
    min_orders: Annotated[
        int | None,
        typer.Option(
            "--min-orders",
            help="Fewest orders a set must be in. Default: min_orders in shopinsight.toml.",
            show_default=False,
        ),
    ] = None,
    min_lift: Annotated[
        float | None,
        typer.Option(
            "--min-lift",
            help="Lowest lift (after shrinking rare sets toward 1). Default: min_lift in "
            "shopinsight.toml.",
            show_default=False,
        ),
    ] = None,
    max_size: Annotated[
        int | None,
        typer.Option(
            "--max-size",
            metavar="2|3",
            help="2 = pairs only, 3 = pairs and triples. Default: max_size in shopinsight.toml.",
            show_default=False,
        ),
    ] = None,
    segment: Annotated[
        str | None,
        typer.Option(
            "--segment",
            metavar="NAME",
            help="Only bundles this customer segment buys more than its share (e.g. Champions).",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Show at most this many.")] = BUNDLES_TOP,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Products bought together, as bundle offers: price, discount, who to offer them to, why.

    A set counts when it is in enough orders (min_orders, min_support in shopinsight.toml).
    It is offered when its lift, shrunk toward 1 for rare sets, reaches min_lift.
    Reach = customers who own part of the bundle but not all of it.

    Example: shopinsight bundles --max-size 2 --top 10

    Example: shopinsight bundles --segment Champions --json
    """
    shop, found, settings = bundles_found(
        min_support, min_orders, min_lift, max_size, segment, as_of, currency, ws_path
    )
    segment = found.segment
    offers = found.offers
    day = shop.as_of()
    offers = offers.head(top)
    if json_out:
        print_json(offers_json(offers))
        return
    floor = settings["min_lift"] if min_lift is None else min_lift
    thresholds = found.thresholds
    if offers.height == 0:
        console.print(_nothing_found(found, floor, segment))
        print_notes(found.notes)
        return
    console.print(_offers_table(offers, day))
    for i, reason in enumerate(offers["reason"], start=1):
        console.print(f"[bold]{i}.[/bold] {escape(reason)}", highlight=False)
    console.print(f"[dim]Sets counted when {thresholds['reason']}; offered from lift {floor:g}.")
    print_notes(found.notes)


def _named(name: str, sku: str) -> str:
    """'Mug (MUG-01)', or just the name when the SKU only repeats it (exports without SKUs
    use the lower-cased name, a variant's included)."""
    if not sku or sku.casefold().startswith(name.casefold()):
        return name
    return f"{name} ({sku})"


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _offers_table(offers: pl.DataFrame, day: dt.date) -> Table:
    table = Table(title=f"Bundles as of {day}", header_style="bold")
    table.add_column("#", justify="right")
    table.add_column("Bundle", ratio=1)
    table.add_column("Orders", justify="right")
    table.add_column("Lift", justify="right")
    currency = offers["currency"][0] or ""
    table.add_column(f"Price {currency}".strip(), justify="right")
    table.add_column("Reach", justify="right")
    with_segments = offers["segments_over_index"].list.len().sum() > 0
    if with_segments:
        table.add_column("Segments")
    for i, row in enumerate(offers.iter_rows(named=True), start=1):
        pairs = zip(row["names"], row["items"], strict=True)
        products = "\n+ ".join(_named(name, sku) for name, sku in pairs)
        price = _money(row["combined_price"])
        if row["bundle_price"] is not None:
            price += f" → {_money(row['bundle_price'])}"
        cells = [
            str(i),
            Text(products),
            f"{row['orders']:,}\n{row['support']:.2%}",
            f"{row['lift']:.1f}",
            price,
            f"{row['reach_customers']:,}",
        ]
        if with_segments:
            cells.append(escape(", ".join(row["segments_over_index"])))
        table.add_row(*cells)
    return table


def _nothing_found(found: BundlesResult, floor: float, segment: str | None) -> str:
    if found.n_orders == 0:
        return "No product orders to look at yet (tips, shipping and gift cards don't count)."
    where = f" that over-index in {segment}" if segment else ""
    return (
        f"No bundles{where}: sets are counted when {found.thresholds['reason']}, and offered "
        f"from lift {floor:g}. {_try_instead(found, floor)}"
    )


def _try_instead(found: BundlesResult, floor: float) -> str:
    """The option that would change the result: the threshold that binds, with a value."""
    t = found.thresholds
    sets = found.itemsets
    counted = sets.filter(pl.col("size") >= 2).height if "size" in sets.columns else sets.height
    if counted:  # sets are in enough orders; none is linked strongly enough
        lower = max(1.0, round(floor - 0.5, 1))
        if floor <= 1:
            return f"{plural(counted, 'set')} counted, none bought together more than by chance."
        return (
            f"Try --min-lift {lower:g}: {plural(counted, 'set')} counted, none reached {floor:g}."
        )
    needed = int(t["min_orders"])
    if needed <= 2:
        return "No two products were bought together in 2 or more orders."
    # --min-orders given alone is the count (the share of orders no longer binds)
    return f"Try --min-orders {max(2, needed // 2)} (now {needed})."
