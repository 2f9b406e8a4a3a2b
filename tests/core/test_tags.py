"""Every behavioural tag on a tiny hand-made shop: who gets it, who does not, and the evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from shopinsight.core.config import defaults, parse_config
from shopinsight.core.customers.profiles import CustomerProfiles, customer_profiles, explain
from shopinsight.core.errors import ConfigError
from shopinsight.core.schema import CUSTOMER_ATTR_SCHEMA
from tests.factories import make_lines

AS_OF = dt.date(2024, 6, 30)


def prof_of(
    rows: list[dict[str, Any]],
    as_of: dt.date = AS_OF,
    cfg: dict | None = None,
    attrs: pl.DataFrame | None = None,
    overrides: pl.DataFrame | None = None,
    **tags: Any,
) -> CustomerProfiles:
    cfg = cfg or defaults()
    cfg["tags"] = {**cfg["tags"], **tags}
    return customer_profiles(make_lines(rows).lazy(), as_of, cfg, attrs, overrides)


def has(prof: CustomerProfiles, tag: str) -> set[str]:
    return set(prof.tags.filter(pl.col("tag") == tag).get_column("customer_id"))


def why(prof: CustomerProfiles, cid: str, tag: str) -> str:
    hit = prof.tags.filter((pl.col("customer_id") == cid) & (pl.col("tag") == tag))
    return hit.get_column("reason")[0]


def orders(cid: str, days: list[str], start: int = 0, **fields: Any) -> list[dict[str, Any]]:
    """One single-line order per day for a customer."""
    return [
        dict(order_id=f"{cid}-{start + i}", customer_id=cid, ordered_at=d, **fields)
        for i, d in enumerate(days)
    ]


def filler(n: int, **fields: Any) -> list[dict[str, Any]]:
    """n plain one-order customers: 1 unit of a 10.00 product at noon."""
    return [
        dict(order_id=f"f{i}", customer_id=f"f{i}@x.com", ordered_at="2024-06-03", **fields)
        for i in range(n)
    ]


def test_gift_buyer_and_gifted_once() -> None:
    rows = (
        orders("g1", ["2024-05-01"], is_gift=True)
        + orders("g1", ["2024-05-02"], start=1)
        + orders("g2", ["2024-05-01"], order_note="Happy Birthday Mum!")
        + orders("g2", ["2024-05-02", "2024-05-03"], start=1)
        + orders("g3", ["2024-05-01"], gift_message="Enjoy!")
        + orders("g4", ["2024-05-01", "2024-05-02"])
    )
    p = prof_of(rows)
    assert has(p, "gift_buyer") == {"g1"}
    assert why(p, "g1", "gift_buyer") == "1 of 2 orders were gifts"
    assert has(p, "gifted_once") == {"g2", "g3"}


def test_discount_hunter_and_full_price_loyal() -> None:
    days3 = ["2024-05-01", "2024-05-02", "2024-05-03"]
    rows = (
        orders("d1", ["2024-05-01"], discount_code="SAVE")
        + orders("d1", ["2024-05-02"], start=1)
        + orders("d2", ["2024-05-01"], order_discount=3.0)  # 30% of 10 on 1 of 3 orders
        + orders("d2", days3[1:], start=1)
        + orders("d3", ["2024-05-01"], order_discount=7.0)  # 70% on 1 of 3: mean 23%
        + orders("d3", days3[1:], start=1)
        + orders("fp", days3)
        + orders("fp2", days3[:2])
    )
    p = prof_of(rows)
    assert has(p, "discount_hunter") == {"d1", "d3"}
    assert why(p, "d3", "discount_hunter") == (
        "1 of 3 orders had a discount; average discount 23% of the subtotal"
    )
    assert has(p, "full_price_loyal") == {"fp"}


def test_bulk_buyer() -> None:
    rows = (
        filler(10)
        + orders("b1", ["2024-05-01"], quantity=6)
        + orders("b2", ["2024-05-01"], quantity=3)
        + orders("b2", ["2024-05-02"], start=1)
        + orders("b3", ["2024-05-01", "2024-05-02"], quantity=2)
    )
    p = prof_of(rows)
    # items per order: eleven 1s, 2, 2, 3, 6 -> P90 = 2.6, so the threshold is 3 (bulk_min_units)
    assert has(p, "bulk_buyer") == {"b1", "b2"}
    assert why(p, "b2", "bulk_buyer") == (
        "2 units per order on average (threshold 3); 1 of 2 orders had ≥ 3 of one product"
    )


def test_big_basket_and_single_item() -> None:
    basket = [dict(order_id="k", customer_id="k1", ordered_at="2024-05-01", sku=s) for s in "ABC"]
    rows = (
        filler(6)
        + basket
        + orders("s1", ["2024-05-01", "2024-05-02"], quantity=2)
        + orders("s2", ["2024-05-01"])
    )
    p = prof_of(rows)
    assert "k1" in has(p, "big_basket")
    assert has(p, "big_basket") == {"k1"}
    assert {"s1"} <= has(p, "single_item")
    assert not {"s2", "k1"} & has(p, "single_item")
    assert why(p, "s1", "single_item") == "all 2 orders had a single product"


def test_category_loyalist() -> None:
    tea = dict(category="Tea", sku="T")
    rows = (
        orders("c1", ["2024-05-01", "2024-05-02"], **tea)
        + orders("c1", ["2024-05-03"], start=2, category="Mugs", sku="M", unit_price=2.0)
        + orders("c2", ["2024-05-01", "2024-05-02"], **tea)
        + orders("c2", ["2024-05-03"], start=2, category="Mugs", sku="M")
        + orders("c3", ["2024-05-01", "2024-05-02"], **tea)
    )
    p = prof_of(rows)
    assert has(p, "category_loyalist") == {"c1"}
    assert why(p, "c1", "category_loyalist") == "91% of product spend in Tea over 3 orders"


def test_explorer() -> None:
    def buys(cid: str, items: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return [
            dict(order_id=f"{cid}{i}", customer_id=cid, ordered_at=f"2024-05-0{i + 1}", sku=s,
                 category=c)
            for i, (s, c) in enumerate(items)
        ]  # fmt: skip

    rows = (
        buys("e1", [("A", "c1"), ("B", "c2"), ("C", "c3")])
        + buys("e2", [("A", "c1"), ("A", "c1"), ("B", "c2")])
        + buys("e3", [("A", "c1"), ("B", "c2"), ("C", "c3"), ("A", "c1"), ("B", "c2")])
    )
    p = prof_of(rows)
    assert has(p, "explorer") == {"e1"}
    assert why(p, "e1", "explorer") == (
        "3 of 3 product purchases were new to them, across 3 categories"
    )


def test_replenisher_with_due_date() -> None:
    beans = dict(sku="BEANS", product_name="Coffee beans")
    rows = orders("r1", ["2024-03-01", "2024-03-31", "2024-04-30"], **beans) + orders(
        "r2", ["2024-03-01", "2024-03-05", "2024-04-30"], **beans
    )
    p = prof_of(rows)
    assert has(p, "replenisher") == {"r1"}  # r2's gaps 4 and 56 vary too much (CV 1.2)
    assert why(p, "r1", "replenisher") == (  # seen a month after the due day
        "Coffee beans every ~30 days (3 buys), overdue since 2024-05-30"
    )
    plan = p.replenishment.row(0, named=True)
    assert (plan["customer_id"], plan["sku"], plan["due_date"]) == (
        "r1",
        "BEANS",
        dt.date(2024, 5, 30),
    )
    # seen on the due day (or before): still "next due"
    early = prof_of(rows, as_of=dt.date(2024, 5, 30))
    assert why(early, "r1", "replenisher") == (
        "Coffee beans every ~30 days (3 buys), next due 2024-05-30"
    )


def test_reasons_name_a_listing_title_without_its_search_words() -> None:
    """An Etsy title's keywords after " | " stay out of the tag reasons, as out of the notes."""
    mug = dict(sku="MUG", product_name="Stoneware Mug | teaware, gift for her")
    rows = orders("r1", ["2024-03-01", "2024-03-31", "2024-04-30"], **mug)
    assert why(prof_of(rows), "r1", "replenisher") == (
        "Stoneware Mug every ~30 days (3 buys), overdue since 2024-05-30"
    )


