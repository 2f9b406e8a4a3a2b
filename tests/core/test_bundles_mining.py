"""Bundle mining: hand-computed baskets, adaptive thresholds, and mlxtend on real baskets."""

from __future__ import annotations

import polars as pl
import pytest

from shopinsight.core.bundles import bundle_settings, mine_itemsets, resolve_thresholds
from shopinsight.core.errors import ConfigError, InputError
from shopinsight.core.schema import conform
from tests.factories import make_lines

# o1 A B C | o2 A A B | o3 A C | o4 B C (+ a returned E) | o5 A B | o6 D | o7 A B cancelled
# tips, shipping, a gift card and an order-level line ride along (they would pair if counted)
HAND = [
    ("o1", "A"), ("o1", "B"), ("o1", "C"), ("o1", "TIP", "tip"),
    ("o2", "A"), ("o2", "A"), ("o2", "B"), ("o2", "SHIP", "shipping"),
    ("o3", "A"), ("o3", "C"),
    ("o4", "B"), ("o4", "C"), ("o4", "E", "product", -1),
    ("o5", "A"), ("o5", "B"), ("o5", "TIP", "tip"), ("o5", "GC", "gift_card"),
    ("o6", "D"), ("o6", "ORDER", "order"),
    ("o7", "A", "product", 1, "cancelled"), ("o7", "B", "product", 1, "cancelled"),
]  # fmt: skip


def hand_lines() -> pl.LazyFrame:
    rows = []
    for order, sku, *rest in HAND:
        kind, qty, status = (list(rest) + ["product", 1, "paid"][len(rest) :])[:3]
        rows.append(
            dict(
                order_id=order,
                customer_id=f"{order}@x.com",
                ordered_at="2024-03-01",
                sku=sku,
                line_kind=kind,
                quantity=qty,
                status=status,
            )
        )
    return make_lines(rows).lazy()


def as_dict(found) -> dict[tuple[str, ...], int]:
    return {tuple(r["items"]): r["orders"] for r in found.itemsets.iter_rows(named=True)}


def rule(found, ant: list[str], con: list[str]) -> dict:
    hit = found.rules.filter(
        (pl.col("antecedent").list.join(",") == ",".join(ant))
        & (pl.col("consequent").list.join(",") == ",".join(con))
    )
    assert hit.height == 1, (ant, con)
    return hit.row(0, named=True)


def test_hand_baskets_counts_without_pseudo_lines_returns_or_cancelled_orders():
    found = mine_itemsets(hand_lines(), min_support=0.01, min_orders=2)
    assert found.n_orders == 6  # o7 is cancelled
    assert as_dict(found) == {
        ("A",): 4, ("B",): 4, ("C",): 3,
        ("A", "B"): 3, ("A", "C"): 2, ("B", "C"): 2,
    }  # fmt: skip
    pair = found.itemsets.filter(pl.col("items").list.join(",") == "A,B")
    assert pair["support"].item() == 0.5 and pair["size"].item() == 2


def test_hand_rules_confidence_both_ways_and_lift():
    found = mine_itemsets(hand_lines(), min_support=0.01, min_orders=2)
    a_b = rule(found, ["A"], ["B"])
    assert a_b["confidence"] == pytest.approx(3 / 4)
    assert a_b["lift"] == pytest.approx((3 / 6) / ((4 / 6) * (4 / 6)))  # 1.125
    assert a_b["orders"] == 3
    c_a = rule(found, ["C"], ["A"])
    assert c_a["confidence"] == pytest.approx(2 / 3)
    assert c_a["antecedent_support"] == pytest.approx(3 / 6)
    assert c_a["consequent_support"] == pytest.approx(4 / 6)
    assert c_a["lift"] == pytest.approx(1.0)
    assert found.rules.height == 6  # two directions for each of three pairs


def test_triples_and_their_six_rules_when_the_floor_allows():
    found = mine_itemsets(hand_lines(), min_support=0.01, min_orders=1)
    assert {sku for items in as_dict(found) for sku in items} == {"A", "B", "C", "D"}
    assert as_dict(found)[("A", "B", "C")] == 1
    assert as_dict(found)[("D",)] == 1
    bc_a = rule(found, ["B", "C"], ["A"])
    assert bc_a["confidence"] == pytest.approx(1 / 2)
    assert bc_a["lift"] == pytest.approx((1 / 6) / ((2 / 6) * (4 / 6)))  # 0.75
    assert rule(found, ["A"], ["B", "C"])["confidence"] == pytest.approx(1 / 4)
    sizes = found.rules.select(pl.col("antecedent").list.len() + pl.col("consequent").list.len())
    assert sizes.to_series().value_counts().sort("antecedent").rows() == [(2, 6), (3, 6)]


def test_max_size_two_stops_at_pairs():
    found = mine_itemsets(hand_lines(), min_support=0.01, min_orders=1, max_size=2)
    assert found.itemsets["size"].max() == 2
    with pytest.raises(InputError):
        mine_itemsets(hand_lines(), max_size=4)


