"""The sample shop: a deterministic, realistic truth, and exports that import back to it exactly.

Round trips: each committed file in sample_exports/ is imported into a fresh workspace and must
give the orders, customers and net revenue the generator made (formats whose importer is not
there yet fail).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.importers import FORMATS, import_files
from shopinsight.core.orders import orders_frame
from shopinsight.core.samples.shop import (
    DEFAULT_END,
    expected_totals,
    file_names,
    generate_shop,
    write_exports,
)
from shopinsight.core.workspace import Workspace

SAMPLES = Path(__file__).resolve().parents[2] / "sample_exports"

IMPORTER = {
    "shopify": ("shopify",),
    "shopify-customers": ("shopify-customers",),
    "woocommerce": ("woocommerce",),
    "amazon": ("amazon-order-report",),
    "ebay": ("ebay",),
    "generic": ("generic",),
}
"""Sample format → the importer format(s) its files must be detected as."""


def _importers(fmt: str, name: str) -> tuple[str, ...]:
    if fmt == "etsy":
        return ("etsy-orders",) if name.startswith("EtsySoldOrders.") else ("etsy-items",)
    if fmt == "taobao":
        return ("taobao-orders",) if "OrderList" in name else ("taobao-orders", "taobao-items")
    return IMPORTER[fmt]


@pytest.fixture(scope="module")
def shop():
    return generate_shop()


@pytest.fixture(scope="module")
def expected(shop):
    return expected_totals(shop)


def _imported(ws: Workspace) -> dict:
    o = orders_frame(ws.lines()).collect()
    return {
        "orders": o.height,
        "customers": o["customer_id"].drop_nulls().n_unique(),
        "net_revenue": round(o["net_revenue"].sum(), 2),
        "currency": o["currency"].unique().to_list(),
        "cancelled": o.filter(pl.col("status") == "cancelled").height,
        "refunded": round(o["refunded"].sum(), 2),
        "open": o.filter(~pl.col("fulfilled") & (pl.col("status") == "paid")).height,
        "gift_orders": o.filter(pl.col("is_gift")).height,
    }


ROUND_TRIP = [(name, fmt) for fmt, names in file_names(DEFAULT_END).items() for name in names]


@pytest.mark.parametrize(("name", "fmt"), ROUND_TRIP, ids=[n for n, _ in ROUND_TRIP])
def test_each_sample_file_round_trips(name, fmt, expected, tmp_path):
    needed = _importers(fmt, name)
    assert set(needed) <= set(FORMATS), "every sample file has an importer"
    want = expected[name]
    ws = Workspace.open(tmp_path / "ws")
    reports = import_files(ws, [SAMPLES / f for f in want["files"]])
    assert tuple(r.format for r in reports) == needed
    assert all(r.rejected == 0 for r in reports), [r.rejects_path for r in reports]
    if fmt == "shopify-customers":
        customers = ws.read_customers()
        assert customers.height == want["customers"]
        assert customers["customer_id"].str.contains("@").all()
        return
    got = _imported(ws)
    exact = ["orders", "customers", "net_revenue", "cancelled", "refunded", "open", "gift_orders"]
    assert {k: got[k] for k in exact} == {k: want[k] for k in exact}
    assert got["currency"] == [want["currency"]]


def test_committed_samples_are_what_the_generator_writes(shop, tmp_path):
    written = write_exports(shop, tmp_path)
    committed = sorted(p.name for p in SAMPLES.iterdir() if p.name != "README.md")
    assert sorted(p.name for p in written) == committed
    for path in written:
        assert path.read_bytes() == (SAMPLES / path.name).read_bytes(), (
            f"{path.name} is stale: run `shopinsight sample --out sample_exports`"
        )
    assert sum(p.stat().st_size for p in written) < 2_000_000


def test_same_seed_same_shop_other_seed_other_shop():
    a, b, c = generate_shop(3, 80), generate_shop(3, 80), generate_shop(4, 80)
    assert a.orders.equals(b.orders) and a.lines.equals(b.lines)
    assert not a.orders.equals(c.orders)


def test_money_adds_up_and_history_ends_on_the_end_day(shop):
    o = shop.orders
    assert o["local_at"].max().date() == shop.end
    span = (shop.end - o["local_at"].min().date()).days
    assert 700 <= span < 730
    assert (o["total"] - (o["subtotal"] - o["discount"] + o["shipping"])).abs().max() < 1e-9
    net = (
        pl.when(pl.col("status") == "cancelled")
        .then(0.0)
        .otherwise(pl.col("total") - pl.col("refunded"))
    )
    assert o.select((pl.col("net_revenue") - net).abs().max()).item() < 1e-9
    line_sums = shop.lines.group_by("order_key").agg(pl.col("line_total").sum())
    joined = o.join(line_sums, on="order_key")
    assert (joined["subtotal"] - joined["line_total"]).abs().max() < 1e-6
    assert 1300 <= o.height <= 1700 and o["customer_key"].n_unique() >= 300


def test_exports_never_hold_what_their_platform_cannot_say(shop):
    o = shop.orders
    no_refunds = o.filter(pl.col("marketplace").is_in(["etsy", "amazon", "ebay", "generic"]))
    assert (no_refunds["status"] == "paid").all()
    assert o.filter(pl.col("marketplace") == "generic")["fulfilled"].all()
    for mp in ("shopify", "woocommerce", "taobao"):
        assert set(o.filter(pl.col("marketplace") == mp)["status"]) >= {"paid", "cancelled"}


def test_the_shop_has_the_behaviour_the_analyses_look_for(shop):
    o, lines = shop.orders, shop.lines
    by_month = o.group_by(pl.col("local_at").dt.month().alias("m")).len()
    q4 = by_month.filter(pl.col("m").is_in([11, 12]))["len"].mean()
    assert q4 > 1.5 * by_month.filter(~pl.col("m").is_in([11, 12]))["len"].mean()
    owls = o.filter(pl.col("persona") == "night_owl")
    night = owls["local_at"].dt.hour().is_in([22, 23, 0, 1, 2, 3, 4]).mean()
    assert night > 0.6
    for mp in ("shopify", "etsy", "taobao"):  # open orders in the last days
        recent = o.filter((pl.col("marketplace") == mp) & (pl.col("days_ago") <= 3))
        assert (~recent["fulfilled"]).sum() >= 1, mp
    assert o.filter(pl.col("is_gift") & pl.col("gift_message").is_not_null()).height >= 50
    assert o.filter(pl.col("discount_code").is_not_null()).height >= 150
    two = shop.customers.filter(pl.col("second_marketplace").is_not_null())["customer_key"]
    places = o.filter(pl.col("customer_key").is_in(two.implode())).group_by("customer_key")
    assert (places.agg(pl.col("marketplace").n_unique())["marketplace"] == 2).all()
    # planted co-purchases: matcha + whisk far more often together than chance
    baskets = lines.filter(pl.col("kind") == "product").group_by("order_key").agg("sku")
    n = baskets.height
    has = {s: baskets["sku"].list.contains(s) for s in ("TEA-MATCHA", "TW-WHISK")}
    both = (has["TEA-MATCHA"] & has["TW-WHISK"]).sum()
    lift = both * n / (has["TEA-MATCHA"].sum() * has["TW-WHISK"].sum())
    assert lift > 3


def test_all_files_together_merge_customers_across_shops(tmp_path):
    shop = generate_shop(seed=11, customers=150)
    needed = {f for fmt, names in file_names(shop.end).items() for n in names
              for f in _importers(fmt, n)}  # fmt: skip
    assert needed <= set(FORMATS), "every sample file has an importer"
    files = write_exports(shop, tmp_path / "exports")
    ws = Workspace.open(tmp_path / "ws")
    import_files(ws, files)
    got = orders_frame(ws.lines()).collect()
    assert got.height == shop.orders.height
    # Shopify and WooCommerce key buyers by email: a customer of both is one customer.
    identity = (
        pl.when(pl.col("marketplace").is_in(["shopify", "woocommerce"]))
        .then(pl.lit("email"))
        .otherwise("marketplace")
    )
    want = shop.orders.select("customer_key", identity.alias("i")).unique().height
    assert got["customer_id"].n_unique() == want
    for currency, total in (
        shop.orders.group_by("currency").agg(pl.col("net_revenue").sum()).iter_rows()
    ):
        imported = got.filter(pl.col("currency") == currency)["net_revenue"].sum()
        assert imported == pytest.approx(total)


def test_tiny_shop_writes_only_marketplaces_with_orders(tmp_path):
    shop = generate_shop(seed=1, customers=3)
    files = write_exports(shop, tmp_path)
    expected = expected_totals(shop)
    assert sorted(p.name for p in files) == sorted(expected)
    markets = set(shop.orders["marketplace"])
    assert {v["format"] for v in expected.values()} - {"shopify-customers"} == markets


def test_cli_writes_the_exports_and_reports_them(tmp_path):
    out = tmp_path / "samples"
    result = CliRunner().invoke(
        app, ["sample", "--out", str(out), "--customers", "60", "--seed", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {Path(r["file"]).name for r in rows} == {p.name for p in out.iterdir()}
    shop = generate_shop(seed=2, customers=60)
    shopify = next(r for r in rows if r["format"] == "shopify")
    assert shopify["orders"] == shop.orders.filter(pl.col("marketplace") == "shopify").height
    table = CliRunner().invoke(app, ["sample", "--out", str(out), "-f", "generic"])
    assert table.exit_code == 0 and "generic_orders.csv" in table.output


def test_cli_rejects_bad_options(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(app, ["sample", "--out", str(tmp_path), "--customers", "0"])
    assert bad.exit_code == 2 and "--customers" in bad.output
    unknown = runner.invoke(app, ["sample", "--out", str(tmp_path), "-f", "bogus"])
    assert unknown.exit_code == 2 and "bogus" in unknown.output


ETSY_ORDERS_HEADER = (
    '"Sale Date","Order ID","Buyer User ID","Full Name","First Name","Last Name",'
    '"Number of Items","Payment Method","Date Shipped","Street 1","Street 2","Ship City",'
    '"Ship State","Ship Zipcode","Ship Country",Currency,"Order Value","Coupon Code",'
    '"Coupon Details","Discount Amount","Shipping Discount",Shipping,"Sales Tax","Order Total",'
    'Status,"Card Processing Fees","Order Net","Adjusted Order Total",'
    '"Adjusted Card Processing Fees","Adjusted Net Order Amount",Buyer,"Order Type",'
    '"Payment Type","InPerson Discount","InPerson Location",SKU'
)


def test_files_use_the_real_layouts():
    def header(name: str, encoding: str = "utf-8", line: int = 0) -> str:
        return (SAMPLES / name).read_text(encoding).splitlines()[line]

    shopify = header("orders_export_1.csv").split(",")
    assert len(shopify) == 79 and shopify[:3] == ["Name", "Email", "Financial Status"]
    assert shopify[-1] == "Payment References" and "Lineitem sku" in shopify
    assert len(header("customers_export.csv").split(",")) == 20
    assert header("EtsySoldOrders.csv") == ETSY_ORDERS_HEADER  # fputcsv quoting, as in FORMATS.md
    assert header("EtsySoldOrderItems.csv").startswith('"Sale Date","Item Name",Buyer,')
    assert header("amazon_fbm_order_report.txt", "cp1252").split("\t")[:2] == [
        "order-id",
        "order-item-id",
    ]
    ebay = (SAMPLES / "eBay-OrdersReport-Nov-20-2026.csv").read_text("utf-8-sig").splitlines()
    assert set(ebay[0]) == {","} and ebay[1].startswith('"Sales Record Number","Order Number"')
    assert "record(s) downloaded" in ebay[-2] and ebay[-1].startswith("Seller ID : ")
    taobao = header("ExportOrderList202611201200.csv", "gbk", 1)
    assert taobao.startswith('="3') and "退款金额" in header(
        "ExportOrderList202611201200.csv", "gbk"
    )
