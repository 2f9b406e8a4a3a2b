"""The Overview's "since the last import" panel: the counts of `changes --json` (the same
`Shop.changes()`), every change on `c`, and a plain line when there is nothing to compare."""

from __future__ import annotations

import json

from textual.widgets import Static
from typer.testing import CliRunner

from shopinsight.cli import app as cli_app
from shopinsight.core.workspace import Workspace
from tests.tui.conftest import AS_OF, SAMPLES, go, settle

runner = CliRunner()


def text(app, selector: str) -> str:
    return " ".join(str(app.screen.query_one(selector, Static).render()).split())


def cli_changes(ws) -> dict:
    result = runner.invoke(cli_app, ["--workspace", str(ws.root), "changes", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


async def test_the_panel_counts_what_changes_json_lists(demo_ws, make_app):
    cli = cli_changes(demo_ws)
    assert cli["as_of"] == AS_OF.isoformat()  # the CLI's default day is the app's
    moves = cli["segment_moves"]
    up = sum(1 for m in moves if m["direction"] == "up")
    assert cli["new_customers"] and moves  # the sample shop has changes to show

    app = make_app(demo_ws)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        panel = text(app, "#changes")
        for words in (
            f"{len(cli['new_customers'])} new customers",
            f"{up} moved up a segment, {len(moves) - up} down",
            f"{len(cli['alerts_resolved'])} alerts resolved",
            f"{len(cli['new_alerts'])} new alerts",
            f"bundles: {len(cli['bundles_new'])} appeared, {len(cli['bundles_gone'])} faded",
        ):
            assert words in panel, (words, panel)
        assert cli["since"]["day"] in panel
        assert app.screen.query_one("#changes-panel").display

        await go(pilot, "c")  # every change, the CLI's rows in the CLI's order
        body = text(app, ".dialog-body Static")
        names = [r["customer_name"] for r in cli["new_customers"][:10]]
        assert [n in body for n in names] == [True] * len(names)
        positions = [body.index(n) for n in names]
        assert positions == sorted(positions)
        assert f"Moved segment: {len(moves)}" in body
        if len(cli["new_customers"]) > 10:
            assert f"{len(cli['new_customers']) - 10} more" in body
        await go(pilot, "escape")
        assert not app.screen.is_modal


async def test_a_short_terminal_shows_the_counts_in_a_line(demo_ws, make_app):
    cli = cli_changes(demo_ws)
    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#changes-line").display
        assert not app.screen.query_one("#changes-panel").display
        line = text(app, "#changes-line")
        assert f"{len(cli['new_customers'])} new customers" in line
        assert f"{len(cli['new_alerts'])} new alerts" in line and "c details" in line


async def test_one_import_says_there_is_nothing_to_compare_yet(tmp_path, make_app):
    from shopinsight.core.importers import import_files

    ws = Workspace.open(tmp_path / "one")
    import_files(ws, [SAMPLES / "orders_export_1.csv"])
    app = make_app(ws, as_of=None)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        assert app.screen.changes is None
        assert "after your next import" in text(app, "#changes")
        await go(pilot, "c")
        assert not app.screen.is_modal  # nothing to list: a notice, not an empty dialog


async def test_a_reimport_with_nothing_new_says_so_in_the_apps_words(tmp_path, make_app):
    from shopinsight.core.importers import import_files

    ws = Workspace.open(tmp_path / "twice")
    import_files(ws, [SAMPLES / "orders_export_1.csv"])
    import_files(ws, [SAMPLES / "orders_export_1.csv"])  # skipped: the same orders
    app = make_app(ws, as_of=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = text(app, "#changes-line")
        assert "no orders after the one before" in line and "--since" not in line
