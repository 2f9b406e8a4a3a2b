"""The condition language of custom tags: a small expression language parsed here, never SQL.

A custom tag in shopinsight.toml is a yes/no test over one row of the customer table:

    big_fan   = "monetary > 500 and frequency >= 3"
    lapsed    = "m_score = 5 and recency_days > 180 and not contains(tags_text, 'vip')"
    eu        = "upper(country) in ['IT', 'DE', 'FR'] or 'amazon' in marketplaces"

Grammar (keywords in any case):

    condition  := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | compare
    compare    := sum [ op sum | ["not"] "in" list_or_column | "is" ["not"] "null" ]
    op         := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/" | "%") unary)*
    unary      := "-" unary | atom
    atom       := number | 'text' | "text" | true | false | null | column
                | function "(" [condition ("," condition)*] ")" | "(" condition ")"
    list       := "[" literal ("," literal)* "]"      (or the same in round brackets)

Functions: contains(text_or_list, value), starts_with(text, prefix), ends_with(text, suffix),
lower(text), upper(text), len(text_or_list), abs(number), round(number[, digits]),
min(a, b, ...), max(a, b, ...), coalesce(a, b, ...), date('YYYY-MM-DD').

Why a parser of our own: the condition comes from a settings file, which is data. It can only
name columns of the customer table and the functions above, so it cannot read a file, open a
URL or run code (Polars SQL could: `read_csv('/etc/passwd')` in a subquery). The text is
limited in length and nesting depth, and errors give a position, never a file's content.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from shopinsight.core.customers.condition_values import (
    FUNCTIONS,
    ConditionError,
    UnknownColumn,
    Val,
    date_of,
    lit,
)
from shopinsight.core.text import visible

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "Condition", "ConditionError", "FUNCTIONS", "parse"]

MAX_LENGTH = 2_000  # characters in one condition
MAX_DEPTH = 25  # nested brackets, `not`s and function calls
MAX_LIST = 500  # values in one `in [...]` list

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
      | (?P<text>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op><=|>=|==|!=|<>|[=<>+\-*/%(),\[\]])""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "is", "null", "true", "false"}
_COMPARE = {"=", "==", "!=", "<>", "<", "<=", ">", ">="}


@dataclass(frozen=True)
class Condition:
    """A parsed condition: the Polars expression and the columns it reads (in order)."""

    expr: pl.Expr
    columns: list[str]


@dataclass(frozen=True)
class _Tok:
    kind: str  # number, text, name, keyword, op, end
    value: str
    pos: int


def _kind_of(dtype: pl.DataType) -> str:
    if dtype.is_numeric():
        return "num"
    if dtype == pl.Utf8 or dtype == pl.Categorical or dtype == pl.Enum:
        return "str"
    if dtype == pl.Boolean:
        return "bool"
    if isinstance(dtype, pl.List | pl.Array):
        return "list"
    if dtype.is_temporal():
        return "date"
    return "any"


def _tokens(text: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ConditionError(f"'{visible(text[pos])}' is not allowed here", pos)
        kind = m.lastgroup or ""
        if kind != "space":
            value = m.group()
            if kind == "name" and value.lower() in _KEYWORDS:
                kind, value = "keyword", value.lower()
            out.append(_Tok(kind, value, pos))
        pos = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


def _unquote(raw: str) -> str:
    q = raw[0]
    body = raw[1:-1].replace(q + q, q)
    return re.sub(r"\\(.)", r"\1", body)


class _Parser:
    def __init__(self, text: str, columns: Mapping[str, pl.DataType]) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0
        self.columns = columns
        self.used: list[str] = []

    # -- helpers ---------------------------------------------------------------------------------
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def at(self, *values: str) -> bool:
        return self.tok.kind in ("op", "keyword") and self.tok.value in values

    def expect(self, value: str) -> _Tok:
        if not self.at(value):
            raise ConditionError(f"expected '{value}' {self.where()}", self.tok.pos)
        return self.take()

    def where(self) -> str:
        return "at the end" if self.tok.kind == "end" else f"before '{self.tok.value[:20]}'"

    def nest(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(f"nested more than {MAX_DEPTH} levels deep", pos)

    def need(self, val: Val, kinds: set[str], what: str, pos: int) -> None:
        if val.kind not in kinds | {"any", "null"}:
            raise ConditionError(f"{what} needs {' or '.join(sorted(kinds))}", pos)

    # -- grammar ---------------------------------------------------------------------------------
    def condition(self) -> Val:
        left = self.and_()
        while self.at("or"):
            pos = self.take().pos
            right = self.and_()
            self.need(left, {"bool"}, "'or'", pos)
            self.need(right, {"bool"}, "'or'", pos)
            left = Val(left.expr | right.expr, "bool")
        return left

    def and_(self) -> Val:
        left = self.not_()
        while self.at("and"):
            pos = self.take().pos
            right = self.not_()
            self.need(left, {"bool"}, "'and'", pos)
            self.need(right, {"bool"}, "'and'", pos)
            left = Val(left.expr & right.expr, "bool")
        return left

    def not_(self) -> Val:
        if self.at("not"):
            pos = self.take().pos
            self.nest(pos)
            inner = self.not_()
            self.depth -= 1
            self.need(inner, {"bool"}, "'not'", pos)
            return Val(~inner.expr, "bool")
        return self.compare()

    def compare(self) -> Val:
        left = self.sum_()
        tok = self.tok
        if tok.kind == "op" and tok.value in _COMPARE:
            self.take()
            right = self.sum_()
            a, b = _align(left, right, tok.pos), _align(right, left, tok.pos)
            op = {"=": "==", "<>": "!="}.get(tok.value, tok.value)
            return Val(_COMPARE_FN[op](a, b), "bool")
        if self.at("in") or (self.at("not") and self.toks[self.i + 1].value == "in"):
            negate = self.take().value == "not"
            if negate:
                self.take()
            return self.membership(left, negate, tok.pos)
        if self.at("is"):
            self.take()
            negate = self.at("not")
            if negate:
                self.take()
            self.expect("null")
            return Val(left.expr.is_not_null() if negate else left.expr.is_null(), "bool")
        return left

    def membership(self, left: Val, negate: bool, pos: int) -> Val:
        if self.at("[", "("):
            close = "]" if self.take().value == "[" else ")"
            values: list[object] = []
            kinds: set[str] = set()
            while True:
                item = self.unary()
                if not item.is_literal:
                    raise ConditionError(
                        "a list holds only numbers, text, true, false or null", self.tok.pos
                    )
                values.append(item.literal)
                kinds |= {item.kind} - {"null"}
                if len(kinds) > 1:
                    raise ConditionError("a list holds values of one kind (numbers or text)", pos)
                if len(values) > MAX_LIST:
                    raise ConditionError(f"a list holds at most {MAX_LIST} values", pos)
                if not self.at(","):
                    break
                self.take()
            self.expect(close)
            hit = left.expr.is_in(pl.Series(values, strict=False).implode())
        else:  # 'amazon' in marketplaces: a value in a list column
            right = self.sum_()
            self.need(right, {"list"}, "'in' after a value", pos)
            hit = right.expr.list.contains(left.expr)
        return Val(~hit if negate else hit, "bool")

    def sum_(self) -> Val:
        left = self.product()
        while self.at("+", "-"):
            tok = self.take()
            right = self.product()
            self.need(left, {"num"}, f"'{tok.value}'", tok.pos)
            self.need(right, {"num"}, f"'{tok.value}'", tok.pos)
            expr = left.expr + right.expr if tok.value == "+" else left.expr - right.expr
            left = Val(expr, "num")
        return left

    def product(self) -> Val:
        left = self.unary()
        while self.at("*", "/", "%"):
            tok = self.take()
            right = self.unary()
            self.need(left, {"num"}, f"'{tok.value}'", tok.pos)
            self.need(right, {"num"}, f"'{tok.value}'", tok.pos)
            fn = {"*": pl.Expr.mul, "/": pl.Expr.truediv, "%": pl.Expr.mod}[tok.value]
            left = Val(fn(left.expr, right.expr), "num")
        return left

    def unary(self) -> Val:
        if self.at("-"):
            pos = self.take().pos
            self.nest(pos)
            inner = self.unary()
            self.depth -= 1
            self.need(inner, {"num"}, "'-'", pos)
            if inner.is_literal:
                return lit(-inner.literal, "num")  # type: ignore[operator]
            return Val(-inner.expr, "num")
        return self.atom()

    def atom(self) -> Val:
        tok = self.take()
        if tok.kind == "number":
            return _number(tok)
        if tok.kind == "text":
            return lit(_unquote(tok.value), "str")
        if tok.kind == "keyword" and tok.value in ("true", "false"):
            return lit(tok.value == "true", "bool")
        if tok.kind == "keyword" and tok.value == "null":
            return Val(pl.lit(None), "null", None, True)
        if tok.kind == "op" and tok.value == "(":
            self.nest(tok.pos)
            inner = self.condition()
            self.expect(")")
            self.depth -= 1
            return inner
        if tok.kind == "name" and self.at("("):
            return self.call(tok)
        if tok.kind == "name":
            if tok.value not in self.columns:
                raise UnknownColumn(tok.value, tok.pos)
            if tok.value not in self.used:
                self.used.append(tok.value)
            return Val(pl.col(tok.value), _kind_of(self.columns[tok.value]))
        what = "the end of the condition" if tok.kind == "end" else f"'{tok.value[:20]}'"
        raise ConditionError(f"expected a value, a column or '(' but found {what}", tok.pos)

    def call(self, name: _Tok) -> Val:
        fn = FUNCTIONS.get(name.value.lower())
        if fn is None:
            raise ConditionError(
                f"unknown function '{name.value[:40]}'; functions: {', '.join(sorted(FUNCTIONS))}",
                name.pos,
            )
        self.nest(name.pos)
        self.expect("(")
        args: list[Val] = []
        if not self.at(")"):
            args.append(self.condition())
            while self.at(","):
                self.take()
                args.append(self.condition())
        self.expect(")")
        self.depth -= 1
        return fn(args, name.pos)


def _number(tok: _Tok) -> Val:
    is_int = re.fullmatch(r"\d+", tok.value) is not None
    value: float | int = int(tok.value) if is_int else float(tok.value)
    if (is_int and abs(value) >= 2**63) or not math.isfinite(value):
        raise ConditionError(f"the number {tok.value[:20]} is too large", tok.pos)
    return lit(value, "num")


def _align(val: Val, other: Val, pos: int) -> pl.Expr:
    """A text literal compared with a date column is read as a date ('2024-01-31')."""
    if val.is_literal and val.kind == "str" and other.kind == "date":
        return date_of(str(val.literal), pos).expr
    return val.expr


_COMPARE_FN: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "==": pl.Expr.eq,
    "!=": pl.Expr.ne,
    "<": pl.Expr.lt,
    "<=": pl.Expr.le,
    ">": pl.Expr.gt,
    ">=": pl.Expr.ge,
}


def parse(text: str, columns: Mapping[str, pl.DataType]) -> Condition:
    """Parse a condition over `columns` (name -> dtype) into a Polars expression.

    Raises ConditionError (UnknownColumn for a name that is not a column) with the position.
    """
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"longer than {MAX_LENGTH:,} characters", MAX_LENGTH)
    parser = _Parser(text, columns)
    if parser.tok.kind == "end":
        raise ConditionError("the condition is empty", 0)
    value = parser.condition()
    if parser.tok.kind != "end":
        raise ConditionError(f"expected 'and', 'or' or the end {parser.where()}", parser.tok.pos)
    return Condition(value.expr, parser.used)
