"""`[shop] timezone` written by hand in shopinsight.toml: a name in the wrong capitals is the
zone it spells (used, and shown, in its own capitals); a name that is no zone is refused with
the zone it most likely meant."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.config import parse_config
from shopinsight.core.errors import ConfigError
from shopinsight.core.shop import Shop
from shopinsight.core.workspace import Workspace
from tests.core.test_shop_clock import write_timezone
from tests.factories import make_lines

PARIS = ZoneInfo("Europe/Paris")
# 23:30 on 31 March in Paris is 21:30 UTC: the same day either way; 00:30 on 1 April in Paris
# is 22:30 UTC on 31 March: April in Paris, March in UTC
ROWS = [
    dict(order_id="1", customer_id="ann@x.com", unit_price=30.0,
         ordered_at=dt.datetime(2024, 3, 10, 12, 0, tzinfo=PARIS).astimezone(dt.UTC)),
    dict(order_id="2", customer_id="bob@x.com", unit_price=20.0,
         ordered_at=dt.datetime(2024, 4, 1, 0, 30, tzinfo=PARIS).astimezone(dt.UTC)),
]  # fmt: skip


def _workspace(root: Path, tz: str) -> Path:
    ws = Workspace.open(root)
    ws.commit(make_lines(ROWS), [])
    write_timezone(ws, tz)
    return root


@pytest.mark.parametrize(
    ("written", "zone"),
    [
        ("europe/paris", "Europe/Paris"),
        ("EUROPE/PARIS", "Europe/Paris"),
        ("Europe/Paris", "Europe/Paris"),
        ("america/new_york", "America/New_York"),
        ("etc/gmt+5", "Etc/GMT+5"),
        ("utc", "UTC"),
    ],
)
def test_a_zone_in_other_capitals_is_read_as_the_zone(written: str, zone: str) -> None:
    assert parse_config(f'[shop]\ntimezone = "{written}"\n')["shop"]["timezone"] == zone


@pytest.mark.parametrize(
    ("written", "hint"),
    [("Europe/Pariss", "Did you mean Europe/Paris"), ("Mars/Olympus", None)],
)
def test_a_name_that_is_no_zone_is_refused(written: str, hint: str | None) -> None:
    with pytest.raises(ConfigError, match="Unknown shop.timezone") as caught:
        parse_config(f'[shop]\ntimezone = "{written}"\n')
    message = str(caught.value)
    assert written in message and "[shop] timezone" in message
    assert ("Did you mean" in message) == (hint is not None)
    if hint:
        assert hint in message


def test_the_shop_runs_on_the_zone_written_in_lower_case(tmp_path: Path) -> None:
    path = _workspace(tmp_path / "ws", "europe/paris")
    shop = Shop.open(path)
    assert shop.tz() == "Europe/Paris"
    assert shop.as_of() == dt.date(2024, 4, 1)  # 00:30 on 1 April in Paris (22:30 UTC on 31 March)
    result = CliRunner().invoke(app, ["--workspace", str(path), "cohorts", "--json"])
    assert result.exit_code == 0, result.output
    assert [c["cohort"] for c in json.loads(result.stdout)] == ["2024-03", "2024-04"]


def test_a_typo_in_the_file_is_a_clean_error_naming_the_zone(tmp_path: Path) -> None:
    path = _workspace(tmp_path / "ws", "Europe/Pariss")
    result = CliRunner().invoke(app, ["--workspace", str(path), "cohorts"])
    assert result.exit_code != 0
    said = " ".join(result.output.replace("│", " ").split())  # the panel's lines joined
    assert "Unknown shop.timezone" in said and "Did you mean Europe/Paris" in said
    assert "Traceback" not in result.output
