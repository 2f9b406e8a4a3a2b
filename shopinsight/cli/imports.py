"""Getting data in: import, status, where, formats."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shopinsight.cli.app import (
    AsOfOpt,
    CurrencyOpt,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    err_console,
    open_shop,
    print_json,
    workspace,
)
from shopinsight.cli.lazy_rich import Table, Text, escape
from shopinsight.core.errors import InputError
from shopinsight.core.shop_facts import facts
from shopinsight.core.words import plural

if TYPE_CHECKING:  # imported where used: `--help` stays fast
    from shopinsight.core.workspace import Workspace


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """`--map canonical=Source Column` pairs as a dict, with a clear error for a bad one."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(
                f"Bad --map '{pair}'",
                'Write it as canonical=Source Column, e.g. --map ordered_at="Order Date".',
            )
        out[key.strip()] = value.strip()
    return out


@app.command("import")
def import_cmd(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE", help="Export files (CSV, TSV or TXT) to import.")
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="NAME",
            help="Export layout, as `shopinsight formats` names it; auto detects it from the "
            "header.",
        ),
    ] = "auto",
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="FIELD=COLUMN",
            help="Generic format: which of your columns holds a field, e.g. --map "
            'ordered_at="Order Date", or its position for a file without a header row, e.g. '
            "--map customer_id=1 (repeat for more; a wrong field name lists the fields).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Parse and report, but change nothing.")
    ] = False,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            metavar="NAME",
            help="The store these exports come from, when you sell in more than one store on "
            "one platform (e.g. the shop's domain): each store's orders stay apart.",
        ),
    ] = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Import order exports (Shopify, Etsy, Amazon, WooCommerce, eBay, Taobao, generic CSV).

    Every row is either imported or rejected with its row number and reason; re-importing the
    same file changes nothing; an overlapping later export adds only new lines and updates
    orders whose status changed (e.g. refunded since).

    Example: shopinsight import orders_export_1.csv EtsySoldOrderItems2024.csv

    Example: shopinsight import sales.csv --format generic --map ordered_at="Order Date"

    Example: shopinsight import orders_export_1.csv --store second-shop.myshopify.com
    """
    ws = workspace(ws_path, create=True)
    maps = parse_mapping(mapping or [])
    store_name = parse_store(store)
    imports_before = len(ws.ledger())
    try:
        _import(ws, files, fmt, maps, dry_run, json_out, store_name)
    except KeyboardInterrupt:
        if len(ws.ledger()) == imports_before:
            raise  # nothing was written: the app says the workspace is unchanged
        err_console.print(
            "Interrupted after the import was saved; `shopinsight status` shows what it holds."
        )
        raise typer.Exit(130) from None
    if not dry_run and len(ws.ledger()) > imports_before:
        _record_track(ws_path)


def _record_track(ws_path: Path | None) -> None:
    """After a saved import: store the day's churn alerts for `shopinsight churn track` and warm
    the workspace cache (`core.after_import`); never fails the import, it is saved already."""
    import sqlite3

    from shopinsight.core.after_import import after_import
    from shopinsight.core.errors import ShopInsightError

    try:
        problem = after_import(open_shop(None, None, ws_path))
    except (ShopInsightError, sqlite3.Error, OSError) as exc:
        problem = str(exc)
    except KeyboardInterrupt:
        err_console.print("Interrupted after the import was saved; the alerts were not stored.")
        raise typer.Exit(130) from None
    if problem is not None:
        err_console.print(
            f"[dim]Churn alerts not stored for the track record: {escape(problem)}[/]"
        )


def parse_store(value: str | None) -> str:
    """A `--store` name: trimmed; "" when not given. A colon is refused (order references
    such as shopify:mystore:#1002 are split on it)."""
    name = (value or "").strip()
    if ":" in name or (value is not None and not name):
        raise InputError(
            f"Bad --store '{value}'",
            "Name the store without colons, e.g. --store mystore.myshopify.com or --store b2b.",
        )
    return name


def _import(
    ws: Workspace,
    files: list[Path],
    fmt: str,
    maps: dict[str, str],
    dry_run: bool,
    json_out: bool,
    store: str = "",
) -> None:
    from shopinsight.core.importers import import_files

    if json_out:
        reports = import_files(ws, list(files), fmt, maps, dry_run, store=store)
        print_json([r.to_dict() for r in reports])
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # import only

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
        transient=True, disable=not console.is_terminal,
    ) as bar:  # fmt: skip
        task = bar.add_task("importing", total=len(files) + 1)
        reports = import_files(
            ws, list(files), fmt, maps, dry_run,
            progress=lambda done, total, label: bar.update(task, completed=done, description=label),
            store=store,
        )  # fmt: skip
    title = "Dry run — nothing written" if dry_run else f"Imported into {ws.root}"
    # a companion file read beside its export (Olist) is no import of its own: its reason is
    # printed below, not a row of zeros
    console.print(import_table([r for r in reports if r.format != "not imported"], title))
    for r in reports:
        name = escape(Path(r.file).name)
        if r.skipped:
            console.print(f"[dim]{name}: already imported; nothing new.[/]")
        elif r.seen_before and r.updated:
            console.print(
                f"{name}: imported before; {r.updated:,} of its lines updated with the current "
                "settings (currency, time zone, date order or column map changed since)."
            )
        for w in r.warnings:
            console.print(f"[yellow]{name}: {escape(w)}[/]")
        if r.rejects_path:
            console.print(f"Rejected rows of {name}, with reasons: {escape(str(r.rejects_path))}")


