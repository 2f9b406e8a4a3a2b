"""Pilot: the Export screen writes a Meta audience and a hashed Google Customer Match list."""

from __future__ import annotations

import hashlib

import polars as pl
from textual.widgets import Checkbox, Input, Select, Static

from tests.tui.conftest import SIZE, go, settle
from tests.tui.test_app import text_of


async def test_export_an_audience_for_meta_and_google(demo_ws, make_app, exports_dir):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "e")
        screen = app.screen
        assert screen.query_one("#export-hashed", Checkbox).disabled  # not for tag lists
        screen.query_one("#export-target", Select).value = "meta"
        await settle(pilot)
        dest = screen.query_one("#export-dest", Input)
        assert dest.value == "shopinsight-exports/meta-audience.csv"
        assert not screen.query_one("#export-hashed", Checkbox).disabled
        assert screen.query_one("#export-prefix", Input).disabled  # audiences carry no tags
        count = text_of(app, "#export-count")
        assert "Amazon relay address" in count and "no marketing consent" in count
        await go(pilot, "ctrl+s")
        title = str(app.screen.query_one(".dialog-title", Static).content)
        assert title.endswith(" to a Meta custom audience?")  # not "for meta"
        await go(pilot, "y")
        meta = pl.read_csv(
            exports_dir / "shopinsight-exports" / "meta-audience.csv", infer_schema=False
        )
        assert meta.columns == ["email", "phone", "fn", "ln", "ct", "st", "zip", "country"]
        prof = app.data.profiles().table
        consenting = prof.filter(
            pl.col("accepts_marketing").fill_null(False)
            & ~pl.col("email").str.contains("@marketplace.amazon.", literal=True).fill_null(False)
        )
        emails = set(meta["email"].drop_nulls())
        assert emails and emails <= set(consenting["email"].str.to_lowercase())
        assert f"{meta.height:,} customers will be written" in text_of(app, "#export-count")

        screen.query_one("#export-target", Select).value = "google"
        screen.query_one("#export-hashed", Checkbox).value = True
        await settle(pilot)
        assert "SHA-256" in text_of(app, "#export-count")
        await go(pilot, "ctrl+s")
        await go(pilot, "y")
        google = pl.read_csv(
            exports_dir / "shopinsight-exports" / "google-customer-match.csv", infer_schema=False
        )
        hashed = {hashlib.sha256(e.encode()).hexdigest() for e in emails}
        assert set(google["Email"].drop_nulls()) == hashed
        assert set(google["Country"].drop_nulls()) <= {"US", "CA", "GB", "AU", "DE"}  # plain


async def test_the_audience_reads_addresses_through_the_shops_cache(demo_ws, make_app):
    """Counting an audience reads each customer's address from the workspace cache (one
    computation per data version), and a choice made again is not rebuilt."""
    from shopinsight.core.shop import Shop
    from shopinsight.tui.screens.export import export_preview

    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "e")
        app.screen.query_one("#export-target", Select).value = "google"
        await settle(pilot)
        assert "customers will be written" in text_of(app, "#export-count")
        assert list(demo_ws.cache_dir.glob("shop-*-addresses-*"))
        shop = app.data
        profiles = shop.profiles()
        first = export_preview(shop, profiles, "google", {"segments": None}, True)
        assert export_preview(shop, profiles, "google", {"segments": None}, True) is first
    again = Shop(demo_ws, app.data.as_of())
    assert again.addresses().equals(shop.addresses())  # read back from the cache, same rows
