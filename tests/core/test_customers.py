"""The customer table on tiny hand-made order lines with hand-computed values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.config import defaults
from shopinsight.core.customers.table import customer_table
from shopinsight.core.errors import ConfigError
from shopinsight.core.orders import orders_frame
from shopinsight.core.schema import CUSTOMER_ATTR_SCHEMA
from shopinsight.core.shop_data import money_str, prepare
from tests.factories import make_lines

AS_OF = dt.date(2024, 3, 31)


def build(rows: list[dict], cfg: dict | None = None, attrs: pl.DataFrame | None = None):
    data = prepare(make_lines(rows).lazy(), AS_OF, cfg or defaults())
    return data, customer_table(data, attrs)


def row(table: pl.DataFrame, cid: str) -> dict:
    return table.filter(pl.col("customer_id") == cid).row(0, named=True)


ANNA = [
    # order 1: two lines, 2×5 + 1×20 = 30, discount code
    dict(order_id=1, customer_id="anna@x.com", ordered_at="2024-01-01T10:00:00", sku="TEA",
         product_name="Green tea", category="Tea", quantity=2, unit_price=5.0, discount_code="HI"),
    dict(order_id=1, customer_id="anna@x.com", ordered_at="2024-01-01T10:00:00", sku="MUG",
         product_name="Mug", category="Mugs", quantity=1, unit_price=20.0, discount_code="HI"),
    # order 2: partially refunded 5 of 10
    dict(order_id=2, customer_id="anna@x.com", ordered_at="2024-01-31T10:00:00", sku="TEA",
         product_name="Green tea", category="Tea", quantity=2, unit_price=5.0, refunded=5.0,
         status="partially_refunded"),
    # order 3: same day as order 2 -> frequency counts the day once
    dict(order_id=3, customer_id="anna@x.com", ordered_at="2024-01-31T18:00:00", sku="TEA",
         product_name="Green tea", category="Tea", quantity=1, unit_price=5.0, is_gift=True,
         accepts_marketing=False),
    # order 4: cancelled -> never counts
    dict(order_id=4, customer_id="anna@x.com", ordered_at="2024-03-01T10:00:00", sku="MUG",
         product_name="Mug", category="Mugs", quantity=3, unit_price=20.0, status="cancelled"),
    # order 5: fully refunded -> not counted, but in the refund share
    dict(order_id=5, customer_id="anna@x.com", ordered_at="2024-03-20T10:00:00", sku="MUG",
         product_name="Mug", category="Mugs", quantity=1, unit_price=20.0, refunded=20.0,
         status="refunded"),
]  # fmt: skip


class TestCustomerTable:
    def test_orders_money_and_frequency(self) -> None:
        _, table = build(ANNA)
        a = row(table, "anna@x.com")
        assert a["orders"] == 3  # orders 1-3; cancelled and fully refunded do not count
        assert a["frequency"] == 2  # 2024-01-01 and 2024-01-31
        assert a["items"] == 3 + 2 + 1
        assert a["monetary"] == pytest.approx(30 + (10 - 5) + 5)
        assert a["aov"] == pytest.approx(40 / 3)
        assert a["first_order"] == dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC)
        assert a["last_order"] == dt.datetime(2024, 1, 31, 18, tzinfo=dt.UTC)
        assert a["recency_days"] == (AS_OF - dt.date(2024, 1, 31)).days
        assert a["tenure_days"] == (AS_OF - dt.date(2024, 1, 1)).days
        assert a["typical_gap_days"] == 30.0

    def test_shares_and_favourites(self) -> None:
        _, table = build(ANNA)
        a = row(table, "anna@x.com")
        assert a["discount_share"] == pytest.approx(1 / 3)
        assert a["gift_share"] == pytest.approx(1 / 3)
        # gross spend of non-cancelled orders: 30 + 10 + 5 + 20 = 65; refunded 5 + 20
        assert a["refund_share"] == pytest.approx(25 / 65)
        assert a["refunded_orders"] == 2
        assert a["favorite_sku"] == "TEA"  # in 3 counted orders
        assert a["favorite_product"] == "Green tea"
        # product spend per category: Tea 10 + 10 + 5 = 25, Mugs 20
        assert a["favorite_category"] == "Tea"
        assert a["top_category_share"] == pytest.approx(25 / 45)
        assert a["categories"] == 2
        assert (a["distinct_skus"], a["product_purchases"]) == (2, 4)
        assert a["channels"] == ["web"]
        assert a["marketplaces"] == ["shopify"]

    def test_consent_is_the_latest_counted_orders_flag(self) -> None:
        _, table = build(ANNA)
        a = row(table, "anna@x.com")
        assert a["accepts_marketing"] is False  # order 3 said no
        assert a["consent_source"] == "latest order"

    def test_customers_export_attrs_win(self) -> None:
        attrs = pl.DataFrame(
            [dict(customer_id="anna@x.com", email="anna@x.com", first_name="Annie",
                  last_name="Rossi", phone="+39 333", country="IT", accepts_marketing=True,
                  existing_tags=["VIP", "newsletter"], note=None, source="shopify")],
            schema=CUSTOMER_ATTR_SCHEMA,
        )  # fmt: skip
        _, table = build(ANNA, attrs=attrs)
        a = row(table, "anna@x.com")
        assert (a["first_name"], a["last_name"], a["phone"]) == ("Annie", "Rossi", "+39 333")
        assert a["accepts_marketing"] is True
        assert a["consent_source"] == "customers export"
        assert a["existing_tags"] == ["VIP", "newsletter"]
        assert a["country"] == "US"  # the orders' shipping country stays first

    def test_fully_refunded_only_customer_is_not_a_customer(self) -> None:
        rows = [
            dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01"),
            dict(order_id=2, customer_id="b@x.com", ordered_at="2024-01-01", refunded=10.0,
                 status="refunded"),
        ]  # fmt: skip
        _, table = build(rows)
        assert table.get_column("customer_id").to_list() == ["a@x.com"]

    def test_favourite_ties_break_by_units_then_sku(self) -> None:
        rows = [
            dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01", sku="B", quantity=1),
            dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01", sku="A", quantity=1),
            dict(order_id=2, customer_id="b@x.com", ordered_at="2024-01-01", sku="D", quantity=1),
            dict(order_id=2, customer_id="b@x.com", ordered_at="2024-01-01", sku="C", quantity=3),
        ]
        _, table = build(rows)
        assert row(table, "a@x.com")["favorite_sku"] == "A"
        assert row(table, "b@x.com")["favorite_sku"] == "C"

    def test_contact_details_come_from_the_latest_order_that_has_them(self) -> None:
        rows = [
            dict(order_id=1, customer_id="x@x.com", ordered_at="2024-01-01", country="IT",
                 customer_name="Anna Rossi"),
            dict(order_id=2, customer_id="x@x.com", ordered_at="2024-02-01", email=None,
                 country=None, customer_name=None, billing_name="A. Rossi"),
        ]  # fmt: skip
        _, table = build(rows)
        x = row(table, "x@x.com")
        assert (x["email"], x["country"], x["customer_name"]) == ("x@x.com", "IT", "A. Rossi")
        assert x["first_name"] == "A."

    def test_monetary_12m_counts_the_last_365_days(self) -> None:
        rows = [
            dict(order_id=1, customer_id="a@x.com", ordered_at="2023-03-31", unit_price=7.0),
            dict(order_id=2, customer_id="a@x.com", ordered_at="2023-04-01", unit_price=11.0),
        ]
        _, table = build(rows)
        assert row(table, "a@x.com")["monetary_12m"] == pytest.approx(11.0)


class TestHabitsInShopTime:
    ROWS = [
        # 21:30 UTC = 22:30 in Rome (night there, not in UTC); Saturday
        dict(order_id=1, customer_id="a@x.com", ordered_at="2024-03-02T21:30:00"),
        dict(order_id=2, customer_id="a@x.com", ordered_at="2024-03-09T21:30:00"),
        dict(order_id=3, customer_id="a@x.com", ordered_at="2024-03-13T10:00:00"),
    ]

    def test_night_and_weekend_in_the_store_timezone(self) -> None:
        cfg = defaults()
        cfg["shop"]["timezone"] = "Europe/Rome"
        _, rome = build(self.ROWS, cfg)
        _, utc = build(self.ROWS)
        assert row(rome, "a@x.com")["night_orders"] == 2
        assert row(utc, "a@x.com")["night_orders"] == 0
        assert row(rome, "a@x.com")["weekend_share"] == pytest.approx(2 / 3)
        assert row(rome, "a@x.com")["usual_hour"] == 22
        assert row(rome, "a@x.com")["usual_weekday"] == "Sat"

    def test_unknown_timezone_is_a_config_error(self) -> None:
        cfg = defaults()
        cfg["shop"]["timezone"] = "Mars/Olympus"
        with pytest.raises(ConfigError, match="Unknown shop.timezone"):
            build(self.ROWS, cfg)


class TestWhatIsLeftOut:
    def test_other_currencies_and_anonymous_orders_are_named(self) -> None:
        rows = [
            dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01"),
            dict(order_id=2, customer_id="a@x.com", ordered_at="2024-01-02"),
            dict(order_id=3, customer_id="b@x.com", ordered_at="2024-01-02", currency="EUR"),
            dict(order_id=4, customer_id=None, ordered_at="2024-01-03"),
        ]
        data, table = build(rows)
        assert data.currency == "USD"
        assert table.get_column("customer_id").to_list() == ["a@x.com"]
        assert any("1 order(s) in other currencies (EUR)" in n for n in data.notes)
        assert any("1 order(s) have no buyer identity" in n for n in data.notes)

    def test_main_currency_follows_the_data_when_the_setting_is_absent(self) -> None:
        rows = [
            dict(order_id=i, customer_id=f"c{i}@x.com", ordered_at="2024-01-01", currency=cur)
            for i, cur in enumerate(["EUR", "EUR", "GBP"])
        ]
        data, table = build(rows)  # shop.currency is USD, but no order is in USD
        assert data.currency == "EUR"
        assert table.height == 2


def test_order_values_match_orders_frame() -> None:
    """The fast integer-key order frame keeps orders.orders_frame's definitions."""
    lines = make_lines(ANNA + [dict(order_id=9, customer_id="b@x.com", ordered_at="2024-02-02",
                                    line_kind="shipping", unit_price=4.0)])  # fmt: skip
    data = prepare(lines.lazy(), AS_OF, defaults())
    cols = ["order_id", "net_revenue", "counted", "items", "products", "has_discount"]
    mine = data.orders.select(cols).sort("order_id")
    ref = orders_frame(lines.lazy()).collect().select(cols).sort("order_id")
    assert mine.to_dicts() == ref.with_columns(pl.col("products").cast(pl.UInt32)).to_dicts()


