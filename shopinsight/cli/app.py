"""The Typer app and what every subcommand shares: the workspace, --as-of, output, errors.

Each area's subcommands live in their own module in this package and register themselves on
`app` when imported; `shopinsight/cli/__init__.py` imports them all. Subcommands stay thin:
resolve options, call the core, hand the result to `shopinsight.render` or print JSON.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from shopinsight.cli.areas import AreaApp
from shopinsight.cli.lazy_rich import LazyConsole, escape, stand_in
from shopinsight.cli.light_values import light_value
from shopinsight.core.errors import InputError, ShopInsightError, WorkspaceError, disk_error
from shopinsight.core.text import json_visible

if TYPE_CHECKING:  # imported where used: `--help` must not load the analysis code
    from shopinsight.core.shop import Shop
    from shopinsight.core.workspace import Workspace

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
        except ShopInsightError as error:
            fail(error)
        except KeyboardInterrupt:
            err_console.print("Interrupted; the workspace is unchanged.")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, TyperException):  # usage errors: click shows them
            raise
        except BrokenPipeError:  # `shopinsight customers --csv | head`: the reader has enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Exception as error:
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
                raise
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

# text from exports is untrusted: these consoles show control characters, never send them
console = LazyConsole()  # Rich is imported when something is printed (see cli.lazy_rich)
err_console = LazyConsole(stderr=True)

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


class State:
    """Options given before the subcommand (`shopinsight --workspace DIR status`)."""

    workspace_path: Path | None = None


state = State()


def workspace(path: Path | None = None, create: bool = False) -> Workspace:
    """The workspace chosen by the subcommand option, the global option or the environment.

    A folder named with --workspace is never created by a command that only reads (`import`
    and `where` may `create` it): a typo must not leave an empty workspace behind, so a
    missing folder is an error naming it."""
    from shopinsight.core.workspace import Workspace

    chosen = path or state.workspace_path
    if chosen is None or create:
        return Workspace.open(chosen)
    folder = Path(chosen).expanduser()
    if not folder.exists():
        raise WorkspaceError(
            "No orders yet",
            f"There is no workspace at {folder}: that folder does not exist. Check the "
            "--workspace path, or start a workspace there by importing an export: "
            f"shopinsight --workspace {folder} import FILE",
        )
    return Workspace.open(folder, create=False)


def open_shop(
    as_of: str | None = None, currency: str | None = None, path: Path | None = None
) -> Shop:
    """The `Shop` every analysis command reads: the workspace seen as of a day, in one currency.
    A day after the last order is allowed (to see who has gone quiet since) but said."""
    from shopinsight.core.shop import Shop

    shop = Shop(workspace(path), as_of, currency)
    if shop.requested_as_of is not None:
        _warn_late_as_of(shop)
    return shop


def _warn_late_as_of(shop: Shop) -> None:
    """A note on stderr when --as-of is after the last order or after today."""
    import polars as pl

    asked = shop.requested_as_of
    if asked is None or not shop.has_orders():
        return
    last = shop.ws.lines().select(pl.col("ordered_at").max()).collect().item()
    if last is None or asked <= last.date():
        return
    today = dt.date.today()
    future = f"in the future (today is {today}) and " if asked > today else ""
    err_console.print(
        f"[yellow]Note:[/] --as-of {asked} is {future}after the last order ({last.date()}): "
        f"every customer's days since their last order grow by {(asked - last.date()).days:,}. "
        "Results are for that day.",
        highlight=False,
    )


def print_notes(notes: list[str]) -> None:
    """What a view left out or fell back on, one line each (text from exports escaped)."""
    for note in notes:
        console.print(f"[yellow]Note:[/] {escape(note)}", highlight=False)


def _json_default(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)


def print_json(data: Any) -> None:
    """Write JSON to stdout (dates and times as ISO 8601 strings, no Rich markup). A frame is
    written as its list of rows, by Polars when it can (same text, much faster when big)."""
    if hasattr(data, "to_dicts"):
        from shopinsight.json_rows import frame_json_bytes, write_frame_json

        out = _utf8_stdout()
        if out is not None:  # Polars writes it there (no part copied into Python)
            sys.stdout.flush()  # what was printed before comes first
            if write_frame_json(data, out):
                out.write(b"\n")
                out.flush()
                return
        else:
            parts = frame_json_bytes(data)
            if parts is not None:
                write_utf8(itertools.chain(parts, [b"\n"]))
                return
        data = data.to_dicts()
    text = json.dumps(data, indent=2, default=_json_default, ensure_ascii=False)
    sys.stdout.write(json_visible(text) + "\n")


def _utf8_stdout() -> Any:
    """stdout's byte stream when stdout writes UTF-8, else None."""
    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is None or (out.encoding or "").lower().replace("-", "") != "utf8":
        return None
    return buffer


def write_utf8(parts: Iterable[bytes]) -> None:
    """Write UTF-8 text to stdout as it is made (a big list is never held whole): as bytes
    when stdout is UTF-8 (no 100 MB string decoded and encoded again), else as text."""
    buffer = _utf8_stdout()
    if buffer is None:
        for part in parts:
            sys.stdout.write(part.decode())
        return
    sys.stdout.flush()  # what was printed before comes first
    for part in parts:
        buffer.write(part)
    buffer.flush()


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
