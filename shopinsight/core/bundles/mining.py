"""Frequently-bought-together product sets of 2 and 3, mined exactly with Polars.

A basket is the set of distinct products in one order; tips, shipping, gift cards and
order-level lines are not products and never join a basket, and cancelled orders are no
purchase. Counting is exact (Apriori with integer-coded SKUs): items below the minimum count are
dropped, pairs are counted by walking each order's remaining items (`walk.Walk`: numpy, no
self-join), and triples only extend pairs whose every sub-pair is frequent. The result is the
same as mlxtend's fpgrowth + association_rules at the same minimum support, at a fraction of
the time and memory.

The minimum count adapts to the shop (`bundles_basket.resolve_thresholds`): a floor
keeps a small shop's chance pairs out, and a support threshold growing with √orders — raised
when big baskets make too many pairs common — keeps a big shop's list short.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from shopinsight.core.bundles.basket import (
    apply_variants,
    bundle_settings,
    cap_thresholds,
    in_basket,
    product_baskets,
    product_lines,
    resolve_thresholds,
    variant_mapping,
)
from shopinsight.core.errors import InputError
from shopinsight.core.schema import PolarsType

if TYPE_CHECKING:
    from shopinsight.core.bundles.walk import Baskets, Walk

_CODE = pl.UInt32
_KEY = pl.UInt64
# about half the CPU of the in-memory engine on these joins and group-bys
_ENGINE: Final = "streaming"


@dataclass(frozen=True)
class Itemsets:
    """Frequent product sets and the rules between their parts.

    itemsets: items (List[str], sorted SKUs), size, orders, support — sizes 1 to max_size.
    rules: antecedent, consequent (List[str]), antecedent_support, consequent_support, support,
    confidence, lift, orders — every split of every itemset of size 2 or more.
    """

    itemsets: pl.DataFrame
    rules: pl.DataFrame
    n_orders: int
    thresholds: dict[str, Any] = field(default_factory=dict)
    variants: pl.DataFrame | None = field(default=None, repr=False, compare=False)
    """The SKUs rolled up to their product as mined (`basket.variant_mapping`), for the offers."""
    customer_orders: pl.DataFrame | None = field(default=None, repr=False, compare=False)
    """(customer_id, base): each customer's orders with products (`audience.customer_orders`),
    counted while mining, for the offers' segments; None when not counted."""
    sold_lines: pl.DataFrame | None = field(default=None, repr=False, compare=False)
    """(oid, sku, customer_id): every sold product line (returns included) as read for mining,
    its order numbered (oid, by order), for the offers' reach and segments; None when the
    numbers are not exact or some such line has no order id."""


def _coded_baskets(
    lines: pl.LazyFrame,
) -> tuple[Baskets, pl.DataFrame | None, pl.DataFrame | None]:
    """Baskets as distinct (oid, sku): an integer order code and a categorical SKU
    (`walk.Baskets`: numpy, by order); the orders with products of each customer
    (`audience.customer_orders`) counted on the way; and the sold lines so read
    (`Itemsets.sold_lines`).

    Workspace lines come sorted by order, so an order is a run of consecutive lines and its
    code is the run number — no string sorting or dictionary needed. The runs are checked: when
    the runs' first lines hold as many distinct order ids — else distinct (source, store,
    order_id) hashes — as there are runs, no order is split over two runs (a split order gives
    two runs one id), so the codes are exact. Otherwise the lines are sorted by order first
    (and the customers' orders are left to the offers). The runs are those of every sold
    product line, returned ones included: a customer's orders are its runs among the lines
    with that customer (still one run an order).

    The lines are read once, into four columns; the distinct rows and the customers' runs are
    found on those in memory (numpy for the distinct rows: a stable sort of the packed rows,
    which come nearly sorted, a fifth of Polars' hashing).
    """
    from shopinsight.core.bundles.walk import Baskets

    kept = product_baskets(lines, distinct=False)
    new_order = pl.any_horizontal(
        pl.col(c).ne_missing(pl.col(c).shift()) for c in ("source", "store", "order_id")
    )
    sku = pl.col("sku").cast(pl.Categorical)
    names = lines.collect_schema().names()
    sold = product_lines(lines).filter(pl.col("order_id").is_not_null())
    flagged = sold.select(
        "source", "store", "order_id", "sku",
        pl.col("customer_id") if "customer_id" in names else pl.lit(None, pl.Utf8),
        in_basket().alias("kept"), new_order.alias("new"),
    )  # fmt: skip
    coded, check = pl.collect_all(
        [
            flagged.select(
                pl.col("new").cum_sum().cast(_CODE).alias("oid"), sku, "kept", "customer_id"
            ),
            flagged.filter("new").select(
                pl.len().alias("runs"), pl.col("order_id").n_unique().alias("orders")
            ),
        ],
        engine=_ENGINE,
    )
    runs = check["runs"].item()
    exact = runs == check["orders"].item()
    if not exact:  # an order id in two runs: in two stores or sources, or one order split
        orders = pl.struct("source", "store", "order_id").hash().n_unique()
        exact = runs == flagged.filter("new").select(orders).collect(engine=_ENGINE).item()
    if exact:
        baskets = Baskets.of(coded["oid"], coded["sku"], coded["kept"])
        # a customer's orders: its runs among the lines with that customer, told apart by run
        # number (one order a run, as checked)
        run = pl.col("oid")
        per_customer = (
            coded.lazy()
            .select("oid", "customer_id")
            .filter(pl.col("customer_id").is_not_null())
            .filter(run.ne_missing(run.shift()))
            .group_by("customer_id")
            .agg(pl.len().alias("base"))
            .collect()
        )
        # the offers find a set's buyers and orders in these, unless a line with a customer
        # has no order id (the offers count those too)
        whole = "customer_id" in names and not _lines_without_order(lines)
        sold_lines = coded.select("oid", "sku", "customer_id") if whole else None
        return baskets, per_customer, sold_lines
    distinct = _distinct(
        kept.sort("source", "store", "order_id").select(
            new_order.cum_sum().cast(_CODE).alias("oid"), sku
        )
    ).collect(engine=_ENGINE)
    return Baskets.of(distinct["oid"], distinct["sku"]), None, None


