"""The shop's analyses as `Shop` hands them out: computed once, cached, merchant's state applied.

Each loader calls the pure analysis with the `Shop`'s lines (as of the day, in its currency,
exclusions left out) and settings, and caches the frames in the workspace per version of data +
settings + the state tables the result depends on. The CLI and the app read only these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import polars as pl

from shopinsight.core.errors import InputError
from shopinsight.core.shop_cache import json_from_frame
from shopinsight.core.shop_facts import NO_AMOUNTS_WHY
from shopinsight.core.words import plural

if TYPE_CHECKING:
    from shopinsight.core.shop import Shop


@dataclass
class ProfilesResult:
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
    as_of: dt.date | None = None
    fallback_used: bool = False
    timezone: str = "UTC"
    """The shop's clock (`Shop.tz()`): the day exports write `last_order` in."""

    def as_core(self) -> Any:
        """The shape the exporters read (table, tags, segments.scheme, rules' names)."""
        return SimpleNamespace(
            table=self.table,
            tags=self.tags,
            segments=SimpleNamespace(scheme=self.scheme, cut_points=self.cut_points),
            rules=[SimpleNamespace(name=n) for n in self.rule_names],
            currency=self.currency,
            as_of=self.as_of,
            timezone=self.timezone,
        )

    def segment_name(self, wanted: str) -> str:
        """The segment's exact name, matched case-insensitively; a clear error lists them."""
        names = self.table.get_column("segment").drop_nulls().unique().sort().to_list()
        for name in names:
            if name.casefold() == wanted.strip().casefold():
                return str(name)
        choices = ", ".join(names) or "none yet (no customer has a counted order)"
        raise InputError(f"No segment '{wanted}'", f"Segments in this shop: {choices}.")


def customers_definition(n: int, shop: Shop, priced: bool = True) -> str:
    """What "customers" means wherever the count is shown. Not `priced` (the exports carry no
    amounts: `segments.no_amounts`), an order counts without keeping money, and the sentence
    says so rather than "money kept".

    Reads two columns of the view's orders: filtering every column of every order held
    ~1 GB more at 5M lines, beside the customer table."""
    orders = shop.view_order_columns(["customer_id", "counted"])
    who = orders.lazy().filter(pl.col("customer_id").is_not_null())
    # one group per person on the id's 64-bit hash, as the customer table is keyed: two
    # distinct counts of the id text cost ~7x more at 1M lines
    people = who.group_by(pl.col("customer_id").hash().alias("_who")).agg(
        pl.col("counted").fill_null(False).any()
    )
    counts = people.select(
        pl.col("counted").sum().alias("buyers"), pl.len().alias("everyone")
    ).collect()
    buyers, everyone = counts.row(0)
    more = everyone - buyers
    if not priced:
        text = (
            f"{plural(n, 'customer')} with a purchase (paid or shipped, not cancelled or "
            f"returned; {NO_AMOUNTS_WHY}, so an order counts without an amount)"
        )
        if more > 0:
            text += f"; {more:,} more with only cancelled, unpaid or returned orders"
        return text
    text = (
        f"{plural(n, 'customer')} with a purchase (paid or shipped, not cancelled or returned, "
        "money kept)"
    )
    if more > 0:
        text += f"; {more:,} more with only cancelled, unpaid, refunded or returned orders"
    return text


def load_profiles(shop: Shop) -> ProfilesResult:
    """core.customers.profiles with the merchant's tag overrides, cached per state."""
    shop.require_orders()
    family, name = _profiles_name(shop)

    def compute() -> dict[str, Any]:  # imported here: a warm start reads only the cache
        from shopinsight.core.customers.profiles import customer_profiles
        from shopinsight.core.customers.tags import load_overrides

        prof = customer_profiles(
            shop.lines(), shop.as_of(), shop.config(), shop.ws.customer_attrs(),
            load_overrides(shop.ws),
        )  # fmt: skip
        meta = {
            "currency": prof.currency,
            "scheme": prof.segments.scheme,
            "segment_note": prof.segments.note,
            "cut_points": prof.segments.cut_points,
            "notes": [*shop.left_out(), *prof.notes],
            "rule_names": [r.name for r in prof.rules],
            "fallback_used": prof.segments.fallback_used,
        }
        return {"table": prof.table, "tags": prof.tags, "sizes": prof.segments.sizes, "meta": meta}

    parts = shop.cache.parts(name, ["table", "tags", "sizes"], compute, family)
    meta = parts["meta"]
    return ProfilesResult(
        parts["table"], parts["tags"], parts["sizes"], meta["currency"], meta["scheme"],
        meta["segment_note"], meta["cut_points"], meta["notes"], meta.get("rule_names", []),
        shop.as_of(), bool(meta.get("fallback_used")), shop.tz(),
    )  # fmt: skip


