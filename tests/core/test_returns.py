"""Returns netted at import: credit notes are return documents with negative money, refunds are
`refunded`, fee/postage/adjustment lines are not products; checked by hand against the files."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.importers import import_files, load_file
from shopinsight.core.orders import orders_frame
from shopinsight.core.status import shop_status
from tests.conftest import shared_file

DATA = Path(__file__).resolve().parents[1] / "data"
CREDIT = DATA / "generic" / "credit_notes.csv"
GBP = {"shop": {"currency": "GBP"}}


def _raw_value(path: Path) -> pl.DataFrame:
    """The file as written, with Quantity × UnitPrice per line (the books' figure)."""
    raw = pl.read_csv(path, infer_schema=False)
    return raw.with_columns(
        (pl.col("Quantity").cast(pl.Int64) * pl.col("UnitPrice").cast(pl.Float64)).alias("value")
    )


def _orders(lines: pl.DataFrame) -> pl.DataFrame:
    return orders_frame(lines.lazy()).collect()


def test_credit_notes_are_return_documents_with_negative_money():
    lines = load_file(CREDIT, settings=GBP).lines
    orders = _orders(lines)
    raw = _raw_value(CREDIT)
    assert orders["net_revenue"].sum() == pytest.approx(raw["value"].sum())
    returned = orders.filter(pl.col("status") == "returned")
    assert sorted(returned["order_id"]) == ["C536379", "C540000", "C540003", "C581484"]
    assert (returned["order_total"] < 0).all() and not returned["counted"].any()
    credit_lines = lines.filter(pl.col("order_id").str.starts_with("C"))
    assert (credit_lines["quantity"] < 0).all() and (credit_lines["line_total"] < 0).all()
    # an adjustment invoice with a negative price is not a return: it is a negative sale
    assert orders.filter(pl.col("order_id") == "A563186")["status"].to_list() == ["paid"]


def test_customer_net_spend_after_a_same_day_return():
    orders = _orders(load_file(CREDIT, settings=GBP).lines)
    net = orders.group_by("customer_id").agg(pl.col("net_revenue").sum())
    by_customer = dict(net.iter_rows())
    assert by_customer["generic:16446"] == pytest.approx(2.90)
    assert by_customer["generic:17850"] == pytest.approx(53.64 - 27.50 - 5.10)
    bought = orders.filter(pl.col("customer_id") == "generic:16446", pl.col("counted"))
    assert sorted(bought["order_id"]) == ["553573", "581483"]


def test_fee_postage_and_adjustment_codes_are_not_products():
    lines = load_file(CREDIT, settings=GBP).lines
    kind = dict(lines.select("sku", pl.col("line_kind").cast(pl.Utf8)).unique("sku").iter_rows())
    assert kind["POST"] == kind["DOT"] == "shipping"
    assert kind["AMAZONFEE"] == "fee"
    assert kind["M"] == kind["D"] == "adjustment"
    assert kind["gift_0001_20"] == "gift_card"
    assert kind["85123A"] == "product"
    b = lines.filter(pl.col("sku") == "B").select("product_name", pl.col("line_kind").cast(str))
    # "B" is an adjustment only when its description says so; a product called B stays one
    assert sorted(b.rows()) == [("Adjust bad debt", "adjustment"), ("B", "product")]
    orders = _orders(lines)
    assert orders.filter(pl.col("order_id") == "540001")["has_products"].to_list() == [False]
    # they keep their money: revenue is the books' figure
    assert lines["line_total"].sum() == pytest.approx(_raw_value(CREDIT)["value"].sum())


def test_status_shows_gross_returns_and_net(ws):
    (ws.root / "shopinsight.toml").write_text('[shop]\ncurrency = "GBP"\n', encoding="utf-8")
    import_files(ws, [CREDIT])
    info = shop_status(ws)
    raw = _raw_value(CREDIT)
    sold = raw.filter(~pl.col("InvoiceNo").str.starts_with("C"))["value"].sum()
    back = -raw.filter(pl.col("InvoiceNo").str.starts_with("C"))["value"].sum()
    assert info["gross_revenue"]["GBP"] == pytest.approx(sold, abs=0.01)
    assert info["returns"]["GBP"] == pytest.approx(back, abs=0.01)
    assert info["net_revenue"]["GBP"] == pytest.approx(sold - back, abs=0.01)
    assert info["returned_orders"] == 4


@pytest.fixture(scope="module")
def online_retail(tmp_path_factory) -> Path:
    src = shared_file("online_retail", "online_retail.csv.gz")
    out = tmp_path_factory.mktemp("uci") / "online_retail.csv"
    with gzip.open(src, "rb") as fh, open(out, "wb") as dst:
        shutil.copyfileobj(fh, dst)
    return out


def test_online_retail_net_equals_quantity_times_price(online_retail, tmp_path):
    """£9,747,748 net by hand from the raw file; the imported orders net to the same."""
    raw = _raw_value(online_retail)
    by_hand = raw["value"].sum()
    assert by_hand == pytest.approx(9_747_747.93, abs=0.01)
    from shopinsight.core.workspace import Workspace

    ws = Workspace.open(tmp_path / "uci")
    (ws.root / "shopinsight.toml").write_text('[shop]\ncurrency = "GBP"\n', encoding="utf-8")
    import_files(ws, [online_retail])
    lines = ws.lines().collect()
    orders = _orders(lines)
    assert orders["net_revenue"].sum() == pytest.approx(by_hand, abs=0.01)
    info = shop_status(ws)
    assert 9.75 <= round(info["net_revenue"]["GBP"] / 1e6, 2) <= 9.79  # £9.75M as status shows
    assert info["net_revenue"]["GBP"] == pytest.approx(by_hand, abs=0.01)
    assert info["gross_revenue"]["GBP"] - info["returns"]["GBP"] == pytest.approx(by_hand, 1e-9)
    net = orders.group_by("customer_id").agg(pl.col("net_revenue").sum())
    spend = dict(net.iter_rows())
    assert spend["generic:16446"] == pytest.approx(2.90)
    assert spend["generic:12346"] == pytest.approx(0.0)

    # products only: the same rule, applied by hand to the raw file
    code = pl.col("StockCode").str.to_uppercase()
    desc = pl.col("Description").str.to_lowercase()
    pseudo = (
        code.is_in(["POST", "DOT", "AMAZONFEE", "BANK CHARGES", "CRUK", "PADS"])
        | ((code == "C2") & desc.str.contains("carriage"))
        | ((code == "M") & desc.str.contains("manual"))
        | ((code == "D") & desc.str.contains("discount"))
        | ((code == "S") & desc.str.contains("sample"))
        | ((code == "B") & desc.str.contains("bad debt"))
        | code.str.starts_with("GIFT_0001_")
    ).fill_null(False)
    products_by_hand = raw.filter(~pseudo)["value"].sum()
    products = lines.filter(pl.col("line_kind") == "product")["line_total"].sum()
    assert products == pytest.approx(products_by_hand, abs=0.01)
    assert products == pytest.approx(9_792_708.88, abs=0.01)
    # the issue's £9,793,397 also counts the £685.81 of gift vouchers and one lower-case "m"
    with_vouchers = lines.filter(pl.col("line_kind").is_in(["product", "gift_card"]))
    assert with_vouchers["line_total"].sum() + 2.55 == pytest.approx(9_793_397.24, abs=0.01)


def test_shopify_refunds_are_net_of_refunded_amount():
    path = shared_file("exports", "shopify", "orders_export_1.enavant-2021-22.redacted.csv")
    orders = _orders(load_file(path).lines)
    raw = pl.read_csv(path, infer_schema=False).filter(pl.col("Financial Status").is_not_null())
    money = raw.select(
        "Name",
        pl.col("Total").cast(pl.Float64),
        pl.col("Refunded Amount").cast(pl.Float64).fill_null(0.0),
        (pl.col("Cancelled at").is_not_null() | (pl.col("Financial Status") == "voided")).alias(
            "cancelled"
        ),
        pl.col("Financial Status").is_in(["refunded", "partially_refunded"]).alias("refund"),
    )
    # cancelled orders keep nothing, except refunded ones (their refund says what came back)
    kept = money.filter(~pl.col("cancelled") | pl.col("refund"))
    by_hand = (kept["Total"] - kept["Refunded Amount"]).sum()
    assert orders["net_revenue"].sum() == pytest.approx(by_hand, abs=0.01)
    assert orders.filter(pl.col("status") == "refunded")["net_revenue"].abs().max() < 0.01


def test_status_names_the_cancelled_orders_revenue_leaves_out(ws):
    """A hand sum of a Shopify export's `Total` column is gross revenue plus the totals of
    the orders cancelled without a refund, which status names (8 orders, 320.00 USD)."""
    path = shared_file("exports", "shopify", "orders_export_1.enavant-2021-22.redacted.csv")
    import_files(ws, [path])
    info = shop_status(ws)
    raw = pl.read_csv(path, infer_schema=False).filter(pl.col("Financial Status").is_not_null())
    totals = raw["Total"].cast(pl.Float64)
    unrefunded = raw.filter(
        pl.col("Cancelled at").is_not_null() & (pl.col("Financial Status") == "paid")
    )
    assert info["cancelled_orders"] == unrefunded.height == 8
    assert info["cancelled_value"] == {"USD": 320.0}
    gross = info["gross_revenue"]["USD"]
    assert gross + info["cancelled_value"]["USD"] == pytest.approx(totals.sum(), abs=0.01)


def test_woocommerce_refund_rows_reduce_their_order():
    """Analytics download: refund rows carry negative net sales. Netted, the orders sum to the
    file's net sales, less the orders whose status says they were refunded in full and those
    on hold (awaiting a bank transfer: not paid yet)."""
    path = DATA / "woocommerce" / "orders_2024-04-10_page-wc-admin_path--analytics-orders.csv"
    loaded = load_file(path)
    orders = _orders(loaded.lines)
    raw = pl.read_csv(path, infer_schema=False).with_columns(
        pl.col("Net sales").cast(pl.Float64, strict=False)
    )
    readable = raw.filter(pl.col("Net sales").is_not_null())  # "ten" is rejected
    assert loaded.rejects.height == raw.height - readable.height == 1
    by_hand = readable.filter(~pl.col("Status").is_in(["refunded", "on-hold"]))["Net sales"].sum()
    assert orders["net_revenue"].sum() == pytest.approx(by_hand)
    # 104 refunds Ann's earlier 103; 108 refunds an order not in this file: a return of its own
    status = dict(orders.select("order_id", pl.col("status").cast(pl.Utf8)).iter_rows())
    assert (status["103"], status["104"], status["108"]) == (
        "partially_refunded",
        "cancelled",
        "returned",
    )
    assert orders.filter(pl.col("order_id") == "108")["net_revenue"].to_list() == [-3.0]


def test_tmall_refunds_are_net():
    """Tmall report: an order that was paid keeps 总金额 - 退款金额; unpaid ones are pending."""
    path = shared_file("exports", "taobao", "tmall_order_report.head3000.csv")
    orders = _orders(load_file(path).lines)
    raw = pl.read_csv(path, infer_schema=False)
    paid = raw.filter(pl.col("订单付款时间").is_not_null()).select(
        pl.col("总金额").cast(pl.Float64) - pl.col("退款金额").cast(pl.Float64)
    )
    assert raw.filter(pl.col("退款金额").cast(pl.Float64) > 0).height > 0
    kept = orders.filter(pl.col("status") != "pending")
    assert kept.height == paid.height
    assert kept["net_revenue"].sum() == pytest.approx(paid.to_series().sum(), abs=0.01)


def test_customer_spend_nets_credit_notes(ws):
    """Bought and returned the same day: the customer's spend is what they kept."""
    from shopinsight.core.customers.profiles import customer_profiles

    (ws.root / "shopinsight.toml").write_text('[shop]\ncurrency = "GBP"\n', encoding="utf-8")
    import_files(ws, [CREDIT])
    table = customer_profiles(ws.lines(), None, ws.config()).table
    spend = dict(table.select("customer_id", "monetary").iter_rows())
    assert spend["generic:16446"] == pytest.approx(2.90)
    assert spend["generic:17850"] == pytest.approx(53.64 - 27.50 - 5.10)
    orders = dict(table.select("customer_id", "orders").iter_rows())
    assert orders["generic:16446"] == 2  # the credit note is not a purchase
