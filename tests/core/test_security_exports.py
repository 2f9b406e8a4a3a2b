"""Exports and results that can be trusted: emails kept whole, formulas still defused, files
replaced atomically (never through a symlink, never silently), the same answer on every run."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.config import defaults
from shopinsight.core.customers.profiles import customer_profiles
from shopinsight.core.exporters import export_tags, safe_cell, write_export
from tests.factories import make_lines

AS_OF = dt.date(2024, 6, 30)


def cells(values: list[str | None]) -> list[str | None]:
    return pl.select(safe_cell(pl.Series(values, dtype=pl.Utf8))).to_series().to_list()


def test_emails_starting_with_plus_minus_are_kept_and_formulas_still_defused() -> None:
    emails = ["+alice@x.com", "-bob@shop.co.uk", "_c.d%e@x.io", "ann+news@x.com"]
    assert cells(emails) == emails
    hostile = [
        "=cmd|' /C calc'!A0",
        "+cmd|'/Ccalc'!A0@x.com",  # not a plain address: a pipe and quotes
        "-2+3+cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil")@x.com',
        "@SUM(1+1)",
        "=alice@x.com",
        "@alice@x.com",
        "+39 333 1234567",
    ]
    assert all(v.startswith("'") for v in cells(hostile))


def profiles(rows: int = 6):
    lines = make_lines(
        [
            dict(
                order_id=f"o{i}",
                customer_id=f"{'+-'[i % 2]}c{i}@x.com",
                ordered_at="2024-05-01",
                unit_price=10.0,
                accepts_marketing=True,
            )
            for i in range(rows)
        ]  # fmt: skip
    )
    return customer_profiles(lines.lazy(), AS_OF, defaults())


def test_marketing_exports_keep_plus_minus_addresses() -> None:
    prof = profiles()
    for target, column in (("mailchimp", "Email Address"), ("klaviyo", "Email")):
        frame = export_tags(prof, target).frame
        assert sorted(frame[column].to_list()) == sorted(prof.table["email"].to_list())


def test_an_export_replaces_atomically_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "tags.csv"
    first = export_tags(profiles(), "csv")
    write_export(first, out)
    assert not any("Replaced" in n for n in first.notes)
    again = export_tags(profiles(), "csv")
    write_export(again, out)
    assert any("Replaced the existing file tags.csv" in n for n in again.notes)
    assert [p.name for p in tmp_path.iterdir()] == ["tags.csv"]  # no temporary file left


def test_an_export_never_writes_through_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "tags.csv"
    link.symlink_to(victim)
    export = export_tags(profiles(), "csv")
    write_export(export, link)
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert not link.is_symlink() and "customer_id" in link.read_text(encoding="utf-8")
    assert any("Replaced" in n for n in export.notes)


def test_a_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "tags.csv"
    out.write_text("old\n", encoding="utf-8")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(Exception, match="No space left"):
        write_export(export_tags(profiles(), "csv"), out)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["tags.csv"]


def test_equal_spenders_and_vip_are_the_same_on_every_run() -> None:
    """Amounts whose float sums depend on the order they are added in (0.1 + 0.2 ...)."""
    rows = [
        dict(order_id=f"{c}-{k}", customer_id=f"c{c}@x.com", ordered_at=f"2024-05-{k + 1:02d}",
             unit_price=price)
        for c in range(60)
        for k, price in enumerate([0.1, 0.2, 0.3, 10.7, 3.3][: 2 + c % 4])
    ]  # fmt: skip
    runs = set()
    for seed in range(4):
        lines = make_lines(rows).sample(fraction=1.0, shuffle=True, seed=seed)
        prof = customer_profiles(lines.lazy(), AS_OF, defaults())
        vip = prof.tags.filter(pl.col("tag") == "vip_spend")["customer_id"].sort().to_list()
        runs.add((tuple(prof.table["customer_id"]), tuple(prof.table["monetary"]), tuple(vip)))
    assert len(runs) == 1
