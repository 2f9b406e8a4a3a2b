"""The CLI facing hostile input: escape sequences in every text field of an export reach the
terminal only as visible text; hostile settings (tag conditions that name files or URLs, odd
numbers, deep nesting) stop with exit code 2 and never show a file's content."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.workspace import Workspace
from shopinsight.render import terminal_text
from tests.core.test_packing import sample_shop

PAYLOAD = "\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://evil.example/\x1b\\link\x9b31m\u202e"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")
TEXT_FIELDS = (
    "customer_name", "shipping_name", "billing_name", "product_name", "variant", "category",
    "gift_message", "order_note", "city", "country", "sku", "discount_code",
)  # fmt: skip
HOSTILE_ID = f"c1{PAYLOAD}@example.com"


@pytest.fixture(scope="module")
def hostile_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packing sample shop with the payload in every text field and in one customer id."""
    lines = sample_shop()
    lines = lines.with_columns(
        (pl.col(c).fill_null("") + PAYLOAD).alias(c) for c in TEXT_FIELDS if c in lines.columns
    ).with_columns(
        pl.when(pl.col("customer_id") == "c1@example.com")
        .then(pl.lit(HOSTILE_ID))
        .otherwise(pl.col("customer_id"))
        .alias("customer_id")
    )
    root = tmp_path_factory.mktemp("hostile") / "shop"
    Workspace.open(root).commit(lines.with_columns(email=pl.col("customer_id")), [])
    return root


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide terminal, so the tables show every text column (names, products)."""
    from shopinsight.cli.app import console

    monkeypatch.setattr(console, "_width", 160)


def run(ws: Path, *args: str):
    result = CliRunner().invoke(app, ["--workspace", str(ws), *args])
    assert "Traceback" not in result.output
    return result


def assert_clean(result) -> None:
    raw = [repr(ch) for ch in RAW if ch in result.output]
    assert not raw, f"raw control characters reached the terminal: {raw}"


@pytest.mark.parametrize(
    "args",
    [
        ["customers"],
        ["customers", "--json"],
        ["customers", "--tag", "gift_buyer"],
        ["churn"],
        ["churn", "--all"],
        ["churn", "--all", "--json"],
        ["explain", "c2@example.com"],
        ["explain", "c2@example.com", "--json"],
        ["explain", HOSTILE_ID],
        ["gifts"],
        ["gifts", "--json"],
        ["gifts", "plan"],
        ["gifts", "plan", "--json"],
    ],
    ids=lambda a: " ".join(a).encode("unicode_escape").decode(),
)
def test_escape_payloads_are_shown_not_obeyed(hostile_shop: Path, args: list[str]) -> None:
    result = run(hostile_shop, *args)
    assert result.exit_code in (0, 2), result.output
    assert_clean(result)


def test_the_payload_is_still_visible(hostile_shop: Path) -> None:
    """Shown as text (so the merchant can see the name is odd), not dropped."""
    out = run(hostile_shop, "explain", "c2@example.com").output
    assert "\\x1b]0;pwned\\x07" in out.replace("\n", "")
    data = json.loads(run(hostile_shop, "explain", "c2@example.com", "--json").stdout)
    assert PAYLOAD in data["customer"]["customer_name"]  # JSON keeps the data, escaped


def test_csv_on_a_terminal_is_shown_visibly(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert not any(ch in terminal_text(f"a,{PAYLOAD}\n") for ch in RAW)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    assert terminal_text(PAYLOAD) == PAYLOAD  # into a pipe or file: the data as it is


# -- hostile settings ---------------------------------------------------------------------------


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    Workspace.open(root).commit(sample_shop(customers=12), [])
    return root


def with_settings(root: Path, text: str) -> None:
    (root / "shopinsight.toml").write_text(text, encoding="utf-8")


def test_tag_conditions_cannot_read_files(shop: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("TOPSECRET-FIRST-LINE\n", encoding="utf-8")
    for condition in (
        f"customer_id IN (SELECT column_1 FROM read_csv('{secret}'))",
        f"email = (SELECT column_1 FROM read_csv('{secret}') LIMIT 1)",
        "read_csv('/etc/passwd') is not null",
        "email IN (SELECT * FROM read_csv('http://127.0.0.1:9/x'))",
        "monetary > 1 or " * 400 + "orders = 1",  # huge
    ):
        with_settings(shop, f"[tags.custom]\nleak = '''{condition}'''\n")
        result = run(shop, "customers")
        assert result.exit_code == 2, result.output
        assert "leak" in result.output
        assert "TOPSECRET" not in result.output and "root:" not in result.output


@pytest.mark.parametrize(
    "text",
    [
        "[tags]\ngift_share = nan\n",
        "[tags]\nvip_top_share = inf\n",
        "[churn]\nhorizon_days = 1e300\n",
        "[bundles]\nmax_size = 400\n",
        "[tags]\nnight_start = -7\n",
        "x = " + "[" * 3_000 + "]" * 3_000 + "\n",
        "[gifts.templates]\nbig = '''" + "Hi {first_name}! " * 250_000 + "'''\n",
    ],
    ids=["nan", "inf", "huge-days", "max-size", "negative-hour", "deep", "4MB-template"],
)
def test_hostile_settings_exit_2(shop: Path, text: str) -> None:
    with_settings(shop, text)
    for command in (["customers"], ["gifts"]):
        result = run(shop, *command)
        assert result.exit_code == 2, result.output


def test_settings_with_a_byte_order_mark_work(shop: Path) -> None:
    (shop / "shopinsight.toml").write_bytes("\ufeff[tags]\ngift_share = 0.4\n".encode())
    assert run(shop, "customers").exit_code == 0