def _profiles_name(shop: Shop) -> tuple[str, str]:
    family = f"profiles-{shop.key()}"
    return family, f"{family}-{shop.state_key('tag_overrides', 'exclusions')}"


def profile_columns(shop: Shop, columns: list[str]) -> pl.DataFrame:
    """Some columns of the customer table, read alone from the cache when the analysis is not
    in memory yet: `customers --json` shows 16 of ~80 columns (at 1M lines the whole table
    took a third of a warm run's reading and twice the memory)."""
    if shop.peek("profiles") is None:
        shop.require_orders()
        frame = shop.cache.columns(_profiles_name(shop)[1], "table", columns)
        if frame is not None:
            return frame
    table = shop.profiles().table
    return table.select([c for c in columns if c in table.columns])


def profile_meta(shop: Shop) -> tuple[str, list[str]]:
    """The profiles' currency and notes: from their cached meta alone when the profiles are not
    in memory (else computed, and cached, with them)."""
    if shop.peek("profiles") is None:
        shop.require_orders()
        meta = shop.cache.columns(_profiles_name(shop)[1], "meta")
        if meta is not None:
            found = json_from_frame(meta)
            return found["currency"], list(found["notes"])
    prof = shop.profiles()
    return prof.currency, list(prof.notes)


def segment_summary(shop: Shop) -> dict[str, Any]:
    """Segment sizes, the customer count with its definition, and the notes behind them.

    Cached on its own (a few hundred bytes, same key as the profiles): the Overview paints from
    it on a warm start without reading the customer table or every order."""
    shop.require_orders()
    family = f"segment-summary-{shop.key()}"
    name = f"{family}-{shop.state_key('tag_overrides', 'exclusions')}"

    def compute() -> dict[str, Any]:
        from shopinsight.core.customers.segments import no_amounts

        prof = shop.profiles()
        sizes = prof.sizes.select("segment", "customers", "share", "revenue")
        return {
            "sizes": sizes.filter(pl.col("customers") > 0).to_dicts(),
            "customers": prof.table.height,
            "customers_definition": customers_definition(
                prof.table.height, shop, priced=not no_amounts(prof.table)
            ),
            "currency": prof.currency,
            "notes": [prof.segment_note, *prof.notes],
        }

    return shop.cache.json(name, compute, family)


@dataclass
class ChurnView:
    """Churn alerts with the merchant's marks applied, the method and its backtest."""

    alerts: pl.DataFrame
    method: str
    method_reason: str
    backtest: dict[str, Any]
    horizon_days: int
    currency: str | None
    as_of: dt.date
    notes: list[str] = field(default_factory=list)
    read_base: Callable[[], pl.DataFrame] = field(default=pl.DataFrame, repr=False)

    @property
    def base(self) -> pl.DataFrame:
        """The alerts before the merchant's marks (marks are re-applied to these), read when
        first asked for: a warm `churn` without marks reads only the listed alerts."""
        if not isinstance(self.read_base, pl.DataFrame):
            self.read_base = self.read_base()  # type: ignore[assignment]
        return self.read_base  # type: ignore[return-value]


def load_churn(shop: Shop, horizon_days: int | None = None) -> ChurnView:
    """core.churn: computed (and cached) without the merchant's marks, which are applied
    afterwards: marking an alert never refits anything."""
    shop.require_orders()
    family = f"churn-net-{shop.key()}-{horizon_days or 'default'}"  # "net": of returns
    name = f"{family}-{shop.state_key('tag_overrides', 'exclusions')}"

    def compute() -> dict[str, Any]:
        from shopinsight.core.churn.alerts import churn_alerts  # sklearn: only when fitting

        # five columns of the customer table, read alone from the cache when it is not in
        # memory (the import's warm-up lets it go first: ~1.3 GB at 5M lines); only when computing
        table = profile_columns(
            shop, ["customer_id", "segment", "tags", "favorite_product", "monetary"]
        )
        profiles = table.drop("monetary", strict=False)
        net = table.select(c for c in ("customer_id", "monetary") if c in table.columns)
        del table
        result = churn_alerts(
            shop.lines(), shop.as_of(), shop.config(), horizon_days, profiles=profiles,
            history=purchase_history(shop), sequence=shop.sequence_rules(),
        )  # fmt: skip
        # the segments, tags and favourites are in the alerts now: let them go before the
        # alerts are cut again (~80 MB at 5M lines)
        del profiles
        alerts, kept_nothing = _nothing_at_stake(result.alerts, net)
        notes = [*shop.left_out(), *result.notes]
        if kept_nothing:
            notes.append(
                f"{kept_nothing:,} customer(s) returned or were refunded everything they bought: "
                "nothing is at stake, so they are never alerted."
            )
        meta = {
            "method": result.method,
            "method_reason": result.method_reason,
            "backtest": result.backtest.to_dict(),
            "horizon_days": result.horizon_days,
            "currency": result.currency,
            "notes": notes,
        }
        return {"alerts": alerts, "meta": meta}

    def view(alerts: pl.DataFrame, meta: dict[str, Any], base: Any) -> ChurnView:
        return ChurnView(
            alerts, meta["method"], meta["method_reason"], meta["backtest"],
            int(meta["horizon_days"]), meta["currency"], shop.as_of(), meta["notes"], base,
        )  # fmt: skip

    from shopinsight.core.churn.state import load_alert_states

    listed = name.replace("churn-net-", "churn-listed-", 1)  # the same result, its list cut
    states = load_alert_states(shop.ws)
    if not states.height:  # no marks: the listed alerts and the meta alone, when cached
        alerts = shop.cache.columns(f"{listed}-unmarked", "frame")
        meta = shop.cache.columns(name, "meta")
        if alerts is not None and meta is not None:
            whole = lambda: shop.cache.parts(name, ["alerts"], compute, family)["alerts"]  # noqa: E731
            return view(alerts, json_from_frame(meta), whole)
    parts = shop.cache.parts(name, ["alerts"], compute, family)
    alerts = with_marks(shop, parts["alerts"], listed, states)
    return view(alerts, parts["meta"], parts["alerts"])


