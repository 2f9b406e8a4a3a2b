"""Option values read without Pydantic give what Typer's own coercion gives, errors included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer._coercion import build_runtime_param

from shopinsight.cli import app

VALUES: list[Any] = [
    None, "5", "-2", "0", "007", "1.5", "-0.25", "1e3", "abc", "", " 3", "x/y", "nan",
    "99999999999999999999", 3, 2.5, True, ["a", "b"], ["1", "x"], (), Path("notes.html"),
]  # fmt: skip


def _params() -> list[tuple[str, Any]]:
    group = typer.main.get_command(app)
    found = []

    def walk(command: Any, path: str) -> None:
        for param in command.params:
            found.append((f"{path} {param.name}", param))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}")

    walk(group, "shopinsight")
    return found


def _outcome(runtime: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    try:
        return "value", runtime.coerce(value, param=param, ctx=ctx)
    except Exception as error:  # noqa: BLE001 - the error itself is what is compared
        return type(error).__name__, str(error)


def test_plain_options_read_like_typer(tmp_path: Path) -> None:
    params = _params()
    light = [(name, p) for name, p in params if type(p._runtime_param).__name__ == "_LightValue"]
    assert len(light) > 100  # every plain option of every command
    group = typer.main.get_command(app)
    with group.make_context("shopinsight", ["--help"], resilient_parsing=True) as ctx:
        for name, param in light:
            real = build_runtime_param(param.type_descriptor)
            for value in VALUES:
                got = _outcome(param._runtime_param, value, param, ctx)
                want = _outcome(real, value, param, ctx)
                assert repr(got) == repr(want), (name, value)  # repr: nan == nan


def test_a_warm_command_and_a_subcommand_help_import_no_pydantic() -> None:
    for args in (["gifts", "plan", "--help"], ["churn", "--top", "x"], ["bundles", "--top", "3"]):
        run = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "shopinsight", "-w", "/nonexistent", *args],
            capture_output=True,
            text=True,
        )
        if args[-1] == "x":  # a bad value: Typer's own error (and Pydantic) is fine
            assert "Invalid value" in run.stderr or "not a valid" in run.stderr
            continue
        assert "pydantic" not in run.stderr, args


@pytest.mark.parametrize("args", [["churn", "--top", "0"], ["bundles", "--min-lift", "x"]])
def test_bad_values_still_say_what_is_wrong(args: list[str]) -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "Invalid value" in result.output


def test_escape_is_rich_markup_escape() -> None:
    """cli.lazy_rich.escape (Rich not imported) escapes exactly as rich.markup.escape."""
    import random

    from rich.markup import escape as rich_escape

    from shopinsight.cli.lazy_rich import escape

    rng = random.Random(11)
    pieces = ["[", "]", "\\", "a", "b", "#", "/", "@", "Z", " ", "[bold]", "[/]", "\\[x]", "é"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert escape(text) == rich_escape(text), text
