"""What the subcommands share without Typer: the workspace chosen, the `Shop` they read, JSON
on stdout and the consoles.

`cli.app` holds the Typer app and re-exports these; the warm pass (`cli.warm`) runs the
merchant's `--json` reads with these alone, without importing Typer (see `cli.warm`).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopinsight.cli.lazy_rich import LazyConsole, escape
from shopinsight.core.errors import WorkspaceError
from shopinsight.core.text import json_visible

if TYPE_CHECKING:  # imported where used: `--help` must not load the analysis code
    from shopinsight.core.shop import Shop
    from shopinsight.core.workspace import Workspace

# text from exports is untrusted: these consoles show control characters, never send them
console = LazyConsole()  # Rich is imported when something is printed (see cli.lazy_rich)
err_console = LazyConsole(stderr=True)


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
    asked = shop.requested_as_of
    if asked is None or not shop.has_orders():
        return
    last = shop.last_order_day()  # the shop's day ([shop] timezone)
    if last is None or asked <= last:
        return
    today = dt.date.today()
    future = f"in the future (today is {today}) and " if asked > today else ""
    err_console.print(
        f"[yellow]Note:[/] --as-of {asked} is {future}after the last order ({last}): "
        f"every customer's days since their last order grow by {(asked - last).days:,}. "
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
            if parts is not None:  # stdout is not UTF-8: as text, a part at a time
                for part in parts:
                    sys.stdout.write(part.decode())
                sys.stdout.write("\n")
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
