"""A shop's purchase history prepared once, then cut at any day (`History`).

`prepare_history` reads the order lines once into per-order events, per-customer-day purchases,
first-product days and customer codes; every row carries `cidx`, the customer's number in the
order their rows are stored (each customer's rows are a run), so the features of each cutoff
group and join on sorted integers. `churn.features` builds the per-cutoff features on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from shopinsight.core.orders import (
    UTC,
    counted_expr,
    local_day,
    main_currency,
    net_revenue_expr,
    shop_tz,
)

PROBLEM_KIND = pl.Enum(["cancelled", "refunded", "partly refunded"])
"""What went wrong with an order, as `History.events` holds it: at 5M lines its text on each of
3M orders took ~90 MB for the few problem orders the features read it from."""

CATEGORY_LEVELS = 10
"""Countries and channels kept by name; rarer ones share one code."""


@dataclass
class History:
    """A shop's purchase history prepared once, then cut at any day.

    `days` holds one row per customer-day purchase (customer_id, day, spend, items, discount,
    gift); `events` one row per order with a customer (day, refunded flag and amount, kind;
    the customer only by `cidx`); `first_sku` how many products each customer first bought on
    each day (by `cidx` too); `customers` one row per customer with home-country and channel
    codes; `product_lines` the product lines of customers' orders in the main currency that were
    not cancelled (not only counted ones), read again only if `favorites()` is asked for.
    """

    days: pl.DataFrame
    events: pl.DataFrame
    first_sku: pl.DataFrame
    customers: pl.DataFrame
    product_lines: pl.LazyFrame
    currency: str | None
    dropped_currency_orders: int
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    """Results per cutoff (features, rule tables): the backtest and training reuse them."""
    parent: History | None = field(default=None, repr=False)
    """The whole shop's history when this is a sample of it (the purchase model's fits are
    shared through it: one fit per cutoff, whichever sample asks)."""
    amounts: bool = True
    """Whether the counted purchases carry amounts: False when no counted order has a total (a
    file of member visits, a log of buyer and date): every spend is then 0, and what a lost
    customer puts at stake is counted in orders, not money (`churn.stake`)."""

    @property
    def root(self) -> History:
        return self if self.parent is None else self.parent.root

    @property
    def first_day(self) -> dt.date | None:
        first = self.days["day"].min() if self.days.height else None
        return first if isinstance(first, dt.date) else None

    def lexical(self) -> pl.Series:
        """Each customer's place in the order of the ids' text, by `cidx`: the whole shop's
        ids are sorted once, and every cutoff's table is put in that order by an integer sort."""
        root = self.root
        if "lexical" not in root.cache:
            ids = root.days.filter(_run_start())["customer_id"]  # cidx is 0..n-1 here
            keys = ids.hash()
            if ids.len() > 1 and (keys.slice(1) > keys.slice(0, ids.len() - 1)).all():
                # numbered in the order of the ids' hashes (`_by_customer`), all different: the
                # k-th smallest hash of the ids sorted as text is at customer k's place. A sort
                # of the text and an integer arg-sort: half the CPU of arg-sorting the text
                lex = ids.sort().hash().arg_sort().cast(pl.UInt32).to_numpy()
            else:
                order = ids.arg_sort().to_numpy()
                lex = np.empty(len(order), dtype=np.uint32)
                lex[order] = np.arange(len(order), dtype=np.uint32)
            root.cache["lexical"] = pl.Series("lexical", lex)
        return root.cache["lexical"]

    def customer_ids(self) -> pl.DataFrame:
        """customer_id of everyone with a purchase, sorted (by their text), with `cidx`."""
        if "ids" not in self.cache:
            firsts = self.days.filter(_run_start()).select("cidx", "customer_id")
            self.cache["ids"] = firsts.sort(self.lexical().gather(firsts["cidx"]))
        return self.cache["ids"]

    def in_text_order(self, table: pl.DataFrame) -> pl.DataFrame:
        """`table` (one row per `cidx`) sorted by customer_id, without `cidx`: an integer sort.

        `table` is emptied: its columns are moved out and put in order one at a time, so the
        table is never held twice (at 5M lines a cutoff's features are ~270 MB). Each `cidx`
        has its own place in the text order, so the order is the one a sort gives."""
        order = self.lexical().gather(table.drop_in_place("cidx")).arg_sort()
        return pl.DataFrame([table.drop_in_place(name).gather(order) for name in table.columns])

    def forget_cutoff(self, cutoff: dt.date) -> None:
        """Let go of the features and rule tables cached for `cutoff` (the BTYD summary and
        fits stay: the value analysis reads them). Churn scores the whole shop at its as-of day
        once; at 5M lines those tables held ~300 MB through the rest of the alerts, the cache
        writes and the value analysis."""
        for key in [k for k in self.cache if _cutoff_table(k, cutoff)]:
            del self.cache[key]

    def favorites(self) -> pl.DataFrame:
        """customer_id, favorite_product: the product each customer bought on the most lines."""
        if "favorites" not in self.cache:
            self.cache["favorites"] = _favorites(self.product_lines).collect()
        return self.cache["favorites"]

    def sample(self, customers: int, seed: int) -> History:
        """The same history for a seeded sample of customers (itself when small enough).

        Training and the rule's band estimates read a sample on big shops: 30,000 customers
        tell the same story as 300,000, ten times faster.
        """
        ids = self.customer_ids()
        if ids.height <= customers:
            return self
        key = ("sample", customers, seed)
        if key not in self.cache:
            # the same rows as sampling the ids alone; kept by their number, not their text: a
            # mask over the whole shop's numbers read at each row's cidx (no hash join)
            keep = np.zeros(self.root.customer_ids().height, dtype=bool)
            keep[ids.sample(customers, seed=seed)["cidx"].to_numpy()] = True
            kept = pl.Series("kept", keep)

            def runs(frame: pl.DataFrame) -> pl.DataFrame:  # rows kept in order
                return frame.filter(kept.gather(frame["cidx"])).with_columns(
                    pl.col("cidx").set_sorted()
                )

            self.cache[key] = History(
                runs(self.days),
                runs(self.events),
                runs(self.first_sku),
                runs(self.customers),
                self.product_lines,
                self.currency,
                self.dropped_currency_orders,
                parent=self,
                amounts=self.amounts,
            )
        return self.cache[key]


