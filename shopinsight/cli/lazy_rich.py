"""Rich, imported when something is drawn. Holds no commands.

A command that prints JSON draws nothing, yet importing Rich's console, tables and markup
cost every command ~0.03 s (of ~0.35 s for a warm one). The command modules take `Table`,
`Panel` and `Text` from here: stand-ins that import the real ones on first use and then behave
as them (a stand-in's call returns the real object); `escape` is Rich's markup escape, and
`LazyConsole` a `render.SafeConsole` made on first use.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

__all__ = ["LazyConsole", "Panel", "Table", "Text", "escape", "stand_in"]


def stand_in(module: str, name: str) -> type:
    """A class that becomes the real `module.name` when called or asked for an attribute."""

    def real() -> Any:
        return getattr(importlib.import_module(module), name)

    class Forward(type):
        def __getattr__(cls, attr: str) -> Any:
            return getattr(real(), attr)

    class StandIn(metaclass=Forward):
        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return real()(*args, **kwargs)

    StandIn.__name__ = StandIn.__qualname__ = name
    return StandIn


Panel = stand_in("rich.panel", "Panel")
Table = stand_in("rich.table", "Table")
Text = stand_in("rich.text", "Text")


_MARKUP = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")  # as rich.markup.escape finds a tag


def escape(markup: str) -> str:
    """`rich.markup.escape` without importing Rich: the help of every command built is escaped
    (`[segments]` in a help text is a setting, not markup). Rich's own few lines; a test checks
    both agree."""
    markup = _MARKUP.sub(lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", markup)
    if markup.endswith("\\") and not markup.endswith("\\\\"):
        return markup + "\\"
    return markup


class LazyConsole:
    """A `SafeConsole` made when first used: every attribute (read, set or deleted) is the
    real console's, so it can be printed to, measured and patched in tests like one."""

    def __init__(self, **options: Any) -> None:
        object.__setattr__(self, "_options", options)
        object.__setattr__(self, "_console", None)

    @property
    def real(self) -> Any:
        console = object.__getattribute__(self, "_console")
        if console is None:
            from shopinsight.render import SafeConsole

            console = SafeConsole(**object.__getattribute__(self, "_options"))
            object.__setattr__(self, "_console", console)
        return console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.real, name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self.real, name)
