"""The shared order rules: the shop's main currency."""

from shopinsight.core.orders import main_currency, orders_frame
from tests.factories import make_lines


def _lines():
    rows = [dict(order_id=i, customer_id="a@x.com", ordered_at="2024-01-01", currency="GBP",
                 sku="A", quantity=1) for i in range(3)]  # fmt: skip
    rows += [dict(order_id=9, customer_id="b@x.com", ordered_at="2024-01-02", currency="EUR",
                  sku="A"), dict(order_id=9, customer_id="b@x.com", ordered_at="2024-01-02",
                  currency="EUR", sku="B")]  # fmt: skip
    return make_lines(rows).lazy()


def test_main_currency_counts_orders_not_lines_and_honours_the_setting():
    lines = _lines()
    assert main_currency(lines, {"shop": {"currency": ""}}) == "GBP"
    assert main_currency(lines, {"shop": {"currency": "eur"}}) == "EUR"
    assert main_currency(lines, {"shop": {"currency": "USD"}}) == "GBP"  # not sold in USD
    assert main_currency(orders_frame(lines), None) == "GBP"
    assert main_currency(lines.filter(False), {"shop": {"currency": "JPY"}}) == "JPY"
    assert main_currency(lines.filter(False), {}) is None


def test_order_rows_is_orders_frame_row_for_row_on_both_paths(monkeypatch):
    """Lines kept together by order: first lines picked by position (orders_frame not run);
    an order's lines apart: orders_frame itself. Same frame either way."""
    import polars as pl
    from polars.testing import assert_frame_equal

    import shopinsight.core.orders as orders_mod
    from shopinsight.core.orders import order_rows

    rows = [
        dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01", sku="A", quantity=2),
        dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01", sku="A", quantity=1),
        dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01", sku=None,
             product_name=None),
        dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01", line_kind="shipping",
             sku=None, product_name=None),
        dict(order_id=2, customer_id=None, ordered_at="2024-01-02", sku="B", status="cancelled"),
        dict(order_id=3, customer_id="b@x.com", ordered_at="2024-01-03", line_kind="shipping",
             sku=None, product_name=None, email="b@x.com", order_note="leave at the door"),
        dict(order_id=4, customer_id="b@x.com", ordered_at="2024-01-04", sku="C",
             discount_code="TEN", currency="EUR"),
        dict(order_id=4, customer_id="b@x.com", ordered_at="2024-01-04", sku="B"),
    ]  # fmt: skip
    together = make_lines(rows)
    apart = together.with_row_index("i").sort(pl.col("i") % 2, "i").drop("i")
    want = {name: orders_frame(f.lazy()).drop("product_skus").collect()
            for name, f in (("together", together), ("apart", apart))}  # fmt: skip
    assert want["together"].get_column("products").to_list() == [2, 1, 0, 2]
    assert want["apart"].height == 4
    real = orders_mod.orders_frame

    def no_general_path(lines: pl.LazyFrame) -> pl.LazyFrame:
        raise AssertionError("orders_frame run on lines kept together by order")

    monkeypatch.setattr(orders_mod, "orders_frame", no_general_path)
    got = order_rows(together.lazy())
    assert_frame_equal(got, want["together"])
    monkeypatch.setattr(orders_mod, "orders_frame", real)
    assert_frame_equal(order_rows(apart.lazy()), want["apart"])
    assert order_rows(together.lazy().filter(False)).height == 0