def test_money_str() -> None:
    out = pl.select(money_str(pl.Series([12.5, -3.049, 0.0, 1234.567]))).to_series().to_list()
    assert out == ["12.50", "-3.05", "0.00", "1234.57"]


DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "exports" / "shopify"


def test_real_shopify_export_end_to_end() -> None:
    """A real (redacted) Shopify store: every customer gets a segment, every tag a reason."""
    orders_file = DATA / "orders_export_1.enavant-2021-22.redacted.csv"
    if not orders_file.exists():
        pytest.skip("shared data not available")
    from shopinsight.core.customers.profiles import customer_profiles
    from shopinsight.core.importers import load_file

    lines = load_file(orders_file).lines
    prof = customer_profiles(lines.lazy(), None, defaults())
    ref = (
        orders_frame(lines.lazy())
        .collect()
        .filter(pl.col("counted") & (pl.col("currency") == prof.currency))
    )
    assert prof.table.height == ref.get_column("customer_id").n_unique()
    assert prof.table.get_column("monetary").sum() == pytest.approx(
        ref.get_column("net_revenue").sum()
    )
    assert prof.table.get_column("segment").null_count() == 0
    assert prof.segments.fallback_used  # 284 customers, most ordered once
    assert prof.tags.filter(pl.col("reason").is_null() | (pl.col("reason") == "")).height == 0


