"""results.customers_definition reads two columns of the view's orders: from memory when
they are there, else from the flagged orders' cache with the view's own rule (excluded
orders and other currencies left out). Both give what counting on `Shop.orders` gives."""

from __future__ import annotations

import polars as pl
import pytest

from shopinsight.core.exclusions import save_manual
from shopinsight.core.results import customers_definition
from shopinsight.core.shop import Shop
from shopinsight.core.workspace import Workspace
from tests.factories import sample_shopify_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return sample_shopify_workspace(tmp_path_factory.mktemp("definition"), 11, 120)


def _expected(shop: Shop, n: int) -> str:
    """The count on every column of the view's orders (what the function did before)."""
    orders = shop.orders().filter(pl.col("customer_id").is_not_null())
    buyers = orders.filter(pl.col("counted")).get_column("customer_id").n_unique()
    more = orders.get_column("customer_id").n_unique() - buyers
    noun = "customer" if n == 1 else "customers"
    text = f"{n:,} {noun} with a purchase (paid or shipped, not cancelled or returned, money kept)"
    more_text = f"; {more:,} more with only cancelled, unpaid, refunded or returned orders"
    return text + more_text * (more > 0)


def test_one_customer_is_said_in_the_singular(ws: Workspace) -> None:
    assert customers_definition(1, Shop.open(ws)).startswith("1 customer with a purchase")


def test_from_memory_and_from_the_cache_alike(ws: Workspace) -> None:
    shop = Shop.open(ws)
    orders = shop.orders()
    # a customer without a purchase excluded by hand: the view leaves their orders out, and
    # so must the count of customers with only cancelled, refunded or returned orders
    who = (
        orders.filter(pl.col("customer_id").is_not_null())
        .group_by("customer_id")
        .agg(pl.col("counted").any())
    )
    idle = who.filter(~pl.col("counted")).get_column("customer_id").sort()
    assert idle.len() >= 1
    before = _expected(shop, 7)
    save_manual(ws, "customer", idle[0])
    shop = Shop.open(ws)
    assert shop.all_orders().get_column("excluded").any()
    expected = _expected(shop, 7)
    assert "more with only" in before and expected != before
    assert customers_definition(7, shop) == expected  # orders in memory

    cold = Shop.open(ws)  # a fresh process: the flagged orders only in the cache
    assert cold.peek("orders") is None
    assert customers_definition(7, cold) == expected
    assert cold.peek("orders") is None  # the count did not load every order
