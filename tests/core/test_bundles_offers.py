"""Bundle offers, the product catalogue and next products, on a hand-made shop.

40 orders: Mug+Tea together 6 times (c1..c6), Mug alone twice (c7, c8), Tea alone twice (c9,
c10), Ruby+Opal together 3 times (c11..c13) and never apart, 27 one-off filler products.
Mug and Tea: 8 orders each, expected together 8 × 8 / 40 = 1.6, lift 6 / 1.6 = 3.75, shrunk
(6 + 5) / (1.6 + 5) = 1.667. Ruby and Opal: lift 3 / (3 × 3 / 40) = 13.3 but only 3 orders,
shrunk (3 + 5) / (0.225 + 5) = 1.531 — offered, yet ranked below Mug+Tea.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from shopinsight.core.bundles import (
    bundle_offers,
    main_currency,
    mine_itemsets,
    next_products,
    product_catalogue,
)
from tests.factories import make_lines

PRICE = {"MUG": 12.0, "TEA": 8.0, "RUBY": 5.0, "OPAL": 4.5}
NAME = {"MUG": "Mug", "TEA": "Tea", "RUBY": "Ruby", "OPAL": "Opal"}
CONFIG = {"bundles": {"min_orders": 3, "min_support": 0.01}}


def shop_rows() -> list[dict]:
    baskets = (
        [["MUG", "TEA"]] * 6 + [["MUG"]] * 2 + [["TEA"]] * 2 + [["RUBY", "OPAL"]] * 3
        + [[f"F{i}"] for i in range(27)]
    )  # fmt: skip
    rows = []
    for i, basket in enumerate(baskets, start=1):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=i)
        for sku in basket:
            rows.append(
                dict(
                    order_id=i,
                    customer_id=f"c{i}@x.com",
                    ordered_at=day,
                    sku=sku,
                    product_name=NAME.get(sku, f"Filler {sku}"),
                    unit_price=PRICE.get(sku, 3.0),
                )
            )
        rows.append(dict(order_id=i, customer_id=f"c{i}@x.com", ordered_at=day, sku="SHIP",
                         line_kind="shipping", unit_price=4.0))  # fmt: skip
    return rows


@pytest.fixture
def shop() -> pl.LazyFrame:
    return make_lines(shop_rows()).lazy()


@pytest.fixture
def found(shop):
    return mine_itemsets(shop, config=CONFIG)


def test_offers_rank_by_shrunk_lift_not_raw_lift(shop, found):
    offers = bundle_offers(shop, found, CONFIG)
    assert offers["items"].to_list() == [["MUG", "TEA"], ["OPAL", "RUBY"]]
    mug_tea, gems = offers.row(0, named=True), offers.row(1, named=True)
    assert mug_tea["lift"] == pytest.approx(3.75)
    assert mug_tea["score"] == pytest.approx(11 / 6.6)
    assert gems["lift"] == pytest.approx(40 / 3) and gems["lift"] > mug_tea["lift"]
    assert gems["score"] == pytest.approx(8 / 5.225)
    assert mug_tea["confidence_best"] == pytest.approx(0.75)
    assert mug_tea["orders"] == 6 and mug_tea["support"] == pytest.approx(0.15)
    assert mug_tea["names"] == ["Mug", "Tea"]


def test_min_lift_applies_to_the_shrunk_lift(shop, found):
    offers = bundle_offers(shop, found, CONFIG, min_lift=1.6)
    assert offers["items"].to_list() == [["MUG", "TEA"]]  # Ruby+Opal: lift 13 but 1.53 shrunk
    no_shrink = {"bundles": {**CONFIG["bundles"], "lift_prior_orders": 0}}
    offers = bundle_offers(shop, found, no_shrink, min_lift=1.6)
    assert offers["items"].to_list()[0] == ["OPAL", "RUBY"]


def test_prices_discount_and_price_endings(shop, found):
    offer = bundle_offers(shop, found, CONFIG).row(0, named=True)
    assert offer["combined_price"] == pytest.approx(20.0)
    assert offer["bundle_price"] == pytest.approx(17.99)  # 18.00 less a cent
    assert offer["currency"] == "USD"
    gems = bundle_offers(shop, found, CONFIG).row(1, named=True)
    assert gems["bundle_price"] == pytest.approx(8.49)  # 9.50 × 0.9 = 8.55 -> 8.49
    exact = {"bundles": {**CONFIG["bundles"], "price_ending": "none", "discount": 0.15}}
    assert bundle_offers(shop, found, exact)["bundle_price"][0] == pytest.approx(17.0)


def test_reach_counts_customers_with_part_of_the_bundle(shop, found):
    offer = bundle_offers(shop, found, CONFIG).row(0, named=True)
    assert offer["reach_customers"] == 4  # c7, c8 have the mug, c9, c10 the tea
    assert bundle_offers(shop, found, CONFIG)["reach_customers"][1] == 0


def test_segments_over_index_on_bundle_owners(shop, found):
    ids = [f"c{i}@x.com" for i in range(1, 41)]
    # Mug+Tea orders are c1..c6's; c1..c5 are 5 of the 8 Champions, who place 8 of 40 orders:
    # 5 orders where 6 × 0.2 = 1.2 are expected, 4.2×, and 3.8 above it is beyond 3 × √1.2
    champions = (1, 2, 3, 4, 5, 30, 31, 32)
    segment = ["Champions" if i in champions else "Others" for i in range(1, 41)]
    customers = pl.DataFrame({"customer_id": ids, "segment": segment})
    offers = bundle_offers(shop, found, CONFIG, customers=customers)
    mug_tea = offers.row(0, named=True)
    assert mug_tea["segments_over_index"] == ["Champions"]
    assert "over-indexes in Champions 4.2×" in mug_tea["reason"]
    assert offers["segments_over_index"][1].to_list() == []  # c11..c13: all Others
    # c5 not a Champion: 4 orders vs 6 × 7/40 = 1.05 expected is 3.8×, yet within chance
    # (4 - 1.05 = 2.95 < 3 × √1.05 = 3.07)
    fewer = customers.with_columns(
        pl.when(pl.col("customer_id") == "c5@x.com")
        .then(pl.lit("Others"))
        .otherwise("segment")
        .alias("segment")
    )
    assert bundle_offers(shop, found, CONFIG, customers=fewer)["segments_over_index"][0].len() == 0
    assert bundle_offers(shop, found, CONFIG)["segments_over_index"][0].to_list() == []


def test_offer_reason_and_rules(shop, found):
    offer = bundle_offers(shop, found, CONFIG).row(0, named=True)
    assert offer["reason"].startswith("bought together in 6 of 40 orders (15.0%), lift 3.8")
    assert "75% of orders with Mug also had Tea" in offer["reason"]
    assert {(tuple(r["antecedent"]), tuple(r["consequent"])) for r in offer["rules"]} == {
        (("MUG",), ("TEA",)),
        (("TEA",), ("MUG",)),
    }


def test_no_price_in_the_main_currency_is_said(found):
    rows = [r | {"currency": "EUR"} if r["sku"] == "TEA" else r for r in shop_rows()]
    shop = make_lines(rows).lazy()
    offer = bundle_offers(shop, mine_itemsets(shop, config=CONFIG), CONFIG).row(0, named=True)
    assert offer["combined_price"] is None and offer["bundle_price"] is None
    assert "no usual price for every item in USD" in offer["reason"]


# -- catalogue and currency -----------------------------------------------------------------


def test_catalogue_median_price_latest_name_and_orders():
    rows = [
        dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01", sku="M",
             product_name="Mug", unit_price=10.0),
        dict(order_id=2, customer_id="a@x.com", ordered_at="2024-02-01", sku="M",
             product_name="Mug (large)", unit_price=14.0, category="Kitchen"),
        dict(order_id=3, customer_id="b@x.com", ordered_at="2024-03-01", sku="M",
             product_name="Mug (large)", unit_price=11.0),
        dict(order_id=4, customer_id="b@x.com", ordered_at="2024-04-01", sku="M",
             product_name="Mug (old)", unit_price=99.0, status="cancelled"),
        dict(order_id=4, customer_id="b@x.com", ordered_at="2024-04-01", sku="TIP",
             line_kind="tip"),
        dict(order_id=5, customer_id="c@x.com", ordered_at="2024-05-01", sku="M",
             product_name="Mug (large)", unit_price=50.0, currency="EUR"),
    ]  # fmt: skip
    cat = product_catalogue(make_lines(rows).lazy())
    assert cat["sku"].to_list() == ["M"]  # the tip is no product
    mug = cat.row(0, named=True)
    assert mug["unit_price"] == 11.0 and mug["currency"] == "USD"  # median of 10, 14, 11
    assert mug["product_name"] == "Mug (large)" and mug["category"] == "Kitchen"
    assert mug["orders"] == 4  # the cancelled order (and its name) is left out
    assert mug["last_sold"] == dt.date(2024, 5, 1)
    euro = product_catalogue(make_lines(rows).lazy(), "EUR").row(0, named=True)
    assert euro["unit_price"] == 50.0 and euro["currency"] == "EUR"


def test_main_currency_is_the_configured_one_when_sold_in_else_the_commonest():
    rows = [
        dict(order_id=i, customer_id="a@x.com", ordered_at="2024-01-01", sku="M",
             currency="GBP" if i < 4 else "EUR")
        for i in range(1, 6)
    ]  # fmt: skip
    lines = make_lines(rows).lazy()
    assert main_currency(lines, {"shop": {"currency": "USD"}}) == "GBP"
    assert main_currency(lines, {"shop": {"currency": "EUR"}}) == "EUR"


# -- next product ---------------------------------------------------------------------------


def test_next_product_for_customers_with_a_firing_rule(shop, found):
    picks = next_products(shop, found.rules)
    by_customer = {r["customer_id"]: r for r in picks.iter_rows(named=True)}
    assert set(by_customer) == {"c7@x.com", "c8@x.com", "c9@x.com", "c10@x.com"}
    mug_only = by_customer["c7@x.com"]
    assert mug_only["sku"] == "TEA" and mug_only["product_name"] == "Tea"
    assert mug_only["confidence"] == pytest.approx(0.75)
    assert mug_only["score"] == pytest.approx(0.75 * 3.75)
    assert mug_only["reason"] == "bought Mug; 75% of Mug buyers also buy Tea (lift 3.8)"
    assert by_customer["c9@x.com"]["sku"] == "MUG"


def test_next_product_picks_the_strongest_rule_and_skips_owned_items():
    rules = pl.DataFrame(
        {
            "antecedent": [["A"], ["A"], ["A", "B"], ["A"]],
            "consequent": [["C"], ["D"], ["E"], ["B"]],
            "confidence": [0.4, 0.5, 0.9, 0.9],
            "lift": [3.0, 2.0, 2.0, 0.8],  # A -> B has lift < 1: never suggested
            "orders": [10, 10, 10, 10],
        }
    )
    rows = [
        dict(order_id=1, customer_id="x@x.com", ordered_at="2024-01-01", sku="A"),
        dict(order_id=2, customer_id="y@x.com", ordered_at="2024-01-01", sku="A"),
        dict(order_id=3, customer_id="y@x.com", ordered_at="2024-01-02", sku="B"),
        dict(order_id=4, customer_id="z@x.com", ordered_at="2024-01-01", sku="A"),
        dict(order_id=4, customer_id="z@x.com", ordered_at="2024-01-01", sku="C"),
        dict(order_id=4, customer_id="z@x.com", ordered_at="2024-01-01", sku="D"),
        dict(order_id=5, customer_id="w@x.com", ordered_at="2024-01-01", sku="Q"),
    ]  # fmt: skip
    picks = next_products(make_lines(rows).lazy(), rules)
    got = dict(zip(picks["customer_id"], picks["sku"], strict=True))
    # x: C scores 1.2, D 1.0; y bought A and B (in two orders): E scores 1.8; z owns C and D
    assert got == {"x@x.com": "C", "y@x.com": "E"}
    y = picks.filter(pl.col("customer_id") == "y@x.com").row(0, named=True)
    assert y["reason"] == "bought A and B; 90% of A and B buyers also buy E (lift 2.0)"


def test_catalogue_names_a_product_in_the_shop_currency():
    """A SKU also sold on Taobao keeps its shop-language name in a USD shop's catalogue."""
    from shopinsight.core.bundles import product_catalogue
    from tests.factories import make_lines

    lines = make_lines(
        [
            dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01", sku="C1",
                 product_name="Cedar Candle", currency="USD"),
            dict(order_id=2, customer_id="b@x.com", ordered_at="2024-02-01", sku="C1",
                 product_name="雪松香薰蜡烛", currency="CNY", source="taobao"),
        ]
    )  # fmt: skip
    usd = product_catalogue(lines.lazy(), "USD")
    assert usd["product_name"].to_list() == ["Cedar Candle"]
    assert product_catalogue(lines.lazy(), "CNY")["product_name"].to_list() == ["雪松香薰蜡烛"]


