"""Generic order lines: recognised column names, --map, no order id, credit notes."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.errors import InputError
from shopinsight.core.importers import import_files, load_file
from shopinsight.core.orders import orders_frame
from tests.conftest import shared_file


def test_online_retail_layout(tmp_path):
    src = shared_file("online_retail", "online_retail.csv.gz")
    head = gzip.open(src, "rt", encoding="utf-8").readlines()[:3001]
    path = tmp_path / "online_retail.csv"
    path.write_text("".join(head), encoding="utf-8")
    loaded = load_file(path)
    assert loaded.format.name == "generic"
    assert loaded.rows_read == 3000 == loaded.lines.height + loaded.rejects.height
    raw = pl.read_csv(path, infer_schema=False)
    assert loaded.lines["order_id"].n_unique() == raw["InvoiceNo"].n_unique()
    credit = loaded.lines.filter(pl.col("order_id").str.starts_with("C"))
    assert credit.height > 0 and set(credit["status"].to_list()) == {"returned"}
    assert (credit["line_total"] <= 0).all() and (credit["order_total"] <= 0).all()
    assert loaded.lines.filter(pl.col("customer_id") == "generic:17850").height > 0
    assert any("credit notes/returns" in w for w in loaded.warnings)


def test_lines_without_order_id_group_by_customer_and_time(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(
        "date;customer;sku;qty;price\n"
        "2024-03-01 10:00;ann;A;1;10,50\n"
        "2024-03-01 10:00;ann;B;2;1.000,00\n"
        "2024-03-02 09:00;ann;A;1;10,50\n",
        encoding="utf-8",
    )
    lines = load_file(path).lines
    assert lines["order_id"].n_unique() == 2
    assert lines["line_total"].to_list() == [10.5, 2000.0, 10.5]
    orders = orders_frame(lines.lazy()).collect()
    assert sorted(orders["order_total"].to_list()) == [10.5, 2010.5]


def test_explicit_map(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Bon,Wann,Wer,Was,Betrag\n1,01.02.2024,x@y.de,Tee,4.5\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown layout"):
        load_file(path)
    mapping = {"order_id": "Bon", "ordered_at": "Wann", "email": "Wer",
               "product_name": "Was", "line_total": "Betrag"}  # fmt: skip
    lines = load_file(path, "generic", mapping).lines
    assert lines["customer_id"].to_list() == ["x@y.de"]
    assert lines["line_total"].to_list() == [4.5]
    assert str(lines["ordered_at"][0].date()) == "2024-02-01"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [({"nonsense": "Bon"}, "Unknown canonical column"), ({"order_id": "Nope"}, "not in the file")],
)
def test_bad_map_is_a_clear_error(tmp_path, mapping, message):
    path = tmp_path / "odd.csv"
    path.write_text("Bon,Wann\n1,2024-01-01\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_file(path, "generic", mapping)


def test_import_into_workspace_counts(ws, tmp_path):
    path = tmp_path / "g.csv"
    path.write_text(
        "order_id,date,customer,sku,qty,price\n1,2024-01-01,a,A,1,5\n1,2024-01-01,a,B,1,x\n",
        encoding="utf-8",
    )
    report = import_files(ws, [path])[0]
    assert (report.rows_read, report.accepted, report.rejected) == (2, 1, 1)
    assert "bad amount 'x'" in pl.read_csv(report.rejects_path)["reason"][0]


def test_own_field_names_need_no_map():
    """A file written with ShopInsight's own field names imports without --map."""
    path = Path(__file__).resolve().parents[1] / "data" / "generic" / "own_names.csv"
    loaded = load_file(path)
    assert loaded.format.name == "generic" and loaded.rejects.height == 0
    lines = loaded.lines
    assert lines.select("order_id", "customer_id", "sku", "quantity", "line_total").rows() == [
        ("A-1", "generic:c1", "SKU1", 2, 20.0),
        ("A-1", "generic:c1", "SKU2", 1, 7.5),
        ("A-2", "generic:c2", "SKU1", 1, 10.0),
    ]
    assert lines["ordered_at"].null_count() == 0
    assert lines["product_name"].to_list() == ["Mug", "Tea", "Mug"]


SUPERSTORE = (
    "Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,Country,"
    "City,State,Postal Code,Region,Product ID,Category,Sub-Category,Product Name,Sales,Quantity,"
    "Discount,Profit\n"
    "1,CA-2016-152156,11/8/2016,11/11/2016,Second Class,CG-12520,Claire Gute,Consumer,"
    "United States,Henderson,Kentucky,42420,South,FUR-BO-10001798,Furniture,Bookcases,"
    "Bush Somerset Collection Bookcase,261.96,2,0,41.9136\n"
    "4,US-2015-108966,10/11/2015,10/18/2015,Standard Class,SO-20335,Sean O'Donnell,Consumer,"
    "United States,Fort Lauderdale,Florida,33311,South,FUR-TA-10000577,Furniture,Tables,"
    "Bretford CR4500 Series Slim Rectangular Table,957.5775,5,0.45,-383.031\n"
    "5,US-2015-108966,10/11/2015,10/18/2015,Standard Class,SO-20335,Sean O'Donnell,Consumer,"
    "United States,Fort Lauderdale,Florida,33311,South,OFF-ST-10000760,Office Supplies,Storage,"
    "Eldon Fold 'N Roll Cart System,22.368,2,0.2,2.5164\n"
)


