"""Gift policies per segment (and tag overrides), and the gift each customer should get.

A policy says what kind of gift goes in a customer's parcel, how much it may cost and which
note goes with it. The pick is the product that fits: one they have not bought, first among the
products the merchant chose for the segment (`skus`, e.g. set from a bundle in the app), then
suggested by the bundle rules, else a bestseller of their favourite category, else a shop
bestseller (for a full-size gift, their favourite product comes before shop bestsellers); priced
within the budget. Every pick keeps its reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from shopinsight.core.errors import ConfigError
from shopinsight.core.gifts.notes import note_templates

GIFT_KINDS = ("sample", "full_size", "card", "none")
PRODUCT_KINDS = ("sample", "full_size")
DEFAULT_POLICY = "default"
GIFT_ORDER_POLICY = "gift order"
CANDIDATES_PER_GROUP = 10
"""Bestsellers considered per category and shop-wide (plus half as many of the cheapest)."""

PICK_COLUMNS = [
    "customer_id", "policy", "gift_kind", "gift_sku", "gift", "gift_cost", "budget",
    "currency", "template", "reason",
]  # fmt: skip


@dataclass(frozen=True)
class Policy:
    """What one segment (or tag, or gift order) gets."""

    name: str
    kind: str
    budget: float | None
    budget_pct: float | None
    template: str
    purpose: str = ""
    skus: tuple[str, ...] = ()  # the merchant's chosen gift products, tried first

    def merged(self, over: Mapping[str, Any], name: str) -> Policy:
        """This policy with a tag override's keys applied on top."""
        base = {
            "kind": self.kind,
            "budget": self.budget,
            "budget_pct": self.budget_pct,
            "template": self.template,
            "purpose": self.purpose,
            "skus": list(self.skus),
        }
        return _policy(name, {**base, **over}, f"[gifts.tags] {name}")

    def describe(self, currency: str) -> str:
        """The policy in words: "full-size gift, up to 5% of 12-month spend, max 40 USD"."""
        words = {
            "sample": "sample of an untried product",
            "full_size": "full-size gift",
            "card": "card only",
            "none": "no physical gift",
        }[self.kind]
        caps = []
        if self.budget_pct is not None:
            caps.append(f"up to {self.budget_pct:g}% of 12-month spend")
        if self.budget is not None:
            caps.append(f"max {self.budget:,.2f} {currency}")
        if self.kind in PRODUCT_KINDS and caps:
            words += ", " + ", ".join(caps)
        if self.kind in PRODUCT_KINDS and self.skus:
            words += f"; first choice {', '.join(self.skus)}"
        return words + (f"; note '{self.template}'" if self.template else "; no note")


def _cap(value: Any, key: str, where: str) -> float | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "off"):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(
            f"{where}: {key} = {value!r} is not a budget",
            f"Write a number ≥ 0 (in your shop's currency{' or %' if key.endswith('pct') else ''})"
            ', or "off" for no cap.',
        )
    return float(value)


def _policy(name: str, raw: Any, where: str) -> Policy:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a table", 'Write it as { kind = "card", ... }.')
    kind = str(raw.get("kind", "card"))
    if kind not in GIFT_KINDS:
        raise ConfigError(
            f"{where}: kind = '{kind}' is not a gift kind", f"Use one of: {', '.join(GIFT_KINDS)}."
        )
    skus = raw.get("skus", [])
    skus = [skus] if isinstance(skus, str) else skus
    if not isinstance(skus, list) or not all(isinstance(s, str | int) for s in skus):
        raise ConfigError(
            f"{where}: skus must be a list of product SKUs", 'Write it as skus = ["SKU-1"].'
        )
    policy = Policy(
        name=name,
        kind=kind,
        budget=_cap(raw.get("budget"), "budget", where),
        budget_pct=_cap(raw.get("budget_pct"), "budget_pct", where),
        template=str(raw.get("template", "") or ""),
        purpose=str(raw.get("purpose", "") or ""),
        skus=tuple(str(s) for s in skus),
    )
    if kind in PRODUCT_KINDS and policy.budget is None and policy.budget_pct is None:
        raise ConfigError(
            f"{where}: a {kind} gift needs a budget",
            "Set budget (a fixed amount) and/or budget_pct (% of 12-month spend).",
        )
    return policy


