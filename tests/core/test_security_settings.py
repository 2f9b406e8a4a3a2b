"""Settings are data with ranges: hostile or mistyped values stop with a ConfigError that names
the setting, never a crash deep in an analysis; a BOM is fine; note templates have a size."""

from __future__ import annotations

import random
import time

import polars as pl
import pytest

from shopinsight.core.config import RANGES, defaults, parse_config
from shopinsight.core.errors import ConfigError
from shopinsight.core.gifts.notes import MAX_NOTE_CHARS, note_templates, render_notes

HOSTILE = [
    ("[tags]\ngift_share = nan", "tags.gift_share"),
    ("[tags]\ngift_share = inf", "tags.gift_share"),
    ("[tags]\nvip_top_share = -inf", "tags.vip_top_share"),
    ("[tags]\ngift_share = 1.5", "from 0 to 1"),
    ("[tags]\nnight_start = 99", "from 0 to 24"),
    ("[tags]\nholiday_months = [11, 13]", "from 1 to 12"),
    ("[tags]\nmin_orders_for_share = -3", "tags.min_orders_for_share"),
    ("[bundles]\nmax_size = 1000", "from 2 to 6"),
    ("[churn]\nhorizon_days = 99999999999999999999", "churn.horizon_days"),
    ("[churn]\nseed = -1", "churn.seed"),
    ("[gifts.segments.Champions]\nbudget_pct = 500", "budget_pct"),
    ("x = " + "[" * 3_000 + "]" * 3_000, "nested"),
    ("x = " + "{a = " * 3_000 + "1" + "}" * 3_000, "nested"),
    ("[tags]\nholiday_months = " + "[" * 20 + "1" + "]" * 20, "nested"),
    ("[tags]\nbulk_min_units = " + "9" * 5_000, "cannot be read"),
    ("[tags]\ngift_share = 0.5\n" + "# padding\n" * 200_000, "too large"),
]


@pytest.mark.parametrize(("text", "names"), HOSTILE, ids=[h[1] for h in HOSTILE])
def test_hostile_settings_are_config_errors(text: str, names: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert names in f"{info.value.title} {info.value.detail}"
    assert len(info.value.detail) < 400


def test_a_byte_order_mark_is_accepted(tmp_path) -> None:
    from shopinsight.core.config import load_config

    path = tmp_path / "shopinsight.toml"
    path.write_bytes("\ufeff[tags]\ngift_share = 0.4\n".encode())
    assert load_config(path)["tags"]["gift_share"] == 0.4
    assert parse_config("\ufeff[tags]\ngift_share = 0.3\n")["tags"]["gift_share"] == 0.3


def test_fuzzed_numbers_are_accepted_or_refused_cleanly() -> None:
    """Every numeric setting with odd numbers: a clean ConfigError or a value in range."""
    parse_config("")  # the shipped settings pass their own range checks
    assert any(lo == 0 and hi == 1 for _, lo, hi in RANGES)
    rng = random.Random(14)
    numeric = [
        (section, key)
        for section, values in defaults().items()
        if isinstance(values, dict)
        for key, value in values.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    odd = ["nan", "inf", "-inf", "-1", "1e308", "0", "0.5", "2", "1e9", "-0.0", "12", "36501"]
    for section, key in numeric:
        for value in rng.sample(odd, 5):
            try:
                got = parse_config(f"[{section}]\n{key} = {value}\n")[section][key]
            except ConfigError:
                continue
            assert got == got and abs(got) < 1e10  # finite, in range


def test_a_huge_note_template_is_refused_quickly() -> None:
    big = "Hi {first_name}! " * 250_000  # ~4 MB
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="too long"):
        note_templates({"gifts": {"templates": {"big": big}}})
    assert time.perf_counter() - start < 1


def test_a_rendered_note_is_capped() -> None:
    table = pl.DataFrame({"gift_message": ["x" * (MAX_NOTE_CHARS * 3)]})
    assert len(render_notes(table, "{gift_message}")[0]) <= MAX_NOTE_CHARS
