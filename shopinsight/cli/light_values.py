"""Option values read without Pydantic: Typer builds a Pydantic adapter per option the first
time it reads a value (even a missing one), so every command imported Pydantic and built a
dozen adapters before doing anything: ~0.15 s of a warm `customers --json`, whose work is a
cache read. Holds no commands.

`light_value(param)` stands in for Typer's coercion of a plain option (text, whole number,
number, flag, path, or a list of these): the values a merchant types are read here exactly as
Typer reads them; anything else (`--top x`, `--top 0`, `1e3`) goes to Typer's own coercion, so
its errors read as before.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args, get_origin

__all__ = ["light_value"]

_NO = object()  # "not one of the plain values: ask Typer"
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?")
_PLAIN = (str, int, float, bool)


class _LightValue:
    """Typer's `RuntimeParam.coerce` for the plain values of one option."""

    def __init__(self, param: Any, kind: type, many: bool) -> None:
        self.param, self.kind, self.many = param, kind, many
        info = param.type_descriptor.parameter_info
        self.info, self.low, self.high = info, info.min, info.max
        self._typer: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None
        if multi and self.many and isinstance(value, list | tuple):
            items = [self._one(item, param, ctx) for item in value]
            if all(item is not _NO for item in items):
                return items
        elif not multi and not self.many:
            one = self._one(value, param, ctx)
            if one is not _NO:
                return one
        return self.typer().coerce(value, param=param, ctx=ctx)

    def typer(self) -> Any:
        """Typer's own coercion of this option (imports Pydantic)."""
        if self._typer is None:
            from typer._coercion import build_runtime_param

            self._typer = build_runtime_param(self.param.type_descriptor)
        return self._typer

    def _one(self, value: Any, param: Any, ctx: Any) -> Any:
        kind = self.kind
        if kind is str:
            return value if isinstance(value, str) else _NO
        if kind is bool:
            return value if isinstance(value, bool) else _NO
        if kind is int or kind is float:
            if isinstance(value, str) and (_INT if kind is int else _FLOAT).fullmatch(value):
                value = kind(value)
            if type(value) is not kind and not (kind is float and type(value) is int):
                return _NO
            value = kind(value)
            if (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high
            ):
                return _NO  # Typer says what the range is
            return value
        if value == "" or not isinstance(value, str | Path):
            return _NO
        from typer._param_types import coerce_cli_path  # a path: Typer's checks, on a Path

        return coerce_cli_path(Path(value), self.info, path_type=self.kind, param=param, ctx=ctx)


def light_value(param: Any) -> _LightValue | None:
    """A light coercion for this Typer parameter, or None when Typer's own is needed (a
    parser, a file, a choice, a clamp, a date, a tuple)."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or descriptor.file_annotation is not None:
        return None
    info = descriptor.parameter_info
    if info.parser is not None or info.clamp or getattr(info, "click_type", None) is not None:
        return None
    annotation, many = descriptor.annotation, False
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
        many = True
    if annotation in _PLAIN:
        if descriptor.is_choice:
            return None
        return _LightValue(param, annotation, many)
    path = isinstance(annotation, type) and issubclass(annotation, Path)
    if path and not many and info.path_type is None:
        return _LightValue(param, annotation, many)
    return None
