"""Getting data in: import, status, where, formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shopinsight.cli.app import AsOfOpt, JsonOpt, WorkspaceOpt, app, console, print_json, workspace
from shopinsight.core.errors import InputError


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
    files: Annotated[list[Path], typer.Argument(help="Export files (CSV / TSV) to import.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Export layout; `auto` detects it.")
    ] = "auto",
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="canonical=Source Column, for the generic format (repeat)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Parse and report, but change nothing.")
    ] = False,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Import order exports (Shopify, Etsy, Amazon, WooCommerce, eBay, Taobao, generic CSV).

    Every row is either imported or rejected with its row number and reason; re-importing the
    same file changes nothing; an overlapping later export adds only new lines and updates
    orders whose status changed (e.g. refunded since).

    Example: shopinsight import orders_export_1.csv EtsySoldOrderItems2024.csv
    """
    from shopinsight.core.importers import import_files

    ws = workspace(ws_path)
    maps = parse_mapping(mapping or [])
    if json_out:
        reports = import_files(ws, list(files), fmt, maps, dry_run)
        print_json([r.to_dict() for r in reports])
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
        transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("importing", total=len(files) + 1)
        reports = import_files(
            ws, list(files), fmt, maps, dry_run,
            progress=lambda done, total, label: bar.update(task, completed=done, description=label),
        )  # fmt: skip
    table = Table(title="Dry run — nothing written" if dry_run else f"Imported into {ws.root}")
    for name in ("file", "format", "rows", "accepted", "rejected", "new", "duplicate", "updated"):
        table.add_column(name, justify="left" if name in ("file", "format") else "right")
    for r in reports:
        table.add_row(
            Path(r.file).name, r.format, str(r.rows_read), str(r.accepted),
            f"[red]{r.rejected}[/]" if r.rejected else "0", str(r.new_lines), str(r.duplicates),
            str(r.updated),
        )  # fmt: skip
    console.print(table)
    for r in reports:
        if r.skipped:
            console.print(f"[dim]{Path(r.file).name}: already imported; nothing new.[/]")
        for w in r.warnings:
            console.print(f"[yellow]{Path(r.file).name}: {w}[/]")
        if r.rejects_path:
            console.print(f"Rejected rows of {Path(r.file).name}, with reasons: {r.rejects_path}")


@app.command()
def status(as_of: AsOfOpt = None, json_out: JsonOpt = False, ws_path: WorkspaceOpt = None) -> None:
    """What the workspace holds: lines, orders, customers, open orders, dates, revenue.

    Example: shopinsight status --json
    """
    from shopinsight.core.status import shop_status

    info = shop_status(workspace(ws_path), as_of)
    if json_out:
        info = {k: v for k, v in info.items() if k != "imports"} | {"imports": len(info["imports"])}
        print_json(info)
        return
    table = Table(show_header=False, title=f"Workspace {info['workspace']}")
    money = ", ".join(f"{v:,.2f} {k}" for k, v in info["net_revenue"].items()) or "—"
    rows = [
        ("Order lines", f"{info['lines']:,}"),
        ("Orders", f"{info['orders']:,} ({info['counted_orders']:,} counted as purchases)"),
        ("Customers", f"{info['customers']:,} ({info['repeat_rate']:.0%} bought again)"),
        ("Open orders", f"{info['open_orders']:,}"),
        ("First / last order", f"{info['first_order'] or '—'} / {info['last_order'] or '—'}"),
        ("Sources", ", ".join(info["sources"]) or "—"),
        ("Net revenue", money),
        ("Imports", str(len(info["imports"]))),
    ]
    for k, v in rows:
        table.add_row(k, v)
    console.print(table)
    if info["orders_without_buyer"]:
        console.print(
            f"[yellow]{info['orders_without_buyer']} orders have no buyer identity (e.g. Amazon "
            "All Orders); they count in revenue but not in customer tags or churn.[/]"
        )
    if not info["orders"]:
        console.print("No orders yet. Import an export: shopinsight import FILE")


@app.command()
def where(ws_path: WorkspaceOpt = None) -> None:
    """Print where the workspace keeps its data, settings and rejected rows.

    Example: shopinsight where
    """
    for name, path in workspace(ws_path).paths().items():
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
    for name in ("name", "export", "columns needed"):
        table.add_column(name)
    for f in FORMATS.values():
        table.add_row(f.name, f"{f.title}\n[dim]{f.description}[/]", ", ".join(f.required))
    console.print(table)
