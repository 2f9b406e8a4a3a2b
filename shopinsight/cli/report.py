"""`shopinsight report -o FILE.html`: the shareable report, built in core, written here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from shopinsight.cli.app import AsOfOpt, CurrencyOpt, WorkspaceOpt, app, console, open_shop


@app.command("report")
def report_cmd(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", metavar="FILE.html", help="Where to write the report."),
    ],
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
    ws_path: WorkspaceOpt = None,
) -> None:
    """A shareable report: one self-contained HTML file with the key figures, revenue by
    month, cohorts, time to the next purchase, segments, churn alerts and their track record,
    bundles and what changed since the previous import.

    It loads nothing from anywhere (no script, no font, no link), opens in any browser and
    prints on A4. It names customers: share it as you would the export itself.

    Example: shopinsight report -o shop-report.html
    """
    from shopinsight.core.report import write_report

    shop = open_shop(as_of, currency, ws_path)
    notes = write_report(shop, output)
    console.print(f"Wrote {escape(str(output))} (as of {shop.as_of()}).", highlight=False)
    for note in notes:
        console.print(f"[dim]{escape(note)}[/dim]", highlight=False)