def _cutoff_table(key: Any, cutoff: dt.date) -> bool:
    """Whether a `History.cache` key is a features or rule table of `cutoff`."""
    return isinstance(key, tuple) and key[0] in ("features", "rule") and key[1] == cutoff


def _run_start() -> pl.Expr:
    """The first of each customer's rows in `days` (their rows are a run)."""
    return pl.col("cidx").ne(pl.col("cidx").shift(1)).fill_null(True)


_ORDER_FIELDS = [
    "customer_id", "ordered_at", "status", "order_total", "refunded", "discount_code",
    "order_discount", "is_gift", "country", "channel", "fulfilled",
]  # fmt: skip
"""Order-level fields, repeated on every line of an order: read from its first line."""

_KEY = ["source", "store", "order_id"]


def _orders(lines: pl.LazyFrame, in_currency: pl.Expr, tz: str = UTC) -> pl.DataFrame:
    """One row per order with a customer: the few columns churn needs.

    Same rules as orders.orders_frame (net revenue, `counted`, `has_discount`), without the
    product lists the other analyses need. The store keeps an order's lines together, so the
    order-level fields are those of the line where the order key (a hash) changes, and only
    three sums are grouped, on the run of lines (a sorted integer): a third of grouping every
    field on the key's text. Checked: every run a different key, else (an order's lines apart)
    the fields are grouped on the key as well.
    """
    product = pl.col("line_kind") == "product"
    net = net_revenue_expr()
    key = pl.struct(_KEY).hash().alias("_ok")
    keyed = lines.filter(pl.col("customer_id").is_not_null()).with_columns(key)
    sums = [
        pl.col("quantity").filter(product).sum().alias("items"),
        product.sum().alias("n_lines"),
        pl.col("unit_price").filter(product).sum().alias("price_sum"),
    ]
    start = pl.col("_ok").ne_missing(pl.col("_ok").shift()).fill_null(True)
    runs = keyed.with_columns(start.alias("_start")).with_columns(
        pl.col("_start").cum_sum().cast(pl.UInt32).set_sorted().alias("_run")
    )
    heads, per_run = pl.collect_all(
        [
            # the key's own text is not kept: nothing reads it once hashed (at 5M lines its
            # three columns took ~150 MB through the rest of prepare_history)
            runs.filter("_start").select("_ok", *_ORDER_FIELDS, in_currency.alias("in_currency")),
            runs.group_by("_run", maintain_order=True).agg(*sums),
        ]
    )
    if heads["_ok"].n_unique() == heads.height:  # every run a different order
        orders = heads.hstack(per_run.drop("_run"))
    else:  # an order's lines apart: every field grouped on the order key, orders in the order
        # first seen (an unordered group-by summed each customer's spend in a different order
        # on every run: the value fit's last digits changed from run to run on Online Retail)
        orders = (
            keyed.group_by("_ok", maintain_order=True)
            .agg(
                pl.col(*_ORDER_FIELDS).first(),
                in_currency.first().alias("in_currency"),
                *sums,
            )
            .collect()
        )
    return (
        orders.drop("_ok")
        .with_columns(
            local_day(pl.col("ordered_at"), tz).alias("day"),  # the shop's day
            net.alias("net_revenue"),
            (pl.col("discount_code").is_not_null() | (pl.col("order_discount").fill_null(0) > 0))
            .alias("has_discount"),
        )
        .with_columns(counted_expr().alias("counted"))  # the one purchase rule
    )  # fmt: skip