def test_order_of_lines_and_sources_do_not_matter():
    lines = hand_lines().collect()
    shuffled = lines.sample(fraction=1.0, shuffle=True, seed=3)
    assert as_dict(mine_itemsets(shuffled.lazy(), 0.01, 1)) == as_dict(
        mine_itemsets(lines.lazy(), 0.01, 1)
    )
    # the same order number in another marketplace is another basket
    etsy = lines.filter(pl.col("order_id") == "o3").with_columns(
        pl.lit("etsy").alias("source"), pl.Series("sku", ["C", "D"])
    )
    mixed = pl.concat([lines, etsy])
    found = mine_itemsets(mixed.lazy(), 0.01, 1)
    assert found.n_orders == 7
    assert ("A", "D") not in as_dict(found) and ("C", "D") in as_dict(found)


def test_nothing_to_mine_gives_empty_frames():
    lines = make_lines(
        [dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01", sku="TIP",
              line_kind="tip")]
    )  # fmt: skip
    found = mine_itemsets(lines.lazy())
    assert found.n_orders == 0 and found.itemsets.height == 0 and found.rules.height == 0


# -- thresholds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_orders", "expected", "support_orders"),
    [(16, 3, 1), (100, 3, 1), (400, 4, 4), (2_500, 25, 25), (10_000, 50, 50), (300_000, 274, 274)],
    ids=["tiny shop: floor", "100 orders: floor", "400 orders: 1%", "2,500: both rules meet",
         "10k orders", "300k orders"],
)  # fmt: skip
def test_auto_threshold_is_a_share_for_small_shops_and_grows_with_the_square_root(
    n_orders, expected, support_orders
):
    got = resolve_thresholds(n_orders, None, None, bundle_settings({}))
    assert got["min_orders"] == expected
    assert got["support_orders"] == support_orders
    assert got["min_support"] == pytest.approx(support_orders / n_orders)
    assert f"of {n_orders:,} orders" in got["reason"]


def test_min_orders_given_alone_is_the_count():
    """`--min-orders 3` in a 400-order shop counts sets in 3 orders (it reported 'at least 10
    of 400' before: the auto support bound)."""
    got = resolve_thresholds(400, None, 3, bundle_settings({}))
    assert got["min_orders"] == 3 and "--min-orders 3" in got["reason"]
    both = resolve_thresholds(400, 0.02, 3, bundle_settings({}))
    assert both["min_orders"] == 8  # with a support too, the larger count


def test_floor_beats_a_tiny_support_and_says_so():
    got = resolve_thresholds(100, 0.01, None, bundle_settings({}))
    assert got["min_orders"] == 3 and got["support_orders"] == 1
    assert "floor of 3 orders" in got["reason"]


def test_support_beats_the_floor_on_a_big_shop():
    got = resolve_thresholds(9835, 0.01, None, bundle_settings({}))
    assert got["min_orders"] == 99  # ceil(98.35)
    assert "min support 1.00%" in got["reason"]


def test_support_boundary_uses_float_comparison_like_mlxtend():
    # 0.03 * 100 is 3.0000000000000004 in floating point, yet 3 / 100 >= 0.03
    assert resolve_thresholds(100, 0.03, 1, bundle_settings({}))["min_orders"] == 3


def test_auto_threshold_rises_when_big_baskets_make_too_many_pairs():
    config = {"bundles": {"min_orders": 1, "auto_max_pairs": 1}}
    found = mine_itemsets(hand_lines(), config=config)  # auto: 1% of 6 -> 1 order, 3 pairs
    assert found.thresholds["min_orders"] == 3
    assert "raised from 1 order to keep at most 1 pairs" in found.thresholds["reason"]
    assert as_dict(found) == as_dict(mine_itemsets(hand_lines(), min_support=0.5, min_orders=1))
    assert set(as_dict(found)) == {("A",), ("B",), ("C",), ("A", "B")}
    # a support given by the merchant is taken as it is
    given = mine_itemsets(hand_lines(), min_support=0.3, config=config)
    assert given.thresholds["min_orders"] == 2 and len(as_dict(given)) == 6


def test_defaults_match_the_commented_template():
    from shopinsight.core.bundles import DEFAULTS
    from shopinsight.core.config import defaults

    assert bundle_settings({}) == bundle_settings(defaults()) == DEFAULTS


def test_settings_from_config_and_overrides():
    config = {"bundles": {"min_orders": 2, "min_support": 0.5}}
    found = mine_itemsets(hand_lines(), config=config)
    assert found.thresholds["min_orders"] == 3  # 0.5 of 6 orders
    assert set(as_dict(found)) == {("A",), ("B",), ("C",), ("A", "B")}
    found = mine_itemsets(hand_lines(), min_support=0.2, config=config)
    assert found.thresholds["min_orders"] == 2  # floor 2 from config, support 0.2 -> 2
    assert ("A", "C") in as_dict(found)


@pytest.mark.parametrize(
    "bad",
    [{"min_support": "lots"}, {"min_support": 0}, {"min_orders": 0}, {"discount": 1.5},
     {"max_size": 5}, {"price_ending": "49"}],
)  # fmt: skip
def test_bad_settings_name_themselves(bad):
    with pytest.raises(ConfigError) as err:
        bundle_settings({"bundles": bad})
    assert next(iter(bad)) in err.value.title


