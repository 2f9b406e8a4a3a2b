"""Discount tags only where the exports say what discount each order had.

A generic export without a discount column (Online Retail, CDNOW) leaves every order's discount
unknown: "3 orders, none with a discount" would then tag every regular full_price_loyal (2,010
of Online Retail's 4,338 customers were) and churn would advise "no discount: they pay full
price" without evidence. The same file with a discount column of zeros backs the tag."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shopinsight.cli import app

runner = CliRunner()


def _export(path: Path, with_discount: bool) -> Path:
    head = "Order ID,Order Date,Customer Email,SKU,Quantity,Unit Price"
    rows = [head + (",Discount Amount" if with_discount else "")]
    for n, customer in enumerate(["ann@example.com", "bob@example.com"]):
        for k in range(4):  # four orders a month apart, none discounted
            line = f"{n}-{k},2024-0{k + 1}-1{n},{customer},TEA,1,12.50"
            rows.append(line + (",0" if with_discount else ""))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _customers(tmp_path: Path, with_discount: bool) -> list[dict]:
    ws = tmp_path / ("with" if with_discount else "without")
    csv = _export(tmp_path / f"orders_{with_discount}.csv", with_discount)
    imported = runner.invoke(app, ["-w", str(ws), "import", str(csv), "--format", "generic"])
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(app, ["-w", str(ws), "customers", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _tags(rows: list[dict]) -> set[str]:
    return {t for r in rows for t in (r.get("tags") or [])}


def test_no_discount_column_no_discount_tags(tmp_path: Path) -> None:
    data = _customers(tmp_path, with_discount=False)
    assert "full_price_loyal" not in _tags(data)
    segments = runner.invoke(app, ["-w", str(tmp_path / "without"), "segments"])
    assert "do not say which orders had a discount" in " ".join(segments.output.split())


def test_a_discount_column_of_zeros_backs_full_price_loyal(tmp_path: Path) -> None:
    data = _customers(tmp_path, with_discount=True)
    assert "full_price_loyal" in _tags(data)


def test_a_customer_with_an_order_of_unknown_discount_is_not_full_price_loyal(
    tmp_path: Path,
) -> None:
    """One shop, two exports: one says each order's discount, the other (an eBay or Taobao
    report, here a plain CSV) has no discount column. Bob's order from the second is of
    unknown discount, so "none discounted" does not hold for him; Ann's orders all say so."""
    ws = str(tmp_path / "ws")
    told = tmp_path / "shop.csv"
    told.write_text(
        "Order ID,Order Date,Customer Email,SKU,Quantity,Unit Price,Discount Amount\n"
        + "".join(f"a{k},2024-0{k + 1}-10,ann@example.com,TEA,1,12.50,0\n" for k in range(4))
        + "".join(f"b{k},2024-0{k + 1}-11,bob@example.com,TEA,1,12.50,0\n" for k in range(3)),
        encoding="utf-8",
    )
    untold = tmp_path / "market.csv"
    untold.write_text(
        "Order ID,Order Date,Customer Email,SKU,Quantity,Unit Price\n"
        "m1,2024-05-12,bob@example.com,TEA,1,12.50\n",
        encoding="utf-8",
    )
    for path, store in ((told, "shop"), (untold, "market")):
        result = runner.invoke(
            app, ["-w", ws, "import", str(path), "--format", "generic", "--store", store]
        )
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["-w", ws, "customers", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    tags = {r["customer_id"]: set(r.get("tags") or []) for r in rows}
    orders = {r["customer_id"]: r["orders"] for r in rows}
    assert orders == {"ann@example.com": 4, "bob@example.com": 4}
    assert "full_price_loyal" in tags["ann@example.com"]
    assert "full_price_loyal" not in tags["bob@example.com"]
