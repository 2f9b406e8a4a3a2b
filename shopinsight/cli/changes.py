"""`shopinsight changes`: what changed since the previous import, rendered from `Shop`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from shopinsight.cli.app import (
    CurrencyOpt,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    open_shop,
    print_json,
    print_notes,
)
from shopinsight.core.churn.stake import ORDERS_AT_RISK, orders_text

TITLES = {
    "new_customers": "New customers",
    "segment_moves": "Moved segment",
    "alerts_resolved": "Alerts resolved (came back)",
    "new_alerts": "New churn alerts",
    "bundles_new": "Bundles that appeared",
    "bundles_gone": "Bundles that faded",
    "campaigns_readable": "Gift campaigns whose results can now be read",
}


@app.command("changes")
def changes_cmd(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="IMPORT|DATE",
            help="Compare with the shop on this day (YYYY-MM-DD) or as an import left it "
            "(its number, 1 = oldest, or file name). Default: the import before the last one.",
            show_default=False,
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows shown per change.")] = 10,
    currency: CurrencyOpt = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """What changed since the last import: new customers, customers who moved up or down a
    segment, churn alerts resolved because the customer came back, new alerts, bundles that
    appeared or faded, gift campaigns whose results can now be read.

    "Then" is the shop replayed as of the cut day, "now" as of the last order. The cut of an
    import is the last order day of the data it left (recorded by the import; for imports made
    before it was recorded, worked out from the ledger's line counts).

    Example: shopinsight changes

    Example: shopinsight changes --since 2024-06-30 --json
    """
    shop = open_shop(None, currency, ws_path)
    result = shop.changes(since)
    if json_out:
        print_json(result.to_json())
        return
    console.print(
        f"[bold]Changes {result.cut.day} → {result.as_of}[/bold]: {escape(result.cut.rule)}",
        highlight=False,
    )
    for key, frame in result.frames.items():
        if frame.height == 0:
            console.print(f"{TITLES[key]}: none")
            continue
        console.print(_table(key, frame, top))
        if frame.height > top:
            console.print(f"[dim]{frame.height - top:,} more: --top or --json.[/dim]")
    print_notes(result.notes)


def _at_risk(row: dict[str, Any]) -> str:
    """What an alert puts at stake: money, or, where the exports carry no amounts, the orders
    its alerts are ranked by (`churn.stake`)."""
    if ORDERS_AT_RISK in row:
        return f"{orders_text(row[ORDERS_AT_RISK])} orders at risk"
    return f"{row['value_at_risk'] or 0:,.2f} at risk"


def _cells(key: str, row: dict[str, Any]) -> list[str]:
    who = str(row.get("customer_name") or row.get("customer_id") or "")
    if key == "new_customers":
        spend = [] if row["monetary"] is None else [f"{row['monetary']:,.2f}"]  # no amounts
        return [who, str(row["first_order"]), str(row["segment"]), *spend]
    if key == "segment_moves":
        arrow = "↑" if row["direction"] == "up" else "↓"
        return [who, f"{arrow} {row['from_segment']} → {row['to_segment']}"]
    if key == "alerts_resolved":
        return [who, f"back on {row['came_back_on']}", _at_risk(row)]
    if key == "new_alerts":
        return [who, f"risk {row['risk']:.0%}", _at_risk(row)]
    if key == "campaigns_readable":
        return [
            f"#{row['campaign_id']} started {row['started_on']}",
            f"{row['gift']:,} gifted, {row['control']:,} held back",
            f"{row['result']} (gifts campaign report --id {row['campaign_id']})",
        ]
    return [" + ".join(str(n) for n in row["names"]), f"{row['orders']:,} orders"]


def _table(key: str, frame: Any, top: int) -> Table:
    table = Table(
        title=f"{TITLES[key]}: {frame.height:,}",
        box=box.SIMPLE_HEAD,
        show_header=False,
        show_edge=False,
        title_justify="left",
        padding=(0, 1, 0, 0),
    )
    for row in frame.head(top).iter_rows(named=True):
        table.add_row(*(Text(c) for c in _cells(key, row)))  # export text is never markup
    return table
