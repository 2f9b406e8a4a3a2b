"""Behavioural tag rules (LANDSCAPE §4.3) as data: each rule is a name, its rule in words, a
condition and an evidence text, all Polars expressions over the customer table (plus the
columns `tag_features` adds). Thresholds come from the `[tags]` section of shopinsight.toml and
from the shop's own numbers (`stats`), so every rule text shows the threshold actually used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from shopinsight.core.config import defaults
from shopinsight.core.errors import ConfigError
from shopinsight.core.orders import shop_tz

__all__ = ["Limits", "TagRule", "behaviour_rules", "country_code"]


@dataclass(frozen=True)
class TagRule:
    """A tag: when it applies and the evidence shown next to it."""

    name: str
    rule: str
    when: pl.Expr
    reason: pl.Expr
    origin: str = "rule"


_COUNTRY = {
    "UNITED STATES": "US", "USA": "US", "UNITED STATES OF AMERICA": "US", "U.S.": "US",
    "UNITED KINGDOM": "GB", "UK": "GB", "GREAT BRITAIN": "GB", "ENGLAND": "GB",
    "ITALY": "IT", "ITALIA": "IT", "GERMANY": "DE", "DEUTSCHLAND": "DE", "FRANCE": "FR",
    "SPAIN": "ES", "ESPAÑA": "ES", "CHINA": "CN", "中国": "CN", "CANADA": "CA",
    "AUSTRALIA": "AU", "JAPAN": "JP", "NETHERLANDS": "NL", "INDIA": "IN", "BRAZIL": "BR",
    "BRASIL": "BR", "MEXICO": "MX", "PAKISTAN": "PK", "BANGLADESH": "BD", "IRELAND": "IE",
    "AUSTRIA": "AT", "SWITZERLAND": "CH", "BELGIUM": "BE", "SWEDEN": "SE", "POLAND": "PL",
}  # fmt: skip


def country_code(expr: pl.Expr) -> pl.Expr:
    """A country as an upper-case ISO code where the name is a common one ("Italy" -> "IT")."""
    return expr.str.strip_chars().str.to_uppercase().replace(_COUNTRY)


def pct_text(expr: pl.Expr) -> pl.Expr:
    return (expr * 100).round(0).cast(pl.Int64).cast(pl.Utf8) + "%"


def num_text(expr: pl.Expr) -> pl.Expr:
    """One decimal, without a trailing ".0" ("2", "2.5")."""
    return expr.round(1).cast(pl.Utf8).str.strip_suffix(".0")


N = pl.col("orders")


def of_orders(col: str, what: str) -> pl.Expr:
    """ "3 of 4 orders had a discount" from the count column and the orders column."""
    return pl.format("{} of {} orders " + what, pl.col(col), N)


def share_rule(name: str, col: str, min_orders: int, share: float, what: str, rule: str) -> TagRule:
    """A tag for customers with >= min_orders orders and >= share of them matching."""
    when = (N >= min_orders) & (pl.col(col) / N >= share)
    return TagRule(
        name, f"≥ {min_orders} orders and ≥ {share:.0%} of them {rule}", when, of_orders(col, what)
    )


@cache
def _TAG_DEFAULTS() -> dict[str, Any]:  # noqa: N802 - a constant, read once
    return defaults().get("tags") or {}


@dataclass(frozen=True)
class Limits:
    """Every threshold the built-in rules use, read once from `[tags]` and the shop's numbers
    (`stats`: P40 order value, P75 unit price, P90 units and products, P95 repeat gap, VIP
    rank), so a rule's text always shows the value it applied."""

    cfg: dict[str, Any]
    stats: dict[str, float]
    tz: str
    home: str
    home_code: str

    home_inferred: bool = False

    @classmethod
    def from_config(
        cls, config: dict[str, Any], stats: dict[str, float], countries: pl.Series | None = None
    ) -> Limits:
        """`countries` (one per customer) stand in for an unset `shop.country`: the home country
        is then where most customers are, so a UK shop's UK customers are never 'international'
        because of a default."""
        shop = config.get("shop") or {}
        home = str(shop.get("country") or "").strip()
        inferred = False
        if not home and countries is not None:
            frame = pl.DataFrame({"c": countries.cast(pl.Utf8)})
            codes = frame.select(country_code(pl.col("c")))["c"].drop_nulls()
            if codes.len():
                home, inferred = str(codes.value_counts(sort=True)["c"][0]), True
        code = pl.select(country_code(pl.lit(home))).item() if home else ""
        return cls(
            config.get("tags") or {},
            stats,
            shop_tz(config),  # as every order day is read
            home,
            code or "",
            inferred,
        )

    def get(self, key: str) -> Any:
        """A `[tags]` setting; when unset, its default from the settings template (the one
        place defaults are written)."""
        value = self.cfg.get(key)
        return _TAG_DEFAULTS()[key] if value is None else value

    def get_int(self, key: str) -> int:
        return int(self.get(key))

    def get_float(self, key: str) -> float:
        return float(self.get(key))

    @property
    def two(self) -> int:
        """The fewest orders before a share of them means anything."""
        return self.get_int("min_orders_for_share")

    @property
    def night(self) -> str:
        start, end = self.get_int("night_start"), self.get_int("night_end")
        return f"{start:02d}:00–{end - 1:02d}:59 {self.tz}"


RuleBuilder = Callable[[Limits], TagRule]


def behaviour_rules(
    config: dict[str, Any], stats: dict[str, float], countries: pl.Series | None = None
) -> list[TagRule]:
    """The built-in behavioural rules (`builtin_tags.RULES`) with this shop's thresholds filled
    in, less those named in `tags.disabled`."""
    from shopinsight.core.customers.builtin_tags import RULES

    limits = Limits.from_config(config, stats, countries)
    rules = [build(limits) for build in RULES]
    disabled = {str(d) for d in limits.get("disabled")}
    unknown = disabled - {r.name for r in rules}
    if unknown:
        raise ConfigError(
            "Unknown tag in tags.disabled",
            f"{', '.join(sorted(unknown))} is not a built-in tag. Built-in tags: "
            + ", ".join(r.name for r in rules),
        )
    return [r for r in rules if r.name not in disabled]
