"""`shopinsight demo` runs on the sample shop's clock: its workspace's [shop] timezone is the
New York store's, set before the import, so every order's day is the one its export wrote."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.orders import local_day, shop_tz
from shopinsight.core.samples.data import STORE_TZ
from shopinsight.core.workspace import Workspace

SAMPLES = Path(__file__).parents[2] / "sample_exports"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="sample_exports/ is missing")


def demo(folder: Path) -> str:
    result = CliRunner().invoke(app, ["demo", "--no-tui", "--workspace-dir", str(folder)])
    assert result.exit_code == 0, result.output
    return result.output


def order_days(ws: Workspace, source: str) -> pl.DataFrame:
    """Each order of `source` and its day on the shop's clock."""
    tz = shop_tz(ws.config())
    return (
        ws.lines()
        .filter(pl.col("source") == source)
        .group_by("order_id")
        .agg(local_day(pl.col("ordered_at"), tz).first().alias("day"))
        .sort("order_id")
        .collect()
    )


def written_days(file: str, order: str, when: str, fmt: str) -> pl.DataFrame:
    """Each order of a sample export and the date its export wrote."""
    frame = pl.read_csv(SAMPLES / file, infer_schema=False)
    return (
        frame.filter(pl.col(when).is_not_null() & (pl.col(when) != ""))
        .group_by(pl.col(order).alias("order_id"))
        .agg(pl.col(when).first().str.slice(0, len(fmt) + 2).str.to_date(fmt).alias("day"))
        .sort("order_id")
    )


def test_the_demo_reads_days_as_its_exports_wrote_them(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    demo(folder)
    ws = Workspace.open(folder, create=False)
    assert ws.config()["shop"]["timezone"] == STORE_TZ == "America/New_York"
    text = ws.config_path.read_text(encoding="utf-8")
    assert 'timezone = "America/New_York"' in text and "# Your shop's timezone" in text

    # Shopify writes times with their offset: an order at 21:00 in New York is that day's
    shopify = order_days(ws, "shopify")
    written = written_days("orders_export_1.csv", "Name", "Created at", "%Y-%m-%d")
    assert shopify.height == written.height == 832
    assert shopify.equals(written)
    # Etsy writes dates only, with no offset: read in New York, each stays on its date
    etsy = order_days(ws, "etsy")
    written = written_days("EtsySoldOrders.csv", "Order ID", "Sale Date", "%m/%d/%y")
    assert etsy.equals(written)


def test_an_older_demo_on_utc_is_read_again_on_the_shops_clock(tmp_path: Path) -> None:
    """A demo built before the setting (UTC, its offset-less times read as UTC) is moved to the
    shop's clock and its files read again: the same orders, days and times as a new demo."""
    from shopinsight.cli.demo import sample_folder
    from shopinsight.core.importers import import_files

    old = Workspace.open(tmp_path / "old")
    import_files(old, sorted(p for p in sample_folder().iterdir() if p.suffix != ".md"))
    assert shop_tz(old.config()) == "UTC"
    etsy = pl.col("source") == "etsy"
    before = old.lines().filter(etsy).select("ordered_at").collect().to_series()
    assert (before.dt.hour() == 0).all()  # Etsy's dates, read as UTC midnights

    out = demo(tmp_path / "old")
    assert "clock (America/New_York)" in out and "updated" in out
    new = tmp_path / "new"
    demo(new)
    fresh = Workspace.open(new, create=False)
    assert shop_tz(old.config()) == STORE_TZ
    after = old.lines().filter(etsy).select("ordered_at").collect().to_series()
    assert set(after.dt.hour()) == {4, 5}  # New York's midnights (EDT, EST), in UTC
    key = ["source", "store", "order_id", "line_no", "line_kind"]
    columns = [*key, "ordered_at", "line_total", "status"]
    mine = old.lines().select(columns).sort(key).collect()
    theirs = fresh.lines().select(columns).sort(key).collect()
    assert mine.equals(theirs)


def test_a_zone_chosen_for_the_demo_is_kept(tmp_path: Path) -> None:
    from shopinsight.core.settings_writer import save_settings

    folder = tmp_path / "demo"
    demo(folder)
    ws = Workspace.open(folder, create=False)
    save_settings(ws, {("shop", "timezone"): "Europe/Rome"})
    assert "already imported" in demo(folder)
    assert shop_tz(ws.config()) == "Europe/Rome"