def test_impulse_and_deliberate_buyers() -> None:
    cheap = dict(unit_price=5.0)
    rows = (
        filler(4)
        + orders("i1", ["2024-05-01T23:00:00", "2024-05-02T23:30:00"], **cheap)
        + orders("i2", ["2024-05-01T12:00:00", "2024-05-02T12:00:00"], **cheap)
        + orders("i3", ["2024-05-01T12:00:00", "2024-05-02T12:00:00"], channel="instagram", **cheap)
        + orders("dl1", ["2024-05-01", "2024-05-02"], unit_price=100.0)
        + orders("dl2", ["2024-05-01"], unit_price=100.0)
    )
    p = prof_of(rows)
    # order values: six 5s, four 10s, three 100s -> P40 = 5
    assert has(p, "impulse_buyer") == {"i1", "i3"}
    assert why(p, "i1", "impulse_buyer").startswith("heuristic: 2 of 2 orders were one low-price")
    # unit prices: 10 ×4, 5 ×6, 100 ×3 -> P75 = 10; an item over 10 on both of dl1's orders
    assert has(p, "deliberate_buyer") == {"dl1"}


def test_family_shopper_signals() -> None:
    rows = (
        orders("fa1", ["2024-05-01"], product_name="Kids Tee", sku="KT-S", variant="S")
        + orders("fa1", ["2024-05-20"], start=1, product_name="Kids Tee", sku="KT-L", variant="L")
        + [
            dict(order_id="fa2", customer_id="fa2", ordered_at="2024-05-01", sku="B1",
                 category="Baby clothes"),
            dict(order_id="fa2", customer_id="fa2", ordered_at="2024-05-01", sku="C1",
                 category="Coffee"),
        ]
        + orders("fa3", ["2024-05-01"], shipping_name="Anna Rossi", postal_code="20121",
                 city="Milano")
        + orders("fa3", ["2024-05-09"], start=1, shipping_name="Marco Rossi", postal_code="20121",
                 city="Milano")
        + [
            dict(order_id="fa4", customer_id="fa4", ordered_at="2024-05-01", sku=f"T-{v}",
                 product_name="Tee", variant=v)
            for v in "SL"
        ]
    )  # fmt: skip
    p = prof_of(rows)
    assert has(p, "family_shopper") == {"fa1", "fa2", "fa3"}  # fa4: one order only
    assert why(p, "fa1", "family_shopper") == "heuristic: Kids Tee in 2 variants (L, S)"
    assert why(p, "fa2", "family_shopper") == "heuristic: kids' and adults' products in 1 order(s)"
    assert (
        why(p, "fa3", "family_shopper") == "heuristic: 2 recipients (Anna, Marco) at 20121 Milano"
    )


