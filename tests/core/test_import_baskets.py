"""Basket lists (`--format baskets`): one order per line, never auto-detected, named in the
unknown-layout error (red team on public data)."""

from __future__ import annotations

import polars as pl
import pytest

from shopinsight.core.errors import InputError
from shopinsight.core.importers import FORMATS, import_files, load_file
from tests.core.test_importers_olist import _write

# -- 7: basket lists ---------------------------------------------------------------------------


def test_a_basket_list_is_one_order_per_line_with_trimmed_names(tmp_path):
    path = tmp_path / "baskets.csv"
    path.write_text("citrus fruit,cream cheese ,margarine\nwhole milk\n\n yogurt,whole milk,\n")
    loaded = load_file(path, "baskets")
    lines = loaded.lines
    assert loaded.rows_read == 3 and loaded.rejects.height == 0
    assert lines["order_id"].unique(maintain_order=True).to_list() == [
        "basket:1", "basket:2", "basket:4"
    ]  # fmt: skip
    assert lines["product_name"].to_list() == [
        "citrus fruit", "cream cheese", "margarine", "whole milk", "yogurt", "whole milk"
    ]  # fmt: skip
    assert lines["line_no"].to_list() == [1, 2, 3, 1, 1, 2]
    assert set(lines["quantity"]) == {1} and lines["customer_id"].null_count() == lines.height
    assert lines["line_total"].null_count() == lines.height
    assert lines["ordered_at"].n_unique() == 1
    day = lines["ordered_at"][0].date().isoformat()
    assert any("no dates" in w and day in w for w in loaded.warnings)
    assert not any("buyer identity" in w for w in loaded.warnings)


def test_a_quoted_product_name_keeps_its_commas_and_quotes(tmp_path):
    path = tmp_path / "baskets.csv"
    path.write_bytes(b'\xef\xbb\xbf"cheese, cream",bread\r\n\r\n"milk ""2%""",a"b\r\n,,\r\n')
    lines = load_file(path, "baskets").lines
    assert lines["order_id"].to_list() == ["basket:1", "basket:1", "basket:3", "basket:3"]
    assert lines["product_name"].to_list() == ["cheese, cream", "bread", 'milk "2%"', 'a"b']


def test_a_basket_list_is_not_auto_detected_but_named_in_the_error(tmp_path):
    path = tmp_path / "groceries.csv"
    names = ["citrus fruit", "whole milk", "yogurt", "pip fruit", "rolls/buns", "soda"]
    path.write_text("\n".join(",".join(names[i % 3 : i % 3 + 1 + i % 4]) for i in range(30)) + "\n")
    with pytest.raises(InputError) as err:
        load_file(path)
    assert "--format baskets" in err.value.detail and "--map" in err.value.detail
    assert "ordered_at" not in err.value.detail
    assert "baskets" in FORMATS and not FORMATS["baskets"].signature


def test_an_unknown_layout_with_a_header_is_not_called_a_basket_list(tmp_path):
    path = _write(tmp_path / "x.csv", [["colour", "size"], *[["red", "large"]] * 10])
    with pytest.raises(InputError, match="unknown layout") as err:
        load_file(path)
    assert "baskets" not in err.value.detail


def test_a_basket_file_read_as_baskets_keeps_its_lines_in_a_workspace(ws, tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("a,b\nb,c\n")
    [report] = import_files(ws, [path], "baskets")
    assert (report.rows_read, report.new_lines) == (2, 4)
    lines = ws.read_lines()
    assert lines.select(pl.col("source").unique()).item() == "baskets"


def test_groceries_as_a_merchant_imports_it_give_the_textbook_itemsets(tmp_path):
    """arules' Groceries (../shared/data): 9,835 baskets, 169 items, 333 frequent itemsets at
    support 0.01 (88 items, 213 pairs, 32 triples). Counted by hand from the raw lines here;
    beef → root vegetables: 171 baskets, support 0.01739, confidence 0.3314, lift 3.0404 (the
    textbook's rule)."""
    import gzip
    import itertools
    import json
    from collections import Counter

    from typer.testing import CliRunner

    from shopinsight.cli import app
    from tests.conftest import shared_file

    text = gzip.open(shared_file("groceries", "groceries.csv.gz"), "rt").read()
    path = tmp_path / "groceries.csv"
    path.write_text(text)
    baskets = [{f.strip() for f in line.split(",") if f.strip()} for line in text.splitlines()]
    n = len(baskets)
    count = Counter(i for b in baskets for i in b)
    frequent = {i for i, c in count.items() if c / n >= 0.01}
    sets = Counter(
        s for b in baskets for k in (2, 3) for s in itertools.combinations(sorted(b & frequent), k)
    )
    hand = {s: c for s, c in sets.items() if c / n >= 0.01}
    assert (n, len(count), len(frequent) + len(hand)) == (9_835, 169, 333)

    runner = CliRunner()
    ws = str(tmp_path / "ws")
    auto = runner.invoke(app, ["-w", ws, "import", str(path)])
    assert auto.exit_code == 2 and "--format baskets" in " ".join(auto.output.split())
    result = runner.invoke(app, ["-w", ws, "import", str(path), "--format", "baskets", "--json"])
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)
    assert (report["rows_read"], report["rejected"]) == (n, 0)
    assert report["new_lines"] == sum(len(b) for b in baskets) == 43_367
    args = ["--min-support", "0.01", "--min-orders", "1", "--min-lift", "0", "--max-size", "3"]
    result = runner.invoke(app, ["-w", ws, "bundles", *args, "--top", "1000", "--json"])
    assert result.exit_code == 0, result.output
    found = {tuple(b["items"]): b for b in json.loads(result.stdout)}
    assert {k: b["orders"] for k, b in found.items()} == hand
    pair = found[("beef", "root vegetables")]
    both, beef, roots = hand[("beef", "root vegetables")], count["beef"], count["root vegetables"]
    assert (both, beef, roots) == (171, 516, 1_072)
    assert pair["support"] == both / n
    assert abs(pair["lift"] - both * n / (beef * roots)) < 1e-12  # 3.0404
    rule = next(r for r in pair["rules"] if r["antecedent"] == ["beef"])
    assert abs(rule["confidence"] - both / beef) < 1e-12  # 0.3314
