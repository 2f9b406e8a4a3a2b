"""`shopinsight tui` (and `shopinsight` alone): open the terminal app on the workspace.

Textual is imported only when the app really opens, so every other subcommand starts fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from shopinsight.cli.app import AsOfOpt, WorkspaceOpt, app, state


def open_tui(
    workspace_path: Path | None,
    demo: bool = False,
    as_of: str | None = None,
    theme: str | None = None,
) -> None:
    """Open the app on a workspace (the demo passes the sample shop's workspace)."""
    from shopinsight.core.orders import parse_as_of
    from shopinsight.core.workspace import Workspace

    day = parse_as_of(as_of)
    if not _interactive():
        typer.echo(
            "The ShopInsight app needs an interactive terminal. "
            "See `shopinsight --help` for the commands that work without one."
        )
        return
    ws = Workspace.open(workspace_path)
    from shopinsight.tui.app import ShopInsightApp

    ShopInsightApp(ws, as_of=day, demo=demo, theme=theme).run()


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


@app.command("tui")
def tui(
    workspace: WorkspaceOpt = None,
    as_of: AsOfOpt = None,
    theme: Annotated[
        str | None,
        typer.Option(
            "--theme",
            metavar="dark|light",
            help="Colours: dark or light (default: $SHOPINSIGHT_THEME, else dark).",
        ),
    ] = None,
) -> None:
    """Open the terminal app: overview, customers, gifts & notes, churn alerts, bundles.

    Keys: 1-5 switch screens, i import, e export, / filter, ? help, q quit, ctrl+p every action.

    Example: shopinsight tui --as-of 2024-06-30

    Example: shopinsight --workspace ~/shops/tea tui --theme light
    """
    open_tui(workspace or state.workspace_path, as_of=as_of, theme=theme)