def test_next_product_prefers_what_customers_came_back_for():
    """A is followed by B in a later order (never in one basket): B is suggested after A."""
    rows = []
    for i in range(4):  # four customers: A first, B a week later
        c = f"seq{i}@x.com"
        rows.append(dict(order_id=f"s{i}a", customer_id=c, ordered_at="2024-01-01", sku="A"))
        rows.append(dict(order_id=f"s{i}b", customer_id=c, ordered_at="2024-01-08", sku="B"))
    for i in range(4):  # four others come back for C after Z: C is no bestseller after A
        c = f"oth{i}@x.com"
        rows.append(dict(order_id=f"o{i}a", customer_id=c, ordered_at="2024-01-01", sku="Z"))
        rows.append(dict(order_id=f"o{i}b", customer_id=c, ordered_at="2024-01-08", sku="C"))
    rows.append(dict(order_id="new", customer_id="new@x.com", ordered_at="2024-02-01", sku="A"))
    rows.append(dict(order_id="had", customer_id="had@x.com", ordered_at="2024-02-01", sku="A"))
    rows.append(dict(order_id="had", customer_id="had@x.com", ordered_at="2024-02-01", sku="B"))
    rules = pl.DataFrame(  # a basket rule A -> C that the sequence rule must beat
        {"antecedent": [["A"]], "consequent": [["C"]], "confidence": [0.9], "lift": [5.0]}
    )
    picks = next_products(make_lines(rows).lazy(), rules)
    new = picks.filter(pl.col("customer_id") == "new@x.com").row(0, named=True)
    assert new["sku"] == "B" and new["basis"] == "sequence"
    assert new["reason"] == "customers who bought A came back for B (4 of 4)"
    assert new["confidence"] == pytest.approx(1.0) and new["lift"] == pytest.approx(2.0)
    had = picks.filter(pl.col("customer_id") == "had@x.com").row(0, named=True)
    assert had["sku"] == "C" and had["basis"] == "basket"  # owns B: basket fallback
    # below the minimum count no sequence rule exists: the basket rule speaks
    few = next_products(make_lines(rows).lazy(), rules, min_customers=5)
    assert few.filter(pl.col("customer_id") == "new@x.com")["sku"].to_list() == ["C"]
    assert set(few["basis"]) == {"basket"}


def test_next_product_of_a_few_customers_is_theirs_among_everyones():
    """`customers` limits the suggestions, not the rules: each customer's suggestion is the one
    they get among everyone's, from the whole shop's lines or, with the shop's ranked sequence
    rules kept, from their own lines alone (how the app picks one customer's gift)."""
    from shopinsight.core.bundles.sequence import ranked_sequence_rules
    from tests.core.test_packing import sample_shop

    lines = sample_shop(400, seed=3).lazy()
    rules = mine_itemsets(lines, config={"bundles": {"min_support": 0.01}}).rules
    catalogue = product_catalogue(lines)
    everyone = next_products(lines, rules, catalogue)
    assert "sequence" in set(everyone["basis"])
    ids = everyone["customer_id"].sort().gather_every(7)
    some = next_products(lines, rules, catalogue, customers=ids)
    assert some.equals(everyone.filter(pl.col("customer_id").is_in(ids.implode())))
    kept = ranked_sequence_rules(lines, 3)
    for cid in ids.to_list():
        own = lines.filter(pl.col("customer_id") == cid)
        alone = next_products(own, rules, catalogue, 3, pl.Series([cid]), kept)
        assert alone.equals(everyone.filter(pl.col("customer_id") == cid)), cid
