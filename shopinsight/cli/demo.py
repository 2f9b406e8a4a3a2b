"""`shopinsight demo`: the bundled sample shop in its own workspace, then the app."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from shopinsight.cli.app import app, console
from shopinsight.core.words import plural


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
        Path | None,
        typer.Option(
            "--workspace-dir",
            metavar="DIR",
            help="Where to build the demo workspace (default: 'demo' in your user data folder).",
        ),
    ] = None,
) -> None:
    """Import the bundled sample shop into a separate demo workspace and open the app on it.

    Uses ./sample_exports (or generates the same seeded shop when run outside the source
    folder). Your own workspace is not touched. Without a terminal (or with --no-tui) it prints
    the summary instead of opening the app.

    Example: shopinsight demo

    Example: shopinsight demo --no-tui
    """
    from shopinsight.cli.imports import status
    from shopinsight.core.importers import file_sha256, import_files
    from shopinsight.core.workspace import Workspace

    ws = Workspace.open(path or demo_workspace_path())
    folder = sample_folder()
    if folder is None:
        from shopinsight.core.samples.shop import generate_shop, write_exports

        folder = ws.root / "sample_exports"
        folder.mkdir(exist_ok=True)
        files = write_exports(generate_shop(), folder)
    else:
        files = sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".txt", ".tsv"))
    done = {r.get("sha256") for r in ws.ledger()}
    if _on_the_shops_clock(ws, fresh=not done):  # an older demo read its times on UTC's
        from shopinsight.core.samples.data import STORE_TZ

        console.print(
            f"Demo shop: now on the sample shop's clock ({STORE_TZ}); its exports are read again."
        )
        done = set()
    new = [f for f in files if file_sha256(f) not in done]
    if new:
        console.print(
            f"Demo shop: importing {plural(len(new), 'sample export')} from {escape(str(folder))}"
        )
        console.print(_import_list(import_files(ws, new)))
    else:  # a second launch: the ledger already has every file, nothing to re-import
        console.print(f"Demo shop: all {len(files)} sample exports already imported.")
    status(as_of=None, json_out=False, ws_path=ws.root)
    if no_tui or not sys.stdout.isatty():
        console.print("Open the app on it, or run any command on it, with:")
        console.print(f"  shopinsight --workspace {escape(str(ws.root))}", soft_wrap=True)
        return
    try:
        from shopinsight.cli.tui import open_tui
    except ImportError:
        return
    open_tui(ws.root, demo=True)


def _on_the_shops_clock(ws: Any, fresh: bool) -> bool:
    """Set the demo workspace's [shop] timezone to the sample shop's (New York: its exports
    write New York dates, and those without a UTC offset are read in it at import) when the
    workspace is new, or still on the default UTC (a demo built before the setting was made).
    A zone the merchant chose for the demo is left alone. True when it changed on a workspace
    that already holds imports: its files must be read again on the new clock."""
    from shopinsight.core.orders import UTC
    from shopinsight.core.samples.data import STORE_TZ
    from shopinsight.core.settings_writer import save_settings

    zone = str((ws.config().get("shop") or {}).get("timezone") or UTC).strip()
    if zone == STORE_TZ or not (fresh or zone == UTC):
        return False
    save_settings(ws, {("shop", "timezone"): STORE_TZ})
    return not fresh


def _import_list(reports: list[Any]) -> Table:
    """One line per sample file: borderless, to fit 80 columns (long names fold, never cut)."""
    table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=True)
    table.add_column("file", overflow="fold")
    table.add_column("format", style="dim", no_wrap=True)
    table.add_column("result", no_wrap=True)
    for r in reports:
        done = [f"{n:,} {what}" for n, what in ((r.new_lines, "new"), (r.updated, "updated")) if n]
        result = "already imported" if r.skipped else ", ".join(done) or "nothing new"
        table.add_row(Path(r.file).name, r.format, result)
    return table
