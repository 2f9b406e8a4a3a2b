"""`Shop`: one currency, one purchase rule, returns netted, and nothing at stake is no alert."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.errors import InputError
from shopinsight.core.importers import import_files
from shopinsight.core.shop import Shop, choose_currency
from shopinsight.core.workspace import Workspace

DATA = Path(__file__).resolve().parents[1] / "data" / "generic"


@pytest.fixture
def returns_shop(tmp_path: Path) -> Shop:
    ws = Workspace.open(tmp_path / "ws")
    ws.config_path.write_text('[shop]\ncurrency = "GBP"\n', encoding="utf-8")
    import_files(ws, [DATA / "credit_notes.csv"])
    return Shop(ws)


def test_a_customer_who_returned_nearly_everything_nets_what_they_kept(returns_shop):
    table = returns_shop.profiles().table
    net = dict(zip(table["customer_id"], table["monetary"], strict=True))
    # 1.65 + 1.25 kept; 80,995 × 2.08 bought and returned the same day
    assert net["generic:16446"] == pytest.approx(2.90, abs=0.005)
    # Bought 6 × 2.55 + 6 × 3.39 + 18.00 postage, then a 27.50 discount note and 2 × 2.55 back
    assert net["generic:17850"] == pytest.approx(15.30 + 20.34 + 18.00 - 27.50 - 5.10, abs=0.005)


def test_nothing_at_stake_is_never_an_alert(tmp_path: Path):
    ws = Workspace.open(tmp_path / "ws")
    ws.config_path.write_text('[shop]\ncurrency = "GBP"\n', encoding="utf-8")
    rows = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
    for c in range(40):  # 40 ordinary repeat customers, every 20 days until day 200
        for k in range(c % 5 + 1):
            day = 1 + k * 20 + c
            rows.append(
                f"{1000 + c * 10 + k},A1,Mug,1,2011-01-01,0,0,UK".replace(
                    "2011-01-01", f"2011-{1 + day // 28:02d}-{1 + day % 28:02d}"
                ).replace(",0,0,UK", f",12.50,{20000 + c},United Kingdom")
            )
    rows.append("9000,A1,Mug,100,2011-02-01 10:00,50.00,31337,United Kingdom")
    rows.append("C9001,A1,Mug,-100,2011-02-01 11:00,50.00,31337,United Kingdom")
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_files(ws, [path])
    churn = Shop(ws).churn()
    gone = churn.alerts.filter(pl.col("customer_id") == "generic:31337").row(0, named=True)
    assert not gone["is_alert"] and gone["value_at_risk"] == 0


def test_the_currency_is_the_one_most_identified_customers_buy_in():
    orders = pl.DataFrame(
        {
            "currency": ["CNY"] * 5 + ["USD"] * 2,
            "customer_id": [None] * 5 + ["a", "b"],
            "net_revenue": [1000.0] * 5 + [10.0, 20.0],
        }
    )
    assert choose_currency(orders) == "USD"  # anonymous Tmall orders do not outvote customers
    assert choose_currency(orders, "CNY") == "CNY"
    assert choose_currency(orders, "EUR") == "USD"  # a setting the shop has no orders in
    # two test customers with big rupee amounts vs many dollar customers: dollars
    rupees = pl.DataFrame(
        {
            "currency": ["INR"] * 2 + ["USD"] * 3,
            "customer_id": ["t1", "t2", "a", "b", "c"],
            "net_revenue": [300_000.0, 290_000.0, 50.0, 60.0, 70.0],
        }
    )
    assert choose_currency(rupees) == "USD"


def test_asking_for_a_currency_the_shop_does_not_have_says_which_it_has(returns_shop):
    with pytest.raises(InputError, match="Currencies with orders: GBP"):
        Shop(returns_shop.ws, currency="eur").profiles()


def test_a_shop_is_read_without_writing_state(returns_shop, monkeypatch):
    """Reading a workspace (profiles with overrides, churn with marks, the packing plan) never
    opens state.sqlite for writing, so a read-only workspace can be analysed."""
    from shopinsight.core.customers.tags import save_override

    save_override(returns_shop.ws, "generic:17850", "friend", "add")
    shop = Shop(returns_shop.ws)

    def no_writes(*args, **kwargs):
        raise AssertionError("state.sqlite opened for writing while reading")

    monkeypatch.setattr(type(shop.ws), "db", no_writes)
    assert "friend" in shop.profiles().tags.filter(pl.col("customer_id") == "generic:17850")["tag"]
    shop.churn()
    shop.gifts()


def test_status_counts_an_export_without_currency_in_the_shops_currency(tmp_path: Path):
    """Currency set after an import of a file without one (Online Retail's case): `status`
    and the Overview show the money in the shop's currency, as every analysis takes it."""
    ws = Workspace.open(tmp_path / "ws")
    import_files(ws, [DATA / "credit_notes.csv"])
    ws.config_path.write_text('[shop]\ncurrency = "GBP"\n', encoding="utf-8")
    status = Shop(ws).status()
    assert status["currency"] == "GBP" and list(status["net_revenue"]) == ["GBP"]


def test_the_day_is_the_last_order_in_the_views_currency(tmp_path: Path):
    """A dollar shop that stopped in 2023 beside a rupee store still selling in 2025: the dollar
    view is judged as of its own last order (else every dollar customer looks lapsed), says
    what it leaves out, and `--as-of` / `--currency` still decide when given."""
    ws = Workspace.open(tmp_path / "ws")
    rows = ["Order ID,Date,Customer Email,SKU,Product,Quantity,Price,Currency"]
    for i in range(6):  # six dollar customers, the last order on 2023-06-22
        rows.append(f"U{i},2023-06-{17 + i} 10:00,c{i}@example.com,M,Mug,1,20.00,USD")
    rows += [f"R{i},2025-12-0{1 + i} 10:00,r{i}@example.com,T,Tea,1,900,INR" for i in range(2)]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_files(ws, [path])

    shop = Shop(ws)
    assert shop.currency() == "USD" and str(shop.as_of()) == "2023-06-22"
    assert str(shop.last_order_day()) == "2025-12-02"
    later = [n for n in shop.left_out() if n.startswith("Results are as of 2023-06-22")]
    assert later and "2 later orders (up to 2025-12-02) in other currencies are not" in later[0]
    assert shop.status()["currency"] == "USD" and shop.status()["day_note"] == later[0]
    assert str(Shop(ws, currency="INR").as_of()) == "2025-12-02"
    asked = Shop(ws, as_of="2025-12-02")
    assert asked.currency() == "USD" and str(asked.as_of()) == "2025-12-02"
    assert not [n for n in asked.left_out() if n.startswith("Results are as of")]
    assert asked.status()["day_note"] is None


def test_one_later_order_is_said_in_the_singular(tmp_path: Path):
    ws = Workspace.open(tmp_path / "ws")
    path = tmp_path / "orders.csv"
    path.write_text(
        "Order ID,Date,Customer Email,SKU,Product,Quantity,Price,Currency\n"
        "U1,2023-06-22 10:00,a@example.com,M,Mug,1,20.00,USD\n"
        "U2,2023-06-21 10:00,b@example.com,M,Mug,1,20.00,USD\n"
        "R1,2025-12-01 10:00,r@example.com,T,Tea,1,900,INR\n",
        encoding="utf-8",
    )
    import_files(ws, [path])
    note = Shop(ws).status()["day_note"]
    assert "1 later order (up to 2025-12-01) in other currencies is not included" in note


def test_a_warm_view_leaves_out_the_same_orders_without_reading_every_order(tmp_path: Path):
    """The lines of a view leave out the orders in other currencies; a warm start finds them
    from three columns of the cached orders, not the whole flagged-orders frame."""
    ws = Workspace.open(tmp_path / "ws")
    rows = ["Order ID,Date,Customer Email,SKU,Product,Quantity,Price,Currency"]
    rows += [f"U{i},2024-03-0{1 + i} 10:00,c{i}@example.com,M,Mug,1,20.00,USD" for i in range(4)]
    rows += [f"E{i},2024-03-0{1 + i} 11:00,e{i}@example.com,T,Tea,2,9.00,EUR" for i in range(2)]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_files(ws, [path])

    cold = Shop(ws)
    kept = cold.lines().collect().sort("order_id")
    assert kept["order_id"].to_list() == ["U0", "U1", "U2", "U3"]
    warm = Shop(ws)
    assert warm.lines().collect().sort("order_id").equals(kept)
    assert warm.peek(f"all_orders:{warm.as_of()}") is None  # only its keys were read
    assert warm.all_orders().height == 6


def test_one_customers_orders_are_theirs_among_the_views_orders(returns_shop):
    """`customer_orders` (the app's detail panel) reads a few columns of every order once:
    the same rows, by day, as the view's whole order frame filtered to the customer."""
    shop = returns_shop
    everyone = shop.orders()
    for cid in everyone["customer_id"].drop_nulls().unique().sort().to_list():
        want = (
            everyone.filter(pl.col("customer_id") == cid)
            .select(Shop.CUSTOMER_ORDER_COLUMNS)
            .sort("order_day", maintain_order=True)
        )
        assert Shop(shop.ws).customer_orders(cid).equals(want), cid
        assert shop.customer_orders(cid).equals(want), cid  # from the memo, every order read
    assert shop.customer_orders("nobody").height == 0
