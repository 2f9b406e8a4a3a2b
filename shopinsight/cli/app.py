"""The Typer app and what every subcommand shares: the workspace, --as-of, output, errors.

Each area's subcommands live in their own module in this package and register themselves on
`app` when imported; `shopinsight/cli/__init__.py` imports them all. Subcommands stay thin:
resolve options, call the core, hand the result to `shopinsight.render` or print JSON.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from shopinsight.cli.areas import AreaApp
from shopinsight.cli.base import (  # noqa: F401 - the commands' shared helpers, also Typer-free
    console,
    err_console,
    open_shop,
    print_json,
    print_notes,
    state,
    workspace,
)
from shopinsight.cli.lazy_rich import escape, stand_in
from shopinsight.cli.light_values import light_value
from shopinsight.core.errors import InputError, ShopInsightError, WorkspaceError, disk_error

DEBUG_VAR = "SHOPINSIGHT_DEBUG"
# sqlite errors that come from the folder, not from a bug
_SQLITE_ENVIRONMENT = ("unable to open", "readonly", "locked", "disk i/o", "disk is full")


class _Group(TyperGroup):
    """The root command: user errors become a short message and exit code 2, and the help of
    every subcommand is polished for people (see `polish_help`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        polish_help(self)
        for param in self.params:  # the root's options are read before any subcommand's --help
            if param.name in _ROOT_VALUES and hasattr(param, "_runtime_param"):
                param._runtime_param = _ROOT_VALUES[param.name]

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            handle_error(error)
        except KeyboardInterrupt:
            err_console.print("Interrupted; the workspace is unchanged.")
            raise typer.Exit(130) from None


def exit_for(error: Exception) -> NoReturn:
    """`handle_error` outside a Typer command (the root's own, the warm pass): its exit as
    the process' exit code."""
    try:
        handle_error(error)
    except typer.Exit as exit_:
        raise SystemExit(exit_.exit_code) from None
    raise SystemExit(1)  # handle_error always raises; this says so to the type checker


def handle_error(error: Exception) -> None:
    """What a command's error shows (the root command's, and the warm pass' once it has begun
    writing): a user error a short message and exit code 2, a bug one paragraph."""
    if isinstance(error, ShopInsightError):
        fail(error)
    if isinstance(error, typer.Exit | typer.Abort | TyperException):  # usage: click shows it
        raise error
    if isinstance(error, BrokenPipeError):  # `shopinsight customers --csv | head`: enough read
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    if (disk := disk_error(error)) is not None:  # Polars: a ComputeError, not OSError
        fail(disk)
    if isinstance(error, OSError):  # read-only folder, disk full: say which file
        fail(os_error(error))
    if isinstance(error, sqlite3.OperationalError) and any(
        m in str(error).lower() for m in _SQLITE_ENVIRONMENT
    ):
        fail(
            WorkspaceError(
                "The workspace's state.sqlite cannot be used",
                f"{error}. The workspace folder must be writable (not read-only, not "
                "full) and used by one ShopInsight at a time.",
            )
        )
    if os.environ.get(DEBUG_VAR):
        raise error
    crash(error)  # a bug: one paragraph instead of a traceback


class _RootValue:
    """A root option's value without Typer's Pydantic adapter: Typer builds one per option
    when it first reads a value, and the root's options are read before a subcommand's --help,
    so `shopinsight customers --help` imported Pydantic (~0.1 s) for `--workspace` and
    `--version` alone."""

    def __init__(self, kind: type) -> None:
        self.kind = kind

    def coerce(self, value: Any, param: Any = None, ctx: Any = None) -> Any:
        return None if value is None else self.kind(value)


_ROOT_VALUES = {"workspace": _RootValue(Path), "version": _RootValue(bool)}
"""Also every command's `--help` flag (see `_plain_help_option`)."""


app = AreaApp(  # the area modules register their commands on it (see cli.areas)
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

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        metavar="DIR",
        help="Workspace folder (default: $SHOPINSIGHT_WORKSPACE or your user data folder).",
        show_default=False,
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Analyse the shop as it stood on this day (YYYY-MM-DD); later orders are ignored. "
        "Default: the day of the last order in the currency analysed.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
CurrencyOpt = Annotated[
    str | None,
    typer.Option(
        "--currency",
        metavar="CODE",
        help="Analyse the orders in this currency (e.g. EUR); amounts are never added across "
        "currencies. Default: shop.currency in shopinsight.toml, else the currency most of "
        "your identified customers buy in.",
        show_default=False,
    ),
]


def fail(error: ShopInsightError) -> None:
    """Show a user-facing error as a short paragraph on stderr and exit with code 2."""
    from shopinsight.render import error_panel

    err_console.print(error_panel(error))
    raise typer.Exit(2)


def os_error(error: OSError) -> ShopInsightError:
    """A file-system error as the merchant can act on it: which file, and what went wrong."""
    where = error.filename or "a file"
    reason = error.strerror or str(error)
    return InputError(
        f"Cannot read or write {where}",
        f"{reason}. Check that the folder exists, that you may write there and that the disk "
        "is not full.",
    )


def crash(error: Exception) -> None:
    """An unexpected error (a bug, not the merchant's input): one paragraph, exit code 70."""
    from shopinsight.render import plain_panel

    err_console.print(
        plain_panel(
            "ShopInsight hit an unexpected problem",
            f"{type(error).__name__}: {error}".strip()[:600]
            + "\n\nThis is a bug in ShopInsight, not a mistake of yours. Run the command again "
            f"with {DEBUG_VAR}=1 to see the details for a bug report.",
        )
    )
    raise typer.Exit(70)


# -- help for people -----------------------------------------------------------------------------

_TYPE_LABELS = {bool: "", int: "N", float: "NUMBER", str: "TEXT", Path: "PATH"}
_DATE_OPTIONS = {"as_of", "until"}


def polish_help(command: Any) -> None:
    """Help that reads well at 80 columns, for every subcommand of every area module:
    docstring paragraphs reflowed (Rich keeps single line breaks), brackets shown as written,
    plain value names (YYYY-MM-DD, N, TEXT, PATH) instead of `<list[str]>`, no `<bool>`."""
    if command.help:  # "[segments]" in a help text is a setting, not Rich markup
        command.help = escape(reflow(command.help))
    command.get_help_option = _plain_help_option(command.get_help_option)
    for param in command.params:
        if getattr(param, "_runtime_param", False) is None:  # values read without Pydantic
            param._runtime_param = light_value(param)
        if getattr(param, "help", None):
            param.help = escape(param.help)
        if param.param_type_name == "argument":  # the name says it all: no `<str>` beside it
            param.display_type_rich = lambda ctx: None
            param.metavar = param.metavar or param.name.upper()
        elif param.metavar is not None:
            continue
        elif param.name in _DATE_OPTIONS:
            param.metavar = "YYYY-MM-DD"
        else:
            annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
            args = getattr(annotation, "__args__", None)
            base = args[0] if args else annotation
            param.metavar = _TYPE_LABELS.get(base, "" if getattr(param, "is_flag", False) else None)
    for sub in (getattr(command, "commands", None) or {}).values():
        polish_help(sub)


def _plain_help_option(get: Any) -> Any:
    def get_help_option(ctx: Any) -> Any:
        option = get(ctx)
        if option is not None:
            option.metavar = ""
            if not getattr(option.callback, "_light", False):
                option.callback = _light_help(option.callback)
                option._runtime_param = _ROOT_VALUES["version"]  # a flag: no Pydantic
        return option

    return get_help_option


def _light_help(show_help: Any) -> Any:
    """`--help` loads Typer's help formatter without `rich.markdown` and `rich.traceback`
    (markdown-it and Pygments: a third of the CPU time of `shopinsight --help`)."""

    def callback(ctx: Any, param: Any, value: Any) -> Any:
        if value and "typer.rich_utils" not in sys.modules:
            load_help_formatter()
        return show_help(ctx, param, value)

    callback._light = True  # type: ignore[attr-defined]
    return callback


_HELP_STAND_INS = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}
"""What typer.rich_utils imports but help never uses: our help is Rich markup, never Markdown
(rich_markup_mode="rich"), and tracebacks are off (pretty_exceptions_enable=False)."""


def load_help_formatter() -> None:
    """Import typer.rich_utils with stand-in modules for `_HELP_STAND_INS` (each name imports
    the real module when used); the real modules are imported as usual by anything that asks
    for them later, since the stand-ins leave sys.modules once rich_utils is loaded."""
    import types

    stubs = {}
    for module, name in _HELP_STAND_INS.items():
        if module not in sys.modules:
            stub = types.ModuleType(module)
            setattr(stub, name, stand_in(module, name))
            stubs[module] = sys.modules[module] = stub
    try:
        import typer.rich_utils  # noqa: F401
    finally:
        for module, stub in stubs.items():
            if sys.modules.get(module) is stub:
                del sys.modules[module]


def reflow(text: str) -> str:
    """Join the lines of each paragraph (blank-line separated); keep list-like lines apart."""
    paragraphs = []
    for para in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in para.strip().splitlines()]
        if para.startswith("\b") or any(re.match(r"[-•*] |\d+\. ", ln) for ln in lines[1:]):
            paragraphs.append(para)
        else:
            paragraphs.append(" ".join(lines))
    return "\n\n".join(paragraphs)
