"""More public retail data sets as they are published (Ta-Feng, dunnhumby's Let's Get
Sort-of-Real, the bakeries, Coffee Shop Sales, Supermarket sales, Instacart, REES46): imported
with no options where their columns say enough, with the figures a hand count of the rows
gives, or refused with what to do. Inputs are built here in the same layouts, never copied."""

# ruff: noqa: E501 (the data sets' rows as they are written)
from __future__ import annotations

import json

import pytest

from shopinsight.core.errors import InputError
from shopinsight.core.importers import load_file
from tests.factories import cli, write_file


def _imported(tmp_path, path):
    ws = str(tmp_path / "ws")
    result = cli("-w", ws, "import", str(path))
    assert result.exit_code == 0, result.output
    status = json.loads(cli("-w", ws, "status", "--json").output)
    return ws, status


def _customers(ws):
    rows = json.loads(cli("-w", ws, "customers", "--json").output)
    return {r["customer_id"]: (r["orders"], r["monetary"]) for r in rows}


# Ta-Feng: AMOUNT is the quantity, SALES_PRICE the line's total, ASSET its cost
TA_FENG = """TRANSACTION_DT,CUSTOMER_ID,AGE_GROUP,PIN_CODE,PRODUCT_SUBCLASS,PRODUCT_ID,AMOUNT,ASSET,SALES_PRICE
11/1/2000,01104905,45-49,115,110411,4710199010372,2,24,30
11/1/2000,00418683,45-49,115,120107,4710857472535,1,48,46
11/1/2000,00418683,45-49,115,100407,4710043654103,2,142,166
11/2/2000,01104905,45-49,115,130109,4710018004704,3,63,75
11/2/2000,01104905,45-49,115,110411,4710199010372,1,12,15
11/17/2000,00418683,45-49,115,500201,4712776230084,1,50,59
1/13/2001,00141833,>65,E,130109,4710018004704,1,21,25
2/28/2001,01057331,35-39,115,500201,4712776230084,1,50,0
"""


def test_ta_feng_amount_is_the_quantity_and_sales_price_the_line_total(tmp_path):
    path = write_file(tmp_path, "ta_feng_all_months_merged.csv", TA_FENG)
    loaded = load_file(path)
    assert loaded.format.name == "generic" and loaded.rejects.height == 0
    lines = loaded.lines
    assert lines["quantity"].to_list() == [2, 1, 2, 3, 1, 1, 1, 1]
    assert lines["line_total"].to_list() == [30.0, 46.0, 166.0, 75.0, 15.0, 59.0, 25.0, 0.0]
    assert lines["unit_price"][0] == 15.0 and lines["category"][0] == "110411"
    assert any(
        "Ta-Feng grocery data set's layout: transaction_dt the date, amount the quantity, "
        "sales_price the line's total" in w
        for w in loaded.warnings
    )
    # no order number: a customer's lines of one day are one order; 11/1 is 1 November
    assert lines["order_id"].unique(maintain_order=True).to_list() == [
        "01104905@20001101T000000",
        "00418683@20001101T000000",
        "01104905@20001102T000000",
        "00418683@20001117T000000",
        "00141833@20010113T000000",
        "01057331@20010228T000000",
    ]
    ws, status = _imported(tmp_path, path)
    # by hand: 6 customer-days; 01057331's is free (0), so 5 purchases by 3 buyers, 416.0
    assert (status["orders"], status["counted_orders"], status["customers"]) == (6, 5, 3)
    assert status["net_revenue"] == {"unknown": 416.0}
    assert _customers(ws) == {
        "generic:01104905": (2, 120.0),
        "generic:00418683": (2, 271.0),
        "generic:00141833": (1, 25.0),
    }


def test_a_lone_amount_column_is_still_money(tmp_path):
    text = "date,customer_id,product_id,amount\n2024-01-02,c1,p1,2\n2024-01-03,c2,p2,7.5\n"
    lines = load_file(write_file(tmp_path, "plain.csv", text)).lines
    assert lines.select("quantity", "line_total").rows() == [(1, 2.0), (1, 7.5)]


