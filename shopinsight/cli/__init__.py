"""`shopinsight` command line: the Typer app and its subcommand modules.

Each module in this package (other than `app`) holds one area's subcommands and registers them
on the shared `app` when imported, so adding an area never touches the others (list a new
command in `cli.areas.AREAS` so a command line imports only its module).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import typer

from shopinsight._lazy import defer_import

defer_import("polars")  # before the command modules import it: `--help` never needs it

from shopinsight.cli.app import WorkspaceOpt, app, fail, state  # noqa: E402
from shopinsight.cli.areas import areas_for  # noqa: E402
from shopinsight.core.errors import ShopInsightError  # noqa: E402


def _load_areas(names: tuple[str, ...] | None = None) -> None:
    """Import area modules (all of them by default): each registers its commands on `app`."""
    every = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "app")
    for name in names or every:
        importlib.import_module(f"{__name__}.{name}")


app.load_areas_with(_load_areas)  # when Typer first builds the app: every command


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None,
    version: bool = typer.Option(False, "--version", help="Show the version and exit."),
) -> None:
    """Customer tags, churn alerts, bundles and gift notes from your order exports."""
    if version:
        from shopinsight import __version__

        typer.echo(f"shopinsight {__version__}")
        raise typer.Exit()
    state.workspace_path = Path(workspace) if workspace else None
    if ctx.invoked_subcommand is None:
        _open_tui(state.workspace_path)


def _open_tui(workspace_path: Path | None) -> None:
    try:
        from shopinsight.cli.tui import open_tui
    except ImportError:
        typer.echo("The terminal app is not available yet; see `shopinsight --help`.")
        return
    open_tui(workspace_path)


def main() -> None:
    """Console-script entry point: user errors become a short message and exit code 2. Only
    the area of the command named is imported (see `cli.areas`)."""
    only = areas_for(sys.argv[1:])
    if only:
        app.only(lambda: _load_areas(only))
    try:
        app()
    except ShopInsightError as error:
        try:
            fail(error)
        except typer.Exit as exit_:
            raise SystemExit(exit_.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("Interrupted; the workspace is unchanged.", err=True)
        raise SystemExit(130) from None
