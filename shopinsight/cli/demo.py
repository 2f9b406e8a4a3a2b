"""`shopinsight demo`: the bundled sample shop in its own workspace, then the app."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from shopinsight.cli.app import app, console
from shopinsight.core.workspace import Workspace


def sample_folder() -> Path | None:
    """The committed sample exports: ./sample_exports, else the source checkout's copy."""
    for candidate in (Path.cwd() / "sample_exports", Path(__file__).parents[2] / "sample_exports"):
        if candidate.is_dir() and any(candidate.glob("*.csv")):
            return candidate
    return None


def demo_workspace_path() -> Path:
    """The demo's own workspace, apart from the merchant's real one."""
    from platformdirs import user_data_path

    return user_data_path("shopinsight", appauthor=False) / "demo"


@app.command()
def demo(
    no_tui: Annotated[
        bool, typer.Option("--no-tui", help="Only import and print the summary.")
    ] = False,
    path: Annotated[
        Path | None, typer.Option("--workspace-dir", help="Where to build the demo workspace.")
    ] = None,
) -> None:
    """Import the bundled sample shop into a separate demo workspace and open the app on it.

    Uses ./sample_exports (or generates the same seeded shop when run outside the source
    folder). Your own workspace is not touched. Without a terminal (or with --no-tui) it prints
    the summary instead of opening the app.

    Example: shopinsight demo
    """
    from shopinsight.cli.imports import status
    from shopinsight.core.importers import import_files

    ws = Workspace.open(path or demo_workspace_path())
    folder = sample_folder()
    if folder is None:
        from shopinsight.core.samples import generate_shop, write_exports

        folder = ws.root / "sample_exports"
        folder.mkdir(exist_ok=True)
        files = write_exports(generate_shop(), folder)
    else:
        files = sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".txt", ".tsv"))
    console.print(f"Demo shop: importing {len(files)} sample exports from {folder}")
    reports = import_files(ws, files)
    for r in reports:
        state = "already imported" if r.skipped else f"{r.new_lines} new"
        console.print(f"  {Path(r.file).name[:36]:<37}{r.format:<20}{r.rows_read:>5} rows, {state}")
    status(as_of=None, json_out=False, ws_path=ws.root)
    if no_tui or not sys.stdout.isatty():
        console.print(f"Open the app on it with: shopinsight --workspace {ws.root}")
        return
    try:
        from shopinsight.cli.tui import open_tui
    except ImportError:
        return
    open_tui(ws.root, demo=True)
