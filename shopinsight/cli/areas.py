"""Which module holds which command, so a command line imports only the area it runs.

Each area module registers its commands on the root app when imported. A command line that
names a command in `AREAS` imports just its module(s) (`shopinsight.cli.main`); Typer then
builds one command instead of thirty, with their help polished and their parameters read
(~0.05 s of every warm command). Anything else (the root's --help, a typo, a command missing
from the table) imports every area, as does any other use of the app (tests, the TUI): the
root app imports them when Typer first builds it (`AreaApp`). Holds no commands; a test checks
the table against the modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

AREAS: dict[str, tuple[str, ...]] = {
    "bundles": ("bundles",),
    "changes": ("changes",),
    "churn": ("churn",),
    "cohorts": ("insights",),
    "customers": ("customers",),
    "demo": ("demo",),
    "drivers": ("insights",),
    "exclude": ("exclusions",),
    "explain": ("customers",),
    "export": ("tags", "audiences"),
    "formats": ("imports",),
    "gifts": ("gifts",),
    "import": ("imports",),
    "include": ("exclusions",),
    "repeat": ("insights",),
    "report": ("report",),
    "sample": ("samples",),
    "segments": ("customers",),
    "status": ("imports",),
    "tag": ("tags",),
    "tui": ("tui",),
    "value": ("value",),
    "where": ("imports",),
}
"""Command (or command group) -> the modules that register it and its subcommands."""

_WITH_VALUE = ("-w", "--workspace")  # the root's options that take a value


def areas_for(argv: list[str]) -> tuple[str, ...] | None:
    """The modules a command line needs (`shopinsight -w DIR churn --json` -> churn), or None
    when it needs them all or names no listed command."""
    args = iter(argv)
    for arg in args:
        if arg in _WITH_VALUE:
            next(args, None)
        elif arg.startswith("--workspace=") or (arg.startswith("-w") and arg[:2] != "--"):
            continue  # the value attached: --workspace=DIR, -wDIR
        elif arg.startswith("-"):
            return None  # --version, --help, a typo: everything, as before
        else:
            return AREAS.get(arg)
    return None


class AreaApp(typer.Typer):
    """The root Typer app: the area modules are imported when Typer first builds it (it asks
    for the root's callback first), unless `only` imported the ones a command line needs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__["_load_all"] = None
        super().__init__(*args, **kwargs)

    def load_areas_with(self, load_all: Callable[[], None]) -> None:
        """What imports every area module (set once they can be imported)."""
        self.__dict__["_load_all"] = load_all

    def only(self, load: Callable[[], None]) -> None:
        """Import only some areas (`load`); the others are never imported by this app."""
        self.__dict__["_load_all"] = None
        load()

    @property  # type: ignore[override]
    def registered_callback(self) -> Any:
        load_all = self.__dict__.pop("_load_all", None)
        if load_all is not None:
            load_all()
        return self.__dict__.get("_registered_callback")

    @registered_callback.setter
    def registered_callback(self, value: Any) -> None:
        self.__dict__["_registered_callback"] = value
