"""What a new merchant trips over: every mistake is one paragraph and exit code 2 (never a
traceback), output fits 80 columns without cutting names, and every command's help is complete."""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.cli.app import console
from shopinsight.core.config import parse_config
from shopinsight.core.errors import ConfigError
from shopinsight.core.workspace import Workspace
from tests.factories import make_lines

LONG_ID = "a.very.long.customer.address.for.testing@marketplace.example.com"
ROWS = [
    dict(order_id="#1001", customer_id="anna@x.com", ordered_at="2024-05-01",
         customer_name="Anna Rossi", unit_price=50.0, product_name="Mug [/red] large"),
    dict(order_id="#1002", customer_id="anna@x.com", ordered_at="2024-06-01",
         customer_name="Anna Rossi", unit_price=50.0, product_name="Tea"),
    dict(order_id="#1003", customer_id=LONG_ID, ordered_at="2024-06-20", product_name="Tea"),
    dict(order_id="3156241335687891978", customer_id="bob@x.com", ordered_at="2024-06-25",
         fulfilled=False, product_name="Tea"),
]  # fmt: skip


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    Workspace.open(root).commit(make_lines(ROWS), [])
    return root


@pytest.fixture(autouse=True)
def _eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render as in an 80-column terminal, whatever runs the tests."""
    monkeypatch.setattr(console, "_width", 80)


def run(*args: str, ws: Path | None = None, **kwargs):
    prefix = ["--workspace", str(ws)] if ws else []
    result = CliRunner().invoke(app, [*prefix, *args], **kwargs)
    assert "Traceback" not in result.output
    return result


def flat(text: str) -> str:
    """The text without box drawing, line breaks and spaces (long paths fold over lines)."""
    return re.sub(r"[\s│╭╮╰╯─┃┏┓┗┛━┡┩]", "", text)


def fails_cleanly(result, *words: str) -> None:
    """Exit code 2, no traceback, and the message names what is wrong."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for word in words:
        assert flat(word) in flat(result.output), result.output


def _set(ws: Path, old: str, new: str) -> None:
    run("status", ws=ws)  # writes the commented default shopinsight.toml
    path = ws / "shopinsight.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- bad options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["customers", "--as-of", "2024-13-45"], ["Bad --as-of", "YYYY-MM-DD"]),
        (["gifts", "--as-of", "2024-13-45"], ["Bad --as-of"]),  # was swallowed: exit 0
        (["bundles", "--top", "-1"], ["--top"]),
        (["bundles", "--min-support", "7"], ["--min-support"]),
        (["bundles", "--min-lift", "-1"], ["--min-lift"]),
        (["customers", "--limit", "0"], ["--limit"]),
        (["export", "tags", "--to", "nowhere", "-o", "x.csv"], ["nowhere", "mailchimp"]),
        (["customers", "--segment", "VIPs"], ["No segment 'VIPs'", "Champions"]),
        (["customers", "--tag", "vipp"], ["No tag 'vipp'"]),
        (["bundles", "--segment", "VIPs"], ["No segment 'VIPs'"]),
        (["explain", "nobody@x.com"], ["No customer 'nobody@x.com'"]),
        (["tag", "add", "nobody@x.com", "vip"], ["No customer 'nobody@x.com'"]),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) and v and v[0][0].isalpha() else None,
)
def test_bad_options_are_one_paragraph_and_exit_2(shop: Path, args, words) -> None:
    fails_cleanly(run(*args, ws=shop), *words)


# -- broken shopinsight.toml ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("min_orders_for_share = 2", 'min_orders_for_share = "x"', ["min_orders_for_share =",
                                                                     "a number"]),
        ("disabled = []", "disabled = 5", ["disabled", "list"]),
        ("holiday_months = [11, 12]", 'holiday_months = ["nov"]', ["holiday_months"]),
        ("fallback_min_customers = 300", 'fallback_min_customers = "x"', ["[segments]"]),
        ('scheme = "standard"', "scheme = true", ["scheme"]),
        ('currency = ""', "currency = [1]", ["currency"]),
    ],
    ids=["int-as-text", "list-as-int", "list-of-text", "segments-int", "text-as-bool", "list"],
)  # fmt: skip
def test_a_setting_of_the_wrong_type_is_named(shop: Path, old, new, words) -> None:
    _set(shop, old, new)
    for command in (["customers"], ["gifts", "plan"], ["export", "tags", "--to", "csv", "-o", "x"]):
        fails_cleanly(run(*command, ws=shop), "shopinsight.toml", *words)


