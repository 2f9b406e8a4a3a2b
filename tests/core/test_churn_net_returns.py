"""Value at risk is net of return documents: a customer who sends back most of what they buy
puts only what they keep at stake (Online Retail's credit notes made a £650 customer a £27k one)."""

from __future__ import annotations

import pytest

from tests.core.test_churn import orders, row, run

DAYS = [150, 120, 90, 60]  # every 30 days, last 60 days ago: overdue, at risk


def credit_notes(customer: str, days_ago: list[int], units: int) -> list[dict]:
    """One return document per entry: `units` units at 1.00 sent back."""
    return orders(customer, days_ago, 1.0, quantity=-units, status="returned")


@pytest.fixture(scope="module")
def shop():
    rows = (
        orders("returner", DAYS, 1.0, quantity=100)  # buys 100 units each time...
        + credit_notes("returner", [d - 1 for d in DAYS], 95)  # ...and returns 95 the next day
        + orders("keeper", DAYS, 1.0, quantity=5)  # buys the 5 and keeps them
        + orders("full", DAYS, 1.0, quantity=100)  # buys 100 and keeps them
        + orders("steady", [100, 70, 40, 10])
        + orders("other", [200, 150, 100, 50, 20])
    )
    return run(rows)


def test_value_at_risk_counts_only_what_was_kept(shop):
    returner, keeper, full = (row(shop, c) for c in ("returner", "keeper", "full"))
    assert returner["risk"] == pytest.approx(keeper["risk"])  # same timing, same risk
    assert returner["value_at_risk"] > 0
    assert returner["value_at_risk"] == pytest.approx(keeper["value_at_risk"])
    assert returner["value_at_risk"] == pytest.approx(0.05 * full["value_at_risk"])
    assert returner["expected_spend"] == pytest.approx(keeper["expected_spend"])


def test_returns_do_not_change_who_is_alerted_or_the_timing(shop):
    returner, full = row(shop, "returner"), row(shop, "full")
    assert returner["frequency"] == full["frequency"] == 4  # credit notes are not purchases
    assert returner["recency"] == full["recency"] == 60
