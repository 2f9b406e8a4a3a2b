"""Order-sequence rules ("customers who bought A came back for B") and the product catalogue on
the shop's clock (`[shop] timezone`).

A New York customer's orders at 19:30 and 21:00 on 4 June are one purchase day in New York; in
UTC the first is 23:30 on 4 June and the second 01:00 on 5 June, the next day, so the second
product looked like what the customer came back for.

The shop by hand (every order one product, times in New York):
  ann, bob, cy:  Mug at 19:30 and Tea at 21:00 on 4 June, Spoon on 11 June
  dee, eve, fay: Cup on 4 June at noon, Plate on 11 June
  New York: first days {Mug, Tea} x3 and {Cup} x3; second days {Spoon} x3 and {Plate} x3.
    6 came back; Spoon was the second purchase of 3 of 6 (base 0.5), Plate of 3 of 6.
    Mug -> Spoon: 3 customers of the 3 with Mug first who came back: confidence 1, lift 2;
    Tea -> Spoon and Cup -> Plate the same. No Mug -> Tea: they were bought the same day.
  UTC: ann's first day is {Mug} (4 June 23:30 UTC), her second {Tea} (5 June 01:00 UTC):
    Mug -> Tea: confidence 3/3, Tea the second purchase of 3 of 6, lift 2; Cup -> Plate as above.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

from shopinsight.core.bundles import next_products, product_catalogue
from shopinsight.core.bundles.sequence import ranked_sequence_rules, sequence_rules
from shopinsight.core.orders import UTC
from tests.factories import make_lines

NY = "America/New_York"


def ny(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A New York wall time in June 2024 (UTC-4) as the UTC instant the workspace stores."""
    return dt.datetime(2024, 6, day, hour, minute, tzinfo=ZoneInfo(NY)).astimezone(dt.UTC)


def shop_rows() -> list[dict]:
    """The six customers of the shop by hand (ann, bob, cy; dee, eve, fay), without gus: also
    the shop of test_clock_wiring, which adds its own gus."""
    rows = []
    for who in ("ann", "bob", "cy"):
        rows += [
            dict(order_id=f"{who}-1", customer_id=who, sku="MUG", ordered_at=ny(4, 19, 30)),
            dict(order_id=f"{who}-2", customer_id=who, sku="TEA", ordered_at=ny(4, 21)),
            dict(order_id=f"{who}-3", customer_id=who, sku="SPOON", ordered_at=ny(11, 12)),
        ]
    for who in ("dee", "eve", "fay"):
        rows += [
            dict(order_id=f"{who}-1", customer_id=who, sku="CUP", ordered_at=ny(4, 12)),
            dict(order_id=f"{who}-2", customer_id=who, sku="PLATE", ordered_at=ny(11, 12)),
        ]
    return rows


def _lines() -> pl.LazyFrame:
    # gus bought a mug once: what is he offered next?
    gus = dict(order_id="gus-1", customer_id="gus", sku="MUG", ordered_at=ny(5, 12))
    return make_lines([*shop_rows(), gus]).lazy()


def _pairs(rules: pl.DataFrame) -> dict[tuple[str, str], tuple[int, int, float, float]]:
    return {
        (r["first"], r["target"]): (r["customers"], r["came_back"], r["confidence"], r["lift"])
        for r in rules.iter_rows(named=True)
    }


def test_two_evening_orders_are_one_purchase_day_in_new_york() -> None:
    rules = _pairs(sequence_rules(_lines(), 1, NY))
    assert rules == {
        ("MUG", "SPOON"): (3, 3, 1.0, 2.0),
        ("TEA", "SPOON"): (3, 3, 1.0, 2.0),
        ("CUP", "PLATE"): (3, 3, 1.0, 2.0),
    }
    ranked = ranked_sequence_rules(_lines(), 1, NY)
    assert set(zip(ranked["first"], ranked["target"], strict=True)) == set(rules)


def test_utc_shop_is_unchanged() -> None:
    rules = _pairs(sequence_rules(_lines(), 1))
    assert rules == {("MUG", "TEA"): (3, 3, 1.0, 2.0), ("CUP", "PLATE"): (3, 3, 1.0, 2.0)}
    assert sequence_rules(_lines(), 1, UTC).equals(sequence_rules(_lines(), 1))


def test_next_product_follows_the_shops_day() -> None:
    lines = _lines()
    gus = pl.Series(["gus"])
    empty = pl.DataFrame(
        schema={"antecedent": pl.List(pl.Utf8), "consequent": pl.List(pl.Utf8),
                "confidence": pl.Float64, "lift": pl.Float64}
    )  # fmt: skip
    local = next_products(lines, empty, None, 1, gus, tz=NY)
    assert local.select("customer_id", "sku", "basis").rows() == [("gus", "SPOON", "sequence")]
    utc = next_products(lines, empty, None, 1, gus)
    assert utc.select("customer_id", "sku", "basis").rows() == [("gus", "TEA", "sequence")]
    # the same pick from the shop's cached rules (each customer's own lines read for the days)
    rules = ranked_sequence_rules(lines, 1, NY)
    cached = next_products(lines, empty, None, 1, gus, sequence=rules, tz=NY)
    assert cached.select("sku").item() == "SPOON"


def test_catalogue_last_sold_is_the_shops_day() -> None:
    local = product_catalogue(_lines(), tz=NY)
    assert dict(local.select("sku", "last_sold").iter_rows())["TEA"] == dt.date(2024, 6, 4)
    utc = product_catalogue(_lines())
    assert dict(utc.select("sku", "last_sold").iter_rows())["TEA"] == dt.date(2024, 6, 5)
