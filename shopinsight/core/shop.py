"""`Shop`: the one way to a shop's numbers, for the CLI and the app alike.

`Shop.open(workspace, as_of=..., currency=...)` decides, once, what every analysis reads:

- **the day**: orders after `as_of` are ignored (default: the day of the last order in the
  view's currency); days and months are the shop's, in `[shop] timezone` (`tz`);
- **the currency**: amounts are never added across currencies, so the analyses run on one
  currency at a time (default: the one most identified customers bought in,
  or `shop.currency` in the settings; `--currency CODE` overrides both);
- **the exclusions**: test orders, staff or wholesale buyers, outliers and what the merchant
  excluded by hand are left out and counted apart;
- **the purchase rule**: which orders count and their net after returns (`core.orders`).

Each derived result (profiles, churn, bundles, gifts, overview) is computed at most once per
`Shop`, and cached in the workspace per version of data + settings + hand-made state, so both
faces show the same number from the same computation. The faces only render.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from shopinsight.core.errors import InputError, ShopInsightError
from shopinsight.core.orders import (
    choose_currency,
    left_out_notes,
    lines_as_of,
    local_day,
    order_key,
    parse_as_of,
    shop_tz,
)
from shopinsight.core.schema import LINE_SCHEMA
from shopinsight.core.shop_cache import ShopCache
from shopinsight.core.state import state_key
from shopinsight.core.words import plural
from shopinsight.core.workspace import Workspace

if TYPE_CHECKING:
    from shopinsight.core.customers.profiles import CustomerProfiles
    from shopinsight.core.insights.changes import ChangesResult
    from shopinsight.core.insights.results import (
        CohortsResult,
        DriversResult,
        MigrationResult,
        RepeatResult,
    )
    from shopinsight.core.results import (
        BundlesResult,
        ChurnView,
        GiftsResult,
        ProfilesResult,
        ValueView,
    )

NO_ORDERS = ShopInsightError(
    "No orders yet",
    "Import an order export first (shopinsight import FILE, or i in the app), or run "
    "`shopinsight demo` to explore the sample shop.",
)


class Shop:
    """A workspace seen at one day, in one currency, with its exclusions applied."""

    def __init__(
        self,
        ws: Workspace,
        as_of: str | dt.date | None = None,
        currency: str | None = None,
    ) -> None:
        # One data version for everything this Shop reads and caches, even if an import
        # commits meanwhile (a new Shop sees the new version).
        self.ws = ws.snapshot()
        self.requested_as_of = parse_as_of(as_of)
        self.requested_currency = (currency or "").strip().upper() or None
        self.cache = ShopCache(self.ws)

    @classmethod
    def open(
        cls,
        workspace: Workspace | Path | str | None = None,
        as_of: str | dt.date | None = None,
        currency: str | None = None,
    ) -> Shop:
        """The shop of a workspace (a `Workspace` or a folder; default: the user's)."""
        ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
        return cls(ws, as_of, currency)

    # -- memo shortcuts (the app's workers use these) -------------------------------------
    def memo(self, key: str, compute: Any) -> Any:
        return self.cache.memo(key, compute)

    def peek(self, key: str) -> Any:
        return self.cache.peek(key)

    def forget(self, *keys: str) -> None:
        self.cache.forget(*keys)

    def state_key(self, *tables: str) -> str:
        """A short hash of the merchant's hand-made state in these state tables."""
        return state_key(self.ws, *tables)

    # -- the basics -----------------------------------------------------------------------
    def has_orders(self) -> bool:
        return self.ws.has_lines()

    def require_orders(self) -> None:
        if not self.has_orders():
            raise NO_ORDERS

    def settings(self) -> dict[str, Any]:
        """The merchant's settings as read from shopinsight.toml (validated, with defaults)."""
        return self.memo("settings", self.ws.config)

    def tz(self) -> str:
        """The shop's clock (`[shop] timezone`, default UTC): the as-of day ends at its
        midnight, and every order's day and month is read in it (`orders.local_day`)."""
        return self.memo("tz", lambda: shop_tz(self.settings()))

    def as_of(self) -> dt.date:
        """The analysis day: the one asked for, else the day of the view currency's last order.

        Why per currency: a dollar shop that stopped in 2023 next to a rupee store still selling
        would otherwise be judged as of the rupee store's last order, every dollar customer
        lapsed. Lines without a currency count in every currency."""

        def compute() -> dt.date:
            if self.requested_as_of is not None:
                return self.requested_as_of
            self.require_orders()  # the last days are kept per data version: no scan when warm
            days = self._last_days()
            overall = days["*"]
            if len([c for c in days if c not in ("*", "")]) <= 1:
                return dt.date.fromisoformat(overall)
            cur = self._currency_on(dt.date.fromisoformat(overall))
            day = max(days.get(cur or "", ""), days.get("", "")) or overall
            return dt.date.fromisoformat(day)

        return self.memo("as_of", compute)

    def _last_days(self) -> dict[str, str]:
        """The shop's day of the last order in each currency ("" for lines without one, "*"
        for any)."""

        def compute() -> dict[str, str]:
            day = local_day(pl.col("ordered_at").max(), self.tz())
            per = (
                self.ws.lines()
                .group_by("currency")
                .agg(day.cast(pl.String).alias("day"))
                .drop_nulls("day")
                .collect()
            )
            if per.height == 0:
                raise NO_ORDERS
            days = dict(per.select(pl.col("currency").fill_null(""), "day").iter_rows())
            return {"*": max(days.values()), **days}

        return self.memo("last_days", lambda: self.cache.json("last-days", compute))

    def last_order_day(self) -> dt.date | None:
        """The day of the newest order in any currency (may be after this view's day)."""
        if not self.has_orders():
            return None
        return dt.date.fromisoformat(self._last_days()["*"])

    def known_as_of(self) -> dt.date | None:
        """The as-of day if already known (never computes: safe on the UI thread)."""
        return self.requested_as_of or self.peek("as_of")

    def as_of_key(self) -> str:
        return self.as_of().isoformat() if self.has_orders() else "empty"

    def key(self) -> str:
        """What every cached result of this view is named by: day and currency."""
        return f"{self.as_of_key()}-{self.currency() or 'none'}"

    def all_lines(self, day: dt.date | None = None) -> pl.LazyFrame:
        """Every line as the shop stood at the end of the as-of day (or `day`): all currencies,
        with the excluded orders (status and the lists of what was left out read these)."""
        lines = self.ws.lines()
        have = set(lines.collect_schema().names())
        missing = [c for c in LINE_SCHEMA if c not in have]  # a workspace from an older version
        if missing:
            lines = lines.with_columns(
                pl.lit("" if c == "store" else None, LINE_SCHEMA[c]).alias(c) for c in missing
            )
        return lines_as_of(lines, day or self.as_of(), self.tz())

    def all_orders(self) -> pl.DataFrame:
        """One row per order as of the day (all currencies), with `excluded` and
        `excluded_reason`; cached, since it reads every line."""
        return self._all_orders_on(self.as_of())

    def _all_orders_on(self, day: dt.date) -> pl.DataFrame:
        from shopinsight.core.status import flagged_orders

        def compute() -> pl.DataFrame:
            return flagged_orders(self.ws, self.all_lines(day), self.tz())

        name, family = self._orders_cache_name(day)
        return self.memo(f"all_orders:{day}", lambda: self.cache.frame(name, compute, family))

    def _orders_cache_name(self, day: dt.date) -> tuple[str, str]:
        family = f"orders-{day.isoformat()}"
        return f"{family}-{self.state_key('exclusions', 'tag_overrides')}", family

    def _currency_on(self, day: dt.date) -> str | None:
        """The view's currency chosen on the orders up to `day` (what picks the default day)."""
        state = self.state_key("exclusions", "tag_overrides")
        family = f"currency-{day.isoformat()}-{self.requested_currency or 'auto'}"

        def compute() -> dict[str, Any]:
            return {"currency": self._choose_currency(self._all_orders_on(day), day)}

        return self.memo(
            f"currency_on:{day}",
            lambda: self.cache.json(f"{family}-{state}", compute, family)["currency"],
        )

    def _view(self) -> dict[str, Any]:
        """The view's currency and what it leaves out, kept per data version + settings +
        exclusions: a warm start reads these instead of every order."""
        state = self.state_key("exclusions", "tag_overrides")
        family = f"view-{self.as_of_key()}-{self.requested_currency or 'auto'}"

        def compute() -> dict[str, Any]:
            cur = self._currency_on(self.as_of())
            left_out = self._left_out(cur)
            dropped = self._left_out_keys(cur).height  # 0: a warm `lines()` reads no order
            return {"currency": cur, "left_out": left_out, "dropped": dropped}

        return self.memo("view", lambda: self.cache.json(f"{family}-{state}", compute, family))

    def currency(self) -> str | None:
        """The one currency the analyses of this view report in (see `choose_currency`)."""
        if not self.has_orders():
            return self.requested_currency
        return self._view()["currency"]

    def _choose_currency(self, all_orders: pl.DataFrame, day: dt.date) -> str | None:
        def compute() -> str | None:
            # the three columns choose_currency reads: filtering every column of every order
            # copied them all (~0.5 GB at 5M lines) to pick one currency
            orders = all_orders.select("currency", "customer_id", "net_revenue", "excluded")
            orders = orders.filter(~pl.col("excluded"))
            found = set(orders.get_column("currency").drop_nulls().unique().to_list())
            wanted = self.requested_currency
            if wanted and wanted not in found:
                have = ", ".join(sorted(found)) or "none"
                raise InputError(
                    "No orders in that currency",
                    f"--currency {wanted}: this shop has no orders in {wanted} as of "
                    f"{day}. Currencies with orders: {have}.",
                )
            setting = str((self.settings().get("shop") or {}).get("currency") or "").upper()
            if not wanted and setting and setting != "AUTO":
                wanted = setting
            return choose_currency(orders, wanted)

        return compute()

    def config(self) -> dict[str, Any]:
        """The settings the analyses receive: the merchant's, with `shop.currency` set to the
        currency of this view (so every analysis agrees on it)."""

        def compute() -> dict[str, Any]:
            config = copy.deepcopy(self.settings())
            config.setdefault("shop", {})["currency"] = self.currency() or "auto"
            return config

        return self.memo("config", compute)

    def _kept_keys(self) -> pl.DataFrame:
        orders = self.all_orders()
        cur = self.currency()
        same = pl.col("currency").is_null() | (pl.col("currency") == cur) if cur else pl.lit(True)
        return orders.filter(~pl.col("excluded") & same).select(order_key())

    def lines(self) -> pl.LazyFrame:
        """The lines every analysis reads: as of the day, in the view's currency (lines without
        a currency are taken to be in it), excluded orders left out."""
        dropped = self._dropped_orders()
        if dropped.height == 0:
            return self.all_lines()
        # the orders left out are few: an anti-join on them builds a far smaller hash table than
        # a semi-join on the kept ones (lines with a null key never matched a kept order). In
        # the lines' own order: readers count on each order's lines being together (Polars'
        # default engine gave them in a different order on each run, 1M lines, 5% left out)
        keys = order_key()
        return (
            self.all_lines()
            .filter(pl.all_horizontal(pl.col(k).is_not_null() for k in keys))
            .join(dropped.lazy(), on=keys, how="anti", maintain_order="left")
        )

    def order_columns(self, columns: list[str]) -> pl.DataFrame:
        """These columns of the flagged orders (`all_orders`): from memory when there, else
        only them from the cached file, else computed — a reader needing three columns never
        loads all ~30 of every order (1 GB at 5M lines)."""
        day = self.as_of()
        orders = self.peek(f"all_orders:{day}")
        if orders is None:
            name, _ = self._orders_cache_name(day)
            orders = self.cache.columns(name, "frame", columns)
        if orders is None:
            orders = self.all_orders()
        return orders.select(columns)

    def _dropped_orders(self) -> pl.DataFrame:
        """The keys of the orders this view leaves out (excluded, or in another currency).

        When the view (cached) says it leaves none out, no order is read at all; else, when
        the flagged orders are not in memory yet, only the columns this needs are read from
        their cached file: a warm gift plan read all ~30 columns of every order first (1 GB at
        5M lines) just to find none left out, and these five columns still cost 0.17 s and
        ~0.2 GB at 5M lines in every fresh process."""
        keys = order_key()

        def compute() -> pl.DataFrame:
            if self.has_orders() and self._view().get("dropped") == 0:  # known: none
                return pl.DataFrame(schema={k: LINE_SCHEMA[k] for k in keys})
            return self._left_out_keys(self.currency())

        return self.memo("dropped_orders", compute)

    def _left_out_keys(self, cur: str | None) -> pl.DataFrame:
        """The keys of the orders a view in `cur` leaves out (excluded, or in another
        currency), from the flagged orders' few columns that say so."""
        keys = order_key()
        orders = self.order_columns([*keys, "excluded", "currency"])
        left_out = (
            pl.col("excluded") | (pl.col("currency").is_not_null() & (pl.col("currency") != cur))
            if cur
            else pl.col("excluded")
        )
        return orders.filter(left_out).select(keys)

    def orders(self) -> pl.DataFrame:
        """One row per order of this view (currency, exclusions), for timelines and counts."""

        def compute() -> pl.DataFrame:
            orders = self.all_orders()
            mask = orders.select(self._in_view()).to_series()
            # usually every order is kept: the frame itself then, not a copy of every column
            return orders if mask.all() else orders.filter(mask)

        return self.memo("orders", compute)

    def _in_view(self) -> pl.Expr:
        """The orders this view keeps: not excluded, and in its currency (or in none)."""
        cur = self.currency()
        keep = ~pl.col("excluded")
        if cur:
            keep = keep & (pl.col("currency").is_null() | (pl.col("currency") == cur))
        return keep.fill_null(False)

    def view_order_columns(self, columns: list[str]) -> pl.DataFrame:
        """These columns of this view's orders (`orders`): from memory when there, else only
        them and the two the view's rule reads from the flagged orders (`order_columns`)."""
        orders = self.peek("orders")
        if orders is not None:
            return orders.select(columns)
        picked = self.order_columns(list(dict.fromkeys([*columns, "excluded", "currency"])))
        return picked.filter(self._in_view()).select(columns)

    def last_orders(self) -> pl.DataFrame:
        """customer_id, last_order_at: each customer's last counted order (cached: the churn
        marks need it on every start)."""

        def compute() -> pl.DataFrame:
            # three columns of the view's orders, not a copy of every column of them
            return (
                self.view_order_columns(["customer_id", "ordered_at", "counted"])
                .filter(pl.col("counted"))
                .group_by("customer_id")
                .agg(pl.col("ordered_at").max().alias("last_order_at"))
                .sort("customer_id")
            )

        family = f"last-orders-{self.key()}"
        name = f"{family}-{self.state_key('exclusions', 'tag_overrides')}"
        return self.memo("last_orders", lambda: self.cache.frame(name, compute, family))

    CUSTOMER_ORDER_COLUMNS = (
        "order_id", "order_day", "net_revenue", "items", "status", "is_gift", "counted",
    )  # fmt: skip
    """What one customer's order list shows (the app's detail panel)."""

    def customer_orders(self, customer_id: str) -> pl.DataFrame:
        """One customer's orders in this view, by day: CUSTOMER_ORDER_COLUMNS of them. The
        columns of every order are read once, alone (at 1M lines the whole `orders` frame took
        0.4 s and 74 MB for the first customer shown)."""
        columns = ["customer_id", *self.CUSTOMER_ORDER_COLUMNS]
        every = self.memo("customer_orders", lambda: self.view_order_columns(columns))
        return (
            every.filter(pl.col("customer_id") == customer_id)
            .select(self.CUSTOMER_ORDER_COLUMNS)
            .sort("order_day", maintain_order=True)
        )

    def sequence_rules(self) -> pl.DataFrame:
        """The shop's ranked order-sequence rules (product A on a first purchase, B on the next:
        `bundles.sequence.ranked_sequence_rules`), learnt once from every line and cached: the
        churn actions and the gift plan name the next product from the same rules."""
        from shopinsight.core.bundles.sequence import ranked_sequence_rules

        family = f"sequence-{self.key()}"
        name = f"{family}-{self.state_key('exclusions', 'tag_overrides')}"
        return self.memo(
            "sequence_rules",
            lambda: self.cache.frame(
                name, lambda: ranked_sequence_rules(self.lines(), tz=self.tz()), family
            ),
        )

    def addresses(self) -> pl.DataFrame:
        """customer_id, city, region, postal_code, address_country: each customer's latest
        address, which ad audiences match on (cached: it reads every line)."""
        from shopinsight.core.audiences import customer_addresses

        family = f"addresses-{self.key()}"
        name = f"{family}-{self.state_key('exclusions', 'tag_overrides')}"
        return self.memo(
            "addresses",
            lambda: self.cache.frame(name, lambda: customer_addresses(self.lines()), family),
        )

    def first_day(self) -> dt.date | None:
        """The day of the shop's first order (start of the customer timelines)."""
        return self.memo(
            "first_day", lambda: self.view_order_columns(["order_day"])["order_day"].min()
        )

    def left_out(self) -> list[str]:
        """What this view leaves out, in words a merchant can act on."""
        if not self.has_orders():
            return []
        return list(self._view()["left_out"])

    def _left_out(self, cur: str | None) -> list[str]:
        note = self.day_note()
        return [*left_out_notes(self.all_orders(), cur), *([note] if note else [])]

    def day_note(self) -> str | None:
        """When the default day is before the newest order (that order is in another currency),
        the sentence that says so; None otherwise."""
        newest = self.last_order_day()
        if self.requested_as_of is not None or not newest or self.as_of() >= newest:
            return None
        day = self.as_of()
        later = self._all_orders_on(newest).filter(pl.col("order_day") > day).height
        return (
            f"Results are as of {day}, the last order in {self._currency_on(day)}; "
            f"{plural(later, 'later order')} (up to {newest}) in other currencies "
            f"{'is' if later == 1 else 'are'} not included — use --currency or --as-of."
        )

    # -- analyses -------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """KPIs, revenue by month and imports (what `status` and the Overview show)."""

        def compute() -> dict[str, Any]:
            status = dict(self.order_status())
            if not status.get("lines"):
                return status
            summary = self.segment_summary()
            status["customers"] = summary["customers"]  # one count: the customer table's
            status["customers_definition"] = summary["customers_definition"]
            return status

        name = f"status-{self.key()}-{self.state_key('exclusions', 'tag_overrides')}"
        return self.memo("status", lambda: self.cache.json(name, compute, f"status-{self.key()}"))

    def order_status(self) -> dict[str, Any]:
        """`status` from the orders alone: its customers are those with a counted order, as
        the orders count them (the customer table, built later, counts the same people).
        The app paints the Overview from this before the customer table exists."""
        from shopinsight.core.status import shop_status

        def compute() -> dict[str, Any]:
            if not self.has_orders():
                return {"lines": 0, "imports": self.ws.ledger()}
            status = shop_status(self)
            status["currency"] = self.currency()
            status["left_out"] = self.left_out()
            status["day_note"] = self.day_note()
            return status

        family = f"order-status-{self.key()}"
        name = f"{family}-{self.state_key('exclusions', 'tag_overrides')}"
        return self.memo("order_status", lambda: self.cache.json(name, compute, family))

    def profiles(self) -> ProfilesResult:
        from shopinsight.core.results import load_profiles

        return self.memo("profiles", lambda: load_profiles(self))

    def customer_profiles(self) -> CustomerProfiles:
        """The full customer analysis object, with its rules (what `explain` traces); kept in
        memory only. Same function, lines and settings as `profiles()`."""
        from shopinsight.core.customers.profiles import customer_profiles
        from shopinsight.core.customers.tags import load_overrides

        self.require_orders()
        return self.memo(
            "customer_profiles",
            lambda: customer_profiles(
                self.lines(), self.as_of(), self.config(), self.ws.customer_attrs(),
                load_overrides(self.ws),
            ),
        )  # fmt: skip

    def segment_summary(self) -> dict[str, Any]:
        """Segment sizes and the notes behind them (small; the Overview reads only this)."""
        from shopinsight.core.results import segment_summary

        return self.memo("segment_summary", lambda: segment_summary(self))

    def churn(self, horizon_days: int | None = None) -> ChurnView:
        from shopinsight.core.results import load_churn

        return self.memo(f"churn:{horizon_days or ''}", lambda: load_churn(self, horizon_days))

    def value(self, horizon_days: int | None = None) -> ValueView:
        """Each customer's predicted spend over the horizon (default [churn] value_horizon_days),
        with a range, a tier and the prediction's backtest on this shop's own history."""
        from shopinsight.core.results import load_value

        return self.memo(f"value:{horizon_days or ''}", lambda: load_value(self, horizon_days))

    def remark_churn(self) -> ChurnView:
        """The churn result with the merchant's marks re-read (nothing is refitted)."""
        from shopinsight.core.results import with_marks

        churn = self.churn()
        churn.alerts = with_marks(self, churn.base)
        return churn

    def track(self) -> pl.DataFrame:
        """The alerts' track record (`churn track`): each stored day before this view's day,
        scored against the orders since and the merchant's marks; newest first."""
        from shopinsight.core.churn.track import shop_track

        return self.memo("track", lambda: shop_track(self))

    def bundles(self, segment: str | None = None, **thresholds: Any) -> BundlesResult:
        from shopinsight.core.results import load_bundles

        key = f"bundles:{segment or ''}:{sorted(thresholds.items())}"
        return self.memo(key, lambda: load_bundles(self, segment, thresholds))

    def gifts(self, orders: str = "open") -> GiftsResult:
        from shopinsight.core.results import load_gifts

        return self.memo(f"gifts:{orders}", lambda: load_gifts(self, orders))

    # -- retention insights (core.insights) -----------------------------------------------
    def cohorts(self, by: str = "month") -> CohortsResult:
        """Customers by month (or quarter) of their first purchase, and how they came back."""
        from shopinsight.core.insights.results import load_cohorts

        return self.memo(f"cohorts:{by}", lambda: load_cohorts(self, by))

    def repeat(self) -> RepeatResult:
        """Days between purchases (1st→2nd, 2nd→3rd, 3rd→4th), the repeat curve, new vs
        returning revenue per month."""
        from shopinsight.core.insights.results import load_repeat

        return self.memo("repeat", lambda: load_repeat(self))

    def drivers(self, by: str = "product") -> DriversResult:
        """What first orders of customers who came back had in common."""
        from shopinsight.core.insights.results import load_drivers

        return self.memo(f"drivers:{by}", lambda: load_drivers(self, by))

    def journey(self) -> pl.DataFrame:
        """First product → main product of the second purchase (counts and share)."""
        from shopinsight.core.insights.results import load_journey

        return self.memo("journey", lambda: load_journey(self))

    def migration(self, from_day: str | dt.date) -> MigrationResult:
        """Customers by segment on `from_day` against this view's day (same currency)."""
        from shopinsight.core.insights.results import load_migration

        return self.memo(f"migration:{from_day}", lambda: load_migration(self, from_day))

    def segment_history(self, customer_id: str, months: int = 6) -> pl.DataFrame:
        """day, segment: the customer's segment at each of the last `months` month-ends and on
        this view's day, repeats collapsed (each month-end's profiles are cached per as-of)."""
        from shopinsight.core.insights.segment_history import month_ends, segment_history

        self.require_orders()
        first = self.first_day() or self.as_of()
        cur = self.currency()
        days = month_ends(first, self.as_of(), months)
        per_day = {
            d: self.memo(f"shop-at:{d}", lambda d=d: Shop(self.ws, d, cur)).profiles().table
            for d in days
        }
        per_day[self.as_of()] = self.profiles().table
        return segment_history(per_day, customer_id)

    def changes(self, since: str | None = None) -> ChangesResult:
        """What changed since the previous import (default), an import or a day."""
        from shopinsight.core.insights.changes import load_changes

        return self.memo(f"changes:{since or ''}", lambda: load_changes(self, since))
