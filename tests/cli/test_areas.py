"""A command line imports only the area module of the command it names (cli.areas)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shopinsight.cli import app
from shopinsight.cli.areas import AREAS, areas_for


def _modules(typer_app: object) -> set[str]:
    """The modules whose functions a Typer app (or group) registered."""
    found = set()
    callback = getattr(typer_app, "registered_callback", None)
    if callback is not None and callback.callback is not None:
        found.add(callback.callback.__module__)
    for command in typer_app.registered_commands:  # type: ignore[attr-defined]
        found.add(command.callback.__module__)
    for group in typer_app.registered_groups:  # type: ignore[attr-defined]
        found |= _modules(group.typer_instance)
    return found


def test_the_table_names_every_command_and_its_modules() -> None:
    app.registered_callback  # noqa: B018 - imports every area, as Typer does when it builds
    registered: dict[str, set[str]] = {}
    for command in app.registered_commands:
        name = command.name or command.callback.__name__.replace("_", "-")
        registered.setdefault(name, set()).add(command.callback.__module__)
    for group in app.registered_groups:
        name = group.name or group.typer_instance.info.name
        registered.setdefault(name, set()).update(_modules(group.typer_instance))
    table = {name: {f"shopinsight.cli.{m}" for m in mods} for name, mods in AREAS.items()}
    assert table == registered


@pytest.mark.parametrize(
    ("argv", "areas"),
    [
        (["churn", "--json"], ("churn",)),
        (["-w", "ws", "export", "audience"], ("tags", "audiences")),
        (["--workspace=ws", "status"], ("imports",)),
        (["-wws", "gifts", "plan"], ("gifts",)),
        (["--workspace", "customers", "bundles"], ("bundles",)),  # a folder named customers
        (["--help"], None),
        (["--version"], None),
        (["custmers"], None),  # a typo: every area, so the error can suggest the right one
        ([], None),
    ],
)
def test_areas_for_a_command_line(argv: list[str], areas: tuple[str, ...] | None) -> None:
    assert areas_for(argv) == areas


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env={"COLUMNS": "100"}
    )


def test_one_area_imported_and_the_same_help() -> None:
    one = _run("-m", "shopinsight", "churn", "--help")
    code = "import shopinsight.cli as c; c.app(prog_name='python -m shopinsight')"
    every = _run("-c", code, "churn", "--help")
    assert one.returncode == every.returncode == 0, one.stderr[-2000:]
    assert one.stdout == every.stdout
    code = (
        "import sys; from shopinsight.cli import main\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print(*sorted(m for m in sys.modules if m.startswith('shopinsight.cli.')))"
    )
    listed = _run("-c", code, "churn", "--help").stdout.split()
    assert "shopinsight.cli.churn" in listed
    assert not set(listed) & {"shopinsight.cli.customers", "shopinsight.cli.gifts"}
