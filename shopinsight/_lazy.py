"""Defer importing Polars until a command uses it, so `shopinsight --help` stays fast.

Every command module says `import polars as pl` at the top (type hints, the odd expression),
but `--help`, `--version` and errors in the options never touch a DataFrame. Importing Polars
costs more than all of Typer and Rich together, so the CLI puts a stand-in module under the name
`polars` before loading the command modules: the first real attribute (`pl.col`, `pl.DataFrame`,
a submodule import) imports Polars and the stand-in takes on its contents, so later lookups are
ordinary module lookups. Nothing changes when Polars was already imported (tests, the app).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

__all__ = ["defer_import"]

_LOCK = threading.RLock()


class _Deferred(types.ModuleType):
    """A module that becomes the real one on first use."""

    def __getattr__(self, name: str) -> Any:  # only called for names not set yet
        with _LOCK:
            real = sys.modules.get(self.__name__)
            if real is None or real is self:
                del sys.modules[self.__name__]
                try:
                    real = importlib.import_module(self.__name__)
                except BaseException:
                    sys.modules.setdefault(self.__name__, self)
                    raise
            self.__dict__.update(real.__dict__)
        return getattr(real, name)


def defer_import(name: str) -> None:
    """Put a stand-in for the top-level module `name` in sys.modules (if not imported yet)."""
    if name in sys.modules or importlib.util.find_spec(name) is None:
        return
    sys.modules[name] = _Deferred(name)
