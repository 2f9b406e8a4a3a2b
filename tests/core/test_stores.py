"""Stores: orders are keyed by (source, store, order id); another store's export whose order
numbers collide is refused until it is named with --store."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.errors import InputError
from shopinsight.core.importers import import_files, load_file
from shopinsight.core.orders import orders_frame
from shopinsight.core.schema import LINE_KEY, LINE_SCHEMA, ORDER_KEY
from shopinsight.core.status import shop_status
from tests.conftest import shared_file

DATA = Path(__file__).resolve().parents[1] / "data" / "generic"


def _orders(ws) -> pl.DataFrame:
    return orders_frame(ws.lines()).collect()


def test_store_is_part_of_every_key_and_never_null():
    assert LINE_SCHEMA["store"] == pl.Utf8
    assert ORDER_KEY == ["source", "store", "order_id"]
    assert LINE_KEY == [*ORDER_KEY, "line_no"]
    lines = load_file(DATA / "store_a.csv").lines
    assert lines["store"].to_list() == ["", ""]
    named = load_file(DATA / "store_a.csv", store="north").lines
    assert set(named["store"]) == {"north"}


def test_the_export_names_its_store_before_the_option():
    lines = load_file(DATA / "with_store.csv", store="ignored").lines
    assert set(lines["store"]) == {"north.example.com"}


def test_colliding_export_is_refused_without_store_and_kept_apart_with_it(ws):
    import_files(ws, [DATA / "store_a.csv"])
    with pytest.raises(InputError) as error:
        import_files(ws, [DATA / "store_b.csv"])
    assert "--store" in error.value.detail and "1001" in error.value.detail
    assert _orders(ws).height == 2  # nothing was imported
    import_files(ws, [DATA / "store_b.csv"], store="b")
    orders = _orders(ws)
    assert orders.height == 2 + 3
    first = orders.filter(pl.col("order_id") == "1001").sort("store")
    assert first.select("store", "customer_id").rows() == [
        ("", "ann@example.com"),
        ("b", "cat@example.com"),
    ]
    # re-importing either store's export changes nothing and is not refused
    again = import_files(ws, [DATA / "store_b.csv"], store="b")
    assert again[0].new_lines == 0 and again[0].updated == 0
    again = import_files(ws, [DATA / "store_a.csv"])
    assert again[0].new_lines == 0
    stores = shop_status(ws)["stores"]
    assert stores == [
        {"source": "generic", "store": "", "orders": 2},
        {"source": "generic", "store": "b", "orders": 3},
    ]


def test_a_later_export_of_the_same_store_still_updates(ws, tmp_path):
    import_files(ws, [DATA / "store_a.csv"])
    later = tmp_path / "later.csv"
    later.write_text(
        (DATA / "store_a.csv").read_text() + "1003,2024-02-01,ann@example.com,MUG,1,10.00,USD\n"
    )
    (report,) = import_files(ws, [later])
    assert report.new_lines == 1 and _orders(ws).height == 3


def test_shopify_dev_store_then_enavant(ws):
    shopify = ("exports", "shopify")
    dev = shared_file(*shopify, "orders_export_1.devstore-testdata.csv")
    enavant = shared_file(*shopify, "orders_export_1.enavant-2021-22.redacted.csv")
    import_files(ws, [dev])
    alone = shop_status(ws)
    with pytest.raises(InputError) as error:
        import_files(ws, [enavant])
    assert "--store" in error.value.detail
    import_files(ws, [enavant], store="enavant")
    both = shop_status(ws)
    dev_orders = orders_frame(load_file(dev).lines.lazy()).collect().height
    enavant_orders = orders_frame(load_file(enavant).lines.lazy()).collect().height
    assert both["orders"] == dev_orders + enavant_orders == 51 + 409
    assert both["net_revenue"]["INR"] == alone["net_revenue"]["INR"] == pytest.approx(590_683.29)
    lines = ws.lines().collect()
    mixed = lines.group_by(ORDER_KEY).agg(pl.col("currency").n_unique().alias("n"))
    assert mixed["n"].max() == 1  # no order mixes the two stores' lines
    assert [s["store"] for s in both["stores"]] == ["", "enavant"]


def test_store_names_in_a_generic_column_are_kept(ws):
    import_files(ws, [DATA / "store_a.csv"])
    import_files(ws, [DATA / "with_store.csv"])  # names its store itself: no collision
    assert {s["store"] for s in shop_status(ws)["stores"]} == {"", "north.example.com"}


def test_the_same_file_under_another_store_is_refused(ws):
    import_files(ws, [DATA / "store_a.csv"])
    with pytest.raises(InputError) as error:
        import_files(ws, [DATA / "store_a.csv"], store="north")
    assert "already imported without --store" in error.value.title
    assert _orders(ws).height == 2
    import_files(ws, [DATA / "store_b.csv"], store="b")
    with pytest.raises(InputError, match="--store b"):
        import_files(ws, [DATA / "store_b.csv"])
