"""Finding an export: every file listed with why it cannot be imported, completion, places."""

from __future__ import annotations

from pathlib import Path

from shopinsight.core.files import complete, folder_entries, places, why_not_importable


def _touch(path: Path, text: str = "a,b\n1,2\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_every_file_is_listed_with_why(tmp_path):
    for name in ("orders.csv", "Orders.xlsx", "invoice.pdf", "export.csv.gz", "notes.md"):
        _touch(tmp_path / name)
    _touch(tmp_path / "empty.tsv", "")
    _touch(tmp_path / ".hidden.csv")
    (tmp_path / "2024").mkdir()
    entries = folder_entries(tmp_path)
    names = [e.name for e in entries]
    assert names[0] == "2024" and ".hidden.csv" not in names
    why = {e.name: e.why_not for e in entries}
    assert why["orders.csv"] == ""
    assert "save it as CSV" in why["Orders.xlsx"]
    assert "PDF" in why["invoice.pdf"]
    assert "unpack it first" in why["export.csv.gz"]
    assert "only .csv, .tsv and .txt" in why["notes.md"]
    assert why["empty.tsv"] == "empty file"
    assert [e.name for e in entries if e.importable] == ["orders.csv"]
    assert why_not_importable(Path("x.XLSX")).startswith("a spreadsheet")


def test_completion(tmp_path):
    _touch(tmp_path / "shop" / "orders-2025.csv")
    _touch(tmp_path / "shop" / "orders-2026.csv")
    _touch(tmp_path / "shop" / "refunds.csv")
    assert complete("sh", tmp_path) == "shop/"
    assert complete("shop/o", tmp_path) == "shop/orders-202"
    assert complete("shop/r", tmp_path) == "shop/refunds.csv"
    assert complete("shop/orders-202", tmp_path) is None  # two candidates: nothing to add
    assert complete(str(tmp_path / "shop" / "re"), Path("/")) == str(tmp_path / "shop/refunds.csv")
    assert complete("nope/x", tmp_path) is None


def test_places_include_downloads(tmp_path):
    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    start = tmp_path / "work"
    start.mkdir()
    assert places(start, home) == [
        ("Opened in", start),
        ("Downloads", home / "Downloads"),
        ("Home", home),
    ]