def test_family_shopper_variants_need_two_different_ones_and_name_the_first_product() -> None:
    """A product bought again in the same variant is not "several variants"; with two that
    qualify, the evidence names the first product A-Z, its variants sorted and counted once."""
    line = lambda cid, o, day, name, variant: dict(  # noqa: E731
        order_id=o, customer_id=cid, ordered_at=day, product_name=name, sku=f"{name}-{variant}",
        variant=variant,
    )  # fmt: skip
    rows = [
        line("v1", "v1-a", "2024-05-01", "Mug", "S"), line("v1", "v1-b", "2024-05-09", "Mug", "S"),
        line("v2", "v2-a", "2024-05-01", "Tee", "S"), line("v2", "v2-b", "2024-05-09", "Tee", "L"),
        line("v2", "v2-b", "2024-05-09", "Tee", "S"),
        line("v2", "v2-a", "2024-05-01", "Cap", "red"),
        line("v2", "v2-b", "2024-05-09", "Cap", "blue"),
    ]  # fmt: skip
    p = prof_of(rows)
    assert "v1" not in has(p, "family_shopper")
    assert why(p, "v2", "family_shopper") == "heuristic: Cap in 2 variants (blue, red)"


def test_high_returner() -> None:
    rows = (
        orders("h1", ["2024-05-01"], refunded=2.5, status="partially_refunded")
        + orders("h1", ["2024-05-02"], start=1)
        + orders("h2", ["2024-05-01", "2024-05-02"], refunded=1.0, status="partially_refunded")
        + orders("h2", ["2024-05-03"], start=2)
        + orders("h3", ["2024-05-01"], refunded=10.0, status="refunded")
        + orders("h3", ["2024-05-02"], start=1)
    )
    p = prof_of(rows)
    assert has(p, "high_returner") == {"h2", "h3"}
    assert (
        why(p, "h3", "high_returner") == "refunds 10.00 of 20.00 spent (50%), 1 refunded order(s)"
    )


