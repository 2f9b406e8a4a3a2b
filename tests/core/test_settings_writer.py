"""Settings changed from the app: comments and layout kept, every value validated, an invalid
one never written."""

from __future__ import annotations

import pytest

from shopinsight.core.config import default_config_text, parse_config
from shopinsight.core.errors import ConfigError
from shopinsight.core.settings_writer import (
    current,
    fields,
    parse_value,
    save_settings,
    with_settings,
)
from shopinsight.core.workspace import Workspace

MINE = """\
# my own notes about this shop
[shop]
name = "Ink & Paper"   # what customers call us
currency = ""

[gifts.segments]
"Champions" = { kind = "full_size", budget = 40.0, template = "vip_letter" }
"""


def _field(label: str, settings=None):
    return next(f for f in fields(settings or parse_config(MINE)) if f.label == label)


def test_changes_keep_comments_and_layout():
    out = with_settings(
        MINE,
        {
            ("shop", "name"): "Ink and Paper",
            ("shop", "currency"): "EUR",
            ("gifts", "segments", "Champions", "budget"): 25.0,
            ("churn", "list_size"): 40,
        },
    )
    assert "# my own notes about this shop" in out
    assert "# what customers call us" in out
    assert '"Champions" = { kind = "full_size", budget = 25.0, template = "vip_letter" }' in out
    parsed = parse_config(out)
    assert parsed["shop"]["name"] == "Ink and Paper"
    assert parsed["shop"]["currency"] == "EUR"
    assert parsed["churn"]["list_size"] == 40
    # untouched lines are byte for byte the same
    assert out.splitlines()[0] == MINE.splitlines()[0]


def test_a_new_segment_policy_key_and_a_removed_one():
    out = with_settings(MINE, {("gifts", "segments", "Lost", "budget"): "off"})
    assert parse_config(out)["gifts"]["segments"]["Lost"]["budget"] == "off"
    out = with_settings(out, {("gifts", "segments", "Champions", "budget"): None})
    champions = next(ln for ln in out.splitlines() if ln.startswith('"Champions"'))
    assert "budget =" not in champions  # removed: the default applies again
    assert parse_config(out)["gifts"]["segments"]["Lost"]["budget"] == "off"
    assert "budget = 40.0" not in out


def test_empty_file_starts_from_the_commented_defaults():
    out = with_settings("", {("segments", "scheme"): "klaviyo"})
    assert parse_config(out)["segments"]["scheme"] == "klaviyo"
    assert out.count("#") >= default_config_text().count("#") - 1


@pytest.mark.parametrize(
    ("label", "text"),
    [
        ("Currency", "euro"),
        ("Language", "fr"),
        ("Segment scheme", "mine"),
        ("Alert list size", "0"),
        ("Alert list size", "ten"),
        ("Gift budget: Champions", "lots"),
        ("Gift budget: Champions", "-5"),
        ("Shop name", "two\nlines"),
    ],
)
def test_invalid_values_name_the_setting(label, text):
    with pytest.raises(ConfigError) as err:
        parse_value(_field(label), text)
    assert label in err.value.title


def test_values_are_parsed():
    assert parse_value(_field("Currency"), " eur ") == "EUR"
    assert parse_value(_field("Currency"), "auto") == ""
    assert parse_value(_field("Gift budget: Champions"), "12,50") == 12.5
    assert parse_value(_field("Gift budget: Champions"), "OFF") == "off"
    assert parse_value(_field("Gift budget: Champions"), "") is None
    assert parse_value(_field("Alert list size"), "30") == 30


def test_the_whole_file_is_validated_before_writing(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    ws.config_path.write_text(MINE, encoding="utf-8")
    with pytest.raises(ConfigError):
        save_settings(ws, {("churn", "min_alert_risk"): 7})  # out of its 0..1 range
    assert ws.config_path.read_text(encoding="utf-8") == MINE
    save_settings(ws, {("shop", "language"): "it"})
    assert ws.config()["shop"]["language"] == "it"
    assert "# what customers call us" in ws.config_path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("America/New_York", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("  AMERICA/NEW YORK ", "America/New_York"),
        ("europe/rome", "Europe/Rome"),
        ("utc", "UTC"),
        ("", "UTC"),
    ],
)
def test_a_time_zone_is_stored_as_its_iana_name(typed, stored):
    assert parse_value(_field("Time zone"), typed) == stored


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("New York", "Did you mean America/New_York?"),
        ("Amercia/New_York", "Did you mean America/New_York?"),
        ("Mars/Olympus", ""),
        ("localtime", ""),  # the machine's own clock file is no IANA name
        ("America/New_York; rm -rf", "Did you mean America/New_York?"),
    ],
)
def test_a_wrong_time_zone_is_refused_with_examples(typed, hint):
    with pytest.raises(ConfigError) as err:
        parse_value(_field("Time zone"), typed)
    assert "Time zone" in err.value.title
    message = str(err.value)
    assert "America/New_York, Europe/Rome or Asia/Shanghai" in message
    assert hint in message and ("Did you mean" in message) == bool(hint)


def test_time_zone_and_date_order_are_written_with_the_comments_kept(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    ws.config_path.write_text(MINE, encoding="utf-8")
    zone = parse_value(_field("Time zone"), "asia/shanghai")
    order = parse_value(_field("Date order"), "day-first")
    save_settings(ws, {("shop", "timezone"): zone, ("shop", "date_order"): order})
    text = ws.config_path.read_text(encoding="utf-8")
    assert 'timezone = "Asia/Shanghai"' in text and 'date_order = "day-first"' in text
    assert "# what customers call us" in text
    shop = ws.config()["shop"]
    assert (shop["timezone"], shop["date_order"]) == ("Asia/Shanghai", "day-first")

    from shopinsight.core.orders import shop_tz

    assert shop_tz(ws.config()) == "Asia/Shanghai"  # the clock the analyses read


def test_date_order_offers_what_the_importer_accepts():
    from shopinsight.core.importers.values import DATE_ORDERS, date_order

    field = _field("Date order")
    assert field.choices == DATE_ORDERS == ("auto", "day-first", "month-first")
    for choice in field.choices:
        assert date_order({"date_order": parse_value(field, choice)}) == choice
    with pytest.raises(ConfigError) as err:
        parse_value(field, "yyyy-mm-dd")
    assert "Date order" in err.value.title and "day-first" in str(err.value)


def test_time_zone_and_date_order_fields_show_the_values_in_force():
    settings = parse_config(default_config_text())
    assert current(settings, _field("Time zone").path) == "UTC"
    assert current(settings, _field("Date order").path) == "auto"
    labels = [f.label for f in fields(settings)]
    assert labels.index("Currency") + 1 == labels.index("Time zone")
    assert labels.index("Time zone") + 1 == labels.index("Date order")
