"""`shopinsight tui` and `shopinsight` alone: open the app, or explain why not."""

from __future__ import annotations

import inspect

from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.cli.tui import open_tui


def test_without_a_terminal_the_app_explains_instead_of_hanging(tmp_path):
    runner = CliRunner()
    for args in (["tui", "--workspace", str(tmp_path)], ["--workspace", str(tmp_path)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "needs an interactive terminal" in result.output
        assert "Traceback" not in result.output


def test_open_tui_signature_the_demo_uses():
    params = inspect.signature(open_tui).parameters
    assert list(params)[:2] == ["workspace_path", "demo"]
    assert params["demo"].default is False


def test_bad_as_of_is_a_clean_error(tmp_path, monkeypatch):
    monkeypatch.setattr("shopinsight.cli.tui._interactive", lambda: True)
    result = CliRunner().invoke(app, ["tui", "--workspace", str(tmp_path), "--as-of", "soon"])
    assert result.exit_code == 2
    assert "Bad --as-of date" in result.output
