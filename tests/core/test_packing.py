"""Packing plan for open orders, and its exports (picking CSV, A6 notes HTML, mail-merge)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import polars as pl
import pytest

from shopinsight.core.config import defaults, parse_config
from shopinsight.core.gifts.packing import (
    PLAN_COLUMNS,
    mailmerge_csv,
    notes_html,
    packing_plan,
    picking_csv,
    plan_orders,
    spreadsheet_safe,
)
from shopinsight.core.results import load_gifts
from shopinsight.core.shop import Shop
from tests.factories import make_lines

PRODUCTS = [
    ("CND-ROSE", "Rose candle", "candles", 24.0), ("CND-FIG", "Fig candle", "candles", 26.0),
    ("CND-WICK", "Wick trimmer", "candles", 12.0), ("BTH-SOAP", "Olive soap", "bath", 8.0),
    ("BTH-SALT", "Bath salts", "bath", 14.0), ("BTH-TOWEL", "Linen towel", "bath", 32.0),
    ("TEA-GRN", "Green tea", "tea", 9.5), ("TEA-OOL", "Oolong 乌龙茶", "tea", 18.0),
    ("TEA-POT", "Teapot", "tea", 45.0), ("MUG-1", "Stoneware mug", "kitchen", 16.0),
]  # fmt: skip
NAMES = [
    "Ann Lee", "Bob Stone", "Chiara Bianchi", "王小明", "José Álvarez", "=HYPERLINK(\"x\")",
    "Dana <b>Scully</b>", "Eve", "Fay Wong", "Gino Rossi",
]  # fmt: skip
LAST_DAY = dt.date(2024, 6, 30)


def sample_shop(customers: int = 80, seed: int = 7) -> pl.DataFrame:
    """A seeded little shop: repeat and one-time buyers, open orders, gift orders, odd names."""
    rng = random.Random(seed)
    rows, oid = [], 1000
    for c in range(customers):
        name = f"{NAMES[c % len(NAMES)]} {c}"
        fav = rng.randrange(len(PRODUCTS))
        for k in range(rng.choice([1, 1, 2, 3, 4, 6, 9])):
            oid += 1
            day = LAST_DAY - dt.timedelta(days=rng.randrange(0, 420))
            last = k == 0 and rng.random() < 0.35
            if last:
                day = LAST_DAY - dt.timedelta(days=rng.randrange(0, 3))
            gift = rng.random() < 0.12
            items = {fav} | {rng.randrange(len(PRODUCTS)) for _ in range(rng.randrange(0, 3))}
            for p in sorted(items):
                sku, pname, cat, price = PRODUCTS[p]
                rows.append(
                    dict(
                        order_id=oid, customer_id=f"c{c}@example.com", customer_name=name,
                        ordered_at=dt.datetime.combine(day, dt.time(rng.randrange(24))),
                        sku=sku, product_name=pname, category=cat, unit_price=price,
                        quantity=rng.choice([1, 1, 2]), fulfilled=not last, is_gift=gift,
                        shipping_name="Zoë Recipient" if gift else name,
                        gift_message="Buon compleanno!" if gift else None,
                        discount_code="SAVE10" if rng.random() < 0.2 else None,
                        city="Milano", postal_code="20121", country="IT",
                    )
                )  # fmt: skip
    return make_lines(rows)


def _profiles() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": ["ann@x.com", "bob@x.com"],
            "first_name": ["Ann", None],
            "customer_name": ["Ann Lee", "Bob Stone"],
            "favorite_product": ["Rose candle", "Olive soap"],
            "favorite_category": ["candles", "bath"],
            "orders": [5, 2],
            "first_order": [dt.datetime(2023, 3, 1, tzinfo=dt.UTC)] * 2,
            "segment": ["Champions", "Loyal Customers"],
            "tags": [["vip_spend"], []],
        }
    )


def _picks() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": ["ann@x.com", "bob@x.com"],
            "policy": ["Champions", "Loyal Customers"],
            "gift_kind": ["full_size", "sample"],
            "gift_sku": ["FIG", "TEA"],
            "gift": ["Fig candle", "Green tea"],
            "gift_cost": [20.0, 1.4],
            "budget": [30.0, 5.0],
            "currency": ["USD", "USD"],
            "template": ["vip_letter", "short_thanks"],
            "reason": ["Champions policy: …", "Loyal Customers policy: …"],
        }
    )


def _orders() -> pl.DataFrame:
    base = {"ordered_at": "2024-06-01", "sku": "ROSE", "fulfilled": False}
    return make_lines(
        [
            {**base, "order_id": 1, "customer_id": "ann@x.com", "customer_name": "Ann Lee"},
            {**base, "order_id": 1, "customer_id": "ann@x.com", "sku": "SOAP", "quantity": 2},
            {**base, "order_id": 2, "customer_id": "ann@x.com", "ordered_at": "2024-06-02"},
            {**base, "order_id": 3, "customer_id": "bob@x.com", "is_gift": True,
             "shipping_name": "Zoë Gift", "gift_message": "Happy birthday, love!"},
            {**base, "order_id": 4, "customer_id": None, "customer_name": None},
            {**base, "order_id": 5, "customer_id": "bob@x.com", "status": "pending"},
            {**base, "order_id": 6, "customer_id": "bob@x.com", "status": "cancelled"},
            {**base, "order_id": 7, "customer_id": "bob@x.com", "status": "refunded"},
            {**base, "order_id": 8, "customer_id": "bob@x.com", "fulfilled": True},
            {**base, "order_id": 9, "customer_id": "bob@x.com", "fulfilled": None},
        ]
    )  # fmt: skip


def _plan(**kw) -> pl.DataFrame:
    return packing_plan(_orders(), _profiles(), _picks(), defaults(), **kw)


class TestPlan:
    def test_open_means_paid_and_unfulfilled(self):
        assert plan_orders(_orders())["order_id"].to_list() == ["1", "3", "4", "2"]
        assert set(plan_orders(_orders(), "all")["order_id"]) == {"1", "2", "3", "4", "5", "8", "9"}
        items = plan_orders(_orders()).row(0, named=True)["items"]
        assert items == "1× ROSE; 2× SOAP"

    def test_an_order_open_for_months_is_left_out_and_counted(self, ws):
        """An orders file downloaded long before the others lists orders as unshipped: 60 days
        on they are not today's packing; status and plan agree and say how many were left."""
        assert plan_orders(_orders(), as_of=dt.date(2024, 7, 30))["order_id"].to_list() == [
            "1", "3", "4", "2"
        ]  # fmt: skip
        assert plan_orders(_orders(), as_of=dt.date(2024, 8, 1)).height == 0
        ws.commit(
            pl.concat(
                [_orders(), make_lines([{"order_id": 20, "customer_id": "cy@x.com",
                                        "ordered_at": "2024-09-01", "fulfilled": False}])],
                how="diagonal_relaxed",
            ),
            [],
        )  # fmt: skip
        shop = Shop(ws)
        status = shop.status()
        assert (status["open_orders"], status["stale_open_orders"]) == (1, 4)
        result = load_gifts(shop)
        assert result.plan["order_id"].to_list() == ["20"]
        assert any("4 paid orders placed more than 60 days" in n for n in result.notes)

    def test_one_gift_and_note_per_customer_with_the_earliest_order(self):
        plan = _plan()
        assert plan.columns == PLAN_COLUMNS
        ann = plan.filter(pl.col("customer_id") == "ann@x.com").sort("order_id")
        first, second = ann.rows(named=True)
        assert (first["gift"], first["gift_cost"], first["budget"]) == ("Fig candle", 20.0, 30.0)
        assert first["note"].startswith("Hi Ann,\n\nYou have been with us since March 2023: 5")
        assert "We've tucked in Fig candle as a thank-you gift." in first["note"]
        assert (second["gift"], second["gift_kind"], second["note"]) == (None, "none", "")
        assert second["reason"] == "gift and note go with order 1"
        assert first["tags"] == ["vip_spend"] and first["segment"] == "Champions"

    def test_gift_order_gets_a_neutral_note_and_no_prices(self):
        row = _plan().filter(pl.col("order_id") == "3").row(0, named=True)
        assert row["is_gift"] and row["order_total"] is None
        assert row["ship_to"] == "Zoë Gift" and row["gift_kind"] == "card"
        assert row["note"] == (
            "A gift for you!\n\nHappy birthday, love!\n\nFrom Bob Stone\n\n"
            "We hope you enjoy it.\n\nOur Shop"
        )
        assert "Olive soap" not in row["note"]  # nothing about the buyer's own shopping

    def test_order_without_customer_gets_the_default_card(self):
        row = _plan().filter(pl.col("order_id") == "4").row(0, named=True)
        assert (row["policy"], row["gift_kind"], row["segment"]) == ("default", "card", None)
        assert row["note"] == "Hi there, thank you for your order!\n\nOur Shop"
        assert "no customer profile" in row["reason"]

    def test_control_group_gets_no_gift_and_no_note(self):
        held = pl.DataFrame({"customer_id": ["ann@x.com"], "campaign_id": [3]})
        ann = _plan(held_back=held).filter(pl.col("order_id") == "1").row(0, named=True)
        assert (ann["gift"], ann["gift_cost"], ann["note"]) == (None, 0.0, "")
        assert ann["reason"] == "held back: control group of gift campaign #3"
        gift_order = _plan(
            held_back=pl.DataFrame({"customer_id": ["bob@x.com"], "campaign_id": [3]})
        )
        assert gift_order.filter(pl.col("order_id") == "3")["note"][0] != ""

    def test_no_open_orders_and_no_profiles(self):
        closed = _orders().with_columns(pl.lit(True).alias("fulfilled"))
        empty = packing_plan(closed, _profiles(), _picks(), defaults())
        assert empty.is_empty() and empty.columns == PLAN_COLUMNS
        anonymous = packing_plan(_orders(), _profiles().clear(), _picks().clear(), defaults())
        assert anonymous.height == 4 and anonymous["gift"].null_count() == 4
        regular = anonymous.filter(~pl.col("is_gift") & (pl.col("note") != ""))
        assert regular["note"].to_list() == [  # the order's own name, else a greeting word
            "Hi Ann, thank you for your order!\n\nOur Shop",
            "Hi there, thank you for your order!\n\nOur Shop",
        ]
        assert set(regular["gift_kind"]) == {"card"}

    def test_bad_scope(self):
        with pytest.raises(Exception, match="--orders"):
            plan_orders(_orders(), "today")


