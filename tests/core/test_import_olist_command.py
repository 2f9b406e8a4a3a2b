"""Olist's tables imported in one command: order rows merged into the same command's items
are counted as merged, and companion files are reported, not fatal (red team on public data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopinsight.core.errors import InputError
from shopinsight.core.importers import import_files
from tests.core.test_importers_olist import ITEMS, ORDERS, _dataset, _write

# -- 4: orders.csv with order_items.csv into an empty workspace --------------------------------


@pytest.mark.parametrize("items_first", [False, True])
def test_order_rows_merged_into_the_same_commands_items_are_not_unchanged(
    ws, tmp_path, items_first
):
    orders, items = _dataset(tmp_path)
    paths = [items, orders] if items_first else [orders, items]
    reports = {Path(r.file).name: r for r in import_files(ws, paths)}
    o, i = reports[orders.name], reports[items.name]
    # o1-o4 have items (merged into them); o5 has none: an order line of its own
    assert (o.new_lines, o.updated, o.duplicates, o.merged) == (1, 0, 0, 4)
    assert (i.new_lines, i.updated, i.duplicates, i.merged) == (len(ITEMS) - 1, 0, 0, 0)
    for r in (o, i):
        assert r.accepted == r.new_lines + r.updated + r.duplicates + r.merged
    assert any("4 order rows of it were merged into the items of" in w for w in o.warnings)
    assert not any("now or later" in w for w in i.warnings)
    # the same files again: every line is held unchanged
    again = import_files(ws, paths)
    assert all(r.skipped and not r.merged and r.duplicates == r.accepted for r in again)


def test_items_without_their_orders_file_still_say_to_import_it(ws, tmp_path):
    _, items = _dataset(tmp_path)
    [report] = import_files(ws, [items])
    assert any("now or later" in w for w in report.warnings)


# -- 9: every table of the dataset in one command ---------------------------------------------


def test_all_of_olists_files_in_one_command_import_the_orders_and_say_why_others_not(ws, tmp_path):
    _dataset(tmp_path)
    reviews = [["review_id", "order_id", "review_score"], ["r1", "o1", "5"]]
    _write(tmp_path / "olist_order_reviews_dataset.csv", reviews)
    paths = sorted(tmp_path.glob("*.csv"))
    reports = import_files(ws, paths)
    assert [Path(r.file).name for r in reports] == [p.name for p in paths]
    by = {Path(r.file).name: r for r in reports}
    assert by["olist_orders_dataset.csv"].format == "olist-orders"
    assert by["olist_order_items_dataset.csv"].new_lines == len(ITEMS) - 1
    for name in ("olist_customers_dataset.csv", "olist_products_dataset.csv",
                 "product_category_name_translation.csv"):  # fmt: skip
        assert by[name].format == "not imported" and by[name].rows_read == 0
        [why] = by[name].warnings
        assert why.startswith("Read beside olist_"), why
    [why] = by["olist_order_reviews_dataset.csv"].warnings
    assert why == "Skipped: it is Olist's reviews file, which is not imported itself."
    assert len(ws.ledger()) == 2  # only the two imported files are in the ledger
    assert ws.read_lines()["order_id"].n_unique() == len(ORDERS) - 1


def test_a_file_that_is_no_companion_still_stops_the_command(ws, tmp_path):
    orders, items = _dataset(tmp_path)
    other = _write(tmp_path / "notes.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(InputError, match="notes.csv: unknown layout"):
        import_files(ws, [orders, items, other])
    assert not ws.has_lines()


def test_the_real_subset_in_one_command_through_the_cli(tmp_path):
    """../shared/data/olist_subset: `import *.csv` into an empty workspace imports the orders
    and items files (9,889 of the 10,000 order rows merged into their items, 111 orders
    without items kept as order lines) and says of the three companions that they were read
    beside them."""
    import gzip
    import json
    import shutil

    from typer.testing import CliRunner

    from shopinsight.cli import app
    from tests.conftest import shared_file

    folder = tmp_path / "olist"
    folder.mkdir()
    for name in ("orders", "order_items", "customers", "products"):
        with gzip.open(shared_file("olist_subset", f"{name}.csv.gz")) as src:
            (folder / f"{name}.csv").write_bytes(src.read())
    shutil.copy(shared_file("olist_subset", "product_category_name_translation.csv"), folder)
    paths = [str(p) for p in sorted(folder.glob("*.csv"))]
    result = CliRunner().invoke(app, ["-w", str(tmp_path / "ws"), "import", *paths, "--json"])
    assert result.exit_code == 0, result.output
    by = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    orders, items = by["orders.csv"], by["order_items.csv"]
    assert (orders["new_lines"], orders["duplicates"], orders["merged"]) == (111, 0, 9_889)
    assert (items["new_lines"], items["duplicates"]) == (items["rows_read"], 0)
    assert not any("now or later" in w for w in items["warnings"])
    for name in ("customers.csv", "products.csv", "product_category_name_translation.csv"):
        assert by[name]["format"] == "not imported"
        assert by[name]["warnings"][0].startswith("Read beside ")