def test_superstore_discount_rates_places_and_states(tmp_path):
    """Superstore's Discount is a rate of the price before it, Sales what was paid after it;
    City, State and Postal Code are the buyer's place (its Region is a sales area)."""
    path = tmp_path / "Sample - Superstore.csv"
    path.write_text(SUPERSTORE, encoding="utf-8")
    lines = load_file(path).lines.sort("order_id", "line_no")
    # by hand: 957.5775 · 0.45 / 0.55 + 22.368 · 0.2 / 0.8 = 783.4725 + 5.592
    assert lines["order_discount"].to_list() == [0.0, 789.06, 789.06]
    assert lines["line_total"].to_list() == [261.96, 957.5775, 22.368]
    assert lines["region"].to_list() == ["Kentucky", "Florida", "Florida"]
    assert lines["city"].to_list() == ["Henderson", "Fort Lauderdale", "Fort Lauderdale"]
    assert lines["postal_code"].to_list() == ["42420", "33311", "33311"]
    orders = orders_frame(lines.lazy()).collect().sort("order_id")
    assert orders["has_discount"].to_list() == [False, True]  # CA-… has none, US-… has


@pytest.mark.parametrize(
    ("header", "values", "expected"),
    [
        ("Discount Amount", ["5.00", "0", "2.50"], [5.0, 5.0, 2.5]),  # amounts, summed per order
        ("Discount", ["20%", "0%", "10%"], [10.0, 10.0, 4.44]),  # 40·0.25 + 0; 40·(1/9)
    ],
)
def test_discount_amounts_and_percentages(tmp_path, header, values, expected):
    path = tmp_path / "orders.csv"
    rows = [("1", "40.00"), ("1", "10.00"), ("2", "40.00")]
    text = f"order_id,date,customer,product,qty,line_total,{header}\n" + "".join(
        f"{o},2024-03-0{o},c{o},P{i},1,{total},{d}\n"
        for i, ((o, total), d) in enumerate(zip(rows, values, strict=True))
    )
    path.write_text(text, encoding="utf-8")
    lines = load_file(path).lines.sort("order_id", "line_no")
    assert lines["order_discount"].to_list() == expected


def test_status_words_and_refunds_without_an_amount(tmp_path):
    """A status column as other systems write it: a refund or return with no amount takes the
    whole order back; a failed payment or refused delivery never sold; unpaid is pending."""
    path = tmp_path / "orders.csv"
    statuses = [
        ("Refunded", "refunded", 10.0),
        ("Shipped - Returned to Seller", "refunded", 10.0),
        ("Payment Failed", "cancelled", 0.0),
        ("Shipped - Rejected by Buyer", "cancelled", 0.0),
        ("payment_review", "pending", 0.0),
        ("complete", "paid", 0.0),
    ]
    path.write_text(
        "order_id,date,customer,product,qty,price,status,currency\n"
        + "".join(
            f"{i},2024-03-0{i + 1},c{i}@x.com,Mug,1,10.00,{raw},USD\n"
            for i, (raw, _, _) in enumerate(statuses)
        ),
        encoding="utf-8",
    )
    loaded = load_file(path)
    orders = orders_frame(loaded.lines.lazy()).collect().sort("order_id")
    assert orders["status"].cast(pl.Utf8).to_list() == [s for _, s, _ in statuses]
    assert orders["refunded"].to_list() == [r for _, _, r in statuses]
    assert orders["net_revenue"].to_list() == [0.0, 0.0, 0.0, 0.0, 10.0, 10.0]
    assert any(
        "2 orders marked refunded or returned without a refund amount" in w for w in loaded.warnings
    )


def test_a_code_without_its_description_takes_the_kind_of_its_other_rows(tmp_path):
    """Online Retail's carriage line 575506 has code C2 and no description; its other C2 rows
    say CARRIAGE. A lone `B` without a word stays a product (a shop's own SKU)."""
    path = tmp_path / "online_retail.csv"
    path.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "536365,C2,CARRIAGE,1,12/1/2010 8:26,50,17850,United Kingdom\n"
        "575506,C2,,150,11/10/2011 9:00,0,,United Kingdom\n"
        "575507,B,,1,11/10/2011 9:00,5,17850,United Kingdom\n",
        encoding="utf-8",
    )
    lines = load_file(path).lines.sort("order_id")
    assert lines["line_kind"].cast(pl.Utf8).to_list() == ["shipping", "shipping", "product"]


