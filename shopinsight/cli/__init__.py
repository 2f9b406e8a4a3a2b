"""`shopinsight` command line: the Typer app and its subcommand modules.

Each module in this package (other than `app`, `areas`, `base`, `root` and `warm`) holds one
area's subcommands and registers them on the shared `app` when imported, so adding an area never
touches the others (list a new command in `cli.areas.AREAS` so a command line imports only its
module).

Importing the package imports no Typer: the merchant's warm pass (`customers --json`, `churn
--json`, `bundles --json`, `gifts plan --json`) runs without it (`cli.warm`), and the Typer app
is built when first asked for (`shopinsight.cli.app`, or `main` for any other command line).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from shopinsight._lazy import defer_import

defer_import("polars")  # before the command modules import it: `--help` never needs it


def main() -> None:
    """Console-script entry point: a warm `--json` read of the merchant's pass without Typer
    (`cli.warm`), any other command line through the Typer app (`cli.root`)."""
    from shopinsight.cli.warm import run_warm

    if run_warm(sys.argv[1:]):
        return
    from shopinsight.cli.root import typer_main

    typer_main()


class _Package(types.ModuleType):
    """`shopinsight.cli.app` is the Typer app (as `from shopinsight.cli import app` has always
    given), built on first use; the module of the same name is `sys.modules["shopinsight.cli.app"]`
    (the import system's naming it here after loading it is ignored)."""

    @property
    def app(self) -> Any:
        from shopinsight.cli.root import app

        return app

    @app.setter
    def app(self, value: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Package