def prepare_history(lines: pl.LazyFrame, config: dict) -> History:
    """Orders, purchases and refunds per customer in the shop's main currency.

    Orders in other currencies are left out (counted in `dropped_currency_orders`) so money is
    never mixed; lines without a customer never count.
    """
    lines = lines.lazy()
    currency = main_currency(lines, config)
    in_currency = pl.col("currency").is_null() | (pl.col("currency") == pl.lit(currency, pl.Utf8))
    tz = shop_tz(config)
    orders = _orders(lines, in_currency, tz)
    dropped = orders.filter(~pl.col("in_currency")).height
    orders = orders.filter("in_currency")
    counted, priced = orders.select(
        pl.col("counted").any().alias("_counted"),
        (pl.col("counted") & pl.col("order_total").is_not_null()).any().alias("_priced"),
    ).row(0)
    days = (
        orders.filter("counted")
        .group_by("customer_id", "day")
        .agg(
            pl.col("net_revenue").sum().alias("spend"),
            pl.col("items").sum().alias("items"),
            pl.col("n_lines").sum().alias("n_lines"),
            pl.col("price_sum").sum().alias("price_sum"),
            pl.col("has_discount").any().alias("discount"),
            pl.col("is_gift").fill_null(False).any().alias("gift"),
        )
        .pipe(_by_customer)
        .pipe(_number_purchases)
    )
    problem = (pl.col("refunded").fill_null(0.0) > 0) | pl.col("status").is_in(
        ["refunded", "partially_refunded", "cancelled"]
    )
    per_order = orders.select(
        "customer_id",
        "day",
        "ordered_at",
        "counted",
        problem.fill_null(False).alias("problem"),
        pl.when(pl.col("status") == "cancelled")
        .then(pl.lit("cancelled"))
        # an order without amounts: the status alone says how much went back
        .when(pl.col("order_total").is_null() & (pl.col("status") == "partially_refunded"))
        .then(pl.lit("partly refunded"))
        .when(pl.col("refunded").fill_null(0.0) >= pl.col("order_total").fill_null(0.0))
        .then(pl.lit("refunded"))
        .otherwise(pl.lit("partly refunded"))
        .cast(PROBLEM_KIND)  # a small code on every order, not its name's text
        .alias("problem_kind"),
        pl.col("refunded").fill_null(0.0).clip(0.0, None).alias("refunded"),
        pl.col("order_total").fill_null(0.0).clip(0.0, None).alias("gross"),
        (-pl.col("net_revenue")).clip(0.0, None).alias("returned_value"),  # credit notes
        "country",
        "channel",
    )
    product_lines = lines.filter(
        (pl.col("line_kind") == "product")
        & pl.col("customer_id").is_not_null()
        & pl.col("status").ne("cancelled").fill_null(True)
        & in_currency
    )
    ids = days.filter(_run_start()).select("customer_id", "cidx")
    known, others = _numbered(per_order, ids)
    # every order's columns go before the lines are read again for the first products: at 5M
    # lines they held ~300 MB through that read, the step's peak
    del orders, per_order
    customers = _customer_codes(known, others)
    events = known.drop("customer_id", "country", "channel")  # the customer found by `cidx`
    del known, others
    return History(
        days,
        events,
        _first_skus(product_lines, ids, tz),
        customers,
        product_lines,
        currency,
        dropped,
        amounts=bool(priced) or not counted,
    )


