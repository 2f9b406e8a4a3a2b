"""Values and functions of the custom tag condition language (see `condition.py`).

Each function takes parsed arguments (a Polars expression with a coarse type) and returns one;
type mistakes are ConditionErrors with the position of the call, never Polars tracebacks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

__all__ = ["FUNCTIONS", "ConditionError", "UnknownColumn", "Val", "date_of", "lit"]


class ConditionError(ValueError):
    """A condition that cannot be used; `position` is the 0-based character where it fails."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class UnknownColumn(ConditionError):
    """A name that is not a column of the customer table."""

    def __init__(self, column: str, position: int) -> None:
        super().__init__(f"unknown column '{column[:40]}'", position)
        self.column = column[:40]


@dataclass(frozen=True)
class Val:
    """An expression with a coarse type: num, str, bool, list, date, null or any."""

    expr: pl.Expr
    kind: str
    literal: object = None
    is_literal: bool = False


def lit(value: object, kind: str) -> Val:
    return Val(pl.lit(value), kind, value, True)


def date_of(text: str, pos: int) -> Val:
    try:
        return lit(dt.date.fromisoformat(text.strip()), "date")
    except ValueError:
        raise ConditionError("a date is written 'YYYY-MM-DD'", pos) from None


def _arity(name: str, args: list[Val], low: int, high: int | None, pos: int) -> None:
    if len(args) < low or (high is not None and len(args) > high):
        want = f"{low}" if low == high else f"{low} or more" if high is None else f"{low}–{high}"
        raise ConditionError(f"{name}() takes {want} value(s), not {len(args)}", pos)


def _text_fn(name: str, method: str) -> Callable[[list[Val], int], Val]:
    def fn(args: list[Val], pos: int) -> Val:
        _arity(name, args, 2, 2, pos)
        a, b = args
        if a.kind == "list" and name == "contains":
            return Val(a.expr.list.contains(b.expr), "bool")
        if a.kind not in ("str", "any", "null") or b.kind not in ("str", "any", "null"):
            raise ConditionError(f"{name}() compares text with text", pos)
        if method == "contains":
            return Val(a.expr.str.contains(b.expr, literal=True), "bool")
        return Val(getattr(a.expr.str, method)(b.expr), "bool")

    return fn


def _one(name: str, kinds: set[str], build: Callable[[Val], Val]) -> Callable:
    def fn(args: list[Val], pos: int) -> Val:
        _arity(name, args, 1, 1, pos)
        if args[0].kind not in kinds | {"any", "null"}:
            raise ConditionError(f"{name}() needs {' or '.join(sorted(kinds))}", pos)
        return build(args[0])

    return fn


def _len(v: Val) -> Val:
    return Val(v.expr.list.len() if v.kind == "list" else v.expr.str.len_chars(), "num")


def _round(args: list[Val], pos: int) -> Val:
    _arity("round", args, 1, 2, pos)
    digits = args[1].literal if len(args) == 2 else 0
    if not isinstance(digits, int) or isinstance(digits, bool) or not 0 <= digits <= 10:
        raise ConditionError("round() takes a whole number of digits from 0 to 10", pos)
    return Val(args[0].expr.round(digits), "num")


def _many(name: str, build: Callable[..., pl.Expr]) -> Callable[[list[Val], int], Val]:
    def fn(args: list[Val], pos: int) -> Val:
        _arity(name, args, 1, None, pos)
        kinds = {a.kind for a in args} - {"null", "any"}
        return Val(build([a.expr for a in args]), kinds.pop() if len(kinds) == 1 else "any")

    return fn


def _date(args: list[Val], pos: int) -> Val:
    _arity("date", args, 1, 1, pos)
    if not (args[0].is_literal and args[0].kind == "str"):
        raise ConditionError("date() takes a text like '2024-01-31'", pos)
    return date_of(str(args[0].literal), pos)


FUNCTIONS: dict[str, Callable[[list[Val], int], Val]] = {
    "contains": _text_fn("contains", "contains"),
    "starts_with": _text_fn("starts_with", "starts_with"),
    "ends_with": _text_fn("ends_with", "ends_with"),
    "lower": _one("lower", {"str"}, lambda v: Val(v.expr.str.to_lowercase(), "str")),
    "upper": _one("upper", {"str"}, lambda v: Val(v.expr.str.to_uppercase(), "str")),
    "len": _one("len", {"str", "list"}, _len),
    "array_length": _one("array_length", {"list"}, _len),
    "abs": _one("abs", {"num"}, lambda v: Val(v.expr.abs(), "num")),
    "round": _round,
    "min": _many("min", lambda e: pl.min_horizontal(e)),
    "max": _many("max", lambda e: pl.max_horizontal(e)),
    "coalesce": _many("coalesce", lambda e: pl.coalesce(e)),
    "date": _date,
}
