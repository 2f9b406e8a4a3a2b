"""A warm start (nothing changed) reads the cached results: no line, no order is read again,
and customer profiles are computed once in a whole pass."""

from __future__ import annotations

from pathlib import Path

import pytest

import shopinsight.core.customers.profiles as profiles_mod
import shopinsight.core.status as status_mod
from shopinsight.core.shop import Shop
from shopinsight.core.workspace import Workspace
from tests.factories import sample_shopify_workspace


@pytest.fixture(scope="module")
def sample_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_shopify_workspace(tmp_path_factory.mktemp("warm"), 5, 150).root


def _pass(shop: Shop) -> dict[str, object]:
    """What the pass shows: customers, alerts, bundle offers, the packing plan."""
    return {
        "customers": shop.profiles().table,
        "alerts": shop.churn().alerts,
        "bundles": shop.bundles(max_size=3).offers,
        "plan": shop.gifts("open").plan,
        "currency": shop.currency(),
        "left_out": shop.left_out(),
    }


def test_profiles_once_per_pass_then_nothing_recomputed(
    sample_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"profiles": 0}
    original = profiles_mod.customer_profiles

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["profiles"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(profiles_mod, "customer_profiles", counted)
    for f in (sample_ws / "cache").glob("*"):
        f.unlink()
    cold = _pass(Shop.open(sample_ws))
    assert calls["profiles"] == 1

    def no_scan(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a warm start read the orders again")

    monkeypatch.setattr(status_mod, "flagged_orders", no_scan)
    monkeypatch.setattr(Workspace, "lines", no_scan)
    monkeypatch.setattr(Shop, "all_orders", no_scan)
    warm = _pass(Shop.open(sample_ws))  # a new process would open the shop like this
    assert calls["profiles"] == 1
    for key, value in cold.items():
        if hasattr(value, "equals"):
            assert value.equals(warm[key]), key  # type: ignore[union-attr]
        else:
            assert value == warm[key], key


def test_thresholds_equal_to_the_settings_share_one_result(sample_ws: Path) -> None:
    """(Not min_orders: given, it is the count itself, so `--min-orders 3` can differ from the
    default even when the settings' floor is 3.)"""
    shop = Shop.open(sample_ws)
    default = shop.bundles()
    assert shop.bundles(max_size=3, min_lift=1.5).offers.equals(default.offers)
    names = [p.name for p in (sample_ws / "cache").glob("shop-*-bundles-*-offers-*.parquet")]
    assert len(names) == 1, names


def test_overview_summaries_read_no_customer_table_when_warm(
    sample_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = Shop.open(sample_ws)
    summary, value = cold.segment_summary(), cold.value().table

    def no_table(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a warm Overview read the customer table")

    monkeypatch.setattr(Shop, "profiles", no_table)
    monkeypatch.setattr(Shop, "all_orders", no_table)
    warm = Shop.open(sample_ws)
    assert warm.segment_summary() == summary
    assert warm.value().table.equals(value)


def test_recording_the_same_alerts_again_writes_nothing(sample_ws: Path) -> None:
    import datetime as dt

    from shopinsight.core.churn.track import load_predictions, record_predictions

    shop = Shop.open(sample_ws)
    view = shop.churn()
    first = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    n = record_predictions(shop.ws, view, now=first)
    again = record_predictions(shop.ws, view, now=first + dt.timedelta(days=1))
    stored = load_predictions(shop.ws)
    assert again == n == stored.height
    assert stored["recorded_at"].unique().to_list() == [first.isoformat()]  # not rewritten
    assert n > 0
    view.alerts = view.alerts.with_columns(value_at_risk=view.alerts["value_at_risk"] + 1.0)
    later = first + dt.timedelta(days=2)
    record_predictions(shop.ws, view, now=later)
    assert load_predictions(shop.ws)["recorded_at"].unique().to_list() == [later.isoformat()]