def test_night_owl_early_bird_weekend_in_shop_time() -> None:
    rows = (
        orders("n1", ["2024-05-01T23:00:00", "2024-05-02T02:00:00", "2024-05-03T12:00:00"])
        + orders("n2", ["2024-05-01T23:00:00", "2024-05-02T23:00:00"])
        + orders("n3", ["2024-05-01T21:30:00", "2024-05-02T21:30:00", "2024-05-03T21:30:00"])
        + orders("eb", ["2024-05-01T06:00:00", "2024-05-02T07:00:00", "2024-05-03T08:30:00"])
        + orders("w1", ["2024-05-04", "2024-05-05", "2024-05-11"])  # Sat, Sun, Sat
        + orders("w2", ["2024-05-04", "2024-05-05", "2024-05-06"])  # Sat, Sun, Mon
    )
    utc = prof_of(rows)
    assert has(utc, "night_owl") == {"n1"}
    assert why(utc, "n1", "night_owl") == "2 of 3 orders placed 22:00–04:59 UTC"
    assert has(utc, "early_bird") == {"eb"}
    assert has(utc, "weekend_shopper") == {"w1"}
    cfg = defaults()
    cfg["shop"]["timezone"] = "Europe/Rome"  # 21:30 UTC is 23:30 in Rome in May
    rome = prof_of(rows, cfg=cfg)
    assert {"n1", "n3"} <= has(rome, "night_owl")


def test_holiday_only() -> None:
    rows = (
        orders("ho1", ["2022-11-20", "2023-12-10"])
        + orders("ho2", ["2023-11-20", "2024-03-01"])
        + orders("ho3", ["2023-12-01", "2023-12-20"])  # all in December, but customer < 1 year
    )
    p = prof_of(rows)
    assert has(p, "holiday_only") == {"ho1"}
    assert (
        why(p, "ho1", "holiday_only") == "all 2 orders in months 11, 12 over 588 days as a customer"
    )


def test_international_normalises_country_names() -> None:
    rows = (
        orders("it", ["2024-05-01"], country="IT")
        + orders("us", ["2024-05-01"], country="United States")
        + orders("none", ["2024-05-01"], country=None)
    )
    cfg = defaults()
    cfg["shop"]["country"] = "US"
    p = prof_of(rows, cfg=cfg)
    assert has(p, "international") == {"it"}
    assert why(p, "it", "international") == "ships to IT (shop country US)"
    cfg["shop"]["country"] = "Italy"
    assert has(prof_of(rows, cfg=cfg), "international") == {"us"}


