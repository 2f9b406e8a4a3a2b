"""The one sanitiser for untrusted text: every control character and escape shown, never sent."""

from __future__ import annotations

import json

import polars as pl
import pytest

from shopinsight.core.text import UNSAFE, json_visible, visible, visible_expr

PAYLOADS = [
    "\x1b[2J\x1b[H",  # clear screen
    "\x1b]0;pwned\x07",  # window title (OSC, BEL)
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",  # fake hyperlink
    "\x9b31m",  # C1 CSI
    "\x9d0;t\x9c",  # C1 OSC ... ST
    "abc\u202edcb",  # right-to-left override
    "\x00\x08\x7f\r",  # NUL, backspace, DEL, carriage return
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_a_terminal_obeys_is_left(payload: str) -> None:
    shown = visible(f"Anna {payload} Rossi")
    assert not UNSAFE & set(shown)
    assert shown.startswith("Anna ") and shown.endswith(" Rossi")
    column = pl.select(visible_expr(pl.lit(f"Anna {payload} Rossi"))).item()
    assert column == shown


def test_printable_text_is_kept() -> None:
    text = "Zoë 中文 🙂 «quotes» [bold] \\x1b"
    assert visible(text) == text


def test_escapes_are_visible() -> None:
    assert visible("a\x1bb\x9bc\u202e") == "a\\x1bb\\x9bc\\u202e"
    assert visible("one\ntwo\tthree") == "one\\x0atwo\\x09three"
    assert visible("one\ntwo\r", keep_newlines=True) == "one\ntwo\\x0d"


def test_json_keeps_the_data_and_drops_raw_controls() -> None:
    data = {"name": "".join(PAYLOADS)}
    text = json_visible(json.dumps(data, ensure_ascii=False))
    assert json.loads(text) == data
    assert not UNSAFE & set(text)
