"""The Typer app and what every subcommand shares: the workspace, --as-of, output, errors.

Each area's subcommands live in their own module in this package and register themselves on
`app` when imported; `shopinsight/cli/__init__.py` imports them all. Subcommands stay thin:
resolve options, call the core, hand the result to `shopinsight.render` or print JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from shopinsight.core.errors import ShopInsightError
from shopinsight.core.workspace import Workspace


class _Group(TyperGroup):
    """Turns a ShopInsightError from any subcommand into a short message and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ShopInsightError as error:
            fail(error)
        except KeyboardInterrupt:
            err_console.print("Interrupted; the workspace is unchanged.")
            raise typer.Exit(130) from None


app = typer.Typer(
    name="shopinsight",
    cls=_Group,
    help=(
        "Customer tags, churn alerts, bundles and gift notes from your marketplace order "
        "exports. Everything stays on this machine. Run without a subcommand to open the app."
    ),
    no_args_is_help=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)

console = Console()
err_console = Console(stderr=True)

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default: $SHOPINSIGHT_WORKSPACE or your user data folder).",
        show_default=False,
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Analyse the shop as it stood on this day (YYYY-MM-DD); later orders are ignored. "
        "Default: the day of the last order.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


class State:
    """Options given before the subcommand (`shopinsight --workspace DIR status`)."""

    workspace_path: Path | None = None


state = State()


def workspace(path: Path | None = None) -> Workspace:
    """The workspace chosen by the subcommand option, the global option or the environment."""
    return Workspace.open(path or state.workspace_path)


def print_json(data: Any) -> None:
    """Write JSON to stdout (dates as ISO strings, no Rich markup)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def fail(error: ShopInsightError) -> None:
    """Show a user-facing error as a short paragraph on stderr and exit with code 2."""
    from shopinsight.render import error_panel

    err_console.print(error_panel(error))
    raise typer.Exit(2)