def import_table(reports: list[Any], title: str | None = None) -> Table:
    """One row per file: rows read, rejected, and what they did to the workspace.

    Fits 80 columns: the format goes under the file name, long names fold rather than being
    cut to "…", and the counts never wrap.
    """
    table = Table(title=escape(title) if title else None, header_style="bold")
    table.add_column("file · format", overflow="fold", min_width=20)
    for name in ("rows", "rejected", "new", "updated", "unchanged"):
        table.add_column(name, justify="right", no_wrap=True)
    for r in reports:
        table.add_row(
            Text(Path(r.file).name) + Text(f"\n{r.format}", style="dim"),
            f"{r.rows_read:,}",
            f"[red]{r.rejected:,}[/]" if r.rejected else "0",
            f"{r.new_lines:,}",
            f"{r.updated:,}",
            f"{r.duplicates:,}",
        )
    return table


@app.command()
def status(
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """What the workspace holds: lines, orders, customers, open orders, dates, revenue.

    Revenue is shown per currency (gross, returns, net); customers are counted in the
    currency of the analyses (--currency to pick another).

    Example: shopinsight status --json
    """
    shop = open_shop(as_of, currency, ws_path)
    # the folder is where it is now: a cached status keeps the path of the folder it was made in
    info = {**shop.status(), "workspace": str(shop.ws.root)}
    if not shop.has_orders():
        info = {**_empty_status(shop), **info}
    if json_out:
        info = {k: v for k, v in info.items() if k != "imports"} | {"imports": len(info["imports"])}
        print_json(info)
        return
    table = Table(show_header=False, title=escape(f"Workspace {info['workspace']}"))
    kind = info.get("facts") or {}  # what kind of shop: no amounts, no buyers (core)
    money = ", ".join(f"{v:,.2f} {k}" for k, v in info["net_revenue"].items()) or "—"
    # exports without any amount: zeros would read as a shop that sold nothing
    unknown = "no amounts (see below)" if kind.get("no_amounts") else None
    rows = [
        ("Order lines", f"{info['lines']:,}"),
        ("Orders", f"{info['orders']:,} ({info['counted_orders']:,} counted as purchases)"),
        ("Customers", f"{info['customers']:,} ({info['repeat_rate']:.0%} bought again)"),
        ("Open orders", _open_orders(info)),
        ("First / last order", f"{_day(info['first_order'])} / {_day(info['last_order'])}"),
        ("Sources", ", ".join(info["sources"]) or "—"),
        ("Stores", _stores(info.get("stores") or [])),
        ("Gross revenue", unknown or _money(info.get("gross_revenue") or {})),
        ("Returns", unknown or _money(info.get("returns") or {})),
        ("Net revenue", unknown or money),
        ("Cancelled orders", _cancelled(info)),
        *([("Unpaid orders", _cancelled(info, "unpaid"))] if info.get("unpaid_orders") else []),
        ("Excluded orders", _excluded(info.get("excluded_orders") or 0)),
        ("Imports", str(len(info["imports"]))),
    ]
    for k, v in rows:
        table.add_row(k, v)
    console.print(table)
    for fact, text in (kind.get("texts") or {}).items():  # the sentences the app shows too
        hint = " `shopinsight bundles` works from the baskets alone." * (fact == "no_buyers")
        console.print(f"[yellow]{escape(text + hint)}[/]")
    if (n := info["orders_without_buyer"]) and not kind.get("no_buyers"):
        console.print(
            f"[yellow]{plural(n, 'order')} without a buyer identity (e.g. Amazon All Orders); "
            f"{'it counts' if n == 1 else 'they count'} in revenue but not in customer tags or "
            "churn.[/]"
        )
    if info.get("day_note"):
        console.print(f"[yellow]{escape(info['day_note'])}[/]")
    if not info["orders"]:
        console.print("No orders yet. Import an export: shopinsight import FILE")


def _cancelled(info: dict[str, Any], kind: str = "cancelled") -> str:
    """How many orders were cancelled (or, `kind` "unpaid", not paid for yet and not shipped)
    and the totals that revenue leaves out with them."""
    n = info.get(f"{kind}_orders") or 0
    value = info.get(f"{kind}_value") or {}
    if not n:
        return "0"
    money = f"{_money(value)}, " if value else ""
    return f"{n:,} ({money}not in revenue)"


def _empty_status(shop: Any) -> dict[str, Any]:
    return {
        "workspace": str(shop.ws.root), "as_of": None, "orders": 0, "counted_orders": 0,
        "customers": 0, "repeat_rate": 0.0, "open_orders": 0, "first_order": None,
        "last_order": None, "sources": [], "net_revenue": {}, "orders_without_buyer": 0,
        "facts": facts(0, 0, 0),
    }  # fmt: skip


def _money(amounts: dict[str, float]) -> str:
    return ", ".join(f"{v:,.2f} {k}" for k, v in amounts.items()) or "—"


def _stores(stores: list[dict[str, Any]]) -> str:
    """`shopify (2 stores: dev 51, enavant 409 orders)`-style text, one source per line."""
    by_source: dict[str, list[str]] = {}
    for s in stores:
        name = s["store"] or "(no store name)"
        by_source.setdefault(s["source"], []).append(f"{name}: {s['orders']:,}")
    return (
        "\n".join(f"{src} — {', '.join(parts)} orders" for src, parts in by_source.items()) or "—"
    )


def _excluded(n: int) -> str:
    return f"{n:,} (left out of customers and analyses; `shopinsight exclude --list`)" if n else "0"


def _open_orders(info: dict[str, Any]) -> str:
    """Orders to pack, and the old ones still shown unfulfilled that are left out of them."""
    from shopinsight.core.orders import OPEN_WITHIN_DAYS

    text = f"{info['open_orders']:,}"
    if stale := info.get("stale_open_orders") or 0:
        text += (
            f" ({plural(stale, 'older paid order')} still shown unfulfilled, placed over "
            f"{OPEN_WITHIN_DAYS} days before; left out)"
        )
    return text


def _day(value: Any) -> str:
    """A day from a date, a datetime or its ISO text (as cached results hold it)."""
    if not value:
        return "—"
    return str(value)[:10] if isinstance(value, str) else f"{value:%Y-%m-%d}"


@app.command()
def where(ws_path: WorkspaceOpt = None) -> None:
    """Print where the workspace keeps its data, settings and rejected rows.

    Example: shopinsight where
    """
    for name, path in workspace(ws_path, create=True).paths().items():
        typer.echo(f"{name + ':':<15}{path}")


@app.command()
def formats(json_out: JsonOpt = False) -> None:
    """List the export layouts ShopInsight reads and the columns each needs.

    Example: shopinsight formats
    """
    from shopinsight.core.importers import FORMATS

    if json_out:
        print_json(
            [
                {
                    "name": f.name,
                    "title": f.title,
                    "description": f.description,
                    "required": list(f.required),
                }
                for f in FORMATS.values()
            ]  # fmt: skip
        )
        return
    table = Table(title="Supported exports (--format NAME; auto detects)", show_lines=True)
    table.add_column("name", no_wrap=True)
    table.add_column("export", overflow="fold")
    table.add_column("columns needed", overflow="fold")
    for f in FORMATS.values():
        export = Text(f.title) + Text(f"\n{f.description}", style="dim")
        table.add_row(f.name, export, Text(", ".join(f.required)))
    console.print(table)