def _lines_without_order(lines: pl.LazyFrame) -> bool:
    """Whether a sold product line with a customer has no order id (on its own: the Parquet
    reader answers it from the column's null count, where beside the mining pass it read
    every line again)."""
    stray = product_lines(lines).filter(
        pl.col("order_id").is_null() & pl.col("customer_id").is_not_null()
    )
    return bool(stray.select(pl.len()).collect().item())


def _distinct(coded: pl.LazyFrame) -> pl.LazyFrame:
    """Distinct (oid, sku) rows, found on one integer packing both (a third of the time of a
    unique over the two columns)."""
    packed = pl.col("oid").cast(_KEY) * 2**32 + pl.col("sku").to_physical().cast(_KEY)
    return coded.filter(packed.is_first_distinct())


def mine_itemsets(
    lines: pl.LazyFrame,
    min_support: float | None = None,
    min_orders: int | None = None,
    max_size: int = 3,
    config: dict[str, Any] | None = None,
) -> Itemsets:
    """Every product set of 1..max_size items bought together often enough, with its rules.

    `min_support` / `min_orders` override `[bundles]` in `config`; see `resolve_thresholds`.
    """
    if max_size not in (1, 2, 3):
        raise InputError("Bad --max-size", f"{max_size}: bundles have 2 or 3 products.")
    settings = bundle_settings(config)
    variants = variant_mapping(lines)
    baskets, per_customer, sold_lines = _coded_baskets(apply_variants(lines, variants))
    n_orders = baskets.n_orders()
    thresholds = resolve_thresholds(n_orders, min_support, min_orders, settings)
    need = thresholds["min_orders"]

    items = (
        baskets.item_orders()
        .filter(pl.col("orders") >= need)
        .with_columns(pl.col("sku").alias("item"), pl.col("sku").cast(pl.Utf8))
        .sort("sku")
        .with_row_index("code")
        .with_columns(pl.col("code").cast(_CODE))
    )
    m1 = items.height + 1  # codes 0..height-1 shift to 1..height in keys
    from shopinsight.core.bundles.walk import Walk  # numpy: only when counting

    walk = Walk.of(baskets, items)
    del baskets
    sizes = [items.select(pl.col("code").alias("a"), "orders")]
    names = items.select("code", "sku")
    if max_size >= 2:
        pairs = _decode(walk.count_pairs(m1, need).lazy(), m1, ["a", "b"])
        thresholds = cap_thresholds(thresholds, pairs, settings["auto_max_pairs"])
        if thresholds["min_orders"] > need:
            need = thresholds["min_orders"]
            pairs = pairs.filter(pl.col("orders") >= need)
            sizes = [sizes[0].filter(pl.col("orders") >= need)]
            names = names.join(sizes[0].select(pl.col("a").alias("code")), on="code", how="semi")
        sizes.append(pairs)
        if max_size >= 3 and pairs.height:
            sizes.append(_triples(walk, pairs, m1, need))
    counts = pl.concat(
        [_with_key(f, [c for c in ("a", "b", "c") if c in f.columns], m1) for f in sizes],
        how="diagonal",
    )
    itemsets = _itemset_frame(counts, names, n_orders)
    rules = _rules(sizes[1:], counts.select("key", "orders"), names, n_orders, m1)
    return Itemsets(itemsets, rules, n_orders, thresholds, variants, per_customer, sold_lines)