# dunnhumby's Let's Get Sort-of-Real: SHOP_DATE YYYYMMDD and SHOP_HOUR, SPEND the line total
LGSR_HEAD = (
    "SHOP_WEEK,SHOP_DATE,SHOP_WEEKDAY,SHOP_HOUR,QUANTITY,SPEND,PROD_CODE,PROD_CODE_10,"
    "PROD_CODE_20,PROD_CODE_30,PROD_CODE_40,CUST_CODE,CUST_PRICE_SENSITIVITY,CUST_LIFESTAGE,"
    "BASKET_ID,BASKET_SIZE,BASKET_PRICE_SENSITIVITY,BASKET_TYPE,BASKET_DOMINANT_MISSION,"
    "STORE_CODE,STORE_FORMAT,STORE_REGION\n"
)
LGSR = LGSR_HEAD + (
    "200607,20060413,5,20,1,103,PRD0900097,CL00001,DEP00001,G00001,D00001,CUST0000410727,MM,"
    "YF,994106500076468,L,MM,Small Shop,Fresh,STORE00001,LS,E02\n"
    "200607,20060413,5,20,3,84,PRD0900550,CL00167,DEP00055,G00016,D00003,CUST0000410727,MM,"
    "YF,994106500076468,L,MM,Small Shop,Fresh,STORE00001,LS,E02\n"
    "200607,20060411,3,9,2,100,PRD0900870,CL00229,DEP00074,G00024,D00004,,,,994106700201002,"
    "S,UM,Top Up,Mixed,STORE00002,MS,W01\n"
    "200608,20060418,3,0,1,114,PRD0900097,CL00001,DEP00001,G00001,D00001,CUST0000410727,MM,"
    "YF,994106800103301,S,MM,Top Up,Fresh,STORE00001,LS,E02\n"
    "200609,20060426,4,23,4,152,PRD0900550,CL00167,DEP00055,G00016,D00003,CUST0000153531,LA,"
    "YF,994106900405050,M,LA,Full Shop,Grocery,STORE00001,LS,E02\n"
)


def test_lets_get_sort_of_real_baskets_spend_and_hours(tmp_path):
    path = write_file(tmp_path, "transactions_200607.csv", LGSR)
    loaded = load_file(path)
    assert loaded.format.name == "generic" and loaded.rejects.height == 0
    orders = loaded.lines.unique("order_id", keep="first", maintain_order=True)
    assert [str(t) for t in orders["ordered_at"]] == [
        "2006-04-13 20:00:00+00:00",
        "2006-04-11 09:00:00+00:00",
        "2006-04-18 00:00:00+00:00",
        "2006-04-26 23:00:00+00:00",
    ]
    assert loaded.lines.select("sku", "quantity", "line_total").row(1) == ("PRD0900550", 3, 84.0)
    ws, status = _imported(tmp_path, path)
    # by hand: 4 baskets, 553 spent; the one without CUST_CODE has no buyer
    assert (status["orders"], status["counted_orders"], status["customers"]) == (4, 3, 2)
    assert status["net_revenue"] == {"unknown": 553.0}
    assert _customers(ws) == {
        "generic:cust0000410727": (2, 301.0),
        "generic:cust0000153531": (1, 152.0),
    }


# "Bakery sales" (France): an unnamed index column, ticket_number, prices written 0,90 €
BAKERY_FR = """,date,time,ticket_number,article,Quantity,unit_price
0,2021-01-02,08:38,150040.0,BAGUETTE,1.0,"0,90 €"
1,2021-01-02,08:38,150040.0,PAIN AU CHOCOLAT,3.0,"1,20 €"
4,2021-01-02,09:14,150041.0,PAIN,1.0,"1,15 €"
20,2021-01-03,08:12,150100.0,TRADITIONAL BAGUETTE,-1.0,"1,20 €"
21,2021-01-03,08:15,150101.0,TARTELETTE,1.0,"2,00 €"
"""


def test_french_bakery_tickets_are_orders_in_euros(tmp_path):
    path = write_file(tmp_path, "Bakery sales.csv", BAKERY_FR)
    loaded = load_file(path)
    assert loaded.rejects.height == 0
    lines = loaded.lines
    assert lines["order_id"].unique(maintain_order=True).to_list() == [
        "150040.0",
        "150041.0",
        "150100.0",
        "150101.0",
    ]
    assert lines.select("quantity", "line_total", "currency").row(1) == (
        3,
        pytest.approx(3.6),
        "EUR",
    )
    assert str(lines["ordered_at"][0]) == "2021-01-02 08:38:00+00:00"
    _, status = _imported(tmp_path, path)
    # by hand: 0.90 + 3.60 + 1.15 + 2.00 = 7.65 sold, 1.20 returned: 6.45 net
    assert status["orders"] == 4
    assert status["net_revenue"] == {"EUR": pytest.approx(6.45)}


