"""gifts.plan.gift_parts: the gift plan from a few profile and line columns is the plan from
the whole customer table and every line column."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from shopinsight.core.gifts.campaigns import held_back_customers, start_for_shop
from shopinsight.core.gifts.packing import PREVIEW_POOL, packing_plan, plan_orders
from shopinsight.core.gifts.plan import LINE_COLUMNS, PROFILE_COLUMNS, customer_gift, gift_parts
from shopinsight.core.shop import Shop
from tests.core.test_packing import sample_shop
from tests.factories import make_lines


def _whole(shop: Shop, orders: str) -> dict[str, Any]:
    """The plan as it was made before: the whole customer table, every line column,
    the orders to pack found twice."""
    from shopinsight.core.bundles import next_products, product_catalogue
    from shopinsight.core.gifts.notes import preview_notes
    from shopinsight.core.gifts.policies import gift_picks, gift_policies

    config = shop.config()
    prof = shop.profiles()
    lines = shop.lines().collect()  # every column
    table = prof.table
    catalogue = product_catalogue(lines.lazy(), prof.currency or None)
    suggestions = next_products(lines.lazy(), shop.bundles().rules, catalogue)
    day = shop.as_of()
    todo = plan_orders(lines, orders, day)
    wanted = pl.col("customer_id").is_in(todo["customer_id"].drop_nulls().implode())
    top = pl.col("monetary").rank("ordinal", descending=True).over("segment") <= PREVIEW_POOL
    picks = gift_picks(table.filter(wanted | top), catalogue, suggestions, lines, config)
    buyers = todo.filter(pl.col("is_gift"))["customer_id"].drop_nulls().unique()
    gpicks = gift_picks(
        table.filter(pl.col("customer_id").is_in(buyers.implode())),
        catalogue, suggestions, lines, config, gift_orders=True,
    )  # fmt: skip
    held = held_back_customers(shop.ws, day)
    plan = packing_plan(lines, table, picks, config, orders, gpicks, held, day)
    previews = preview_notes(table, picks, gift_policies(config), config)
    return {
        "plan": plan, "picks": picks, "previews": previews, "suggestions": suggestions,
        "catalogue": catalogue, "currency": prof.currency, "notes": prof.notes,
    }  # fmt: skip


@pytest.fixture
def shop_ws(ws):
    lines = sample_shop(120, seed=3)
    other = make_lines(  # an order in another currency: left out of the view's lines
        [{"order_id": 1, "customer_id": "c1@example.com", "ordered_at": "2024-06-29",
          "sku": "CND-ROSE", "unit_price": 5.0, "currency": "EUR", "fulfilled": False}]
    )  # fmt: skip
    ws.commit(pl.concat([lines, other], how="diagonal_relaxed"), [])
    ws.config_path.write_text('[shop]\nname = "Bottega"\ncurrency = "USD"\n', encoding="utf-8")
    start_for_shop(Shop(ws), 0.3, seed=2)  # a control group: held-back orders in the plan
    return ws


@pytest.mark.parametrize("orders", ["open", "all"])
def test_same_plan_as_from_the_whole_table_and_lines(shop_ws, orders):
    parts = gift_parts(Shop(shop_ws), orders)
    whole = _whole(Shop(shop_ws), orders)
    for name in ("plan", "picks", "previews", "catalogue"):
        assert parts[name].equals(whole[name], null_equal=True), name
        assert parts[name].schema == whole[name].schema, name
    # next products only for the customers given a pick: the same as for everyone, cut
    picked = parts["picks"]["customer_id"].implode()
    assert 0 < parts["suggestions"].height <= whole["suggestions"].height
    if orders == "open":  # ("all": every customer has an order to pack)
        assert parts["suggestions"].height < whole["suggestions"].height
    cut = whole["suggestions"].filter(pl.col("customer_id").is_in(picked))
    assert parts["suggestions"].equals(cut, null_equal=True)
    assert parts["plan"]["reason"].str.starts_with("held back").any()
    assert parts["plan"]["gift"].is_not_null().any()
    assert parts["meta"]["currency"] == whole["currency"] == "USD"
    assert parts["meta"]["notes"][: len(whole["notes"])] == whole["notes"]
    assert any("control group" in n for n in parts["meta"]["notes"])


def test_a_customer_outside_the_plan_gets_the_pick_from_everyones_next_products(shop_ws):
    """The app's detail panel picks a gift on demand for a customer the plan did not cover,
    from their own lines and the plan's kept sequence rules: the pick the plan would make."""
    from shopinsight.core.gifts.policies import gift_picks
    from shopinsight.core.results import load_gifts

    shop = Shop(shop_ws)
    gifts = load_gifts(shop, "open")
    whole = _whole(Shop(shop_ws), "open")
    table = shop.profiles().table
    outside = table.filter(~pl.col("customer_id").is_in(gifts.picks["customer_id"].implode()))
    assert outside.height >= 10
    lines = shop.lines().collect()
    for cid in outside["customer_id"].sort().to_list():
        rows = table.filter(pl.col("customer_id") == cid)
        got = customer_gift(shop, gifts, rows)
        want = gift_picks(rows, whole["catalogue"], whole["suggestions"], lines, shop.config())
        assert got is not None and want.height == 1
        assert {k: got[k] for k in want.columns} == want.row(0, named=True), cid


def test_reads_the_cached_profile_columns_not_the_whole_table(shop_ws):
    Shop(shop_ws).profiles()  # cached in the workspace
    shop = Shop(shop_ws)
    parts = gift_parts(shop)
    assert shop.peek("profiles") is None  # the customer table was never loaded whole
    assert shop.peek("lines") is None  # nor every line held in memory
    full = Shop(shop_ws).profiles()
    assert parts["meta"]["currency"] == full.currency
    assert parts["meta"]["notes"][: len(full.notes)] == full.notes
    assert set(PROFILE_COLUMNS) <= set(full.table.columns)
    assert set(LINE_COLUMNS) <= set(Shop(shop_ws).lines().collect_schema().names())


def test_packing_plan_takes_the_orders_to_pack(shop_ws):
    shop = Shop(shop_ws)
    lines, table, config = shop.lines().collect(), shop.profiles().table, shop.config()
    picks = gift_parts(shop)["picks"]
    todo = plan_orders(lines, "open", shop.as_of())
    given = packing_plan(None, table, picks, config, "open", as_of=shop.as_of(), todo=todo)
    found = packing_plan(lines, table, picks, config, "open", as_of=shop.as_of())
    assert given.height == todo.height > 0
    assert given.equals(found, null_equal=True)
    with pytest.raises(ValueError, match="lines or the orders"):
        packing_plan(None, table, picks, config)


def test_a_cold_plan_imports_no_numpy(shop_ws):
    """The plan reads the control groups of running campaigns: no NumPy for that (~0.1 s)."""
    import subprocess
    import sys

    shop = Shop(shop_ws)
    shop.profiles(), shop.bundles()  # cached: what a plan made after `customers` reads
    code = (
        "import sys; from shopinsight.core.shop import Shop\n"
        "from shopinsight.core.gifts.plan import gift_parts\n"
        "parts = gift_parts(Shop.open(sys.argv[1]))\n"
        "print('ROWS', parts['plan'].height, 'numpy' in sys.modules)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(shop_ws.root)], capture_output=True, text=True
    )
    assert run.stdout.split()[0] == "ROWS", run.stderr[-2000:]
    assert int(run.stdout.split()[1]) > 0
    assert run.stdout.split()[2] == "False"
