"""What kind of shop the exports make (no amounts at all, no buyer identity at all) is decided
once, in the core's `status`; the CLI's `status` (text and --json) and the app's screens say
the same facts in the same sentences, and no face shows zeros as if they were revenue."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.shop import Shop
from shopinsight.core.shop_facts import facts
from shopinsight.core.status import shop_status
from shopinsight.core.workspace import Workspace
from shopinsight.tui import fmt, shop_facts
from tests.factories import import_file, member_visits

runner = CliRunner()

NO_AMOUNTS = (
    "The imported exports carry no prices or totals: orders count as purchases, without revenue."
)


def _members(tmp_path: Path) -> str:
    """Member visits as the Groceries data set has them: a member, a day, an item; no money,
    no time of day."""
    return import_file(tmp_path, "Groceries_dataset.csv", member_visits(visits=3))


def _status(ws: str, *args: str) -> tuple[dict, str]:
    """`status --json` and the text `status` prints (its words joined by single spaces)."""
    as_json = runner.invoke(app, ["-w", ws, "status", "--json", *args])
    assert as_json.exit_code == 0, as_json.output
    text = runner.invoke(app, ["-w", ws, "status", *args])
    assert text.exit_code == 0, text.output
    return json.loads(as_json.output), " ".join(text.output.split())


def _core(ws: str) -> list[dict]:
    """The facts as the core gives them to every face: the Shop's status (the app's Overview,
    the CLI), the orders' status (the app's other screens) and a bare workspace's."""
    shop = Shop(Workspace.open(ws))
    return [shop.status()["facts"], shop.order_status()["facts"], shop_status(shop.ws)["facts"]]


def test_a_shop_without_amounts_says_so_instead_of_zeros(tmp_path: Path):
    ws = _members(tmp_path)
    status, text = _status(ws)
    assert status["facts"] == {
        "no_amounts": True,
        "no_buyers": False,
        "texts": {"no_amounts": NO_AMOUNTS},
    }
    assert all(f == status["facts"] for f in _core(ws))  # one decision, one sentence
    # the keys that were there stay (add, not rename): their zeros, as before
    assert status["net_revenue"] == {"unknown": 0.0} and status["customers"] == 12
    assert "Net revenue │ no amounts (see below)" in text
    assert "0.00" not in text  # read as a shop that sold nothing
    assert NO_AMOUNTS in text


def test_a_list_of_baskets_has_neither_amounts_nor_buyers(tmp_path: Path):
    baskets = "milk,bread\nmilk,eggs,bread\ncheese\n"
    ws = import_file(tmp_path, "baskets.csv", baskets, "--format", "baskets")
    status, text = _status(ws)
    said = status["facts"]["texts"]
    assert status["facts"]["no_amounts"] and status["facts"]["no_buyers"]
    # by hand: 3 lines, 3 baskets, none with a buyer, so none is a purchase either
    assert said == {
        "no_amounts": "The imported exports carry no prices or totals: there is no revenue.",
        "no_buyers": "No customers: none of the 3 orders has a buyer identity (no customer id "
        "or email in the exports), so there is no one to follow.",
    }
    assert all(f == status["facts"] for f in _core(ws))
    assert said["no_amounts"] in text and said["no_buyers"] in text
    assert "`shopinsight bundles` works from the baskets alone." in text
    # the line for a few orders without a buyer (Amazon) is not said besides
    assert "they count in revenue" not in text
    # the app reads the same sentence and adds where it can still help
    app_status = Shop(Workspace.open(ws)).order_status()
    assert shop_facts.no_buyers(app_status) and shop_facts.no_amounts(app_status)
    assert shop_facts.no_buyers_text(app_status) == (
        said["no_buyers"] + " Bundles (5) work from the baskets alone."
    )
    assert shop_facts.no_customers_text(app_status) == shop_facts.no_buyers_text(app_status)


