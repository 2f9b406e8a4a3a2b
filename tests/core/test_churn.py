"""Churn alerts on hand-made shops: statuses, reasons, actions, seasons, as-of, settings."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from shopinsight.core.churn.alerts import churn_alerts
from shopinsight.core.churn.rule import ChurnSettings
from shopinsight.core.config import defaults
from shopinsight.core.errors import ConfigError
from tests.factories import make_lines

AS_OF = dt.date(2024, 6, 30)
_ids = iter(range(1, 1_000_000))


def orders(customer: str, days_ago: list[int], amount: float | list[float] = 20.0, **extra):
    """One single-line order per entry, `days_ago` days before AS_OF."""
    amounts = amount if isinstance(amount, list) else [amount] * len(days_ago)
    return [
        dict(
            order_id=f"o{next(_ids)}",
            customer_id=customer,
            ordered_at=AS_OF - dt.timedelta(days=d),
            sku="MUG",
            product_name="Mug",
            unit_price=a,
            **extra,
        )
        for d, a in zip(days_ago, amounts, strict=True)
    ]


def run(rows, as_of=AS_OF, config=None, **kw):
    return churn_alerts(make_lines(rows).lazy(), as_of, config or defaults(), **kw)


def row(result, customer: str) -> dict:
    return result.alerts.filter(pl.col("customer_id") == customer).row(0, named=True)


@pytest.fixture(scope="module")
def shop():
    rows = (
        orders("steady", [100, 70, 40, 10])  # every 30 days, 10 days ago: active
        + orders("due", [125, 95, 65, 35])  # 35/30 = 1.17: due
        + orders("late", [150, 120, 90, 60])  # 60/30 = 2.0: at risk
        + orders("slipping", [120, 100, 80, 60])  # 60/20 = 3.0: lapsing
        + orders("gone", [130, 120, 110, 100])  # 100/10 = 10: lapsed
        + orders("odd_gap", [330, 300, 270, 70, 45])  # gaps 30, 30, 200, 25: median 30
        + orders("new_one", [10])
        + orders("cooling_one", [90])
        + orders("stalled_one", [200])
        + orders("done_one", [300])
    )
    return run(rows)


class TestCadenceRule:
    def test_small_shop_gets_the_rule_and_is_told_why(self, shop):
        assert shop.method == "rule"
        assert "repeat customers" in shop.method_reason or "history" in shop.method_reason

    @pytest.mark.parametrize(
        ("customer", "status"),
        [
            ("steady", "active"),
            ("due", "due"),
            ("late", "at_risk"),
            ("slipping", "lapsing"),
            ("gone", "lapsed"),
            ("new_one", "new"),
            ("cooling_one", "cooling"),
            ("stalled_one", "second_order_at_risk"),
            ("done_one", "one_and_done"),
        ],
    )
    def test_status_ladder(self, shop, customer, status):
        assert row(shop, customer)["status"] == status

    def test_overdue_reason_and_due_date(self, shop):
        late = row(shop, "late")
        assert late["reasons"][0] == "usually orders every 30 days, now 60 days (2.0×)"
        assert late["expected_next_order"] == AS_OF - dt.timedelta(days=30)

    def test_median_gap_ignores_one_odd_gap(self, shop):
        odd = row(shop, "odd_gap")
        assert odd["gap_median"] == 30  # gaps 30, 30, 200, 25 (the mean would be 71)
        assert odd["status"] == "at_risk"  # 45 / 30 = 1.5

    def test_one_timers_use_default_days_while_few_customers_repeat(self, shop):
        assert "60/120/240 days" in shop.cadence and "defaults" in shop.cadence
        reason = row(shop, "stalled_one")["reasons"][0]
        assert reason == "one order, 200 days ago; second orders here usually come within 60 days"

    def test_alerts_need_an_alert_status_and_enough_risk(self, shop):
        flagged = set(shop.alerts.filter(pl.col("list").is_not_null())["customer_id"])
        assert {"steady", "due", "new_one", "cooling_one"}.isdisjoint(flagged)
        assert {"gone", "done_one"} <= flagged
        risks = shop.alerts.filter(pl.col("list").is_not_null())["risk"]
        assert (risks >= 0.5).all()
        # the to-act list holds 10% of the 10 active customers: one, from the flagged
        assert set(shop.alerts.filter("is_alert")["customer_id"]) < flagged
        assert shop.alerts["is_alert"].sum() == 1

    def test_risk_grows_along_the_ladder(self, shop):
        risk = {c: row(shop, c)["risk"] for c in ("steady", "late", "gone")}
        assert risk["steady"] < risk["late"] < risk["gone"]

    def test_list_is_ranked_by_value_at_risk(self, shop):
        alerts = shop.alerts.filter("is_alert")
        assert alerts["value_at_risk"].is_sorted(descending=True)
        gone = row(shop, "gone")
        # 90-day horizon / 10-day gap = 9 orders, capped at the 4 they ever placed
        assert gone["value_at_risk"] == pytest.approx(gone["risk"] * 20.0 * 4)


def test_second_order_ladder_follows_the_shops_own_repeat_customers():
    rows = []
    for i, gap in enumerate([10, 20, 30, 40, 50]):
        rows += orders(f"r{i}", [300, 300 - gap])
    rows += orders("a", [15]) + orders("b", [35]) + orders("c", [44]) + orders("d", [60])
    config = defaults()
    config["churn"]["min_repeat_for_quantiles"] = 5
    result = run(rows, config=config)
    assert "30/40/46 days" in result.cadence and "repeat customers" in result.cadence
    status = dict(result.alerts.select("customer_id", "status").iter_rows())
    assert [status[c] for c in "abcd"] == [
        "new",
        "cooling",
        "second_order_at_risk",
        "one_and_done",
    ]


class TestReasons:
    def test_spend_down_over_the_last_three_orders(self):
        result = run(orders("x", [200, 170, 140, 110, 80, 50], [100, 100, 100, 60, 60, 60]))
        assert "spend down 40% over the last 3 orders" in row(result, "x")["reasons"]

    def test_last_order_refunded(self):
        rows = orders("x", [120, 90, 60]) + orders("x", [30], status="refunded", refunded=20.0)
        reasons = row(run(rows), "x")["reasons"]
        assert "last order refunded" in reasons
        assert reasons[0].startswith("usually orders every 30 days, now 60 days")

    def test_last_order_partly_refunded(self):
        rows = orders("x", [120, 90]) + orders("x", [60], status="partially_refunded", refunded=5.0)
        assert "last order partly refunded" in row(run(rows), "x")["reasons"]

    def test_only_buys_with_a_discount(self):
        result = run(orders("x", [150, 120, 90], discount_code="SAVE10"))
        assert "only buys with a discount (3 of 3 orders)" in row(result, "x")["reasons"]
        assert row(result, "x")["action"] == "win-back offer: a discount code"

    def test_at_most_three_reasons(self):
        rows = orders(
            "x", [250, 220, 190, 160, 130, 70], [100, 100, 100, 50, 50, 50], discount_code="S"
        ) + orders("x", [60], status="refunded", refunded=50.0)
        reasons = row(run(rows), "x")["reasons"]
        assert len(reasons) == 3
        assert reasons[0].startswith("usually orders every 30 days, now 70 days")


class TestActions:
    def test_full_price_loyal_never_gets_a_discount(self):
        rows = orders("loyal", [150, 120, 90, 60])
        result = run(rows)
        action = row(result, "loyal")["action"]
        assert "no discount" in action and "Mug" in action
        profiles = pl.DataFrame(
            {
                "customer_id": ["loyal"],
                "segment": ["At Risk"],
                "tags": [["full_price_loyal", "discount_hunter"]],
                "favorite_product": ["Blue Mug"],
            }
        )
        action = row(run(rows, profiles=profiles), "loyal")["action"]
        assert "discount code" not in action and "Blue Mug" in action

    def test_top_segments_get_a_personal_note(self):
        rows = orders("vip", [150, 120, 90, 60], discount_code="S")
        profiles = pl.DataFrame(
            {"customer_id": ["vip"], "segment": ["Can't Lose Them"], "tags": [[]]},
            schema_overrides={"tags": pl.List(pl.Utf8)},
        )
        assert row(run(rows, profiles=profiles), "vip")["action"].startswith(
            "personal note from the owner"
        )

    def test_one_timer_gets_a_second_order_nudge(self):
        result = run(orders("one", [200]))
        assert row(result, "one")["action"] == "second-order nudge: something that goes with Mug"


def bought(customer: str, days_ago: int, *products: str) -> list[dict]:
    """One order of `products` (names; the SKU is the name upper-cased), `days_ago` days back."""
    order = f"o{next(_ids)}"
    day = AS_OF - dt.timedelta(days=days_ago)
    return [
        dict(order_id=order, customer_id=customer, ordered_at=day, sku=p.upper(),
             product_name=p, unit_price=20.0)
        for p in products
    ]  # fmt: skip


class TestJourneyActions:
    """Nudges and reminders name what customers who first bought the same thing bought next."""

    @staticmethod
    def rows() -> list[dict]:
        rows = []
        for c in ("a1", "a2", "a3"):  # Mug first, Tea next: the journey
            rows += bought(c, 300, "Mug") + bought(c, 270, "Tea")
        rows += bought("a4", 300, "Mug") + bought("a4", 270, "Mug")  # came back, no Tea
        for c in ("b1", "b2"):  # the rest of the returning customers: Tea is no bestseller
            rows += bought(c, 300, "Cup") + bought(c, 270, "Cup")
        rows += bought("one", 10, "Mug")  # first order a Mug: suggest Tea
        rows += bought("owner", 10, "Mug", "Tea")  # already has Tea: nothing to name
        rows += bought("loner", 10, "Cup")  # Cup leads nowhere in particular
        for d in (65, 35):  # a repeat Mug buyer, due, who never bought Tea
            rows += bought("due", d, "Mug")
        return rows

    @pytest.fixture(scope="class")
    def result(self):
        return run(self.rows())

    def test_picks_are_worked_out_only_where_an_action_names_one(self, monkeypatch, result):
        """Lapsed and one-and-done customers get a win-back offer, a refunded one a personal
        note: their journeys are not worked out, and every action is the same."""
        from shopinsight.core.churn import explain

        asked: list[str] = []
        journey = explain.journey_next

        def spy(lines, customers=None, sequence=None, tz="UTC"):
            asked.extend(customers.to_list())
            return journey(lines, customers, sequence, tz)

        monkeypatch.setattr(explain, "journey_next", spy)
        rows = self.rows() + bought("refunded", 12, "Cup")
        rows[-1].update(status="refunded", refunded=20.0, order_id="r1")
        again = run(rows + bought("refunded", 40, "Cup"))
        assert sorted(asked) == ["due", "loner", "one", "owner"]  # a1..b2 and `refunded` not
        same = again.alerts.filter(pl.col("customer_id") != "refunded").sort("customer_id")
        assert same["action"].to_list() == result.alerts.sort("customer_id")["action"].to_list()

    def test_one_timer_is_nudged_towards_the_next_product(self, result):
        # Mug first and came back: a1-a4 and due (5); of them a1-a3 bought Tea next: 60%
        assert row(result, "one")["action"] == (
            "second-order nudge: suggest Tea — 60% of customers who first bought Mug and came "
            "back bought it next"
        )

    def test_a_due_customer_is_reminded_of_the_next_product(self, result):
        assert row(result, "due")["status"] == "due"
        assert row(result, "due")["action"].startswith("reminder: suggest Tea — 60% of")

    def test_without_a_journey_or_owning_it_the_old_text(self, result):
        assert row(result, "owner")["action"] == "second-order nudge: something that goes with Mug"
        assert row(result, "loner")["action"] == "second-order nudge: something that goes with Cup"
        assert "next_product" not in result.alerts.columns


class TestSeasons:
    @pytest.fixture
    def rows(self):
        days = [(AS_OF - dt.date(y, m, d)).days for y, m, d in [(2022, 12, 5), (2023, 11, 20)]]
        return orders("xmas", days) + orders("other", [20, 10])

    def test_holiday_only_buyer_is_not_alerted_out_of_season(self, rows):
        xmas = row(run(rows), "xmas")
        assert xmas["in_season_wait"] and not xmas["is_alert"]
        assert xmas["reasons"][0] == "holiday-only buyer: not expected before Nov"
        assert xmas["expected_next_order"] == dt.date(2024, 11, 1)
        assert xmas["action"].startswith("nothing until the season")

    def test_in_season_they_are_judged_as_usual(self, rows):
        xmas = row(run(rows, as_of=dt.date(2024, 12, 20)), "xmas")
        assert not xmas["in_season_wait"]


def test_as_of_ignores_later_orders():
    rows = orders("x", [150, 120, 90, 60]) + orders("y", [100, 5])
    later = orders("x", [-10])  # an order after the as-of day
    before = run(rows)
    replay = run(rows + later)
    assert replay.alerts.equals(before.alerts)
    assert row(run(rows + later, as_of=AS_OF + dt.timedelta(days=10)), "x")["recency"] == 0


def test_other_currencies_are_left_out_and_said():
    rows = orders("x", [100, 70, 40]) + orders("y", [50, 20], currency="EUR")
    result = run(rows)
    assert result.currency == "USD"
    assert "y" not in set(result.alerts["customer_id"])
    assert any("2 orders in other currencies" in n for n in result.notes)


class TestSettings:
    def test_template_matches_the_defaults(self):
        assert ChurnSettings.from_config(defaults()) == ChurnSettings()

    def test_horizon_option_wins(self):
        assert ChurnSettings.from_config(defaults(), horizon_days=30).horizon_days == 30

    @pytest.mark.parametrize(
        "bad",
        [{"due": "soon"}, {"at_risk": 0.5}, {"alert_statuses": ["gone"]}, {"model": "magic"}],
        ids=["not-a-number", "thresholds-shrink", "unknown-status", "unknown-model"],
    )
    def test_bad_settings_are_config_errors(self, bad):
        config = defaults()
        config["churn"].update(bad)
        with pytest.raises(ConfigError):
            ChurnSettings.from_config(config)


def test_empty_shop_gives_an_empty_list():
    result = churn_alerts(make_lines(orders("x", [10])).head(0).lazy(), AS_OF, defaults())
    assert result.alerts.height == 0 and result.method == "rule"


def test_profile_holiday_tag_also_waits_for_the_season():
    rows = orders("gifts", [220, 200]) + orders("other", [20, 10])
    profiles = pl.DataFrame(
        {"customer_id": ["gifts"], "segment": ["Hibernating"], "tags": [["holiday_only"]]}
    )
    gifts = row(run(rows, profiles=profiles), "gifts")
    assert gifts["in_season_wait"] and not gifts["is_alert"]
    assert gifts["expected_next_order"] == dt.date(2024, 11, 1)


def test_orders_follow_the_shared_order_rules():
    """churn reads orders in one lean pass; it must count them as orders.orders_frame does."""
    from shopinsight.core.churn.history import _orders
    from shopinsight.core.orders import orders_frame

    rows = (
        orders("a", [30], discount_code="SAVE")
        + orders("a", [20], status="cancelled")
        + orders("b", [10], status="refunded", refunded=20.0)
        + orders("b", [5], status="partially_refunded", refunded=5.0, order_discount=2.0)
        + [dict(order_id="x", customer_id=None, ordered_at="2024-06-01", sku="MUG")]
    )
    rows += [  # two-line orders: items and prices summed over the order's product lines
        dict(order_id=f"m{i}", customer_id="c", ordered_at="2024-05-01", sku=sku, quantity=q,
             discount_code="X" if i else None)
        for i in range(2) for sku, q in (("MUG", 2), ("TEA", 3))
    ]  # fmt: skip
    lines = make_lines(rows)
    # churn keeps no order id (nothing reads it once hashed): orders are compared whole, sorted
    cols = ["customer_id", "ordered_at", "discount_code", "net_revenue", "counted", "has_discount"]
    ours = _orders(lines.lazy(), pl.lit(True))
    ours = ours.sort(ours.columns)
    shared = orders_frame(lines.lazy()).filter(pl.col("customer_id").is_not_null()).collect()
    assert ours.height == shared.height == 6
    assert ours.select(cols).sort(cols).equals(shared.select(cols).sort(cols))
    m1 = ours.filter(pl.col("discount_code") == "X")  # the two-line order m1
    assert m1[["items", "n_lines"]].rows() == [(5, 2)]
    # an order's lines apart in the store: the same orders
    apart = _orders(lines.sample(fraction=1.0, shuffle=True, seed=3).lazy(), pl.lit(True))
    assert apart.sort(apart.columns).equals(ours)


def test_the_shops_sequence_rules_give_the_same_actions_as_learning_them_again(ws):
    """The churn actions name the next product from the shop's cached sequence rules (learnt
    once, shared with the gift plan): the same actions as rules learnt from the lines here."""
    from shopinsight.core.churn.alerts import churn_alerts
    from shopinsight.core.shop import Shop
    from tests.core.test_packing import sample_shop

    ws.commit(sample_shop(400, seed=3), [])
    shop = Shop(ws)
    lines, day, config = shop.lines(), shop.as_of(), shop.config()
    kept = shop.sequence_rules()
    assert kept.height > 0 and kept["first"].dtype == pl.Utf8
    fresh = churn_alerts(lines, day, config).alerts
    shared = churn_alerts(lines, day, config, sequence=kept).alerts
    assert shared.equals(fresh)
    assert shared["action"].str.contains("nudge: suggest").sum() > 10  # next products named
