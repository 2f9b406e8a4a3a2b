"""Exclusions: rules in settings and the merchant's own list mark orders; nothing is dropped."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from shopinsight.core.config import defaults
from shopinsight.core.errors import InputError
from shopinsight.core.exclusions import (
    MANUAL_SCHEMA,
    customer_tags,
    delete_manual,
    flag_exclusions,
    load_manual,
    resolve_target,
    save_manual,
)
from shopinsight.core.importers import import_files
from shopinsight.core.status import shop_status

NONE = pl.DataFrame(schema=MANUAL_SCHEMA)


def _orders() -> pl.DataFrame:
    day = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows = [
        ("shopify", "", "#1", "owner@shop.com", 20.0, "paid"),
        ("shopify", "", "#2", "ann@x.com", 20.0, "paid"),
        ("shopify", "", "#3", "ann@x.com", 30.0, "paid"),
        ("shopify", "", "#4", "sam@x.com", 25.0, "paid"),
        ("shopify", "", "#5", "bulk@trade.com", 22.0, "paid"),
        ("shopify", "", "#6", "bob@x.com", 1000.0, "paid"),
        ("shopify", "b2", "#1", "cy@x.com", 18.0, "paid"),
        ("shopify", "", "#7", "bob@x.com", -1000.0, "returned"),
    ]
    frame = pl.DataFrame(
        rows,
        schema=["source", "store", "order_id", "customer_id", "net_revenue", "status"],
        orient="row",
    )
    return frame.with_columns(
        pl.col("customer_id").alias("email"),
        pl.lit("USD").alias("currency"),
        pl.lit(day).alias("ordered_at"),
    )


def _settings(**rules) -> dict:
    settings = defaults()
    settings["exclusions"] = {**settings["exclusions"], **rules}
    return settings


def _why(flagged: pl.DataFrame) -> dict[str, str | None]:
    return {
        f"{s}:{st}:{o}": r
        for s, st, o, r in flagged.select("source", "store", "order_id", "excluded_reason").rows()
    }


def test_defaults_exclude_nothing_and_keep_every_order():
    flagged = flag_exclusions(_orders(), defaults(), NONE)
    assert flagged.height == _orders().height
    assert flagged.columns == [*_orders().columns, "excluded", "excluded_reason"]
    assert not flagged["excluded"].any() and flagged["excluded_reason"].null_count() == 8
    rules = defaults()["exclusions"]
    assert rules["outlier_multiple"] == 0  # off unless the merchant says
    assert rules["staff_tags"] == rules["wholesale_tags"] == []  # a tag never hides by default


def test_rules_by_email_tag_and_outlier():
    settings = _settings(
        test_emails=["Owner@Shop.com"],
        staff_tags=["staff", "employee"],
        wholesale_emails=["bulk@trade.com"],
        outlier_multiple=20,
    )
    tags = pl.DataFrame(
        {"customer_id": ["sam@x.com"], "tags": [["Staff"]]},
        schema={"customer_id": pl.Utf8, "tags": pl.List(pl.Utf8)},
    )
    why = _why(flag_exclusions(_orders(), settings, NONE, tags))
    assert why["shopify::#1"] == "test order"
    assert why["shopify::#4"] == "staff"
    assert why["shopify::#5"] == "wholesale"
    assert why["shopify::#6"].startswith("outlier")  # 1000 > 20 × median 22
    assert why["shopify::#2"] is None and why["shopify:b2:#1"] is None
    assert why["shopify::#7"] is None  # a return is never an outlier order


def test_outlier_threshold_is_a_multiple_of_the_median():
    why = _why(flag_exclusions(_orders(), _settings(outlier_multiple=50), NONE))
    assert why["shopify::#6"] is None  # 1000 < 50 × 22
    why = _why(flag_exclusions(_orders(), _settings(outlier_multiple="off"), NONE))
    assert why["shopify::#6"] is None


def test_manual_exclusions_come_first_and_carry_the_reason():
    manual = pl.DataFrame(
        [("order", "shopify:b2:#1", "gift to a friend", "t"), ("customer", "ann@x.com", None, "t")],
        schema=MANUAL_SCHEMA,
        orient="row",
    )
    settings = _settings(test_emails=["ann@x.com"])
    why = _why(flag_exclusions(_orders(), settings, manual))
    assert why["shopify:b2:#1"] == "excluded by hand (gift to a friend)"
    assert why["shopify::#1"] is None  # the same number in the other store is kept
    assert why["shopify::#2"] == why["shopify::#3"] == "excluded by hand"


def test_customer_tags_apply_the_merchants_overrides():
    attrs = pl.DataFrame(
        {"customer_id": ["a", "b"], "existing_tags": [["Wholesale", "vip"], ["newsletter"]]}
    )
    overrides = pl.DataFrame(
        {"customer_id": ["a", "b"], "tag": ["wholesale", "staff"], "action": ["remove", "add"]}
    )
    tags = dict(customer_tags(attrs, overrides).iter_rows())
    assert sorted(tags["a"]) == ["vip"] and sorted(tags["b"]) == ["newsletter", "staff"]


def test_resolve_target_orders_and_customers():
    orders = _orders()
    assert resolve_target(orders, "ann@x.com") == ("customer", "ann@x.com")
    assert resolve_target(orders, "shopify:#2") == ("order", "shopify::#2")
    assert resolve_target(orders, "shopify:b2:#1") == ("order", "shopify:b2:#1")
    assert resolve_target(orders, "#3") == ("order", "shopify::#3")
    with pytest.raises(InputError, match="2 orders"):
        resolve_target(orders, "#1")  # two stores have a #1
    with pytest.raises(InputError, match="No order or customer"):
        resolve_target(orders, "nobody")


def test_manual_list_round_trip(ws):
    assert load_manual(ws).height == 0  # nothing created just by reading
    save_manual(ws, "order", "shopify::#2", "test")
    save_manual(ws, "customer", "ann@x.com")
    save_manual(ws, "order", "shopify::#2", "test again")  # replaces
    manual = load_manual(ws)
    assert sorted(manual.select("kind", "key", "reason").rows()) == [
        ("customer", "ann@x.com", None),
        ("order", "shopify::#2", "test again"),
    ]
    assert delete_manual(ws, "order", "shopify::#2") and not delete_manual(ws, "order", "x")
    assert load_manual(ws).height == 1


def test_status_counts_excluded_orders_apart(ws, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,date,customer,sku,qty,price,currency\n"
        "1,2024-01-01,owner@shop.com,A,1,10.00,USD\n"
        "2,2024-01-02,ann@x.com,A,1,10.00,USD\n"
        "3,2024-01-03,bob@x.com,A,1,10.00,USD\n",
        encoding="utf-8",
    )
    import_files(ws, [path])
    before = shop_status(ws)
    (ws.root / "shopinsight.toml").write_text(
        '[exclusions]\ntest_emails = ["owner@shop.com"]\n', encoding="utf-8"
    )
    save_manual(ws, "customer", "bob@x.com", "my brother")
    after = shop_status(ws)
    assert (before["excluded_orders"], after["excluded_orders"]) == (0, 2)
    assert (before["customers"], after["customers"]) == (3, 1)
    assert after["net_revenue"] == before["net_revenue"] == {"USD": 30.0}  # the books' figure
    assert after["orders"] == 3


def test_an_empty_email_list_matches_nothing_without_reading_the_column():
    from shopinsight.core.exclusions import _in_list

    frame = pl.DataFrame({"email": [" Ann@x.com", None, ""]})
    hits = lambda values: frame.with_columns(_in_list("email", values).alias("hit"))  # noqa: E731
    assert hits([]).get_column("hit").to_list() == [False] * 3
    assert hits(["ann@x.com"]).get_column("hit").to_list() == [True, False, False]
    # the empty list's answer needs no column (the old code trimmed every order's text)
    assert pl.DataFrame({"x": [1, 2]}).with_columns(_in_list("email", [])).height == 2
    assert pl.DataFrame({"x": [1]}).select(_in_list("nope", [])).item() is False