def test_unset_home_country_is_where_most_customers_are() -> None:
    """A UK shop that never set shop.country: its UK customers are not 'international'."""
    rows = (
        orders("gb1", ["2024-05-01"], country="United Kingdom")
        + orders("gb2", ["2024-05-01"], country="GB")
        + orders("gb3", ["2024-05-02"], country="UK")
        + orders("de", ["2024-05-01"], country="Germany")
    )
    assert defaults()["shop"]["country"] == ""
    p = prof_of(rows)
    assert has(p, "international") == {"de"}
    assert why(p, "de", "international") == (
        "ships to Germany (shop country GB, where most customers are)"
    )
    nowhere = orders("a", ["2024-05-01"], country=None) + orders("b", ["2024-05-01"], country=None)
    assert has(prof_of(nowhere), "international") == set()


def test_note_writer_and_multi_channel() -> None:
    rows = (
        orders("nw", ["2024-05-01", "2024-05-02"], order_note="Please no plastic")
        + orders("nw2", ["2024-05-01"], order_note="Leave at door")
        + orders("nw2", ["2024-05-02", "2024-05-03"], start=1)
        + orders("mc1", ["2024-05-01"], source="etsy")
        + orders("mc1", ["2024-05-02"], start=1)
        + orders("mc2", ["2024-05-01"], channel="pos")
        + orders("mc2", ["2024-05-02"], start=1)
    )
    p = prof_of(rows)
    assert has(p, "note_writer") == {"nw"}
    assert has(p, "multi_channel") == {"mc1", "mc2"}
    assert why(p, "mc1", "multi_channel") == "marketplaces: etsy, shopify; channels: web"
    assert why(p, "mc2", "multi_channel") == "marketplaces: shopify; channels: pos, web"


def test_reactivated() -> None:
    repeat = [
        r for i in range(10) for r in orders(f"f{i}", ["2024-01-01", "2024-01-11", "2024-01-21"])
    ]
    rows = (
        repeat
        + orders("re1", ["2023-01-01", "2023-09-01", "2023-09-20"])
        + orders("re2", ["2024-01-01", "2024-03-01"])
    )
    p = prof_of(rows)
    # repeat gaps: twenty 10s, 19, 243, 60 -> P95 = 40.3 < the 90-day floor
    assert has(p, "reactivated") == {"re1"}
    assert why(p, "re1", "reactivated") == "came back after 243 days away (lapse point 90 days)"


def test_anniversary_soon() -> None:
    rows = (
        orders("an1", ["2023-07-05"])
        + orders("an2", ["2023-07-20"])
        + orders("an3", ["2024-06-01"])
        + orders("an4", ["2022-06-30"])
    )
    p = prof_of(rows)
    assert has(p, "anniversary_soon") == {"an1", "an4"}
    assert why(p, "an1", "anniversary_soon") == (
        "first order 2023-07-05: 1-year anniversary on 2024-07-05 (in 5 days)"
    )
    leap = prof_of(orders("lp", ["2020-02-29"]), as_of=dt.date(2025, 2, 20))
    assert why(leap, "lp", "anniversary_soon") == (
        "first order 2020-02-29: 5-year anniversary on 2025-02-28 (in 8 days)"
    )


def test_vip_spend_is_tie_aware() -> None:
    rows = [
        dict(order_id=i, customer_id=f"c{i:02d}", ordered_at="2024-05-01", unit_price=float(p))
        for i, p in enumerate([100, 100] + list(range(10, 28)))
    ]
    p = prof_of(rows)
    # 20 customers: top 5% = rank <= 1; both 100s share rank 1
    assert has(p, "vip_spend") == {"c00", "c01"}
    assert why(p, "c00", "vip_spend") == "net spend 100.00 USD, rank 1 of 20 (top 5%)"


def test_marketing_ok_from_orders_and_customers_export() -> None:
    rows = (
        orders("yes", ["2024-05-01"])
        + orders("no", ["2024-05-01"], accepts_marketing=False)
        + orders("late", ["2024-05-01"], accepts_marketing=False)
    )
    attrs = pl.DataFrame(
        [dict(customer_id="late", accepts_marketing=True, existing_tags=[])],
        schema=CUSTOMER_ATTR_SCHEMA,
    )
    p = prof_of(rows, attrs=attrs)
    assert has(p, "marketing_ok") == {"yes", "late"}
    assert why(p, "yes", "marketing_ok") == "accepts email marketing (from the latest order)"
    assert why(p, "late", "marketing_ok") == "accepts email marketing (from the customers export)"


