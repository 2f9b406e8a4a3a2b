"""Adapters from the core's analysis functions to what the screens need (see data.py).

Each loader takes a ShopData, calls the core once with the as-of lines and config, and returns a
small dataclass of frames, cached in the workspace. This is the one place the TUI knows the core's
signatures; if one changes, only this module follows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import polars as pl

from shopinsight.core.workspace import Workspace
from shopinsight.tui.data import require_orders

if TYPE_CHECKING:
    from shopinsight.tui.data import ShopData


def shop_status(ws: Workspace, as_of: dt.date) -> dict[str, Any]:
    """The core's shop_status (KPIs, revenue by month, imports)."""
    from shopinsight.core.status import shop_status as core_status

    return core_status(ws, as_of=as_of)


@dataclass
class Profiles:
    """Customers with segment, tags (long, with reasons) and how the segments were cut."""

    table: pl.DataFrame
    tags: pl.DataFrame
    sizes: pl.DataFrame
    currency: str
    scheme: str
    segment_note: str
    cut_points: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    rule_names: list[str] = field(default_factory=list)

    def as_core(self) -> Any:
        """The shape core functions that take a CustomerProfiles read (exporters): table,
        tags, segments.scheme and the rules' names."""
        return SimpleNamespace(
            table=self.table,
            tags=self.tags,
            segments=SimpleNamespace(scheme=self.scheme, cut_points=self.cut_points),
            rules=[SimpleNamespace(name=n) for n in self.rule_names],
            currency=self.currency,
        )


def load_profiles(data: ShopData) -> Profiles:
    """core.profiles.customer_profiles with the merchant's tag overrides, cached per state."""
    from shopinsight.core.customers.profiles import customer_profiles
    from shopinsight.core.customers.tags import load_overrides

    require_orders(data)
    ws = data.ws
    family = f"profiles-{data.as_of_key()}"
    name = f"{family}-{data.state_key('tag_overrides')}"

    def compute() -> dict[str, Any]:
        prof = customer_profiles(
            data.lines(), data.as_of(), data.config(), ws.customer_attrs(), load_overrides(ws)
        )
        meta = {
            "currency": prof.currency,
            "scheme": prof.segments.scheme,
            "segment_note": prof.segments.note,
            "cut_points": prof.segments.cut_points,
            "notes": prof.notes,
            "rule_names": [r.name for r in prof.rules],
        }
        return {"table": prof.table, "tags": prof.tags, "sizes": prof.segments.sizes, "meta": meta}

    parts = data.cached_parts(name, ["table", "tags", "sizes"], compute, family)
    meta = parts["meta"]
    return Profiles(
        parts["table"],
        parts["tags"],
        parts["sizes"],
        meta["currency"],
        meta["scheme"],
        meta["segment_note"],
        meta["cut_points"],
        meta["notes"],
        meta.get("rule_names", []),
    )


@dataclass
class Churn:
    """Churn alerts with the merchant's marks applied, the method and its backtest."""

    alerts: pl.DataFrame
    method: str
    method_reason: str
    backtest: dict[str, Any]
    horizon_days: int
    currency: str | None
    notes: list[str] = field(default_factory=list)
    base: pl.DataFrame = field(default_factory=pl.DataFrame, repr=False)
    """The alerts before the merchant's marks (marks are re-applied to this)."""


def load_churn(data: ShopData) -> Churn:
    """core.churn.churn_alerts, computed (and cached) without the merchant's marks, which are
    applied afterwards with the core's apply_states: marking an alert never refits anything."""
    from shopinsight.core.churn.alerts import churn_alerts

    require_orders(data)
    prof = data.profiles()
    family = f"churn-{data.as_of_key()}"
    name = f"{family}-{data.state_key('tag_overrides')}"

    def compute() -> dict[str, Any]:
        result = churn_alerts(data.lines(), data.as_of(), data.config(), profiles=prof.table)
        meta = {
            "method": result.method,
            "method_reason": result.method_reason,
            "backtest": result.backtest.to_dict(),
            "horizon_days": result.horizon_days,
            "currency": result.currency,
            "notes": result.notes,
        }
        return {"alerts": result.alerts, "meta": meta}

    parts = data.cached_parts(name, ["alerts"], compute, family)
    meta = parts["meta"]
    base = parts["alerts"]
    return Churn(
        with_marks(data, base),
        meta["method"],
        meta["method_reason"],
        meta["backtest"],
        int(meta["horizon_days"]),
        meta["currency"],
        meta["notes"],
        base,
    )


def with_marks(data: ShopData, alerts: pl.DataFrame) -> pl.DataFrame:
    """The alerts with the merchant's current marks (contacted, snoozed, dismissed) applied:
    a snoozed or dismissed customer is no longer an alert, as in the core."""
    from shopinsight.core.churn.alerts import load_alert_states
    from shopinsight.core.churn.state import apply_states

    states = load_alert_states(data.ws)
    marked = apply_states(alerts.drop("state"), states, data.last_orders(), data.as_of())
    return (
        marked.with_columns(pl.col("is_alert") & ~pl.col("hidden"))
        .drop("hidden")
        .select(alerts.columns)
        .sort(["is_alert", "value_at_risk", "customer_id"], descending=[True, True, False])
    )