@dataclass(frozen=True)
class GiftPolicies:
    """All policies from [gifts], validated: per segment, tag overrides, gift orders."""

    segments: dict[str, Policy]
    tags: dict[str, dict[str, Any]]
    gift_order: Policy
    templates: dict[str, str]
    settings: dict[str, Any]

    def for_segment(self, segment: str | None) -> Policy:
        """A segment's policy; unknown segments get the default one."""
        return self.segments.get(segment or DEFAULT_POLICY, self.segments[DEFAULT_POLICY])

    def effective(self, segment: str | None, tag: str | None) -> Policy:
        """A segment's policy with one tag's override applied (None: no override)."""
        base = self.for_segment(segment)
        if tag is None:
            return base
        return base.merged(self.tags[tag], f"{base.name} + {tag}")


def gift_policies(config: Mapping[str, Any]) -> GiftPolicies:
    """Read and check [gifts]: every kind, budget and template name must make sense."""
    section = config.get("gifts", {}) or {}
    templates = note_templates(config)
    segments = {
        name: _policy(name, raw, f'[gifts.segments] "{name}"')
        for name, raw in (section.get("segments", {}) or {}).items()
    }
    segments.setdefault(DEFAULT_POLICY, Policy(DEFAULT_POLICY, "card", None, None, "thanks"))
    tags = dict(section.get("tags", {}) or {})
    gift_order = _policy(GIFT_ORDER_POLICY, section.get("gift_order", {}), "[gifts.gift_order]")
    combos = [
        seg.merged(raw, f"{seg.name} + {tag}")
        for tag, raw in tags.items()
        for seg in segments.values()
    ]
    for pol in [*segments.values(), *combos, gift_order]:
        if pol.template and pol.template not in templates:
            raise ConfigError(
                f"Gift policy '{pol.name}' uses note template '{pol.template}', which is unknown",
                f"Known templates: {', '.join(sorted(templates))}. Add it to [gifts.templates].",
            )
    settings = {
        "sample_cost_share": float(section.get("sample_cost_share", 0.15)),
        "product_cost_share": float(section.get("product_cost_share", 1.0)),
        "card_cost": float(section.get("card_cost", 0.0)),
        "stock_days": int(section.get("stock_days", 180)),
        "exclude_skus": [str(s) for s in section.get("exclude_skus", []) or []],
    }
    return GiftPolicies(segments, tags, gift_order, templates, settings)


def shop_currency(lines: pl.LazyFrame | pl.DataFrame, config: Mapping[str, Any]) -> str:
    """The currency budgets are in: [shop] currency if the shop sells in it, else the main one."""
    from shopinsight.core.bundles import main_currency

    return main_currency(lines.lazy(), dict(config)) or "USD"


def _budget_currency(
    profiles_table: pl.DataFrame, lines: pl.LazyFrame | pl.DataFrame, config: Mapping[str, Any]
) -> str:
    """Budgets are in the currency the profiles' spend is in (else the shop's main one)."""
    if "currency" in profiles_table.columns:
        found = profiles_table["currency"].drop_nulls()
        if found.len():
            return str(found[0])
    return shop_currency(lines, config)