class TestCustomTags:
    ROWS = orders("big", ["2024-05-01", "2024-05-02", "2024-05-03"], unit_price=200.0) + orders(
        "small", ["2024-05-01"]
    )

    def custom(self, text: str) -> CustomerProfiles:
        cfg = parse_config(text)
        return customer_profiles(make_lines(self.ROWS).lazy(), AS_OF, cfg)

    def test_condition_over_table_columns_with_values_as_evidence(self) -> None:
        p = self.custom('[tags.custom]\nbig_fan = "monetary > 500 and frequency >= 3"\n')
        assert has(p, "big_fan") == {"big"}
        assert why(p, "big", "big_fan") == (
            "your rule: monetary > 500 and frequency >= 3 (monetary = 600.0, frequency = 3)"
        )
        assert p.tags.filter(pl.col("tag") == "big_fan").get_column("origin").to_list() == [
            "custom"
        ]

    def test_table_form_with_own_reason_and_segment_column(self) -> None:
        p = self.custom(
            '[tags.custom]\nfresh = { when = "recency_days <= 60 and orders = 1", '
            'reason = "new this spring" }\n'
        )
        assert has(p, "fresh") == {"small"}
        assert why(p, "small", "fresh") == "new this spring"

    def test_unknown_column_names_the_rule_and_the_column(self) -> None:
        with pytest.raises(ConfigError, match=r"\[tags.custom\] big_fan: unknown column 'monetry'"):
            self.custom('[tags.custom]\nbig_fan = "monetry > 500"\n')

    def test_bad_syntax_names_the_rule(self) -> None:
        with pytest.raises(ConfigError, match=r"big_fan: the condition cannot be read"):
            self.custom('[tags.custom]\nbig_fan = "monetary >> and"\n')

    def test_not_a_yes_no_test(self) -> None:
        with pytest.raises(ConfigError, match="not a yes/no test"):
            self.custom('[tags.custom]\nbig_fan = "monetary + 1"\n')

    def test_python_is_never_evaluated(self) -> None:
        with pytest.raises(ConfigError, match="big_fan"):
            self.custom("[tags.custom]\nbig_fan = \"__import__('os').system('true')\"\n")

    def test_built_in_names_are_reserved(self) -> None:
        with pytest.raises(ConfigError, match="'vip_spend' is a built-in tag"):
            self.custom('[tags.custom]\nvip_spend = "monetary > 1"\n')


def test_disabled_tags() -> None:
    rows = orders("x", ["2024-05-01"])
    assert has(prof_of(rows, disabled=["marketing_ok"]), "marketing_ok") == set()
    with pytest.raises(ConfigError, match="nigth_owl is not a built-in tag"):
        prof_of(rows, disabled=["nigth_owl"])


def test_overrides_add_and_remove_whatever_the_rules_say() -> None:
    rows = orders("a", ["2024-05-01"]) + orders("b", ["2024-05-01"])
    overrides = pl.DataFrame(
        {
            "customer_id": ["a", "b", "ghost"],
            "tag": ["marketing_ok", "friend", "friend"],
            "action": ["remove", "add", "add"],
            "created_at": ["2024-06-01 10:00"] * 3,
        }
    )
    p = prof_of(rows, overrides=overrides)
    assert "a" not in has(p, "marketing_ok")
    assert has(p, "friend") == {"b"}
    assert why(p, "b", "friend") == "added by you 2024-06-01"
    lists = dict(p.table.select("customer_id", "tags").rows())
    assert "friend" in lists["b"] and "marketing_ok" in lists["b"]
    assert "marketing_ok" not in lists["a"]
    trace = explain(p, "a")
    removed = [t for t in trace["tags"] if t["tag"] == "marketing_ok"][0]
    assert removed["overridden"] and not removed["fired"]