def test_bread_basket_with_one_date_time_column(tmp_path):
    text = (
        "Transaction,Item,date_time,period_day,weekday_weekend\n"
        "1,Bread,30-10-2016 09:58,morning,weekend\n"
        "2,Scandinavian,30-10-2016 10:05,morning,weekend\n"
        "2,Jam,30-10-2016 10:05,morning,weekend\n"
        "3,Muffin,01-11-2016 10:16,morning,weekday\n"
    )
    loaded = load_file(write_file(tmp_path, "bread basket.csv", text))
    assert loaded.lines.select("order_id", "product_name").rows() == [
        ("1", "Bread"),
        ("2", "Scandinavian"),
        ("2", "Jam"),
        ("3", "Muffin"),
    ]
    assert str(loaded.lines["ordered_at"][-1]) == "2016-11-01 10:16:00+00:00"  # day first
    assert "3 orders have no buyer identity; they count in the shop's orders and bundles only." in (
        loaded.warnings
    )  # no amounts: not "in revenue only"


COFFEE = """transaction_id,transaction_date,transaction_time,transaction_qty,store_id,store_location,product_id,unit_price,product_category,product_type,product_detail
1,1/1/2023,7:06:11,2,5,Lower Manhattan,32,3,Coffee,Gourmet brewed coffee,Ethiopia Rg
2,1/1/2023,7:08:56,2,5,Lower Manhattan,57,3.1,Tea,Brewed Chai tea,Spicy Eye Opener Chai Lg
3,1/1/2023,7:14:04,1,5,Lower Manhattan,59,4.5,Drinking Chocolate,Hot chocolate,Dark chocolate Lg
149456,6/30/2023,20:57:19,3,8,Hell's Kitchen,44,2.5,Tea,Brewed herbal tea,Peppermint Rg
"""


def test_coffee_shop_sales_quantities_and_times(tmp_path):
    path = write_file(tmp_path, "Coffee Shop Sales.csv", COFFEE)
    loaded = load_file(path)
    lines = loaded.lines
    assert lines.select("quantity", "line_total", "product_name", "category").row(0) == (
        2,
        6.0,
        "Ethiopia Rg",
        "Coffee",
    )
    assert str(lines["ordered_at"][-1]) == "2023-06-30 20:57:19+00:00"
    _, status = _imported(tmp_path, path)
    # by hand: 2×3 + 2×3.1 + 1×4.5 + 3×2.5 = 24.2; no customer column
    assert (status["orders"], status["customers"]) == (4, 0)
    assert status["net_revenue"] == {"unknown": pytest.approx(24.2)}


SUPERMARKET = """Invoice ID,Branch,City,Customer type,Gender,Product line,Unit price,Quantity,Tax 5%,Total,Date,Time,Payment,cogs,gross margin percentage,gross income,Rating
750-67-8428,A,Yangon,Member,Female,Health and beauty,74.69,7,26.1415,548.9715,1/5/2019,13:08,Ewallet,522.83,4.761904762,26.1415,9.1
226-31-3081,C,Naypyitaw,Normal,Female,Electronic accessories,15.28,5,3.82,80.22,3/8/2019,10:29,Cash,76.4,4.761904762,3.82,9.6
123-19-1176,A,Yangon,Member,Male,Health and beauty,58.22,8,23.288,489.048,1/27/2019,20:33,Ewallet,465.76,4.761904762,23.288,8.4
"""


def test_supermarket_sales_invoices_without_customers(tmp_path):
    path = write_file(tmp_path, "supermarket_sales - Sheet1.csv", SUPERMARKET)
    loaded = load_file(path)
    lines = loaded.lines
    assert lines["order_id"].to_list() == ["750-67-8428", "226-31-3081", "123-19-1176"]
    assert lines["customer_id"].null_count() == 3  # Customer type (Member/Normal) is no buyer
    assert lines["line_total"].to_list() == [548.9715, 80.22, 489.048]  # Total, tax included
    assert str(lines["ordered_at"][1]) == "2019-03-08 10:29:00+00:00"
    _, status = _imported(tmp_path, path)
    assert (status["orders"], status["customers"]) == (3, 0)
    assert status["net_revenue"] == {"unknown": pytest.approx(1118.24, abs=0.01)}


def test_instacart_orders_are_refused_for_having_no_dates(tmp_path):
    text = (
        "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,"
        "days_since_prior_order\n2539329,1,prior,1,2,08,\n2398795,1,prior,2,3,07,15.0\n"
    )
    with pytest.raises(InputError) as err:
        load_file(write_file(tmp_path, "orders.csv", text))
    assert "its orders have no dates" in err.value.title
    assert "days_since_prior_order" in err.value.detail
    items = "order_id,product_id,add_to_cart_order,reordered\n2,33120,1,1\n2,28985,2,1\n"
    with pytest.raises(InputError, match="no dates or customers"):
        load_file(write_file(tmp_path, "order_products__prior.csv", items))
    result = cli("-w", str(tmp_path / "ws"), "import", str(tmp_path / "orders.csv"))
    assert result.exit_code != 0 and "Traceback" not in result.output