def test_an_export_without_buyers_gives_no_customers_and_says_why() -> None:
    from shopinsight.core.customers.profiles import customer_profiles

    rows = [dict(order_id=i, customer_id=None, ordered_at=f"2024-01-0{i + 1}") for i in range(3)]
    prof = customer_profiles(make_lines(rows).lazy(), None, defaults())
    assert prof.table.height == 0 and prof.tags.height == 0
    assert any("3 order(s) have no buyer identity" in n for n in prof.notes)
    assert prof.segments.note == "No customers to segment yet."


def test_lines_of_an_order_apart_give_the_same_table() -> None:
    """The store keeps an order's lines together (the fast path); lines of one order apart
    (a later import adding a line to it) give the same orders, SKU counts and table."""
    rows = ANNA + [
        dict(order_id=7, customer_id="bo@x.com", ordered_at="2024-02-01", sku="TEA", quantity=1,
             unit_price=5.0),
        dict(order_id=7, customer_id="bo@x.com", ordered_at="2024-02-01", sku="MUG", quantity=1,
             unit_price=20.0),
        dict(order_id=7, customer_id="bo@x.com", ordered_at="2024-02-01", sku="TEA", quantity=2,
             unit_price=5.0),  # the same SKU again in the order: one product, 3 units
        dict(order_id=8, customer_id="bo@x.com", ordered_at="2024-02-01", sku=None,
             product_name=None, quantity=1, unit_price=3.0),
        dict(order_id=8, customer_id="bo@x.com", ordered_at="2024-02-01", sku=None,
             product_name=None, quantity=1, unit_price=4.0),  # no SKU twice: one product
    ]  # fmt: skip
    together = make_lines(rows)
    apart = together.with_row_index("i").sort(pl.col("i") % 3, "i").drop("i")
    assert apart.get_column("order_id").to_list() != together.get_column("order_id").to_list()
    tables, orders = [], []
    for lines in (together, apart):
        data = prepare(lines.lazy(), AS_OF, defaults())
        tables.append(customer_table(data).drop("_ck").sort("customer_id"))
        cols = ["order_id", "items", "products", "subtotal", "max_qty", "counted"]
        orders.append(data.orders.select(cols).sort("order_id"))
        skus = data.sku_customers.join(data.orders.select("_ck", "customer_id").unique(), on="_ck")
        bo = skus.filter(pl.col("customer_id") == "bo@x.com").sort("qty")
        assert bo.select("n_orders", "qty").rows() == [(1, 1), (1, 3)]  # TEA twice in one order
    assert tables[0].equals(tables[1])
    assert orders[0].equals(orders[1])
    bo = orders[0].filter(pl.col("order_id").is_in(["7", "8"]))
    assert bo.get_column("products").to_list() == [2, 1]
    assert row(tables[0], "bo@x.com")["distinct_skus"] == 2