def test_wrong_types_keep_what_settings_accept() -> None:
    """Numbers where text is the default ("auto" or a share), "off" for a budget, int for float."""
    config = parse_config("[bundles]\nmin_support = 0.02\n[gifts.campaign]\ncontrol_share = 0\n")
    assert config["bundles"]["min_support"] == 0.02
    parse_config('[gifts.segments]\nChampions = { budget = "off" }')
    with pytest.raises(ConfigError, match=r"\[bundles\] min_orders"):
        parse_config('[bundles]\nmin_orders = "x"')
    with pytest.raises(ConfigError, match=r"\[tags\] must be a table"):
        parse_config("tags = 5")


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("\n[tags.custom]\n", '\n[tags.custom]\nbig = "nonexistent > 5"\n',
         ["[tags.custom]", "nonexistent"]),
        ("\n[gifts.templates]\n", '\n[gifts.templates]\nvip_letter = "Hi {firstname}"\n',
         ["{firstname}", "{first_name}"]),
        ('min_support = "auto"', 'min_support = "lots"', ["Bad [bundles] min_support"]),
        ("\n[shop]\n", "\n[shop]\nthis is = = broken\n", ["cannot be read", "line"]),
    ],
    ids=["custom-tag-column", "note-placeholder", "bundles-title-keeps-brackets", "syntax"],
)  # fmt: skip
def test_config_mistakes_show_the_setting_as_written(shop: Path, old, new, words) -> None:
    """Titles such as "Bad [bundles] min_support" keep their brackets (no Rich markup)."""
    _set(shop, old, new)
    command = ["bundles"] if "bundles" in words[0] else ["gifts", "plan"]
    fails_cleanly(run(*command, ws=shop), *words)


# -- output folders, workspaces, files -----------------------------------------------------------


def test_missing_or_wrong_output_paths(shop: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    fails_cleanly(run("gifts", "plan", "-o", str(missing / "n.html"), ws=shop), "does not exist")
    fails_cleanly(run("gifts", "plan", "-o", str(tmp_path), ws=shop), "folder")
    fails_cleanly(
        run("export", "tags", "--to", "csv", "-o", str(missing / "t.csv"), ws=shop), "not exist"
    )
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    fails_cleanly(run("sample", "--out", str(a_file / "sub"), "--customers", "5"), "a_file")


def test_an_unwritable_workspace_database_is_explained(shop: Path) -> None:
    (shop / "state.sqlite").mkdir()  # stands in for a read-only or broken state.sqlite
    fails_cleanly(run("tag", "add", "anna@x.com", "vip", ws=shop), "state.sqlite", "writable")


@pytest.mark.parametrize(
    "command",
    [
        ["customers"], ["segments"], ["explain", "a@x.com"], ["bundles"], ["churn"],
        ["churn", "backtest"], ["gifts", "plan"], ["gifts", "campaign", "start"],
        ["gifts", "campaign", "report"], ["export", "tags", "--to", "csv", "-o", "x.csv"],
    ],
    ids=" ".join,
)  # fmt: skip
def test_every_analysis_on_an_empty_workspace(tmp_path: Path, command) -> None:
    fails_cleanly(run(*command, ws=tmp_path / "empty"))


def test_a_workspace_that_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ws.txt"
    path.write_text("not a folder")
    for command in (["status"], ["customers"], ["import", str(path)]):
        fails_cleanly(run(*command, ws=path), "not a folder")


def test_an_unexpected_error_is_one_paragraph_and_debug_shows_it(shop, monkeypatch) -> None:
    import shopinsight.core.status as status

    def boom(*args, **kwargs):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(status, "shop_status", boom)
    result = run("status", ws=shop)
    assert result.exit_code == 70 and "something inside broke" in result.output
    assert "SHOPINSIGHT_DEBUG" in result.output
    monkeypatch.setenv("SHOPINSIGHT_DEBUG", "1")
    debug = CliRunner().invoke(app, ["--workspace", str(shop), "status"])
    assert isinstance(debug.exception, RuntimeError)


# -- Ctrl-C during import ------------------------------------------------------------------------

CSV = (
    "order_id,date,customer,sku,qty,price\n"
    "1,2024-01-01,a@x.com,A,1,5.00\n2,2024-01-02,b@x.com,B,1,6\n"
)


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_ctrl_c_before_saving_leaves_the_workspace_as_it_was(tmp_path, monkeypatch) -> None:
    import shopinsight.core.importers as importers

    ws = tmp_path / "ws"
    assert run("import", str(_export(tmp_path)), ws=ws).exit_code == 0
    before = {p.name: p.read_bytes() for p in ws.iterdir() if p.is_file()}

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importers, "merge_into", interrupted)
    other = tmp_path / "other.csv"
    other.write_text(CSV.replace("a@x.com", "c@x.com").replace("1,2024", "7,2024"), "utf-8")
    result = run("import", str(other), ws=ws)
    assert result.exit_code == 130 and "unchanged" in result.output
    assert {p.name: p.read_bytes() for p in ws.iterdir() if p.is_file()} == before


