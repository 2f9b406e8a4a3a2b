"""The README's table of supported exports names every format `shopinsight formats` lists."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shopinsight.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_names_every_format():
    listed = json.loads(CliRunner().invoke(app, ["formats", "--json"]).output)
    table = README.read_text(encoding="utf-8").split("### Supported exports", 1)[1]
    table = table.split("\n\n", 2)[1]  # the table after the heading
    missing = [f["name"] for f in listed if f"`{f['name']}`" not in table]
    assert not missing, f"README's supported exports lack {missing}"