def test_bad_options_are_input_errors():
    with pytest.raises(InputError):
        mine_itemsets(hand_lines(), min_support=1.5)
    with pytest.raises(InputError):
        mine_itemsets(hand_lines(), min_orders=0)


# -- mlxtend on real baskets --------------------------------------------------------------


def basket_lines(orders: list[str], skus: list[str]) -> pl.LazyFrame:
    frame = pl.DataFrame({"order_id": orders, "sku": skus}).with_columns(
        pl.lit("shop").alias("source"), pl.lit("product").alias("line_kind")
    )
    return conform(frame)


def mlxtend_reference(lines: pl.LazyFrame, min_support: float):
    pytest.importorskip("mlxtend")
    import pandas as pd
    from mlxtend.frequent_patterns import association_rules, fpgrowth

    onehot = (
        lines.select("order_id", "sku", pl.lit(True).alias("x"))
        .unique()
        .collect()
        .pivot(on="sku", index="order_id", values="x")
        .drop("order_id")
        .fill_null(False)
    )
    n = onehot.height
    onehot = pd.DataFrame(onehot.to_numpy(), columns=onehot.columns)
    frequent = fpgrowth(onehot, min_support=min_support, use_colnames=True, max_len=3)
    rules = association_rules(frequent, num_itemsets=n, metric="confidence", min_threshold=0)
    return frequent, rules


def _key(sets) -> list[str]:
    return ["|".join(sorted(x)) for x in sets]


def assert_same_as_mlxtend(lines: pl.LazyFrame, min_support: float) -> int:
    """Same itemsets and rules, with support, confidence and lift equal to 1e-9."""
    found = mine_itemsets(lines, min_support=min_support, min_orders=1, max_size=3)
    frequent, rules = mlxtend_reference(lines, min_support)
    theirs = pl.DataFrame({"key": _key(frequent["itemsets"]), "support": frequent["support"]})
    ours = found.itemsets.select(pl.col("items").list.join("|").alias("key"), "support")
    both = ours.join(theirs, on="key", how="full", suffix="_mlx")
    assert both.height == ours.height == theirs.height
    assert both["key_mlx"].null_count() == 0 and both["key"].null_count() == 0
    assert (both["support"] - both["support_mlx"]).abs().max() < 1e-9

    metrics = ["antecedent_support", "consequent_support", "support", "confidence", "lift"]
    theirs_r = pl.DataFrame(
        {
            "ant": _key(rules["antecedents"]),
            "con": _key(rules["consequents"]),
            **{m: rules[m.replace("_", " ")].to_numpy() for m in metrics},
        }
    )
    ours_r = found.rules.select(
        pl.col("antecedent").list.join("|").alias("ant"),
        pl.col("consequent").list.join("|").alias("con"),
        *metrics,
    )
    both_r = ours_r.join(theirs_r, on=["ant", "con"], how="full", suffix="_mlx")
    assert both_r.height == ours_r.height == theirs_r.height
    for m in metrics:
        assert (both_r[m] - both_r[f"{m}_mlx"]).abs().max() < 1e-9, m
    return found.itemsets.height


def test_groceries_match_mlxtend_and_the_textbook_333(shared_data):
    import gzip

    text = gzip.open(shared_data / "groceries" / "groceries.csv.gz", "rt").read().splitlines()
    orders, skus = [], []
    for i, line in enumerate(text):
        for item in line.split(","):
            if item.strip():
                orders.append(str(i))
                skus.append(item.strip())  # "cream cheese " has a trailing blank
    lines = basket_lines(orders, skus)
    assert assert_same_as_mlxtend(lines, 0.01) == 333


def test_breadbasket_matches_mlxtend(shared_data):
    raw = pl.read_csv(shared_data / "breadbasket" / "BreadBasket_DMS.csv.gz")
    raw = raw.filter(pl.col("Item") != "NONE")
    lines = basket_lines(raw["Transaction"].cast(pl.Utf8).to_list(), raw["Item"].to_list())
    assert assert_same_as_mlxtend(lines, 0.005) > 50


def test_online_retail_invoices_match_mlxtend(shared_data):
    raw = pl.read_csv(
        shared_data / "online_retail" / "online_retail.csv.gz",
        schema_overrides={"InvoiceNo": pl.Utf8, "StockCode": pl.Utf8},
        columns=["InvoiceNo", "StockCode", "Quantity", "InvoiceDate"],
    )
    raw = raw.filter(
        ~pl.col("InvoiceNo").str.starts_with("C")
        & (pl.col("Quantity") > 0)
        & pl.col("InvoiceDate").str.starts_with("2011-0")
        & (pl.col("InvoiceDate") < "2011-03")
    )
    lines = basket_lines(raw["InvoiceNo"].to_list(), raw["StockCode"].to_list())
    assert assert_same_as_mlxtend(lines, 0.02) > 100


@pytest.fixture
def shared_data():
    from tests.conftest import SHARED_DATA

    if not (SHARED_DATA / "groceries").exists():
        pytest.skip(f"{SHARED_DATA} not available")
    return SHARED_DATA
