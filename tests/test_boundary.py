"""The analysis core stays pure: importing it never pulls in a user interface library."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    ["shopinsight.core", "shopinsight.core.importers", "shopinsight.core.workspace"]
    + [f"shopinsight.core.{m}" for m in ("profiles", "churn", "bundles", "gifts", "exporters")],
)
def test_core_imports_no_ui(module):
    code = (
        "import importlib, sys\n"
        f"try:\n    importlib.import_module({module!r})\n"
        "except ModuleNotFoundError as e:\n"
        "    if 'shopinsight' in str(e): sys.exit(0)\n    raise\n"
        "bad = [m for m in ('textual', 'typer', 'rich') if m in sys.modules]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