def test_a_shop_with_money_and_buyers_has_no_such_fact(tmp_path: Path):
    ws = import_file(
        tmp_path,
        "orders.csv",
        "order_id,ordered_at,customer_id,sku,quantity,unit_price,currency\n"
        "A1,2024-03-01 10:00,c1,S1,2,5.00,EUR\n"
        "A2,2024-03-05 11:00,c2,S2,1,7.50,EUR\n"
        "A3,2024-03-09 12:00,,S1,1,5.00,EUR\n",
    )
    status, text = _status(ws)
    assert status["facts"] == {"no_amounts": False, "no_buyers": False, "texts": {}}
    assert all(f == status["facts"] for f in _core(ws))
    # by hand: 2 × 5.00 + 7.50 + 5.00 = 22.50 EUR; one order of three without a buyer
    assert status["net_revenue"] == {"EUR": 22.5}
    assert "22.50 EUR" in text and "no amounts" not in text
    assert "1 order without a buyer identity" in text
    assert not shop_facts.no_amounts(status) and not shop_facts.no_buyers(status)
    assert shop_facts.no_buyers_text(status) == shop_facts.no_amounts_text(status) == ""


def test_amounts_only_on_orders_not_paid_for_are_amounts(tmp_path: Path):
    """A Tmall report whose one order was never paid: revenue leaves its 178.80 out (counted
    apart as unpaid), but the export has amounts: no 'no amounts' fact."""
    ws = import_file(
        tmp_path,
        "tmall_order_report.csv",
        "订单编号,总金额,买家实际支付金额,收货地址,订单创建时间,订单付款时间,退款金额\n"
        "1,178.8,0,上海,2020/2/21 0:00,,0\n",
    )
    status, text = _status(ws)
    assert status["unpaid_value"] == {"CNY": 178.8} and status["gross_revenue"] == {"CNY": 0.0}
    assert not status["facts"]["no_amounts"]
    assert "no amounts" not in text and "178.80 CNY" in text


def test_an_empty_workspace_has_the_facts_key_too(tmp_path: Path):
    ws = str(tmp_path / "ws")
    Workspace.open(ws)  # created, nothing imported
    status, text = _status(ws)
    assert status["facts"] == {"no_amounts": False, "no_buyers": False, "texts": {}}
    assert "No orders yet" in text


def test_facts_by_hand():
    assert facts(0, 0, 0) == {"no_amounts": False, "no_buyers": False, "texts": {}}
    one = facts(1, 0, 1)
    assert one["texts"]["no_buyers"].startswith("No customers: the only order has no buyer")
    assert one["texts"]["no_amounts"].endswith(": there is no revenue.")
    # one order of 1,500 with an amount, one with a buyer: neither fact holds
    assert facts(1500, 1, 1499) == {"no_amounts": False, "no_buyers": False, "texts": {}}
    assert facts(1500, 0, 0)["texts"] == {"no_amounts": NO_AMOUNTS}
    # a status without facts (none computed: no orders) is neither
    assert not shop_facts.no_amounts({"lines": 0}) and not shop_facts.no_buyers(None)


def test_the_left_out_tags_are_said_once_each(tmp_path: Path):
    """Money tags for exports without amounts, clock tags for dates without a time: each
    dropped set has its note, naming the tags."""
    ws = _members(tmp_path)
    result = runner.invoke(app, ["-w", ws, "segments", "--json"])
    assert result.exit_code == 0, result.output
    notes = json.loads(result.output)["notes"]
    money = [n for n in notes if n.startswith("The exports carry no amounts")]
    clock = [n for n in notes if n.startswith("The exports give order dates without a time")]
    assert money == [
        "The exports carry no amounts: tags about spend, prices, discounts and refunds "
        "(category_loyalist, deliberate_buyer, discount_hunter, full_price_loyal, "
        "high_returner, high_value, impulse_buyer, low_value, vip_spend) are left out."
    ]
    assert clock == [
        "The exports give order dates without a time of day: tags about the hour an order "
        "was placed (early_bird, night_owl) are left out."
    ]


def test_one_table_of_the_apps_words():
    """The command line's words in a day's note and in an importer's message, both in the
    app's words by one function."""
    day = "2 later orders in other currencies are not included — use --currency or --as-of."
    assert fmt.in_app(day).endswith("— pick their currency in Settings (,).")
    message = (
        "Columns not found: order_id. Name them with --map, e.g. "
        '`--map ordered_at="Order Date"`. Or use --format generic.'
    )
    wanted = "Columns not found: order_id. Name them in the column mapping below. Or use the "
    assert fmt.in_app(message) == wanted + "Generic format."
