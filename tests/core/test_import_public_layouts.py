"""Public transaction data sets as packages ship them (lifetimes' CDNOW files, its
`example_transactions.csv`, its summary tables): imported with no options where the layout
says enough, else refused with the command that imports them. Inputs are built here in the
same layouts, never copied."""

from __future__ import annotations

import json

import pytest

from shopinsight.core.errors import InputError
from shopinsight.core.importers import load_file
from tests.factories import cli, write_file

# CDNOW_master.txt: CRLF, a header starting with a blank, columns aligned with runs of blanks
MASTER = (
    " customer_id  date number_of_cds  dollar_value\r\n"
    " 00001 19970101  1   11.77\r\n"
    " 00002 19970112  1   12.00\r\n"
    " 00002 19970112  5   77.00\r\n"  # the same customer and day: one order with row 2
    " 00003 19970102  2   20.76\r\n"
    "\r\n"  # a blank line is no record
    " 00003 19970330  2\r\n"  # a value missing: cannot be placed
    " 00004 19970101  2    0.00\r\n"  # a free purchase: bought, no money
    " 00003 19980330  1   16.99\r\n"
)

# CDNOW_sample.txt: no header; customer id, a second id, date, CDs, dollars
SAMPLE = (
    " 00004 0001 19970101  2   29.33\r\n"
    " 00004 0001 19970118  2   29.73\r\n"
    " 00018 0002 19970104  1   14.96\r\n"
    " 00018 0002 19970104  3   26.48\r\n"
)


def test_cdnow_master_layout_imports_with_no_options(tmp_path):
    loaded = load_file(write_file(tmp_path, "CDNOW_master.txt", MASTER))
    assert loaded.format.name == "generic"
    assert loaded.rows_read == 7  # the blank line is not a row
    ((row, reason),) = loaded.rejects.select("row", "reason").rows()
    assert row == 6 and "has 3 fields, the header has 4" in reason
    lines = loaded.lines.unique(["order_id", "line_no"], keep="last", maintain_order=True)
    by_order = {r["order_id"]: r for r in lines.iter_rows(named=True)}
    assert set(by_order) == {
        "00001@19970101T000000",
        "00002@19970112T000000",
        "00003@19970102T000000",
        "00004@19970101T000000",
        "00003@19980330T000000",
    }
    two = by_order["00002@19970112T000000"]  # rows 2 and 3: one order, summed
    assert (two["quantity"], two["line_total"], two["order_total"]) == (6, 89.0, 89.0)
    assert two["line_kind"] == "order" and two["sku"] is None and two["currency"] is None
    assert any("1 row is a customer's further purchase record" in w for w in loaded.warnings)
    assert any("no currency column" in w for w in loaded.warnings)