def test_complete_journey_transactions_need_no_map(tmp_path):
    """dunnhumby's Complete Journey (../shared/data/completejourney_sample): household_id and
    transaction_timestamp are its buyer and date. Hand figures from the raw file: 47,243
    baskets, 255 of them with nothing paid, so 46,988 purchases by 2,373 households,
    233,935.24 in sales_value."""
    src = shared_file("completejourney_sample", "transactions_sample.csv.gz")
    path = tmp_path / "transactions_sample.csv"
    path.write_bytes(gzip.open(src).read())
    loaded = load_file(path)
    assert loaded.format.name == "generic"
    assert (loaded.rows_read, loaded.lines.height) == (75_000, 75_000)
    orders = orders_frame(loaded.lines.lazy()).collect()
    assert orders.height == 47_243
    bought = orders.filter(pl.col("order_total") > 0)
    assert (bought.height, bought["customer_id"].n_unique()) == (46_988, 2_373)
    assert round(bought["order_total"].sum(), 2) == 233_935.24
    assert loaded.lines["ordered_at"].min().isoformat() == "2017-01-01T12:30:27+00:00"


def test_sales_product_data_layout_with_repeated_headers(tmp_path):
    """Kaggle's monthly "Sales Product Data" files (`Quantity Ordered`, `Price Each`, 2-digit
    years) carry a blank row and the header again mid-file: each is rejected with its reason,
    and the money is read (the two columns were not recognised: no revenue at all)."""
    path = tmp_path / "Sales_April_2019.csv"
    header = "Order ID,Product,Quantity Ordered,Price Each,Order Date,Purchase Address\n"
    path.write_text(
        header + '176558,USB-C Charging Cable,2,11.95,04/19/19 08:46,"917 1st St, Dallas"\n'
        ",,,,,\n"
        '176560,Google Phone,1,600,04/12/19 14:38,"669 Spruce St, Los Angeles"\n'
        '176560,Wired Headphones,1,11.99,04/12/19 14:38,"669 Spruce St, Los Angeles"\n'
        + header
        + '176561,Wired Headphones,1,11.99,04/30/19 09:27,"333 8th St, Los Angeles"\n',
        encoding="utf-8",
    )
    loaded = load_file(path)
    assert (loaded.rows_read, loaded.lines.height, loaded.rejects.height) == (6, 4, 2)
    assert loaded.rejects["reason"].to_list() == ["empty row", "repeated header row"]
    orders = orders_frame(loaded.lines.lazy()).collect().sort("order_id")
    assert orders["order_total"].to_list() == [23.9, 611.99, 11.99]
    assert str(orders["ordered_at"][0]) == "2019-04-19 08:46:00+00:00"


def test_a_separate_time_column_gives_orders_their_time_of_day(tmp_path):
    """The Bread Basket (and many till exports) write `Date` and `Time` apart: the order time
    is both (it was midnight, the time column unread)."""
    path = tmp_path / "bakery.csv"
    path.write_text(
        "Date,Time,Transaction,Item\n"
        "2016-10-30,09:58:11,1,Bread\n"
        "2016-10-30,10:05:34,2,Scandinavian\n"
        "2016-10-30,10:05:34,2,Scandinavian\n",
        encoding="utf-8",
    )
    lines = load_file(path).lines
    assert [str(t) for t in lines["ordered_at"].unique(maintain_order=True)] == [
        "2016-10-30 09:58:11+00:00",
        "2016-10-30 10:05:34+00:00",
    ]


def test_a_time_column_that_is_not_a_clock_time_is_left_alone(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(
        "date,time,order,item,price\n2024-03-01,morning,1,A,2.50\n2024-03-02,,2,B,1.00\n",
        encoding="utf-8",
    )
    lines = load_file(path).lines
    assert [str(t) for t in lines["ordered_at"]] == [
        "2024-03-01 00:00:00+00:00",
        "2024-03-02 00:00:00+00:00",
    ]


def test_the_returns_warning_counts_only_accepted_credit_notes(tmp_path):
    """A credit note rejected (here for its date) is not "imported as returns"."""
    path = tmp_path / "retail.csv"
    path.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
        "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850\n"
        "C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527\n"
        "C536383,35004C,LIGHTS,-1,not a date,4.65,15311\n",
        encoding="utf-8",
    )
    loaded = load_file(path)
    assert loaded.rejects.height == 1
    [said] = [w for w in loaded.warnings if "credit notes/returns" in w]
    assert said.startswith("1 credit notes/returns (1 lines, 27.50)")


def test_infinite_and_nan_amounts_are_rejected_not_summed(tmp_path):
    """`inf` and `nan` parse as numbers: accepted, they made every customer's spend NaN and
    the import's churn step failed with an internal error (exit 70)."""
    path = tmp_path / "sales.csv"
    path.write_text(
        "date,customer,product,qty,price\n"
        "2024-01-01,ann,A,1,2.50\n"
        "2024-01-02,bob,B,1,inf\n"
        "2024-01-03,bob,B,1,NaN\n"
        "2024-01-04,cy,C,2,1e308\n",
        encoding="utf-8",
    )
    loaded = load_file(path)
    assert loaded.lines["unit_price"].to_list() == [2.5]
    assert loaded.rejects["reason"].to_list() == [
        "bad amount 'inf' in column 'price'",
        "bad amount 'NaN' in column 'price'",
        "amount too large",
    ]