def _first_skus(product_lines: pl.LazyFrame, ids: pl.DataFrame, tz: str) -> pl.DataFrame:
    """day, new_skus, cidx: how many products each customer bought for the first time on each
    day (customers without a counted purchase have none; no id's text: `cidx` says whose).

    Grouped on 64-bit hashes of the customer id and the SKU, not their text (a third of the
    cost on a million lines, and no string hash tables): two ids sharing a hash would merge,
    the bet the order key and `_by_customer` already make. Only counted, so the rows' order
    within a customer does not matter."""
    known = ids.lazy().select(pl.col("customer_id").hash().alias("_c"), "cidx")
    per_day = (
        product_lines.filter(pl.col("sku").is_not_null())
        .group_by(pl.col("customer_id").hash().alias("_c"), pl.col("sku").hash().alias("_s"))
        .agg(local_day(pl.col("ordered_at").min(), tz).alias("day"))
        .join(known, on="_c", how="inner")
        .group_by(_customer_day().alias("_cd"))  # products are only counted: one row per day
        .agg(pl.len().cast(pl.UInt32).alias("new_skus"))
        .collect()
        .sort("_cd")
    )  # sorted once collected: half the CPU of the streaming engine's sort (each key is unique)
    cidx, day = _split_customer_day(per_day["_cd"])
    return pl.DataFrame([day, per_day["new_skus"], cidx.set_sorted()])


_DAYS = 1 << 32
"""Room for every day (as a 32-bit count of days, offset to be positive) in `_customer_day`."""


def _customer_day() -> pl.Expr:
    """(cidx, day) as one integer that sorts as the pair: one key to group and sort on, a
    third less CPU than the two (the day's 32-bit count offset to be positive)."""
    day = pl.col("day").cast(pl.Int32).cast(pl.Int64) + _DAYS // 2
    return pl.col("cidx").cast(pl.UInt64) * _DAYS + day.cast(pl.UInt64)


