"""Churn's next products, the gift catalogue and the picking list on the shop's clock
(`[shop] timezone`), wired from the settings through to what the merchant reads.

The shop by hand (every order one product, times in New York, June 2024 = UTC-4):
  ann, bob, cy:  Mug at 19:30 and Tea at 21:00 on 4 June, Spoon on 11 June
  dee, eve, fay: Cup on 4 June at noon, Plate on 11 June
  gus:           Mug on 5 June at 21:00 (01:00 on 6 June in UTC), not yet shipped
  New York: first days {Mug, Tea} x3, {Cup} x3; second days {Spoon} x3, {Plate} x3:
    Mug -> Spoon (3 of the 3 with Mug first who came back): gus, who has a Mug, gets Spoon.
  UTC: ann's Tea (01:00 on 5 June) is her second purchase day: Mug -> Tea (3 of 3), and gus
    gets Tea. Tea's last sale is 4 June in New York, 5 June in UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.churn.alerts import churn_alerts
from shopinsight.core.churn.explain import journey_next
from shopinsight.core.config import defaults
from shopinsight.core.gifts.packing import picking_csv
from shopinsight.core.shop import Shop
from shopinsight.core.workspace import Workspace
from tests.factories import make_lines
from tests.test_clock_bundles import NY, ny, shop_rows

AS_OF = dt.date(2024, 6, 30)


def _rows() -> list[dict]:
    gus = dict(
        order_id="gus-1", customer_id="gus", sku="MUG", ordered_at=ny(5, 21), fulfilled=False
    )
    return [*shop_rows(), gus]


def _config(tz: str) -> dict:
    config = defaults()
    config["shop"]["timezone"] = tz
    return config


def test_journey_next_reads_the_shops_days() -> None:
    lines, gus = make_lines(_rows()).lazy(), pl.Series(["gus"])
    local = journey_next(lines, gus, tz=NY)
    assert local.select("customer_id", "next_product", "next_after").rows() == [
        ("gus", "SPOON", "MUG")
    ]
    assert journey_next(lines, gus)["next_product"].to_list() == ["TEA"]  # UTC, as before


@pytest.mark.parametrize(("tz", "product"), [(NY, "SPOON"), ("UTC", "TEA")])
def test_churn_nudge_names_the_next_product_of_the_shops_day(tz: str, product: str) -> None:
    result = churn_alerts(make_lines(_rows()).lazy(), dt.date(2024, 8, 30), _config(tz))
    action = result.alerts.filter(pl.col("customer_id") == "gus")["action"].item()
    assert action == (
        f"second-order nudge: suggest {product} — 100% of customers who first bought MUG and "
        "came back bought it next"
    )


def _shop(root: Path, tz: str, rows: list[dict] | None = None, samples: bool = False) -> Shop:
    """The shop (`rows`, else the one by hand) on the clock `tz`; `samples`: every segment's
    policy gives a sample (a 50.00 budget where it gave a card or nothing)."""
    ws = Workspace.open(root)
    ws.commit(make_lines(rows or _rows()), [])
    ws.config()  # the settings file, written with its defaults on first use
    text = ws.config_path.read_text(encoding="utf-8")
    assert 'timezone = "UTC"' in text
    text = text.replace('timezone = "UTC"', f'timezone = "{tz}"')
    if samples:  # the segment lines of [gifts.segments] begin with the segment's quoted name
        text, n = re.subn(
            r'^("[^"]+" = \{ kind = )"(?:none|card)"',
            r'\1"sample", budget = 50.0',
            text,
            flags=re.M,
        )
        assert n >= 5
    ws.config_path.write_text(text, "utf-8")
    return Shop(Workspace.open(root), AS_OF)


@pytest.mark.parametrize(
    ("tz", "tea_sold", "gus_at"),
    [
        (NY, dt.date(2024, 6, 4), "2024-06-05 21:00"),
        ("UTC", dt.date(2024, 6, 5), "2024-06-06 01:00"),
    ],
)
def test_gift_catalogue_and_picking_list_on_the_shops_clock(
    tmp_path: Path, tz: str, tea_sold: dt.date, gus_at: str
) -> None:
    shop = _shop(tmp_path / "ws", tz)
    gifts = shop.gifts()
    last_sold = dict(gifts.catalogue.select("sku", "last_sold").iter_rows())
    assert last_sold["TEA"] == tea_sold
    assert last_sold["SPOON"] == dt.date(2024, 6, 11)  # noon: the same day on either clock
    assert gifts.plan["order_id"].to_list() == ["gus-1"]  # the one order not yet shipped
    rows = picking_csv(gifts.plan, shop.tz()).lstrip("\ufeff").splitlines()
    head, gus = rows[0].split(","), rows[1].split(",")
    assert gus[head.index("ordered_at")] == gus_at
    assert picking_csv(gifts.plan) == picking_csv(gifts.plan, "UTC")  # UTC by default


@pytest.mark.parametrize(("tz", "product"), [(NY, "PLATE"), ("UTC", None)])
def test_gift_sample_is_what_came_next_on_the_shops_days(
    tmp_path: Path, tz: str, product: str | None
) -> None:
    """hal: Soap on 1 June, Cup at 19:30 and Soap at 21:00 on 5 June (01:00 on 6 June in UTC),
    not yet shipped. In New York his latest purchase day is {Cup, Soap}: Cup -> Plate (the 3
    Cup-first customers who came back all bought Plate) picks a Plate sample. In UTC his
    latest day is {Soap} alone and Soap leads nowhere: no sample from what came next.
    1.50 = the 10.00 price x the sample share."""
    hal = [
        dict(order_id="hal-1", customer_id="hal", sku="SOAP", ordered_at=ny(1, 12)),
        dict(order_id="hal-2", customer_id="hal", sku="CUP", ordered_at=ny(5, 19, 30)),
        dict(
            order_id="hal-3", customer_id="hal", sku="SOAP", ordered_at=ny(5, 21), fulfilled=False
        ),
    ]
    gifts = _shop(tmp_path / "ws", tz, _rows() + hal, samples=True).gifts()
    pick = gifts.picks.filter(pl.col("customer_id") == "hal").row(0, named=True)
    if product is None:
        assert "came back for" not in pick["reason"]
        return
    assert (pick["gift_kind"], pick["gift_sku"]) == ("sample", product)
    assert pick["reason"].endswith(
        f"sample {product}: customers who bought CUP came back for {product} (3 of 3); "
        "costs 1.50 of a 50.00 USD budget"
    )


def test_gifts_plan_command_writes_the_picking_list_on_the_shops_clock(tmp_path: Path) -> None:
    """The command's CSV is the picking list the merchant prints: its order time is the one on
    the shop's clock (the order placed at 21:00 in New York, not 01:00 the next day)."""
    from typer.testing import CliRunner

    from shopinsight.cli import app

    _shop(tmp_path / "ws", NY)
    out = tmp_path / "picking.csv"
    result = CliRunner().invoke(
        app, ["-w", str(tmp_path / "ws"), "gifts", "plan", "--as-of", str(AS_OF), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    head, gus = rows[0].split(","), rows[1].split(",")
    assert gus[head.index("ordered_at")] == "2024-06-05 21:00"
