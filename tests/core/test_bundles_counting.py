"""The counting paths of bundle mining and offers, against plain Python on random baskets.

Pairs are counted in an array of every pair key for a small catalogue and step by step beyond
(`walk.DENSE_KEYS`); the offers' reach and segment counts walk the pairs of each customer
and order. Both ways must give the same numbers, and the numbers must be the plain ones.
"""

from __future__ import annotations

import dataclasses
import itertools
import random

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import shopinsight.core.bundles.walk as walk
from shopinsight.core.bundles import bundle_offers, mine_itemsets
from tests.factories import make_lines

PRODUCTS = [f"P{i}" for i in range(9)]
CONFIG = {"bundles": {"min_orders": 2, "min_support": 0.01, "min_lift": 0.0}}


def random_rows(seed: int = 5) -> list[dict]:
    """150 orders of 1-6 products (a product twice in an order now and then, a return line,
    a cancelled order, lines of an order split apart) by 30 customers, 3 without an id."""
    rng = random.Random(seed)
    rows = []
    for order in range(150):
        customer = None if order % 50 == 7 else f"c{rng.randrange(30)}@x.com"
        pool = PRODUCTS[: rng.choice([4, 9])]
        basket = rng.sample(pool, rng.randint(1, min(5, len(pool))))
        basket += rng.sample(basket, 1) if rng.random() < 0.2 else []
        for sku in basket:
            row = dict(order_id=f"o{order}", customer_id=customer, ordered_at="2024-03-01",
                       sku=sku, unit_price=10.0)  # fmt: skip
            if order == 11:
                row["status"] = "cancelled"
            rows.append(row)
        if order % 40 == 3:
            rows.append(dict(order_id=f"o{order}", customer_id=customer, sku="P8",
                             ordered_at="2024-03-01", quantity=-1))  # fmt: skip
    head = rows[:60]  # the first orders' lines out of order: mining sorts them first
    rng.shuffle(head)
    rows[:60] = head
    return rows


@pytest.fixture(scope="module")
def lines() -> pl.LazyFrame:
    return make_lines(random_rows()).lazy()


def baskets(rows: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in rows:
        if r.get("status") != "cancelled" and r.get("quantity", 1) > 0:
            out.setdefault(r["order_id"], set()).add(r["sku"])
    return out


def test_counts_are_the_plain_counts(lines):
    found = mine_itemsets(lines, min_orders=2, max_size=3)
    plain: dict[tuple[str, ...], int] = {}
    for items in baskets(random_rows()).values():
        for size in (1, 2, 3):
            for subset in itertools.combinations(sorted(items), size):
                plain[subset] = plain.get(subset, 0) + 1
    expected = {k: v for k, v in plain.items() if v >= 2}
    got = {tuple(r["items"]): r["orders"] for r in found.itemsets.iter_rows(named=True)}
    assert got == expected
    assert found.itemsets["size"].max() == 3


def test_counting_per_key_and_step_by_step_agree(lines, monkeypatch):
    dense = mine_itemsets(lines, min_orders=2, max_size=3)
    dense_offers = bundle_offers(lines, dense, CONFIG, _segments())
    monkeypatch.setattr(walk, "DENSE_KEYS", 0)
    sparse = mine_itemsets(lines, min_orders=2, max_size=3)
    assert_frame_equal(dense.itemsets, sparse.itemsets)
    assert_frame_equal(dense.rules, sparse.rules)
    assert_frame_equal(dense_offers, bundle_offers(lines, sparse, CONFIG, _segments()))


def _segments() -> pl.DataFrame:
    ids = [f"c{i}@x.com" for i in range(30)]
    return pl.DataFrame({"customer_id": ids, "segment": ["A" if i < 6 else "B" for i in range(30)]})


def test_reach_is_customers_with_part_of_the_set(lines):
    offers = bundle_offers(lines, mine_itemsets(lines, min_orders=2, max_size=3), CONFIG)
    owned: dict[str, set[str]] = {}
    for r in random_rows():
        if r["customer_id"] and r.get("status") != "cancelled":
            owned.setdefault(r["customer_id"], set()).add(r["sku"])
    assert offers.height > 10 and offers["size"].max() == 3
    for row in offers.iter_rows(named=True):
        items = set(row["items"])
        plain = sum(1 for have in owned.values() if have & items and not items <= have)
        assert row["reach_customers"] == plain, row["items"]


def test_offers_from_minings_sold_lines_are_the_offers_read_again():
    """Lines in order runs: mining hands its sold lines (order numbers, customers) to the
    offers, which must then find the same reach and segments as from the lines themselves."""
    rows = random_rows()
    for order in range(150, 190):  # segment A (c0-c5) buys P0 with P1 far beyond its share
        for sku in ("P0", "P1"):
            rows.append(dict(order_id=f"o{order}", customer_id=f"c{order % 6}@x.com",
                             ordered_at="2024-03-02", sku=sku))  # fmt: skip
    rows.sort(key=lambda r: int(r["order_id"][1:]))  # every order one run of lines
    lines = make_lines(rows).lazy()
    found = mine_itemsets(lines, min_orders=2, max_size=3)
    assert found.sold_lines is not None and found.customer_orders is not None
    offers = bundle_offers(lines, found, CONFIG, _segments())
    assert offers.height > 10
    assert offers["segments_over_index"].list.len().sum() > 0
    again = bundle_offers(lines, dataclasses.replace(found, sold_lines=None), CONFIG, _segments())
    assert_frame_equal(offers, again)


def test_a_product_line_without_order_keeps_the_offers_on_the_lines():
    rows = random_rows()
    rows.sort(key=lambda r: int(r["order_id"][1:]))
    rows.append(dict(order_id="none", customer_id="c1@x.com", ordered_at="2024-03-01", sku="P1"))
    lines = make_lines(rows).with_columns(pl.col("order_id").replace("none", None)).lazy()
    found = mine_itemsets(lines, min_orders=2, max_size=3)
    assert found.sold_lines is None and found.customer_orders is not None


def test_the_same_order_id_in_two_sources_is_two_orders():
    """Order ids repeat across sources: the runs still number the orders exactly (checked on
    the whole order key), and the counts are the plain ones."""
    rows = [
        dict(order_id=f"o{i}", customer_id=f"c{i % 7}@x.com", ordered_at="2024-03-01", sku=sku,
             source=source)
        for source in ("shopify", "etsy")
        for i in range(20)
        for sku in (["P0", "P1"] if i % 2 else ["P0", "P2"])
    ]  # fmt: skip
    found = mine_itemsets(make_lines(rows).lazy(), min_orders=2, max_size=3)
    assert found.n_orders == 40 and found.sold_lines is not None
    got = {tuple(r["items"]): r["orders"] for r in found.itemsets.iter_rows(named=True)}
    assert got == {("P0",): 40, ("P1",): 20, ("P2",): 20, ("P0", "P1"): 20, ("P0", "P2"): 20}