def _nothing_at_stake(alerts: pl.DataFrame, table: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Customers whose net spend after returns is zero or less are not at risk: no alert and
    no value at risk (a customer who bought and returned the same day is not a lost VIP)."""
    from shopinsight.core.churn.stake import by_orders

    if "monetary" not in table.columns or alerts.height == 0 or by_orders(alerts):
        return alerts, 0  # exports without amounts: every net spend is 0, none was refunded
    net = table.select("customer_id", pl.col("monetary").alias("_net"))
    # only the ids are joined, in the alerts' order, and the net spend set beside them (the
    # customer table has one row per customer): joining the alerts themselves copied every
    # column once more (~290 MB at 5M lines, the peak)
    found = alerts.select("customer_id").join(
        net, on="customer_id", how="left", maintain_order="left"
    )
    out = alerts.with_columns(found["_net"])
    nothing = pl.col("_net").fill_null(1.0) < 0.005  # less than a cent
    n = out.filter(nothing & pl.col("is_alert")).height
    out = out.with_columns(
        (pl.col("is_alert") & ~nothing).alias("is_alert"),
        pl.when(nothing).then(None).otherwise(pl.col("list")).alias("list"),
        pl.when(nothing).then(0.0).otherwise(pl.col("value_at_risk")).alias("value_at_risk"),
    ).select(alerts.columns)
    order = ["is_alert", "value_at_risk", "customer_id"]
    return out.sort(order, descending=[True, True, False]), n


def purchase_history(shop: Shop) -> Any:
    """core.churn's prepared purchase history, read once per `Shop` for churn and value."""
    from shopinsight.core.churn.features import prepare_history

    return shop.memo("purchase_history", lambda: prepare_history(shop.lines(), shop.config()))


def with_marks(
    shop: Shop,
    alerts: pl.DataFrame,
    cache_name: str | None = None,
    states: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The alerts with the merchant's current marks applied and the to-act list cut again: a
    contacted, snoozed or dismissed customer leaves it (core.churn.lists says for how long).

    Without any mark the list depends on the cached alerts alone (not on the clock), so with a
    `cache_name` (the alerts' own, data and state included) it is cached too: a warm `churn`
    reads it instead of cutting 170,000 customers' list again. `states`: the marks, when the
    caller read them already."""
    from shopinsight.core.churn.state import load_alert_states

    if states is None:
        states = load_alert_states(shop.ws)

    def compute() -> pl.DataFrame:  # imported here: the list's rules bring NumPy
        from shopinsight.core.churn.lists import remark
        from shopinsight.core.churn.rule import ChurnSettings

        settings = ChurnSettings.from_config(shop.config())
        return remark(alerts, states, shop.last_orders(), shop.as_of(), settings)

    if cache_name is None or states.height:
        return compute()
    family = cache_name.rsplit("-", 1)[0]  # without the state key: older states are dropped
    return shop.cache.frame(f"{cache_name}-unmarked", compute, family)


@dataclass
class ValueView:
    """Predicted customer value over the horizon, how it was made, and its backtest."""

    table: pl.DataFrame
    horizon_days: int
    method: str
    backtest: dict[str, Any]
    currency: str | None
    as_of: dt.date
    params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def load_value(shop: Shop, horizon_days: int | None = None) -> ValueView:
    """core.churn.value over the shop's lines, cached per data + settings + exclusions."""
    shop.require_orders()
    family = f"value-{shop.key()}-{horizon_days or 'default'}"
    name = f"{family}-{shop.state_key('exclusions')}"

    def compute() -> dict[str, Any]:
        from shopinsight.core.churn.value import customer_value  # scipy: only when fitting

        result = customer_value(
            shop.lines(), shop.as_of(), shop.config(), horizon_days, purchase_history(shop)
        )
        meta = {
            "horizon_days": result.horizon_days,
            "method": result.method,
            "backtest": result.backtest,
            "currency": result.currency,
            "params": result.params,
            "notes": [*shop.left_out(), *result.notes],
        }
        return {"table": result.table, "meta": meta}

    parts = shop.cache.parts(name, ["table"], compute, family)
    meta = parts["meta"]
    return ValueView(
        parts["table"], int(meta["horizon_days"]), meta["method"], meta["backtest"],
        meta["currency"], shop.as_of(), meta["params"], meta["notes"],
    )  # fmt: skip


@dataclass
class BundlesResult:
    """Bundle offers (itemsets with their numbers) and the rules behind them."""

    offers: pl.DataFrame
    rules: pl.DataFrame
    itemsets: pl.DataFrame
    n_orders: int
    thresholds: dict[str, Any]
    currency: str | None
    segment: str | None = None
    notes: list[str] = field(default_factory=list)


def load_bundles(
    shop: Shop, segment: str | None = None, thresholds: dict[str, Any] | None = None
) -> BundlesResult:
    """core.bundles over all orders, or the offers one segment buys more than its share.

    `thresholds` (min_support, min_orders, max_size, min_lift) override the settings."""
    from shopinsight.core.bundles import bundle_offers, bundle_settings, mine_itemsets

    shop.require_orders()
    config = shop.config()
    settings = bundle_settings(config)
    given = {
        k: v
        for k, v in (thresholds or {}).items()
        # --min-orders is the count when given, even at the settings' value (the floor there)
        if v is not None and (k == "min_orders" or not (k in settings and v == settings[k]))
    }
    if segment:
        segment = shop.profiles().segment_name(segment)
    tag = "-".join(f"{k}={given[k]}" for k in sorted(given)) or "default"
    family = f"bundles-{shop.key()}-{tag}"
    name = f"{family}-{shop.state_key('tag_overrides', 'exclusions')}"

    def compute() -> dict[str, Any]:
        lines = shop.lines()  # only when computing: a warm start reads no line
        customers = profile_columns(shop, ["customer_id", "segment"])  # not the whole table
        sets = mine_itemsets(
            lines, given.get("min_support"), given.get("min_orders"),
            int(given.get("max_size") or settings["max_size"]), config=config,
        )  # fmt: skip
        offers = bundle_offers(lines, sets, config, customers, min_lift=given.get("min_lift"))
        meta = {"n_orders": sets.n_orders, "thresholds": sets.thresholds}
        return {"offers": offers, "rules": sets.rules, "itemsets": sets.itemsets, "meta": meta}

    parts = shop.cache.parts(name, ["offers", "rules", "itemsets"], compute, family)
    meta = parts["meta"]
    offers = parts["offers"]
    if segment:
        offers = offers.filter(pl.col("segments_over_index").list.contains(segment))
    return BundlesResult(
        offers, parts["rules"], parts["itemsets"], int(meta["n_orders"]), meta["thresholds"],
        shop.currency(), segment, shop.left_out(),
    )  # fmt: skip


@dataclass
class GiftsResult:
    """Gift picks, the packing plan, and each segment's policy with a preview note."""

    plan: pl.DataFrame
    picks: pl.DataFrame
    previews: pl.DataFrame
    catalogue: pl.DataFrame
    currency: str
    as_of: dt.date
    notes: list[str] = field(default_factory=list)


def load_gifts(shop: Shop, orders: str = "open") -> GiftsResult:
    """Gift picks for the customers of today's orders (and each segment's top spenders, for the
    previews), the packing plan and the notes, reusing the cached profiles and bundle rules."""
    shop.require_orders()
    state = shop.state_key("tag_overrides", "gift_campaigns", "gift_campaign_members", "exclusions")
    family = f"gifts-seq3-{shop.key()}-{orders}"  # "seq3": next products for the plan only
    name = f"{family}-{state}"

    def compute() -> dict[str, Any]:  # imported here: a warm start reads only the cache
        from shopinsight.core.gifts.plan import gift_parts

        return gift_parts(shop, orders)

    parts = shop.cache.parts(name, ["plan", "picks", "previews", "catalogue"], compute, family)
    meta = parts["meta"]
    return GiftsResult(
        parts["plan"], parts["picks"], parts["previews"], parts["catalogue"], meta["currency"],
        shop.as_of(), meta["notes"],
    )  # fmt: skip