def test_favourite_category_the_same_whether_tallied_per_cell_or_per_pair() -> None:
    """Spend per customer × category is tallied in a customer × category array, or over the
    sorted distinct pairs when that array would be large: both give the same columns. Ties
    on spend go to the first category A-Z; a SKU without category is left out."""
    from shopinsight.core.customers.product_stats import product_stats

    line = lambda o, c, sku, cat, price: dict(  # noqa: E731
        order_id=o, customer_id=c, ordered_at="2024-01-01", sku=sku, category=cat,
        quantity=1, unit_price=price,
    )  # fmt: skip
    rows = [
        line(1, "a@x.com", "S1", "Tea", 10.0), line(1, "a@x.com", "S2", "Mugs", 10.0),
        line(2, "b@x.com", "S3", "Cups", 4.0), line(2, "b@x.com", "S1", "Tea", 6.0),
        line(3, "c@x.com", "S4", None, 9.0),  # no category at all
        line(4, "d@x.com", "S4", None, 9.0), line(4, "d@x.com", "S2", "Mugs", 1.0),
    ]  # fmt: skip
    data = prepare(make_lines(rows).lazy(), AS_OF, defaults())
    dense, pairs = product_stats(data, dense=True), product_stats(data, dense=False)
    assert dense.equals(pairs)
    ids = data.orders.select("_ck", "customer_id").unique()
    got = {
        r["customer_id"]: (r["favorite_category"], r["top_category_share"], r["categories"])
        for r in dense.join(ids, on="_ck").iter_rows(named=True)
    }
    assert got == {
        "a@x.com": ("Mugs", 0.5, 2),  # a tie: the first A-Z
        "b@x.com": ("Tea", 0.6, 2),
        "c@x.com": (None, None, None),
        "d@x.com": ("Mugs", 1.0, 1),
    }


@pytest.mark.parametrize("sources", [3, 20, 70])
def test_marketplaces_list_every_source_bought_through(sources: int) -> None:
    """The sorted sources of a customer's counted orders, however many the shop has (a bit
    mask up to 63 values, tallied masks up to 16, a group-by beyond 63)."""
    names = [f"m{i:02d}" for i in range(sources)]
    rows = [
        dict(order_id=i, source=s, customer_id=f"c{i % 3}@x.com", ordered_at="2024-01-01")
        for i, s in enumerate(names)
    ]
    rows.append(dict(order_id=999, source="a0", customer_id="c0@x.com",
                     ordered_at="2024-01-01", status="cancelled"))  # not counted  # fmt: skip
    _, table = build(rows)
    for k in range(3):
        assert row(table, f"c{k}@x.com")["marketplaces"] == names[k::3]


def test_usual_hour_and_weekday_the_same_tallied_in_blocks_of_customers(monkeypatch) -> None:
    """The habit tallies run over blocks of customer keys (memory): any block size gives the
    table of one tally over all customers, ties to the earliest hour or weekday."""
    import shopinsight.core.customers.table as table_module

    rows = [
        dict(order_id=o, customer_id=f"c{o % 7}@x.com", ordered_at=f"2024-01-{1 + o % 27:02d}"
             f"T{(o * 5) % 24:02d}:00:00", sku=f"S{o % 3}", quantity=1, unit_price=5.0)
        for o in range(60)
    ]  # fmt: skip
    data = prepare(make_lines(rows).lazy(), AS_OF, defaults())
    whole = customer_table(data)
    for cells in (1, 24, 50):  # a customer a block, 1 or 2 customers a block
        monkeypatch.setattr(table_module, "_TALLY_CELLS", cells)
        assert customer_table(data).equals(whole)
    assert whole.get_column("usual_hour").n_unique() > 1
