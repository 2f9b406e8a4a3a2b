"""`--json` of a frame: Polars writes exactly the text the json module wrote, or declines."""

from __future__ import annotations

import datetime as dt
import json
import random

import polars as pl

from shopinsight.core.text import json_visible
from shopinsight.json_rows import (
    frame_json,
    frame_json_bytes,
    frame_json_parts,
    write_frame_json,
)

# controls, quotes, backslashes, C1, bidi overrides, line separators, other scripts, emoji
ALPHABET = [chr(c) for c in [*range(0x250), 0x2028, 0x2029, 0x202E, 0x061C, 0x2066, 0x4E2D]]
ALPHABET.append("\U0001f600")


def _python(frame: pl.DataFrame) -> str:
    """What print_json wrote before: json.dumps(indent=2) of the rows, then json_visible."""

    def default(v: object) -> str:
        return v.isoformat() if isinstance(v, dt.date) else str(v)

    rows = frame.to_dicts()
    return json_visible(json.dumps(rows, indent=2, default=default, ensure_ascii=False))


def _text(rng: random.Random) -> str | None:
    if rng.random() < 0.1:
        return None
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))


def test_same_text_as_the_json_module() -> None:
    rng = random.Random(3)
    n = 2000
    day = dt.date(2020, 1, 1)
    frame = pl.DataFrame(
        {
            "customer_id": [_text(rng) for _ in range(n)],
            "orders": [rng.choice([None, rng.randint(-(10**12), 10**12)]) for _ in range(n)],
            "monetary": [
                rng.choice([None, round(rng.uniform(-1e5, 1e5), 2), 0.0, -0.0, 3.0])
                for _ in range(n)
            ],  # fmt: skip
            "accepts": [rng.choice([None, True, False]) for _ in range(n)],
            "last_order": [
                rng.choice([None, day + dt.timedelta(days=rng.randint(0, 3000))]) for _ in range(n)
            ],  # fmt: skip
            "tags": [
                rng.choice([None, [], [_text(rng) or "x" for _ in range(rng.randint(1, 4))]])
                for _ in range(n)
            ],  # fmt: skip
            "scores": [rng.choice([None, [], [1, 2]]) for _ in range(n)],
            'odd "key"\u202e': [1] * n,
        },
        schema_overrides={"orders": pl.Int64, "scores": pl.List(pl.Int32)},
    )
    assert frame_json(frame) == _python(frame)
    assert "".join(frame_json_parts(frame, rows=7) or []) == _python(frame)  # written in parts
    for rows in (7, 1000, 1999, 2000, 5000):  # by Polars' CSV writer: the last part's end
        assert _written(frame, rows) == _python(frame).encode()
    assert _written(frame.head(1), 7) == _python(frame.head(1)).encode()
    assert _written(frame.head(0), 7) == b"[]"
    assert frame_json(frame.head(0)) == "[]"
    assert json.loads(frame_json(frame.head(5)) or "") == json.loads(_python(frame.head(5)))


def test_declines_what_it_would_write_differently() -> None:
    """NaN, exponent floats and datetimes are left to the json module (then written as before)."""
    for values in ([float("nan")], [1e-7], [1e16], [dt.datetime(2024, 1, 1, 10, 30)]):
        assert frame_json(pl.DataFrame({"x": values})) is None
    assert frame_json(pl.DataFrame({"x": [0.0001, 12.5, 9.99e15]})) == _python(
        pl.DataFrame({"x": [0.0001, 12.5, 9.99e15]})
    )


def test_columns_without_nulls_same_text() -> None:
    """Columns with no null take a shorter path (no null test, list items joined): same text."""
    rng = random.Random(5)
    n = 500
    frame = pl.DataFrame(
        {
            "name": [
                "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 9))) for _ in range(n)
            ],
            "tags": [
                [rng.choice(ALPHABET) * 2 for _ in range(rng.randint(0, 3))] for _ in range(n)
            ],
            "ok": [rng.random() < 0.5 for _ in range(n)],
            "day": [dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 400)) for _ in range(n)],
            "spend": [round(rng.uniform(0, 1e4), 2) for _ in range(n)],
        }
    )
    assert frame.null_count().sum_horizontal().item() == 0
    assert frame_json(frame) == _python(frame)
    assert b"".join(frame_json_bytes(frame, rows=33) or []) == _python(frame).encode()


