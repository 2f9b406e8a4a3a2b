"""customer_profiles works out the customer table and the tag features side by side (small
shops) or one after the other (big shops, `BIG_SHOP_LINES`: less memory at the peak); both
ways give the same profiles."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

import shopinsight.core.customers.profiles as profiles_mod
from shopinsight.core.shop import Shop
from tests.factories import sample_shopify_workspace


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    return Shop.open(sample_shopify_workspace(tmp_path_factory.mktemp("paths"), 3, 150))


def _profiles(shop: Shop) -> profiles_mod.CustomerProfiles:
    return profiles_mod.customer_profiles(shop.lines(), shop.as_of(), shop.config())


def test_one_after_the_other_as_side_by_side(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    side = _profiles(shop)
    assert side.table.height > 50 and side.tags.height > 0
    monkeypatch.setattr(profiles_mod, "BIG_SHOP_LINES", 0)
    calls: list[str] = []
    real = profiles_mod.ThreadPoolExecutor

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append("pool")
        return real(*args, **kwargs)

    monkeypatch.setattr(profiles_mod, "ThreadPoolExecutor", counted)
    after = _profiles(shop)
    assert calls == []  # the big-shop path took no thread
    assert_frame_equal(side.table, after.table)
    assert_frame_equal(side.tags, after.tags)
    assert_frame_equal(side.replenishment, after.replenishment)
    assert side.stats == after.stats
