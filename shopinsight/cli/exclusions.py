"""Exclusions: exclude ORDER|CUSTOMER, include ORDER|CUSTOMER, exclude --list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer
from rich.markup import escape
from rich.table import Table

from shopinsight.cli.app import JsonOpt, WorkspaceOpt, app, console, print_json, workspace
from shopinsight.core.errors import InputError
from shopinsight.core.words import plural

if TYPE_CHECKING:  # the analysis code is imported where used: `--help` stays fast
    from shopinsight.core.workspace import Workspace

TargetArg = Annotated[
    str | None,
    typer.Argument(
        metavar="ORDER|CUSTOMER",
        help="An order as source:order_id (e.g. shopify:#1002, generic:536365; "
        "source:store:order_id when two stores share the number) or a customer id or email.",
        show_default=False,
    ),
]
OrderOpt = Annotated[bool, typer.Option("--order", help="It is an order (when ambiguous).")]
CustomerOpt = Annotated[bool, typer.Option("--customer", help="It is a customer (when ambiguous).")]


def _kind(order: bool, customer: bool) -> str | None:
    if order and customer:
        raise InputError("--order and --customer together", "Use one of them, or neither.")
    return "order" if order else "customer" if customer else None


def _shown(kind: str, key: str) -> str:
    """An order key as typed: shopify:#1002 when its store is "" (stored as shopify::#1002)."""
    return key.replace("::", ":", 1) if kind == "order" else key


def _orders(ws: Workspace) -> pl.DataFrame:
    from shopinsight.core.status import flagged_orders

    return flagged_orders(ws, ws.lines())


@app.command()
def exclude(
    target: TargetArg = None,
    reason: Annotated[
        str | None,
        typer.Option("--reason", metavar="TEXT", help="Why (shown in the list of exclusions)."),
    ] = None,
    order: OrderOpt = False,
    customer: CustomerOpt = False,
    list_: Annotated[
        bool, typer.Option("--list", help="List every excluded order and why, and exit.")
    ] = False,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Leave an order or a customer out of every analysis (counted apart, never deleted).

    Test orders, staff and wholesale buyers and outliers are also excluded by the rules in
    [exclusions] of shopinsight.toml; `include` undoes an exclusion made here.

    Example: shopinsight exclude shopify:#1002 --reason "test order"

    Example: shopinsight exclude owner@myshop.com --reason "my own orders"

    Example: shopinsight exclude --list
    """
    ws = workspace(ws_path)
    if list_:
        _list(ws, json_out)
        return
    if target is None:
        raise InputError(
            "Nothing to exclude",
            "Name an order or a customer (shopinsight exclude shopify:#1002), or list the "
            "exclusions with --list.",
        )
    from shopinsight.core.exclusions import resolve_target, save_manual

    kind, key = resolve_target(_orders(ws), target, _kind(order, customer))
    save_manual(ws, kind, key, reason)
    n = _orders(ws).filter(pl.col("excluded")).height
    if json_out:
        print_json({"excluded": {"kind": kind, "key": key, "reason": reason}, "excluded_orders": n})
        return
    console.print(
        f"Excluded {kind} {escape(_shown(kind, key))}. {plural(n, 'order')} now left out of the "
        f"analyses; `shopinsight include {escape(target)}` brings it back."
    )


@app.command()
def include(
    target: TargetArg = None,
    order: OrderOpt = False,
    customer: CustomerOpt = False,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Bring back an order or a customer excluded with `shopinsight exclude`.

    Orders excluded by a rule (test emails, staff, wholesale, outliers) come back by changing
    [exclusions] in shopinsight.toml.

    Example: shopinsight include shopify:#1002
    """
    if target is None:
        raise InputError("Nothing to include", "Name the order or customer you excluded.")
    ws = workspace(ws_path)
    from shopinsight.core.exclusions import delete_manual, resolve_target

    kind, key = resolve_target(_orders(ws), target, _kind(order, customer))
    removed = delete_manual(ws, kind, key)
    if json_out:
        print_json({"included": {"kind": kind, "key": key}, "was_excluded": removed})
        return
    if removed:
        console.print(f"Included {kind} {escape(_shown(kind, key))} again.")
        return
    console.print(
        f"{kind.capitalize()} {escape(_shown(kind, key))} was not excluded by hand; a rule in "
        "[exclusions] of shopinsight.toml may exclude it (`shopinsight exclude --list` says why)."
    )


def _list(ws: Workspace, json_out: bool) -> None:
    orders = _orders(ws).filter(pl.col("excluded")).sort("ordered_at", "source", "order_id")
    from shopinsight.core.exclusions import load_manual

    manual = load_manual(ws)
    if json_out:
        cols = ["source", "store", "order_id", "customer_id", "ordered_at", "currency"]
        print_json(
            {
                "excluded_orders": orders.height,
                "orders": orders.select(
                    *cols, pl.col("net_revenue").round(2), "excluded_reason"
                ).to_dicts(),
                "by_hand": manual.to_dicts(),
            }
        )
        return
    if orders.height == 0 and manual.height == 0:
        console.print("No order is excluded.")
        return
    table = Table(title=plural(orders.height, "excluded order"), header_style="bold")
    for name in ("order", "customer", "day", "net", "why"):
        table.add_column(name, overflow="fold", justify="right" if name == "net" else "left")
    for r in orders.iter_rows(named=True):
        ref = f"{r['source']}:{r['store'] + ':' if r['store'] else ''}{r['order_id']}"
        table.add_row(
            escape(ref),
            escape(r["customer_id"] or "—"),
            f"{r['ordered_at']:%Y-%m-%d}" if r["ordered_at"] else "—",
            f"{r['net_revenue']:,.2f} {r['currency'] or ''}".strip(),
            escape(r["excluded_reason"] or ""),
        )
    console.print(table)
    if manual.height:
        console.print(
            f"{plural(manual.height, 'exclusion')} made by hand; undo one with `include`."
        )
