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