@dataclass
class Bundles:
    """Bundle offers (itemsets with their numbers) and the rules behind them."""

    offers: pl.DataFrame
    rules: pl.DataFrame
    itemsets: pl.DataFrame
    n_orders: int
    thresholds: dict[str, Any]
    segment: str | None = None


def load_bundles(data: ShopData, segment: str | None = None) -> Bundles:
    """core.bundles: itemsets and offers over all orders, or over one segment's customers."""
    from shopinsight.core.bundles import bundle_offers, mine_itemsets
    from shopinsight.core.bundles.mining import Itemsets

    require_orders(data)
    config = data.config()
    prof = data.profiles()
    customers = prof.table.select("customer_id", "segment")
    lines = data.lines()
    if segment:
        ids = customers.filter(pl.col("segment") == segment)["customer_id"]
        lines = lines.filter(pl.col("customer_id").is_in(ids.implode()))
    family = f"bundles-{data.as_of_key()}-{segment or 'all'}".replace(" ", "_")
    name = f"{family}-{data.state_key('tag_overrides')}" if segment else family

    def compute() -> dict[str, Any]:
        sets = mine_itemsets(lines, config=config)
        offers = bundle_offers(lines, sets, config, customers=None if segment else customers)
        meta = {"n_orders": sets.n_orders, "thresholds": sets.thresholds}
        return {"offers": offers, "rules": sets.rules, "itemsets": sets.itemsets, "meta": meta}

    parts = data.cached_parts(
        name, ["offers", "rules", "itemsets"], compute, family if segment else None
    )
    meta = parts["meta"]
    _ = Itemsets  # the core's type; rebuilt by callers that need it
    return Bundles(
        parts["offers"],
        parts["rules"],
        parts["itemsets"],
        int(meta["n_orders"]),
        meta["thresholds"],
        segment,
    )


@dataclass
class Gifts:
    """Gift picks, the packing plan, and each segment's policy with a preview note."""

    plan: pl.DataFrame
    picks: pl.DataFrame
    previews: pl.DataFrame
    suggestions: pl.DataFrame
    catalogue: pl.DataFrame
    currency: str
    notes: list[str] = field(default_factory=list)


def load_gifts(data: ShopData) -> Gifts:
    """core.packing/gifts/notes glue (as plan_for_workspace, reusing the cached profiles and
    bundle rules instead of computing them again)."""
    from shopinsight.core.bundles import next_products, product_catalogue
    from shopinsight.core.gifts.campaigns import held_back_customers
    from shopinsight.core.gifts.notes import preview_notes
    from shopinsight.core.gifts.packing import PREVIEW_POOL, packing_plan, plan_orders
    from shopinsight.core.gifts.policies import gift_picks, gift_policies

    require_orders(data)
    config = data.config()
    policies = gift_policies(config)
    prof = data.profiles()
    state = data.state_key("tag_overrides", "gift_campaigns", "gift_campaign_members")
    family = f"gifts-{data.as_of_key()}"
    name = f"{family}-{state}"

    def compute() -> dict[str, Any]:
        lines = data.collected_lines()
        lazy = lines.lazy()
        table = prof.table
        catalogue = product_catalogue(lazy, prof.currency or None)
        suggestions = next_products(lazy, data.bundles().rules, catalogue)
        todo = plan_orders(lines, "open")
        wanted = pl.col("customer_id").is_in(todo["customer_id"].drop_nulls().implode())
        top = pl.col("monetary").rank("ordinal", descending=True).over("segment") <= PREVIEW_POOL
        picks = gift_picks(table.filter(wanted | top), catalogue, suggestions, lines, config)
        buyers = todo.filter(pl.col("is_gift"))["customer_id"].drop_nulls().unique()
        gift_order_picks = gift_picks(
            table.filter(pl.col("customer_id").is_in(buyers.implode())),
            catalogue,
            suggestions,
            lines,
            config,
            gift_orders=True,
        )
        with data.ws.db() as conn:
            held = held_back_customers(conn, data.as_of())
        plan = packing_plan(lines, table, picks, config, "open", gift_order_picks, held)
        previews = preview_notes(table, picks, policies, config)
        return {
            "plan": plan,
            "picks": picks,
            "previews": previews,
            "suggestions": suggestions,
            "catalogue": catalogue,
            "meta": {"currency": prof.currency, "notes": prof.notes},
        }

    parts = data.cached_parts(
        name, ["plan", "picks", "previews", "suggestions", "catalogue"], compute, family
    )
    meta = parts["meta"]
    return Gifts(
        parts["plan"],
        parts["picks"],
        parts["previews"],
        parts["suggestions"],
        parts["catalogue"],
        meta["currency"],
        meta["notes"],
    )


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