@pytest.fixture
def ctrl_c_interrupts():
    """Ctrl-C raises KeyboardInterrupt, as in a terminal, even when pytest was started in the
    background (a shell's background job inherits SIGINT ignored, and so would this test)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_while_saving_finishes_the_save_and_says_so(
    tmp_path, monkeypatch, ctrl_c_interrupts
) -> None:
    import shopinsight.core.workspace as workspace

    real = workspace.atomic_write_bytes

    def write_then_ctrl_c(path, data):
        if path.name == "manifest.json":  # the commit point, after the ledger: mid-commit
            os.kill(os.getpid(), signal.SIGINT)
        real(path, data)

    # the lines' parts are streamed before the commit; the ledger and the manifest are its
    # files, written by this main thread, so the signal arrives in the middle of the commit
    monkeypatch.setattr(workspace, "atomic_write_bytes", write_then_ctrl_c)
    ws = tmp_path / "ws"
    result = run("import", str(_export(tmp_path)), ws=ws)
    assert result.exit_code == 130 and "saved" in result.output
    assert len(Workspace.open(ws).ledger()) == 1  # lines and ledger written together
    assert not [p for p in ws.iterdir() if ".tmp" in p.name]


def test_an_interrupted_write_leaves_no_temp_file(tmp_path, monkeypatch) -> None:
    import shopinsight.core.workspace as workspace

    def interrupted_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(workspace.os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        workspace.atomic_write_parquet(tmp_path / "lines.parquet", make_lines(ROWS))
    assert list(tmp_path.iterdir()) == []


# -- 80 columns ----------------------------------------------------------------------------------


def first_column(table: str) -> str:
    """The first column's cells of a Rich table, joined: a folded name reads whole again."""
    return "".join(line.split("│")[1].strip() for line in table.splitlines() if line[:1] == "│")


def _fits(text: str) -> None:
    assert max(len(line) for line in text.splitlines()) <= 80, text


def test_import_table_keeps_long_file_names_whole(tmp_path: Path) -> None:
    path = tmp_path / "orders_export_1.enavant-2021-22.redacted.csv"
    path.write_text(CSV, encoding="utf-8")
    result = run("import", str(path), ws=tmp_path / "ws")
    assert result.exit_code == 0 and "…" not in result.output
    _fits(result.output)
    assert "orders_export_1.enavant-2021-22.redacted.csv" in first_column(result.output)


def test_tables_fit_80_columns_and_cut_no_ids(shop: Path) -> None:
    customers = run("customers", ws=shop)
    assert customers.exit_code == 0
    _fits(customers.output)
    assert LONG_ID in first_column(customers.output)  # folded over lines, never cut to "…"
    plan = run("gifts", "plan", "--orders", "all", ws=shop)
    assert plan.exit_code == 0 and "3156241335687891978" in plan.output and "…" not in plan.output
    _fits(plan.output)
    formats = run("formats")
    assert "order/date/customer/pro…" not in formats.output
    _fits(formats.output)


def test_text_that_looks_like_markup_is_shown_as_is(shop: Path) -> None:
    """A tag or product name with `[/...]` used to crash Rich (MarkupError) or vanish."""
    assert run("tag", "add", "anna@x.com", "[/vip]", ws=shop).exit_code == 0
    for command in (["customers"], ["tag", "list"], ["explain", "anna@x.com"]):
        result = run(*command, ws=shop)
        assert result.exit_code == 0 and "[/vip]" in result.output, result.output


def test_json_times_are_iso_8601(shop: Path) -> None:
    info = json.loads(run("status", "--json", ws=shop).stdout)
    assert info["first_order"].startswith("2024-05-01T") and info["as_of"] == "2024-06-25"


# -- help ----------------------------------------------------------------------------------------


def _commands(command, path=()):
    subs = getattr(command, "commands", None) or {}
    yield path, command
    for name, sub in subs.items():
        yield from _commands(sub, (*path, name))


def test_every_command_has_an_example_and_every_option_a_help_text() -> None:
    root = typer.main.get_command(app)
    for path, command in _commands(root):
        result = run(*path, "--help")
        assert result.exit_code == 0, path
        _fits(result.output)
        assert "<bool>" not in result.output and "<list[" not in result.output, path
        if path:
            assert "Example" in result.output, f"no example in `shopinsight {' '.join(path)}`"
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{' '.join(path)} {param.opts[0]} has no help"
    segments = run("segments", "--help").output
    assert "[segments]" in segments  # a setting's section, not swallowed as Rich markup