def test_print_json_writes_the_same_text_as_bytes_or_text() -> None:
    """print_json writes UTF-8 bytes to a UTF-8 stdout, text to any other: the same JSON."""
    import io
    import sys

    from shopinsight.cli.app import print_json

    frame = pl.DataFrame({"name": ["Zoë \u202e", 'a"b'], "n": [1, None]})
    want = _python(frame) + "\n"
    for encoding in ("utf-8", "utf-16"):
        raw = io.BytesIO()
        out = io.TextIOWrapper(raw, encoding=encoding)
        old, sys.stdout = sys.stdout, out
        try:
            print("before")
            print_json(frame)
        finally:
            sys.stdout = old
        out.flush()
        assert raw.getvalue().decode(encoding).lstrip("\ufeff") == "before\n" + want


def test_text_escaped_only_where_needed() -> None:
    """A text column is escaped only when it holds a character to escape (`_plain`): each such
    character, alone among thousands of characters that share its leading UTF-8 bytes but are
    written as they are, is still escaped; the near misses alone are not."""
    from shopinsight.json_rows import _ESCAPES, _plain_columns

    near = [chr(c) for c in [*range(0xA0, 0x250), *range(0x600, 0x700), *range(0x2000, 0x2100)]]
    near = [c for c in near if c not in _ESCAPES]
    plain = pl.DataFrame(
        {"name": ["".join(near[i : i + 7]) for i in range(0, len(near), 7)]},
    ).with_columns(tags=pl.concat_list("name", pl.lit("≤ £ … – x")))
    assert _plain_columns(plain, ["name", "tags"]) == {"name", "tags"}
    assert frame_json(plain) == _python(plain)
    for char in _ESCAPES:
        frame = pl.concat([plain.head(60), pl.DataFrame({"name": [f"a{char}b"], "tags": [["x"]]})])
        frame = pl.concat(
            [
                frame,
                frame.select(
                    "name", tags=pl.concat_list(pl.col("tags").list.reverse(), pl.lit(char))
                ),
            ]
        )
        assert _plain_columns(frame, ["name", "tags"]) == set(), repr(char)
        assert frame_json(frame) == _python(frame), repr(char)
        # in parts, each escaped or not on its own: one of them needs it
        assert b"".join(frame_json_bytes(frame, rows=25) or []) == _python(frame).encode()
        assert _written(frame, 25) == _python(frame).encode()


def _written(frame: pl.DataFrame, rows: int) -> bytes:
    import io

    out = io.BytesIO()
    assert write_frame_json(frame, out, rows)
    return out.getvalue()


def test_written_to_a_closed_pipe() -> None:
    """Polars says a closed pipe as a plain OSError: the CLI must see a BrokenPipeError, as from
    Python's own writes (`customers --json | head` ends quietly); nothing is written for a frame
    the json module must write."""
    import errno
    import io
    import os
    import threading

    import pytest

    class Closed(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data: object) -> int:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    frame = pl.DataFrame({"name": ["x" * 50] * 50_000}).with_row_index()
    with pytest.raises(BrokenPipeError):  # Polars writes through the object's write()
        write_frame_json(frame, io.BufferedWriter(Closed(), 64), rows=1000)
    read, write = os.pipe()  # the reader leaves after the first rows (`| head`)
    reader = threading.Thread(target=lambda: (os.read(read, 1000), os.close(read)))
    reader.start()
    with open(write, "wb", buffering=0) as out, pytest.raises(BrokenPipeError):
        write_frame_json(frame, out, rows=1000)  # Polars writes to the file descriptor
    reader.join()
    untouched = io.BytesIO()
    assert not write_frame_json(pl.DataFrame({"x": [float("nan")]}), untouched)
    assert untouched.getvalue() == b""
