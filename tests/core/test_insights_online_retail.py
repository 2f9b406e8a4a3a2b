"""Cohorts and repeat timing on UCI Online Retail, checked against a hand computation from the
raw file with plain Polars (credit notes, invoices starting with "C", are never purchases but
their negative money counts in the period it came back)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.importers import import_files
from shopinsight.core.shop import Shop
from shopinsight.core.workspace import Workspace
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def raw_file(tmp_path_factory) -> Path:
    src = shared_file("online_retail", "online_retail.csv.gz")
    out = tmp_path_factory.mktemp("uci") / "online_retail.csv"
    with gzip.open(src, "rb") as fh, open(out, "wb") as dst:
        shutil.copyfileobj(fh, dst)
    return out


@pytest.fixture(scope="module")
def shop(raw_file, tmp_path_factory) -> Shop:
    ws = Workspace.open(tmp_path_factory.mktemp("uci-ws") / "ws")
    (ws.root / "shopinsight.toml").write_text('[shop]\ncurrency = "GBP"\n', encoding="utf-8")
    import_files(ws, [raw_file])
    return Shop.open(ws)


@pytest.fixture(scope="module")
def invoices(raw_file) -> pl.DataFrame:
    """One row per invoice, by hand: customer, month index, value, and whether it is a
    purchase (not a credit note, a customer, money kept)."""
    raw = pl.read_csv(raw_file, infer_schema=False)
    return (
        raw.with_columns(
            (pl.col("Quantity").cast(pl.Int64) * pl.col("UnitPrice").cast(pl.Float64)).alias("v"),
            pl.col("InvoiceDate").str.to_datetime("%Y-%m-%d %H:%M:%S").alias("at"),
        )
        .group_by("InvoiceNo")
        .agg(pl.col("CustomerID").first(), pl.col("at").min(), pl.col("v").sum())
        .with_columns(
            (pl.col("at").dt.year() * 12 + pl.col("at").dt.month() - 1).alias("m"),
            pl.col("at").dt.date().alias("day"),
            (
                ~pl.col("InvoiceNo").str.starts_with("C")
                & pl.col("CustomerID").is_not_null()
                & (pl.col("v") > 0)
            ).alias("purchase"),
        )
    )


def test_cohorts_match_a_hand_computation(shop, invoices):
    first = invoices.filter("purchase").group_by("CustomerID").agg(pl.col("m").min().alias("c"))
    last = invoices["m"].max()
    mine = (
        invoices.join(first, on="CustomerID")
        .with_columns((pl.col("m") - pl.col("c")).alias("k"))
        .filter(pl.col("k") >= 0)  # credit notes for goods bought before December 2010
    )
    sizes = dict(first.group_by("c").len().iter_rows())
    active = dict(
        mine.filter("purchase")
        .group_by("c", "k")
        .agg(pl.col("CustomerID").n_unique())
        .select(pl.concat_str("c", pl.lit(":"), "k"), "CustomerID")
        .iter_rows()
    )
    money = dict(
        mine.group_by("c", "k")
        .agg(pl.col("v").sum())
        .select(pl.concat_str("c", pl.lit(":"), "k"), "v")
        .iter_rows()
    )
    got = shop.cohorts("month").to_json()
    assert [c["cohort"] for c in got] == [f"{c // 12}-{c % 12 + 1:02d}" for c in sorted(sizes)]
    for cohort, c in zip(got, sorted(sizes), strict=True):
        n = last - c + 1
        assert cohort["customers"] == sizes[c]
        assert cohort["active"] == [active.get(f"{c}:{k}", 0) for k in range(n)]
        assert cohort["revenue"] == pytest.approx(
            [money.get(f"{c}:{k}", 0.0) for k in range(n)], abs=0.01
        )
    dec = got[0]
    assert (dec["cohort"], dec["customers"], dec["active"][:3]) == ("2010-12", 885, [885, 324, 286])
    # credit notes take their money back in the cohorts' revenue...
    returns = mine.filter(pl.col("InvoiceNo").str.starts_with("C"))["v"].sum()
    assert returns < -100_000
    assert sum(sum(c["revenue"]) for c in got) == pytest.approx(mine["v"].sum(), abs=0.5)
    # ...but are not purchases: counted as such, some months would have more active customers
    loose = (
        mine.filter(pl.col("CustomerID").is_not_null())
        .group_by("c", "k")
        .agg(pl.col("CustomerID").n_unique())
    )
    assert loose["CustomerID"].sum() > sum(active.values())


def test_first_to_second_median_matches_by_hand(shop, invoices):
    days = (
        invoices.filter("purchase")
        .select("CustomerID", "day")
        .unique()
        .sort("CustomerID", "day")
        .with_columns(
            (pl.col("day").shift(-1).over("CustomerID") - pl.col("day"))
            .dt.total_days()
            .alias("gap"),
            pl.int_range(pl.len()).over("CustomerID").alias("i"),
        )
        .filter(pl.col("i") == 0)
    )
    step = shop.repeat().steps["first_to_second"]
    assert step["customers"] == days.height == 4338
    assert step["returned"] == days["gap"].is_not_null().sum()
    assert step["median_days"] == days["gap"].median()
    age = (pl.lit(shop.as_of()) - pl.col("day")).dt.total_days()
    old = days.filter(age >= 90)
    assert step["within_days"]["90"] == pytest.approx(
        old.filter(pl.col("gap") <= 90).height / old.height, abs=1e-4
    )
