"""The analysis core stays pure: it never imports a user interface library."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "shopinsight" / "core"
UI = ("textual", "typer", "rich")


@pytest.mark.parametrize(
    "module",
    ["shopinsight.core.importers", "shopinsight.core.workspace"]
    + [
        f"shopinsight.core.{m}"
        for m in ("customers.profiles", "churn.alerts", "bundles", "gifts.packing", "exporters")
    ],
)
def test_importing_core_loads_no_ui_framework(module):
    # rich is left out here: scikit-learn >= 1.9 imports it itself for progress callbacks.
    code = (
        f"import importlib, sys\nimportlib.import_module({module!r})\n"
        "bad = [m for m in ('textual', 'typer') if m in sys.modules]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: p.name)
def test_core_source_never_imports_ui(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in UI, f"{path.name} imports {name}"