class TestExports:
    def test_spreadsheet_safe_cells(self):
        frame = pl.DataFrame(
            {"a": ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx", "plain", None], "n": [-1] * 8}
        )
        out = spreadsheet_safe(frame)
        assert out["a"].to_list() == [
            "'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "plain", None,
        ]  # fmt: skip
        assert out["n"].to_list() == [-1] * 8

    def test_picking_csv(self):
        plan = _plan().with_columns(
            pl.when(pl.col("order_id") == "1")
            .then(pl.lit('=HYPERLINK("http://evil")'))
            .otherwise(pl.col("customer_name"))
            .alias("customer_name")
        )
        text = picking_csv(plan)
        assert text.startswith("\ufeff" + "order_id,source,ordered_at,customer_id")
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        by_id = {r["order_id"]: r for r in rows}
        assert set(by_id) == {"1", "2", "3", "4"}
        assert by_id["1"]["customer_name"] == '\'=HYPERLINK("http://evil")'
        assert by_id["1"]["gift_cost"] == "20.00" and by_id["1"]["budget"] == "30.00"
        assert by_id["3"]["order_total"] == "" and by_id["3"]["gift_order"] == "yes"
        assert by_id["1"]["note"].startswith("Hi Ann,\n\n")

    def test_notes_html_one_a6_page_per_note(self):
        config = parse_config('[shop]\nname = "小茶馆 & Co"\nlanguage = "zh"')
        plan = packing_plan(_orders(), _profiles(), _picks(), config).with_columns(
            pl.when(pl.col("order_id") == "4")
            .then(pl.lit("<script>alert(1)</script> 谢谢"))
            .otherwise(pl.col("note"))
            .alias("note")
        )
        html = notes_html(plan, config)
        assert '<html lang="zh">' in html and '<meta charset="utf-8">' in html
        assert "@page { size: A6;" in html and "break-after: page" in html
        assert html.count('<section class="note">') == plan.filter(pl.col("note") != "").height == 3
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; 谢谢" in html
        assert "Ann，您好！" in html and "小茶馆 &amp; Co" in html

    def test_mailmerge_csv(self):
        rows = list(csv.DictReader(io.StringIO(mailmerge_csv(_plan(), defaults()))))
        assert [r["order_id"] for r in rows] == ["1", "3", "4"]  # only orders with a note
        gift = rows[1]
        assert (gift["recipient_name"], gift["first_name"]) == ("Zoë Gift", "Zoë")
        assert rows[0]["first_name"] == "Ann" and rows[0]["sign_off"] == "Our Shop"
        assert list(rows[0]) == [
            "order_id", "recipient_name", "first_name", "city", "region", "postal_code",
            "country", "message", "sign_off",
        ]  # fmt: skip


@pytest.mark.parametrize("language", ["en", "it", "zh"])
def test_sample_shop_plan_is_fully_rendered_and_within_budget(ws, language):
    lines = sample_shop()
    ws.commit(lines, [])
    ws.config_path.write_text(
        f'[shop]\nname = "Bottega Ærø"\nlanguage = "{language}"\n', encoding="utf-8"
    )
    gp = Shop(ws).gifts()
    plan = gp.plan
    open_ids = plan_orders(lines)["order_id"].to_list()
    assert sorted(plan["order_id"].to_list()) == sorted(open_ids) and plan.height >= 15
    notes = plan.filter(pl.col("note") != "")
    assert notes.height >= 10
    assert not notes["note"].str.contains(r"[{}]").any()
    assert notes["note"].str.contains("Bottega Ærø", literal=True).all()
    gifts = plan.filter(pl.col("gift").is_not_null())
    assert gifts.height >= 3
    assert (gifts["gift_cost"] <= gifts["budget"]).all()
    assert plan.filter(pl.col("is_gift"))["order_total"].null_count() == plan["is_gift"].sum()
    assert plan["reason"].null_count() == 0
    if language == "zh":
        assert notes["note"].str.contains("您好").any()
    if language == "it":
        assert (
            notes["note"].str.contains("Ciao").all() or notes["note"].str.contains("regalo").any()
        )