def _recipients_by_hand(rows: list[tuple[int, bool, str | None, str | None, str | None]]) -> dict:
    """The recipients feature worked out row by row: per repeat customer (2+ counted orders),
    the address (postal code, city) with the most distinct first names in counted orders; ties:
    the first postal code, then city (none first)."""
    orders_of: dict[int, int] = {}
    for ck, counted, *_ in rows:
        orders_of[ck] = orders_of.get(ck, 0) + counted
    names: dict[tuple[int, str, str | None], set[str]] = {}
    for ck, counted, ship, postal, city in rows:
        if counted and ship is not None and postal is not None and orders_of[ck] >= 2:
            names.setdefault((ck, postal, city), set()).add(ship.strip().split(" ")[0])
    best: dict[int, tuple] = {}
    for (ck, postal, city), found in names.items():
        rank = (-len(found), postal, city is not None, city or "")
        if ck not in best or rank < best[ck][0]:
            text = f"{len(found)} recipients ({', '.join(sorted(found))}) at {postal} {city or ''}"
            best[ck] = (rank, len(found), text.strip())
    return {ck: (n, text) for ck, (_, n, text) in best.items()}


@pytest.mark.parametrize(("packed", "limit"), [(None, 2**62), (False, 2**62), (True, 1)])
def test_recipients_at_one_address_match_a_count_by_hand(
    packed: bool | None, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The three ways to sort the rows: packed, np.lexsort, packed after numbering the
    addresses densely (a shop with very many customers, addresses and names)."""
    import random

    from shopinsight.core.customers import tag_features
    from shopinsight.core.customers.tag_features import _recipients

    monkeypatch.setattr(tag_features, "_PACKED_LIMIT", limit)

    rng = random.Random(7)
    ships = ["Anna B", " Marco  C", "anna", "", "  ", "Zoë X", "Émile", "Bob", "Anna", None]
    postals = ["20121", "10001", "", "0", "20121 ", None]
    cities = ["Milano", "milano", "", "Roma", None, None]
    for _ in range(50):
        rows = [
            (
                rng.randrange(12),
                rng.random() < 0.8,
                rng.choice(ships),
                rng.choice(postals),
                rng.choice(cities),
            )
            for _ in range(rng.randrange(80))
        ]
        frame = pl.DataFrame(
            rows,
            schema={
                "_ck": pl.UInt32,
                "counted": pl.Boolean,
                "shipping_name": pl.Utf8,
                "postal_code": pl.Utf8,
                "city": pl.Utf8,
            },
            orient="row",
        )
        got = _recipients(frame, packed)
        assert got.columns == ["_ck", "max_recipients_at_address", "recipient_evidence"]
        assert {ck: (n, text) for ck, n, text in got.rows()} == _recipients_by_hand(rows)


@pytest.mark.parametrize("kinds", [20, 70])  # bits of one integer; beyond 63 tags, grouped
def test_tag_lists_are_each_customers_tags_sorted(kinds: int) -> None:
    import random

    from shopinsight.core.customers.profiles import _with_tag_lists

    rng = random.Random(kinds)
    names = [f"t{i:02d}" for i in range(kinds)]
    scored = pl.DataFrame({"_row": pl.Series(range(30), dtype=pl.UInt32), "x": range(30)})
    pairs = {(rng.randrange(30), rng.choice(names)) for _ in range(400)}
    by_rule = sorted(pairs, key=lambda p: (p[1], p[0]))  # as the rules give them
    added = [(5, "zz_manual"), (5, "a_manual")]  # added by hand: appended last, unsorted
    rows = [*by_rule, *added, (None, "ghost")]  # a row-less tag is left out
    tags = pl.DataFrame(rows, schema={"_row": pl.UInt32, "tag": pl.Utf8}, orient="row")
    got = _with_tag_lists(scored, tags, resort=True)
    assert got.columns == ["x", "tags"]
    want = {r: sorted(t for rr, t in [*by_rule, *added] if rr == r) for r in range(30)}
    assert dict(got.select("x", "tags").rows()) == want