REES46 = """event_time,order_id,product_id,category_id,category_code,brand,price,user_id
2020-04-24 11:50:39 UTC,2294359932054536986,1515966223509089906,2268105426648170900,electronics.tablet,samsung,162.01,1515915625441993984
2020-04-24 11:50:39 UTC,2294359932054536986,1515966223509089906,2268105426648170900,electronics.tablet,samsung,162.01,1515915625441993984
2020-04-26 09:33:47 UTC,2295740594749702229,1515966223509104892,2268105428166508982,electronics.smartphone,apple,1387.01,1515915625448766480
2020-04-26 12:14:40 UTC,2295819734136685064,1515966223509117074,2268105410458779817,appliances.kitchen.refrigerators,lg,1736.09,
2020-04-27 07:01:27 UTC,2296397624567685245,1515966223509089906,2268105426648170900,electronics.tablet,samsung,162.01,1515915625441993984
1970-01-01 00:33:40 UTC,2388440981134693942,1515966223523303310,2360741867017995035,,,138.87,
"""


def test_rees46_electronics_purchases(tmp_path):
    path = write_file(tmp_path, "kz.csv", REES46)
    loaded = load_file(path)
    assert loaded.rejects["row"].to_list() == [6]  # the 1970 placeholder time
    lines = loaded.lines
    assert str(lines["ordered_at"][0]) == "2020-04-24 11:50:39+00:00"
    assert lines["category"][0] == "electronics.tablet"
    ws, status = _imported(tmp_path, path)
    # by hand: 4 orders, 2×162.01 + 1387.01 + 1736.09 + 162.01 = 3609.13; one without a buyer
    assert (status["orders"], status["counted_orders"], status["customers"]) == (4, 3, 2)
    assert status["net_revenue"] == {"unknown": pytest.approx(3609.13)}
    assert _customers(ws) == {
        "generic:1515915625441993984": (2, pytest.approx(486.03)),
        "generic:1515915625448766480": (1, 1387.01),
    }


def test_rees46_event_logs_are_refused_with_the_map_for_their_purchases(tmp_path):
    text = (
        "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,"
        "user_session\n"
        "2019-10-01 00:00:00 UTC,view,44600062,2103807459595387724,,shiseido,35.79,541312140,s1\n"
        "2019-10-01 00:00:01 UTC,cart,17200506,2053013559792632471,,,543.10,519107250,s2\n"
        "2019-10-01 00:00:01 UTC,purchase,1307067,2053013558920217191,,lenovo,251.74,"
        "550050854,s3\n"
    )
    path = write_file(tmp_path, "2019-Oct.csv", text)
    with pytest.raises(InputError) as err:
        load_file(path)
    assert "an event log, not an order list" in err.value.title
    assert "--map customer_id=user_id --map ordered_at=event_time" in err.value.detail
    with pytest.raises(InputError, match="3 kinds of events"):
        load_file(path, mapping={"ordered_at": "event_time"})  # views are no purchases
    kept = write_file(tmp_path, "purchases.csv", "\n".join(text.splitlines()[::3]) + "\n")
    lines = load_file(kept, mapping={"ordered_at": "event_time"}).lines
    assert lines.select("customer_id", "sku", "line_total").rows() == [
        ("generic:550050854", "1307067", 251.74)
    ]


def test_dunnhumby_shopper_challenge_visits(tmp_path):
    # the Shopper Challenge's training.csv: one row per store visit and what it cost
    text = "customer_id,visit_date,visit_spend\n1,2010-04-01,23.32\n1,2010-04-06,41.93\n"
    text += "2,2010-04-01,19.10\n3,2010-04-02,0.00\n"
    ws, status = _imported(tmp_path, write_file(tmp_path, "training.csv", text))
    # by hand: 4 visits, 3 of them paid, by 2 customers: 84.35
    assert (status["orders"], status["counted_orders"], status["customers"]) == (4, 3, 2)
    assert status["net_revenue"] == {"unknown": pytest.approx(84.35)}
    assert _customers(ws) == {"generic:1": (2, pytest.approx(65.25)), "generic:2": (1, 19.1)}


