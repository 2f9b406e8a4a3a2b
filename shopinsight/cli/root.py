"""The Typer side of `shopinsight`: the root command and the entry point of every command line
the warm pass (`cli.warm`) does not run.

Imported on first use of `shopinsight.cli.app` (the Typer app) or by `main` for a command line
the warm pass leaves alone.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import typer

from shopinsight import cli
from shopinsight.cli.app import WorkspaceOpt, app, exit_for, state
from shopinsight.cli.areas import areas_for
from shopinsight.core.errors import ShopInsightError

_NOT_AREAS = {"app", "areas", "base", "root", "warm"}
"""Modules of the package that register no command."""


def _load_areas(names: tuple[str, ...] | None = None) -> None:
    """Import area modules (all of them by default): each registers its commands on `app`."""
    every = sorted(m.name for m in pkgutil.iter_modules(cli.__path__) if m.name not in _NOT_AREAS)
    for name in names or every:
        importlib.import_module(f"{cli.__name__}.{name}")


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


def typer_main() -> None:
    """A command line through Typer: user errors become a short message and exit code 2. Only
    the area of the command named is imported (see `cli.areas`)."""
    only = areas_for(sys.argv[1:])
    if only:
        app.only(lambda: _load_areas(only))
    try:
        app()
    except ShopInsightError as error:
        exit_for(error)
    except KeyboardInterrupt:
        typer.echo("Interrupted; the workspace is unchanged.", err=True)
        raise SystemExit(130) from None