def test_cdnow_master_layout_through_the_cli(tmp_path):
    path = write_file(tmp_path, "CDNOW_master.txt", MASTER)
    ws = str(tmp_path / "ws")
    result = cli("-w", ws, "import", str(path), "--json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    assert (report["rows_read"], report["accepted"], report["rejected"]) == (7, 6, 1)
    assert (report["new_lines"], report["duplicates"]) == (5, 1)
    status = json.loads(cli("-w", ws, "status", "--json").output)
    assert status["orders"] == 5
    assert status["counted_orders"] == 4  # the free purchase is not a purchase
    assert status["customers"] == 3  # 00004 bought only for nothing
    assert status["net_revenue"] == {"unknown": pytest.approx(11.77 + 89.0 + 20.76 + 16.99)}
    assert status["first_order"].startswith("1997-01-01")
    assert status["last_order"].startswith("1998-03-30")


def test_a_headerless_file_says_how_to_map_it_by_position(tmp_path):
    path = write_file(tmp_path, "CDNOW_sample.txt", SAMPLE)
    with pytest.raises(InputError) as err:
        load_file(path)
    assert "no header row" in err.value.title
    assert (
        "--map customer_id=1 --map ordered_at=3 --map quantity=4 --map line_total=5"
        in err.value.detail
    )
    assert "column 2 left out" in err.value.detail
    result = cli("-w", str(tmp_path / "ws"), "import", str(path))
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "--map customer_id=1" in " ".join(result.output.split())


def test_a_headerless_file_imports_with_columns_named_by_position(tmp_path):
    path = write_file(tmp_path, "CDNOW_sample.txt", SAMPLE)
    mapping = {"customer_id": "1", "ordered_at": "column_3", "quantity": "4", "line_total": "5"}
    loaded = load_file(path, mapping=mapping)
    assert loaded.rows_read == 4 and loaded.rejects.height == 0  # the first line is data
    orders = loaded.lines.unique("order_id", keep="last", maintain_order=True)
    assert orders.select("order_id", "quantity", "line_total").rows() == [
        ("00004@19970101T000000", 2, 29.33),
        ("00004@19970118T000000", 2, 29.73),
        ("00018@19970104T000000", 4, pytest.approx(41.44)),
    ]
    with pytest.raises(InputError, match="Column 6"):
        load_file(path, mapping={**mapping, "quantity": "6"})


def test_a_headerless_comma_file_is_not_read_as_its_own_header(tmp_path):
    path = write_file(tmp_path, "plain.csv", "7,2024-01-02,9.50\n8,2024-01-03,4.00\n")
    with pytest.raises(InputError, match="no header row"):
        load_file(path)
    mapping = {"customer_id": "1", "ordered_at": "2", "line_total": "3"}
    loaded = load_file(path, mapping=mapping)
    assert loaded.lines["line_total"].to_list() == [9.5, 4.0]


def test_a_log_of_buyers_and_dates_imports_as_orders_without_money(tmp_path):
    text = "date,id\n2014-03-08 00:00:00,0\n2014-05-21 00:00:00,1\n2014-05-21 00:00:00,1\n"
    text += "2014-06-01 00:00:00,0\n,2\n"
    loaded = load_file(write_file(tmp_path, "example_transactions.csv", text))
    assert loaded.rows_read == 5
    assert loaded.rejects.select("row", "reason").rows() == [(5, "no order date")]
    orders = loaded.lines.unique("order_id", keep="last", maintain_order=True)
    assert orders["order_id"].to_list() == [
        "0@20140308T000000",
        "1@20140521T000000",
        "0@20140601T000000",
    ]
    assert orders["order_total"].null_count() == 3 and orders["sku"].null_count() == 3
    notes = " ".join(loaded.warnings)
    assert (
        "no products and no amounts" in notes and "column `id` was taken as the customer" in notes
    )
    status_ws = str(tmp_path / "ws")
    path = tmp_path / "example_transactions.csv"
    assert cli("-w", status_ws, "import", str(path)).exit_code == 0
    status = json.loads(cli("-w", status_ws, "status", "--json").output)
    assert (status["orders"], status["counted_orders"], status["customers"]) == (3, 3, 2)
    assert status["repeat_customers"] == 1


def test_a_buyer_and_date_log_named_with_map(tmp_path):
    text = "when,who,note\n2024-01-02,ann,x\n2024-01-05,bob,y\n"
    path = write_file(tmp_path, "log.csv", text)
    with pytest.raises(InputError, match="unknown layout"):
        load_file(path)  # three columns: never guessed
    loaded = load_file(path, "generic", {"customer_id": "who", "ordered_at": "when"})
    assert loaded.lines["order_id"].to_list() == ["ann@20240102T000000", "bob@20240105T000000"]
    assert loaded.lines["line_kind"].to_list() == ["order", "order"]


def test_two_columns_other_than_a_date_and_a_customer_id_are_not_guessed(tmp_path):
    for text, said in (
        ("email,date\nann@x.com,2024-01-02\n", "unknown layout"),
        ("date,price\n2024-01-02,5\n", "no customer or order number column"),
    ):
        path = write_file(tmp_path, "two.csv", text)
        with pytest.raises(InputError, match=said):
            load_file(path)


@pytest.mark.parametrize(
    "header",
    ["ID,frequency,recency,T", "ID,x,t_x,T,zbar", "frequency,recency,periods,weights"],
)
def test_summary_tables_are_refused_as_not_order_lists(tmp_path, header):
    values = ",".join(["1", "2", "30.43", "38.86", "11.2"][: header.count(",") + 1])
    path = write_file(tmp_path, "summary.csv", f"{header}\n{values}\n{values}\n")
    with pytest.raises(InputError) as err:
        load_file(path)
    assert "summary of customers, not an order list" in err.value.title
    assert "import the transactions" in err.value.detail


def test_order_level_rows_of_one_order_number_keep_the_whole_order(tmp_path):
    text = "order_id,date,customer_id,amount,qty\nA1,2024-01-01,c1,10,1\nA1,2024-01-01,c1,5,2\n"
    loaded = load_file(write_file(tmp_path, "payments.csv", text))
    last = loaded.lines.row(-1, named=True)  # the line the merge keeps of the two
    assert (last["quantity"], last["line_total"], last["order_total"]) == (3, 15.0, 15.0)
    assert any("repeats the order number (order_id)" in w for w in loaded.warnings)


def test_dates_and_amounts_without_a_known_buyer_column_name_the_map(tmp_path):
    # pymc-marketing's cdnow_transactions.csv: the CDNOW sample with a header
    text = "_id,id,date,cds_bought,spent\n4,1,19970101,2,29.33\n4,1,19970118,2,29.73\n"
    path = write_file(tmp_path, "cdnow_transactions.csv", text)
    with pytest.raises(InputError) as err:
        load_file(path)
    assert "no customer or order number column" in err.value.title
    assert "--map customer_id=_id (the file has _id, id)" in err.value.detail
    loaded = load_file(path, mapping={"customer_id": "_id"})
    assert loaded.lines.select("order_id", "quantity", "line_total").rows() == [
        ("4@19970101T000000", 2, 29.33),
        ("4@19970118T000000", 2, 29.73),
    ]


def test_an_event_log_is_refused_until_only_purchases_are_left(tmp_path):
    text = "user_id,session_id,event,timestamp\nu1,s1,home,2024-03-13 10:21:14\n"
    text += "u1,s1,purchase,2024-03-13 10:25:00\nu2,s2,cart,2024-03-14 09:00:00\n"
    path = write_file(tmp_path, "ecom.csv", text)
    with pytest.raises(InputError) as err:
        load_file(path)
    assert "an event log, not an order list" in err.value.title
    assert "--map customer_id=user_id --map ordered_at=timestamp" in err.value.detail
    mapping = {"customer_id": "user_id", "ordered_at": "timestamp"}
    with pytest.raises(InputError, match="3 kinds of events"):
        load_file(path, mapping=mapping)
    kept = write_file(
        tmp_path, "purchases.csv", "user_id,event,timestamp\nu1,purchase,2024-03-13\n"
    )
    assert load_file(kept, mapping=mapping).lines["order_id"].to_list() == ["u1@20240313T000000"]


def test_a_cohort_summary_is_refused_as_not_an_order_list(tmp_path):
    path = write_file(tmp_path, "sbg_cohorts.csv", "customer_id,recency,T,cohort\n1,1,8,highend\n")
    with pytest.raises(InputError, match="summary of customers"):
        load_file(path)


def test_r_btyd_cdnow_event_log_names_its_id_columns(tmp_path):
    # BTYD's cdnowElog.csv: quoted header, masterid and sampleid, cds and sales
    text = (
        '"masterid","sampleid","date","cds","sales"\n4,1,19970101,2,29.33\n18,2,19970104,1,14.96\n'
    )
    path = write_file(tmp_path, "cdnowElog.csv", text)
    with pytest.raises(InputError, match="--map customer_id=masterid"):
        load_file(path)
    loaded = load_file(path, mapping={"customer_id": "masterid"})
    assert loaded.lines.select("customer_id", "quantity", "order_total").rows() == [
        ("generic:4", 2, 29.33),
        ("generic:18", 1, 14.96),
    ]


def test_a_buyer_date_and_price_file_is_an_order_list(tmp_path):
    text = "customer,date,price\n1,2005-01-03,26.95\n1,2005-01-03,3\n2,2005-01-04,12\n"
    loaded = load_file(write_file(tmp_path, "priced.csv", text))
    last = loaded.lines.unique("order_id", keep="last", maintain_order=True)
    assert last.select("order_id", "quantity", "line_total").rows() == [
        ("1@20050103T000000", 2, pytest.approx(29.95)),
        ("2@20050104T000000", 1, 12.0),
    ]
