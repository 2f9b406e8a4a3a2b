"""Gift policies and picks: each policy branch, tag overrides, budgets and config errors."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from shopinsight.core.config import defaults, parse_config
from shopinsight.core.errors import ConfigError
from shopinsight.core.gifts.policies import PICK_COLUMNS, gift_picks, gift_policies
from tests.factories import make_lines

# sku, name, category, price, orders — the stand-in for bundles.product_catalogue
CATALOGUE = [
    ("ROSE", "Rose candle", "candles", 24.0, 40),
    ("FIG", "Fig candle", "candles", 20.0, 30),
    ("GIANT", "Giant candle", "candles", 120.0, 20),
    ("SOAP", "Olive soap", "bath", 8.0, 25),
    ("TOWEL", "Linen towel", "bath", 36.0, 10),
    ("TEA", "Green tea", "tea", 9.0, 50),
]


def catalogue(rows=CATALOGUE, currency="USD", last_sold=dt.date(2024, 6, 1)) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "sku": s,
                "product_name": n,
                "category": c,
                "unit_price": p,
                "currency": currency,
                "orders": o,
                "last_sold": last_sold,
            }  # fmt: skip
            for s, n, c, p, o in rows
        ]
    )


def profile(cid: str, segment: str | None, tags=(), spend=100.0, fav="ROSE", cat="candles"):
    return {
        "customer_id": cid, "segment": segment, "tags": list(tags), "monetary_12m": spend,
        "favorite_sku": fav, "favorite_category": cat, "currency": "USD",
    }  # fmt: skip


def profiles(*rows) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema_overrides={"tags": pl.List(pl.Utf8)})


def bought(pairs) -> pl.DataFrame:
    """Order lines where customer `c` bought `sku` (what makes a product "tried")."""
    return make_lines(
        [
            {"order_id": i, "customer_id": c, "ordered_at": "2024-05-01", "sku": s}
            for i, (c, s) in enumerate(pairs)
        ]
    )


def pick(profiles_table, config=None, lines=None, nexts=None, cat=None, **kw) -> dict:
    lines = lines if lines is not None else bought([("a", "ROSE")])
    out = gift_picks(
        profiles_table, cat if cat is not None else catalogue(), nexts, lines,
        config or defaults(), **kw,
    )  # fmt: skip
    assert out.columns == PICK_COLUMNS
    return {r["customer_id"]: r for r in out.iter_rows(named=True)}


class TestSample:
    def test_untried_bestseller_of_favourite_category_within_budget(self):
        got = pick(profiles(profile("a", "Loyal Customers")))["a"]
        # ROSE is bought; FIG is the next candles bestseller; sample = 15% of 20.00
        assert (got["gift_kind"], got["gift_sku"], got["gift_cost"], got["budget"]) == (
            "sample", "FIG", 3.0, 5.0,
        )  # fmt: skip
        assert "favourite category candles" in got["reason"]
        assert "costs 3.00 of a 5.00 USD budget" in got["reason"]
        assert got["template"] == "short_thanks"

    def test_bundle_rule_comes_before_category(self):
        nexts = pl.DataFrame(
            {"customer_id": ["a"], "sku": ["SOAP"], "score": [2.5],
             "reason": ["bought Rose candle; 40% of buyers also buy Olive soap (lift 2.5)"]}
        )  # fmt: skip
        got = pick(profiles(profile("a", "Loyal Customers")), nexts=nexts)["a"]
        assert got["gift_sku"] == "SOAP" and "lift 2.5" in got["reason"]

    def test_falls_back_to_shop_bestseller_they_have_not_tried(self):
        lines = bought([("a", "ROSE"), ("a", "FIG")])
        cat = catalogue([r for r in CATALOGUE if r[0] != "GIANT"])
        got = pick(profiles(profile("a", "Loyal Customers")), lines=lines, cat=cat)["a"]
        assert got["gift_sku"] == "TEA" and "shop bestseller" in got["reason"]

    def test_a_cheap_product_beyond_the_bestsellers_still_fits_a_small_budget(self):
        pricey = [(f"LUX{i}", f"Lux {i}", "candles", 90.0, 100 - i) for i in range(12)]
        cat = catalogue([*pricey, ("TEALIGHT", "Tealight", "candles", 6.0, 1)])
        got = pick(profiles(profile("a", "Loyal Customers")), cat=cat)["a"]
        assert (got["gift_sku"], got["gift_cost"]) == ("TEALIGHT", 0.9)

    def test_nothing_within_budget_becomes_a_card(self):
        config = parse_config('[gifts.segments]\n"Loyal Customers" = { budget = 0.5 }')
        got = pick(profiles(profile("a", "Loyal Customers")), config)["a"]
        assert got["gift_kind"] == "card" and got["gift"] is None
        assert "nothing untried fits the 0.50 USD budget" in got["reason"]


class TestFullSize:
    def test_budget_is_the_smaller_of_percent_and_cap(self):
        got = pick(
            profiles(
                profile("a", "Champions", spend=500.0), profile("b", "Champions", spend=5000.0)
            )
        )
        assert got["a"]["budget"] == 25.0  # 5% of 500 < 40
        assert got["a"]["gift_sku"] == "FIG" and got["a"]["gift_cost"] == 20.0
        assert got["b"]["budget"] == 40.0  # capped
        assert got["a"]["template"] == "vip_letter"

    def test_favourite_full_size_when_nothing_untried_fits(self):
        cat = catalogue([r for r in CATALOGUE if r[0] in ("ROSE", "GIANT", "TOWEL")])
        got = pick(profiles(profile("a", "Champions", spend=600.0)), cat=cat)["a"]
        assert (got["gift_sku"], got["gift_cost"], got["budget"]) == ("ROSE", 24.0, 30.0)
        assert "their favourite product" in got["reason"]

    def test_product_cost_share_counts_your_cost(self):
        config = parse_config("[gifts]\nproduct_cost_share = 0.25")
        got = pick(profiles(profile("a", "Champions", spend=200.0)), config)["a"]
        # budget 10: FIG costs you 5.00, GIANT would cost 30.00
        assert (got["gift_sku"], got["gift_cost"], got["budget"]) == ("FIG", 5.0, 10.0)

    def test_budget_off_leaves_the_other_cap(self):
        config = parse_config('[gifts.segments]\nChampions = { budget = "off" }')
        got = pick(profiles(profile("a", "Champions", spend=10000.0)), config)["a"]
        assert got["budget"] == 500.0 and got["gift_sku"] == "FIG"


class TestOtherKinds:
    def test_card_only(self):
        config = parse_config("[gifts]\ncard_cost = 0.8")
        got = pick(profiles(profile("a", "New Customers")), config)["a"]
        assert (got["gift_kind"], got["gift"], got["gift_cost"], got["template"]) == (
            "card", None, 0.8, "welcome",
        )  # fmt: skip
        assert got["reason"] == "New Customers policy: card only"

    def test_no_physical_gift(self):
        got = pick(profiles(profile("a", "Lost")))["a"]
        assert (got["gift_kind"], got["gift"], got["gift_cost"]) == ("none", None, 0.0)
        assert got["template"] == "thanks"

    def test_unknown_or_missing_segment_gets_default(self):
        got = pick(profiles(profile("a", "Martians"), profile("b", None)))
        assert got["a"]["policy"] == got["b"]["policy"] == "default"
        assert got["a"]["gift_kind"] == "card"

    def test_gift_order_policy(self):
        got = pick(profiles(profile("a", "Champions", spend=900.0)), gift_orders=True)["a"]
        assert (got["policy"], got["gift_kind"], got["template"]) == (
            "gift order", "card", "gift_recipient",
        )  # fmt: skip


class TestTagOverrides:
    def test_high_returner_gets_no_physical_gift_but_keeps_the_note(self):
        got = pick(profiles(profile("a", "Champions", tags=["high_returner"], spend=900.0)))["a"]
        assert got["policy"] == "Champions + high_returner"
        assert got["gift_kind"] == "none" and got["template"] == "vip_letter"

    def test_discount_hunter_caps_the_budget(self):
        hunter = profiles(profile("a", "Champions", tags=["discount_hunter"], spend=900.0))
        got = pick(hunter)["a"]
        assert (got["budget"], got["gift_kind"], got["gift"]) == (5.0, "card", None)
        assert "nothing untried fits the 5.00 USD budget" in got["reason"]
        cheap = catalogue([*CATALOGUE, ("WICK", "Wick trimmer", "candles", 4.5, 1)])
        got = pick(hunter, cat=cheap)["a"]
        assert (got["gift_kind"], got["gift_sku"], got["gift_cost"]) == ("full_size", "WICK", 4.5)

    def test_first_listed_tag_wins(self):
        both = profile("a", "Loyal Customers", tags=["discount_hunter", "high_returner"])
        assert pick(profiles(both))["a"]["policy"] == "Loyal Customers + high_returner"

    def test_merchant_tag_override(self):
        config = parse_config('[gifts.tags]\nvip_spend = { kind = "full_size", budget = 30.0 }')
        got = pick(profiles(profile("a", "New Customers", tags=["vip_spend"])), config)["a"]
        assert (got["gift_kind"], got["gift_sku"], got["budget"]) == ("full_size", "FIG", 30.0)


class TestCatalogueLimits:
    def test_excluded_stale_and_foreign_currency_products_are_never_gifts(self):
        config = parse_config('[gifts]\nexclude_skus = ["FIG"]')
        cat = pl.concat(
            [
                catalogue([r for r in CATALOGUE if r[0] != "TEA"]),
                catalogue([("TEA", "Green tea", "tea", 9.0, 50)], last_sold=dt.date(2023, 1, 1)),
                catalogue([("EURO", "Euro candle", "candles", 5.0, 99)], currency="EUR"),
            ]
        )
        got = pick(profiles(profile("a", "Loyal Customers")), config, cat=cat)["a"]
        assert got["gift_sku"] == "SOAP"  # FIG excluded, TEA not sold for 17 months, EURO in EUR

    def test_every_product_gift_fits_its_budget(self):
        rows = [
            profile(f"c{i}", seg, spend=float(37 * i % 900), fav=fav, cat=cat)
            for i, (seg, fav, cat) in enumerate(
                [(s, f, c) for s in ("Champions", "Loyal Customers", "Need Attention")
                 for f, c in (("ROSE", "candles"), ("SOAP", "bath"), ("TEA", "tea"))] * 3
            )
        ]  # fmt: skip
        lines = bought([(r["customer_id"], r["favorite_sku"]) for r in rows])
        out = gift_picks(profiles(*rows), catalogue(), None, lines, defaults())
        gifts = out.filter(pl.col("gift").is_not_null())
        assert gifts.height > 10
        assert (gifts["gift_cost"] <= gifts["budget"]).all()
        tried = lines.select("customer_id", pl.col("sku").alias("gift_sku"))
        full = gifts.filter(~pl.col("reason").str.contains("favourite product"))
        assert full.join(tried, on=["customer_id", "gift_sku"]).is_empty()


class TestPolicyConfig:
    @pytest.mark.parametrize(
        ("toml", "match"),
        [
            ('[gifts.segments]\nChampions = { kind = "hamper" }', "not a gift kind"),
            ('[gifts.segments]\nLost = { kind = "sample" }', "needs a budget"),
            ("[gifts.segments]\nChampions = { budget = -3 }", "budget = -3 cannot be used"),
            ('[gifts.segments]\nChampions = { budget_pct = "5%" }', "not a budget"),
            ('[gifts.segments]\nLost = { template = "nope" }', "'nope', which is unknown"),
            ('[gifts.tags]\nx = { template = "nope" }', "'nope', which is unknown"),
            ('[gifts.gift_order]\nkind = "bag"', "gift_order"),
        ],
        ids=["kind", "no-budget", "negative", "percent-text", "template", "tag-template", "order"],
    )
    def test_bad_policy_is_a_clear_config_error(self, toml, match):
        with pytest.raises(ConfigError, match=match):
            gift_policies(parse_config(toml))

    def test_describe_in_words(self):
        pol = gift_policies(defaults())
        assert pol.segments["Champions"].describe("EUR") == (
            "full-size gift, up to 5% of 12-month spend, max 40.00 EUR; note 'vip_letter'"
        )
        assert pol.effective("Lost", "discount_hunter").budget == 5.0