def _split_customer_day(key: pl.Series) -> tuple[pl.Series, pl.Series]:
    """`cidx` and `day` back from `_customer_day`'s integers."""
    cidx = (key // _DAYS).cast(pl.UInt32).alias("cidx")
    day = ((key % _DAYS).cast(pl.Int64) - _DAYS // 2).cast(pl.Int32).cast(pl.Date)
    return cidx, day.alias("day")


def _numbered(orders: pl.DataFrame, ids: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The orders of customers with a counted purchase, with their `cidx` and sorted on it
    (each customer's orders kept in their order): the features group and join these on an
    integer run. Then the orders of the others, who have no features (their rows go) but
    still count in the shop's top countries and channels (`_customer_codes`). One join on
    the ids serves both the events and the customer codes."""
    keyed = orders.join(ids, on="customer_id", how="left", maintain_order="left")
    known = keyed.filter(pl.col("cidx").is_not_null()).sort("cidx", maintain_order=True)
    return known.with_columns(pl.col("cidx").set_sorted()), keyed.filter(pl.col("cidx").is_null())


def _by_customer(days: pl.DataFrame) -> pl.DataFrame:
    """Each customer's rows together, by day: sorted by a hash of the id, a third of the cost of
    sorting the text on a big shop. Should two ids share a hash (their rows would interleave),
    the text is sorted instead.

    `cidx` numbers the customers in that order, flagged sorted: a group-by on it finds each
    customer's rows as a run, twice as fast as hashing the ids again at every cutoff.
    """
    keyed = days.with_columns(pl.col("customer_id").hash().alias("_key")).sort("_key", "day")
    runs = keyed.select(pl.col("_key").rle_id().max() == pl.col("customer_id").rle_id().max())
    if days.height == 0 or runs.item():
        keyed = keyed.drop("_key")
    else:
        keyed = days.sort("customer_id", "day")
    return keyed.with_columns(pl.col("customer_id").rle_id().set_sorted().alias("cidx"))


def _number_purchases(days: pl.DataFrame) -> pl.DataFrame:
    """Add `gap` (days since the customer's previous purchase) and `i` (0 for the first).

    `days` has each customer's rows together, by day (numbered by `cidx`); shifts beat window
    functions by far.
    """
    row = pl.int_range(pl.len())
    first = _run_start()
    return days.with_columns(
        pl.when(first).then(None).otherwise(pl.col("day").diff().dt.total_days()).alias("gap"),
        (row - pl.when(first).then(row).forward_fill()).alias("i"),
    )


def _favorites(product_lines: pl.LazyFrame) -> pl.LazyFrame:
    """The product each customer bought on the most lines (then most units, then by name)."""
    best = pl.col("product_name").sort_by(
        ["_lines", "_q", "product_name"], descending=[True, True, False]
    )
    return (
        product_lines.filter(pl.col("product_name").is_not_null())
        .group_by("customer_id", "product_name")
        .agg(pl.len().alias("_lines"), pl.col("quantity").sum().alias("_q"))
        .group_by("customer_id")
        .agg(best.first().alias("favorite_product"))
    )


def _top(values: pl.Series, n: int) -> list[str]:
    counts = values.drop_nulls().value_counts()
    return counts.sort(["count", counts.columns[0]], descending=[True, False])[:n, 0].to_list()


def _code(expr: pl.Expr, levels: list[str]) -> pl.Expr:
    return expr.replace_strict(levels, list(range(len(levels))), default=len(levels)).cast(pl.Int16)


def _customer_codes(known: pl.DataFrame, others: pl.DataFrame) -> pl.DataFrame:
    """Home-country flag, country and channel codes (top values, rest pooled) per customer
    with a counted purchase, from the country and channel of their latest order.

    `known` and `others` are `_numbered`'s: the customers with a counted purchase are grouped
    on their run of `cidx` (no hash table on the ids' text); the top values are counted over
    every customer's latest order, the others' too."""
    latest = pl.col("ordered_at").arg_max()
    picks = [pl.col("country").get(latest), pl.col("channel").get(latest)]
    last = known.group_by("cidx", maintain_order=True).agg(pl.col("customer_id").first(), *picks)
    rest = others.group_by("customer_id").agg(*picks)
    countries = _top(pl.concat([last["country"], rest["country"]]), CATEGORY_LEVELS)
    channels = _top(pl.concat([last["channel"], rest["channel"]]), CATEGORY_LEVELS)
    home = pl.col("country").eq(countries[0] if countries else "").fill_null(False)
    return last.select(
        "customer_id",
        "country",
        home.cast(pl.Int8).alias("home_country"),
        _code(pl.col("country"), countries).alias("country_code"),
        _code(pl.col("channel"), channels).alias("channel_code"),
        "cidx",
    )
