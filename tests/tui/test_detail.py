"""The Customers detail panel's story of one customer (tui.detail)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from shopinsight.core.importers import import_files
from shopinsight.core.shop import Shop
from shopinsight.core.workspace import Workspace
from shopinsight.tui.detail import customer_detail, render_detail

DATA = Path(__file__).resolve().parents[1] / "data" / "generic"


def test_a_customer_without_name_or_email_is_named_by_the_shops_own_id(tmp_path: Path):
    """As the table names them ("16446", not "generic:16446")."""
    ws = Workspace.open(tmp_path / "ws")
    ws.config_path.write_text('[shop]\ncurrency = "GBP"\n', encoding="utf-8")
    import_files(ws, [DATA / "credit_notes.csv"])
    shop = Shop(ws)
    detail = customer_detail(shop, "generic:16446")
    console = Console(width=60, record=True)
    console.print(render_detail(detail))
    text = console.export_text()
    assert text.splitlines()[0].strip() == "16446 · United Kingdom"
    assert "generic:" not in text
    assert detail["orders"].height == shop.customer_orders("generic:16446").height > 0