def _triples(walk: Walk, pairs: pl.DataFrame, m1: int, need: int) -> pl.DataFrame:
    """Frequent triples (a < b < c): two frequent pairs sharing `a`, and (b, c) frequent too."""
    from shopinsight.core.bundles.walk import count_triples

    frequent = _with_key(pairs, ["a", "b"], m1)["key"]
    return _decode(count_triples(walk, pairs, frequent, m1, need).lazy(), m1, ["a", "b", "c"])


def _decode(counted: pl.LazyFrame, m1: int, cols: list[str]) -> pl.DataFrame:
    """(key, orders) -> one code column per item, and orders."""
    rest = pl.col("key")
    decoded = {}
    for col in reversed(cols):
        decoded[col] = (rest % m1 - 1).cast(_CODE)
        rest = rest // m1
    return counted.select(*(decoded[c].alias(c) for c in cols), "orders").collect(engine=_ENGINE)


def _key_expr(cols: list[str], m1: int) -> pl.Expr:
    """One integer per sorted code tuple; the tuple length is part of the key."""
    key = pl.lit(0, _KEY)
    for col in cols:
        key = key * m1 + pl.col(col).cast(_KEY) + 1
    return key


def _with_key(frame: Any, cols: list[str], m1: int) -> Any:
    return frame.with_columns(_key_expr(cols, m1).alias("key"))


def _skus(frame: pl.DataFrame, names: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    """Add `<col>_sku` with the SKU string of each code column."""
    for col in cols:
        frame = frame.join(names.rename({"code": col, "sku": f"{col}_sku"}), on=col, how="left")
    return frame


def _itemset_frame(counts: pl.DataFrame, names: pl.DataFrame, n_orders: int) -> pl.DataFrame:
    cols: list[str] = [c for c in ("a", "b", "c") if c in counts.columns]
    frame = _skus(counts, names, cols)
    return (
        frame.select(
            pl.concat_list(f"{c}_sku" for c in cols).list.drop_nulls().alias("items"),
            pl.sum_horizontal(pl.col(c).is_not_null() for c in cols).cast(pl.Int32).alias("size"),
            pl.col("orders").cast(pl.Int64),
            (pl.col("orders") / n_orders).alias("support"),
            "key",
        )
        .sort(["size", "orders", "key"], descending=[False, True, False])
        .drop("key")
    )


_SPLITS = {
    2: [(["a"], ["b"]), (["b"], ["a"])],
    3: [
        (["a"], ["b", "c"]),
        (["b"], ["a", "c"]),
        (["c"], ["a", "b"]),
        (["b", "c"], ["a"]),
        (["a", "c"], ["b"]),
        (["a", "b"], ["c"]),
    ],
}


def _rules(
    frames: list[pl.DataFrame],
    counts: pl.DataFrame,
    names: pl.DataFrame,
    n_orders: int,
    m1: int,
) -> pl.DataFrame:
    """Every antecedent -> consequent split of every itemset, with mlxtend's metrics."""
    parts = []
    for frame in frames:
        cols: list[str] = [c for c in ("a", "b", "c") if c in frame.columns]
        named = _skus(frame, names, cols)
        for ant, con in _SPLITS[len(cols)]:
            parts.append(
                named.select(
                    pl.concat_list(f"{c}_sku" for c in ant).alias("antecedent"),
                    pl.concat_list(f"{c}_sku" for c in con).alias("consequent"),
                    _key_expr(ant, m1).alias("ant_key"),
                    _key_expr(con, m1).alias("con_key"),
                    "orders",
                )
            )
    schema: dict[str, PolarsType] = {
        "antecedent": pl.List(pl.Utf8),
        "consequent": pl.List(pl.Utf8),
        "antecedent_support": pl.Float64,
        "consequent_support": pl.Float64,
        "support": pl.Float64,
        "confidence": pl.Float64,
        "lift": pl.Float64,
        "orders": pl.Int64,
    }
    if not parts:
        return pl.DataFrame(schema=schema)
    ant_counts = counts.rename({"key": "ant_key", "orders": "ant_orders"})
    con_counts = counts.rename({"key": "con_key", "orders": "con_orders"})
    return (
        pl.concat(parts)
        .join(ant_counts, on="ant_key", how="left")
        .join(con_counts, on="con_key", how="left")
        .select(
            "antecedent",
            "consequent",
            "ant_key",
            "con_key",
            (pl.col("ant_orders") / n_orders).alias("antecedent_support"),
            (pl.col("con_orders") / n_orders).alias("consequent_support"),
            (pl.col("orders") / n_orders).alias("support"),
            (pl.col("orders") / pl.col("ant_orders")).alias("confidence"),
            (pl.col("orders") * n_orders / (pl.col("ant_orders") * pl.col("con_orders"))).alias(
                "lift"
            ),
            pl.col("orders").cast(pl.Int64),
        )
        .sort(["lift", "confidence", "ant_key", "con_key"], descending=[True, True, False, False])
        .select(list(schema))
        .cast(schema)  # type: ignore[arg-type]  # polars wants str | Selector | dtype keys
    )
