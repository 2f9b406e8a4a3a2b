"""The terminal app facing escape sequences in export text: the customers table, the detail
panel and dialogs show them visibly; nothing a terminal would obey reaches the screen."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopinsight.core.workspace import Workspace
from shopinsight.tui.widgets.dialogs import ErrorDialog
from shopinsight.tui.widgets.frame_table import FrameTable
from tests.cli.test_security_cli import PAYLOAD, RAW, TEXT_FIELDS
from tests.core.test_packing import sample_shop
from tests.tui.conftest import go, settle


def screen_bytes(app) -> str:
    """What the app sends to the terminal for a full repaint of the current screen."""
    update = app.screen._compositor.render_full_update()
    return update.render_segments(app.console)


def payload_leaks(output: str) -> list[str]:
    """Raw pieces of the payload in the output (Textual's own SGR colour codes are fine)."""
    pieces = ["\x1b]0;pwned", "\x1b[2J", "\x1b]8;;http://evil", "\x07", "\x9b", "\u202e"]
    return [repr(p) for p in pieces if p in output]


async def test_customers_table_and_detail_show_escapes_visibly(tmp_path: Path, make_app):
    lines = sample_shop(customers=30)
    lines = lines.with_columns(
        (pl.col(c).fill_null("") + PAYLOAD).alias(c) for c in TEXT_FIELDS if c in lines.columns
    ).with_columns(email=pl.col("customer_id").str.replace("@", f"{PAYLOAD}@"))
    ws = Workspace.open(tmp_path / "hostile")
    ws.commit(lines, [])
    app = make_app(ws, as_of=lines["ordered_at"].max().date())
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await go(pilot, "2")
        table = app.screen.query_one("#customers-table", FrameTable)
        assert table.row_count == 30
        shown = screen_bytes(app)
        assert "pwned" in shown  # the names are there, shown as text
        assert not payload_leaks(shown)
        grid = table.table
        assert grid is not None
        cells = [str(v) for row in grid.backend.data.rows() for v in row]
        assert not [c for c in cells if any(ch in c for ch in RAW)]

        app.push_screen(ErrorDialog(f"Cannot read {PAYLOAD}.csv", f"Row 3: {PAYLOAD}"))
        await settle(pilot)
        assert not payload_leaks(screen_bytes(app))
        await go(pilot, "escape")
        for key in ("4", "5", "3"):  # churn, bundles, gifts: lists and detail panels
            await go(pilot, key)
            await go(pilot, "down")
            assert not payload_leaks(screen_bytes(app)), key