def money_text(expr: pl.Expr) -> pl.Expr:
    """A money column as text with two decimals ("2.10"), vectorised; null stays null."""
    cents = (expr.abs() * 100).round(0).cast(pl.Int64)
    sign = pl.when(expr < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(
        sign,
        (cents // 100).cast(pl.Utf8),
        pl.lit("."),
        (cents % 100).cast(pl.Utf8).str.zfill(2),
    )


def _policy_frame(policies: GiftPolicies, segments: list[str | None], gift_orders: bool):
    """One row per (segment, override tag) with the effective policy's fields."""
    rows = []
    tag_keys: list[str | None] = [None, *policies.tags]
    for seg in {s for s in segments}:
        for tag in tag_keys:
            pol = policies.gift_order if gift_orders else policies.effective(seg, tag)
            rows.append(
                {
                    "__segment": seg,
                    "__override": tag,
                    "policy": pol.name,
                    "gift_kind": pol.kind,
                    "__budget_abs": pol.budget,
                    "__budget_pct": pol.budget_pct,
                    "template": pol.template,
                    "__skus": list(pol.skus),
                }
            )
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "__segment": pl.Utf8, "__override": pl.Utf8, "policy": pl.Utf8, "gift_kind": pl.Utf8,
        "__budget_abs": pl.Float64, "__budget_pct": pl.Float64, "template": pl.Utf8,
        "__skus": pl.List(pl.Utf8),
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def _shortlist(ranked: pl.DataFrame, group: str) -> pl.DataFrame:
    """Per group, the bestsellers plus the cheapest products (so a small budget finds one)."""
    popular = ranked.group_by(group, maintain_order=True).head(CANDIDATES_PER_GROUP)
    cheap = (
        ranked.sort("unit_price", "sku")
        .group_by(group, maintain_order=True)
        .head(CANDIDATES_PER_GROUP // 2)
    )
    return pl.concat([popular, cheap]).unique("sku", keep="first", maintain_order=True)


def _candidates(
    customers: pl.DataFrame,
    catalogue: pl.DataFrame,
    next_products: pl.DataFrame | None,
    bought: pl.DataFrame,
) -> pl.DataFrame:
    """Gift candidates per customer: (customer_id, sku, tier, score, why)."""
    cols = ["customer_id", "sku", "tier", "score", "why"]
    parts = []
    if "__skus" in customers.columns:  # the products the merchant chose for the segment
        parts.append(
            customers.select("customer_id", pl.col("__skus").alias("sku"))
            .explode("sku")
            .select(
                "customer_id",
                "sku",
                pl.lit(-1).alias("tier"),
                pl.lit(0.0).alias("score"),
                pl.lit("the gift you chose for this segment").alias("why"),
            )
        )
    if next_products is not None and next_products.height:
        parts.append(
            next_products.join(
                customers.select("customer_id"), on="customer_id", how="semi"
            ).select(
                "customer_id",
                "sku",
                pl.lit(0).alias("tier"),
                pl.col("score").cast(pl.Float64),
                pl.col("reason").cast(pl.Utf8).alias("why"),
            )
        )
    ranked = catalogue.sort("orders", "sku", descending=[True, False])
    by_cat = _shortlist(ranked.filter(pl.col("category").is_not_null()), "category")
    parts.append(
        customers.select("customer_id", pl.col("favorite_category").alias("category"))
        .join(by_cat, on="category")
        .select(
            "customer_id",
            "sku",
            pl.lit(1).alias("tier"),
            pl.col("orders").cast(pl.Float64).alias("score"),
            pl.format(
                "bestseller in their favourite category {} ({} orders)", "category", "orders"
            ).alias("why"),
        )
    )
    favs = customers.filter(pl.col("gift_kind") == "full_size").select(
        "customer_id",
        pl.col("favorite_sku").alias("sku"),
        pl.lit(2).alias("tier"),
        pl.lit(0.0).alias("score"),
        pl.lit("their favourite product, full size").alias("why"),
    )
    top = _shortlist(ranked.with_columns(pl.lit(1).alias("__all")), "__all")
    best = (
        customers.select("customer_id")
        .join(top, how="cross")
        .select(
            "customer_id",
            "sku",
            pl.lit(3).alias("tier"),
            pl.col("orders").cast(pl.Float64).alias("score"),
            pl.format("shop bestseller they have not tried ({} orders)", "orders").alias("why"),
        )
    )
    untried = pl.concat([p.select(cols) for p in [*parts, best]], how="vertical_relaxed")
    untried = untried.join(bought, on=["customer_id", "sku"], how="anti")
    out = pl.concat([untried, favs.select(cols)], how="vertical_relaxed")
    return out.filter(pl.col("sku").is_not_null())


def gift_picks(
    profiles_table: pl.DataFrame,
    catalogue: pl.DataFrame,
    next_products: pl.DataFrame | None,
    lines: pl.LazyFrame | pl.DataFrame,
    config: Mapping[str, Any],
    gift_orders: bool = False,
) -> pl.DataFrame:
    """The gift each customer should get under their policy, with the reason.

    Inputs: profiles (customer_id, segment, tags, monetary_12m, favorite_sku,
    favorite_category), the product catalogue (sku, product_name, category, unit_price,
    currency, orders, last_sold), bundle suggestions (customer_id, sku, score, reason) and the
    order lines (to know what each customer already bought). `gift_orders=True` plans under the
    gift-order policy instead (for parcels going to someone else).
    Output: customer_id, policy, gift_kind, gift_sku, gift, gift_cost, budget, currency,
    template, reason. A product gift that finds nothing within budget becomes a card.
    """
    policies = gift_policies(config)
    settings = policies.settings
    currency = _budget_currency(profiles_table, lines, config)
    cust = profiles_table.select(
        "customer_id",
        pl.col("segment").cast(pl.Utf8),
        pl.col("tags").cast(pl.List(pl.Utf8)).fill_null([]),
        pl.col("monetary_12m").cast(pl.Float64).fill_null(0.0),
        pl.col("favorite_sku").cast(pl.Utf8),
        pl.col("favorite_category").cast(pl.Utf8),
    ).filter(pl.col("customer_id").is_not_null())
    known = [s for s in policies.segments if s != DEFAULT_POLICY]
    override: pl.Expr = pl.lit(None, pl.Utf8)
    for tag in reversed(list(policies.tags)):
        override = pl.when(pl.col("tags").list.contains(tag)).then(pl.lit(tag)).otherwise(override)
    cust = cust.with_columns(
        pl.when(pl.col("segment").is_in(known))
        .then(pl.col("segment"))
        .otherwise(pl.lit(DEFAULT_POLICY))
        .alias("__segment"),
        (pl.lit(None, pl.Utf8) if gift_orders else override).alias("__override"),
    )
    frame = _policy_frame(policies, cust["__segment"].unique().to_list(), gift_orders)
    cust = cust.join(frame, on=["__segment", "__override"], how="left", nulls_equal=True)
    pct_budget = pl.col("__budget_pct") / 100.0 * pl.col("monetary_12m")
    cust = cust.with_columns(
        pl.min_horizontal(pl.col("__budget_abs"), pct_budget).round(2).alias("budget")
    )

    last = catalogue["last_sold"].max() if catalogue.height else None
    stocked = catalogue.filter(
        (pl.col("currency") == currency)
        & (pl.col("unit_price") > 0)
        & pl.col("sku").is_not_null()
        & ~pl.col("sku").is_in(settings["exclude_skus"])
    )
    if isinstance(last, dt.date) and "last_sold" in catalogue.columns:
        cutoff = last - dt.timedelta(days=settings["stock_days"])
        stocked = stocked.filter(pl.col("last_sold") >= cutoff)
    wants = cust.filter(pl.col("gift_kind").is_in(PRODUCT_KINDS))
    bought = (
        lines.lazy()
        .filter(pl.col("line_kind") == "product")
        .join(wants.lazy().select("customer_id"), on="customer_id", how="semi")
        .select("customer_id", "sku")
        .unique()
        .collect()
    )
    cands = _candidates(wants, stocked, next_products, bought)
    share = (
        pl.when(pl.col("gift_kind") == "sample")
        .then(pl.lit(settings["sample_cost_share"]))
        .otherwise(pl.lit(settings["product_cost_share"]))
    )
    best = (
        cands.join(wants.select("customer_id", "gift_kind", "budget"), on="customer_id")
        .join(stocked.select("sku", "product_name", "unit_price"), on="sku")
        .with_columns((pl.col("unit_price") * share).round(2).alias("cost"))
        .filter(pl.col("budget").is_null() | (pl.col("cost") <= pl.col("budget")))
        .sort(["customer_id", "tier", "score", "sku"], descending=[False, False, True, False])
        .unique("customer_id", keep="first", maintain_order=True)
        .select("customer_id", "sku", "product_name", "cost", "why")
    )
    out = cust.join(best, on="customer_id", how="left")
    has = pl.col("sku").is_not_null()
    product = pl.col("gift_kind").is_in(PRODUCT_KINDS)
    budget_txt = pl.format("{} {}", money_text(pl.col("budget")), pl.lit(currency))
    kind_words = pl.col("gift_kind").replace_strict(
        {
            "sample": "sample",
            "full_size": "full-size gift",
            "card": "card only",
            "none": "no physical gift",
        },  # fmt: skip
        return_dtype=pl.Utf8,
    )
    who = pl.format("{} policy", pl.col("policy"))
    reason = (
        pl.when(product & has)
        .then(
            pl.format(
                "{}: {} {}: {}; costs {} of a {} budget",
                who,
                kind_words,
                pl.col("product_name"),
                pl.col("why"),
                money_text(pl.col("cost")),
                budget_txt,
            )  # fmt: skip
        )
        .when(product)
        .then(pl.format("{}: nothing untried fits the {} budget, so a card only", who, budget_txt))
        .otherwise(pl.format("{}: {}", who, kind_words))
    )
    card = pl.lit(settings["card_cost"])
    return out.select(
        "customer_id",
        "policy",
        pl.when(product & ~has)
        .then(pl.lit("card"))
        .otherwise(pl.col("gift_kind"))
        .alias("gift_kind"),
        pl.col("sku").alias("gift_sku"),
        pl.col("product_name").alias("gift"),
        pl.when(has)
        .then(pl.col("cost"))
        .when(pl.col("gift_kind") == "none")
        .then(0.0)
        .otherwise(card)
        .alias("gift_cost"),
        "budget",
        pl.lit(currency).alias("currency"),
        "template",
        reason.alias("reason"),
    )