def test_a_ta_feng_copy_without_its_demographic_columns_keeps_amount_as_quantity(tmp_path):
    text = "TRANSACTION_DT,CUSTOMER_ID,PRODUCT_ID,AMOUNT,ASSET,SALES_PRICE\n"
    text += "11/1/2000,01104905,4710199010372,2,24,30\n11/13/2000,01104905,4710018004704,3,63,75\n"
    lines = load_file(write_file(tmp_path, "ta_feng_slim.csv", text)).lines
    assert lines.select("quantity", "line_total", "unit_price").rows() == [
        (2, 30.0, 15.0),
        (3, 75.0, 25.0),
    ]


def test_hm_transactions_are_dated_by_t_dat(tmp_path):
    a, b = "000058a12d5b43e67d22", "00007d2de826758b65a9"
    text = "t_dat,customer_id,article_id,price,sales_channel_id\n"
    text += f"2018-09-20,{a},0663713001,0.0508,2\n2018-09-20,{a},0541518023,0.0305,2\n"
    text += f"2018-09-20,{b},0505221004,0.0152,2\n2018-09-21,{a},0663713001,0.0508,1\n"
    text += f"2018-09-21,{a},0663713001,0.0508,1\n"
    path = write_file(tmp_path, "transactions_train.csv", text)
    loaded = load_file(path)
    lines = loaded.lines
    assert lines["sku"].to_list()[:2] == ["0663713001", "0541518023"]  # leading zeros kept
    assert any("prices are scaled" in w for w in loaded.warnings)
    ws, status = _imported(tmp_path, path)
    # by hand: a bought on two days (0.0813, 0.1016), b once (0.0152)
    assert (status["orders"], status["customers"], status["repeat_customers"]) == (3, 2, 1)
    assert _customers(ws) == {
        f"generic:{a}": (2, pytest.approx(0.1829, abs=0.005)),  # shown to the cent
        f"generic:{b}": (1, pytest.approx(0.0152, abs=0.005)),
    }


def test_retail_sales_dataset_total_amount_and_price_per_unit(tmp_path):
    text = "Transaction ID,Date,Customer ID,Gender,Age,Product Category,Quantity,Price per Unit,"
    text += "Total Amount\n1,2023-11-24,CUST001,Male,34,Beauty,3,50,150\n"
    text += "2,2023-02-27,CUST002,Female,26,Clothing,2,500,1000\n"
    lines = load_file(write_file(tmp_path, "retail_sales_dataset.csv", text)).lines
    assert lines.select("order_id", "quantity", "unit_price", "line_total", "category").rows() == [
        ("1", 3, 50.0, 150.0, "Beauty"),
        ("2", 2, 500.0, 1000.0, "Clothing"),
    ]


def test_istanbul_customer_shopping_price_is_the_line_total(tmp_path):
    text = "invoice_no,customer_id,gender,age,category,quantity,price,payment_method,invoice_date,"
    text += (
        "shopping_mall\nI138884,C241288,Female,28,Clothing,5,1500.4,Credit Card,5/8/2022,Kanyon\n"
    )
    text += "I127801,C266599,Male,20,Clothing,1,300.08,Cash,9/11/2021,Metrocity\n"
    text += "I173702,C988172,Female,66,Shoes,5,3000.85,Credit Card,16/05/2021,Metropol AVM\n"
    lines = load_file(write_file(tmp_path, "customer_shopping_data.csv", text)).lines
    assert lines.select("quantity", "unit_price", "line_total").rows() == [
        (5, pytest.approx(300.08), 1500.4),
        (1, 300.08, 300.08),
        (5, pytest.approx(600.17), 3000.85),
    ]
    assert [str(t.date()) for t in lines["ordered_at"]] == [  # day first: 16/05/2021
        "2022-08-05",
        "2021-11-09",
        "2021-05-16",
    ]


def test_complete_journey_day_numbers_are_refused_not_read_as_dates(tmp_path):
    text = "household_key,BASKET_ID,DAY,PRODUCT_ID,QUANTITY,SALES_VALUE,STORE_ID,RETAIL_DISC,"
    text += "TRANS_TIME,WEEK_NO,COUPON_DISC,COUPON_MATCH_DISC\n"
    text += "2375,26984851472,1,1004906,1,1.39,364,-0.6,1631,1,0,0\n"
    text += "1364,26984896261,2,842930,1,2.19,31742,0,1520,1,0,0\n"
    path = write_file(tmp_path, "transaction_data.csv", text)
    with pytest.raises(InputError) as err:  # every row was rejected as a bad date
        load_file(path)
    assert "its baskets have no dates" in err.value.title
    assert "--map ordered_at=DAY" in err.value.detail
