"""Note templates: safe parsing, clear errors, vectorised rendering in en / it / zh."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from shopinsight.core.config import defaults, parse_config
from shopinsight.core.errors import ConfigError
from shopinsight.core.gifts.notes import (
    DEFAULT_TEMPLATES,
    PLACEHOLDERS,
    note_templates,
    note_values,
    parse_template,
    render_by_template,
    render_notes,
)


def _config(language: str = "en", name: str = "Bottega Rosa", extra: str = "") -> dict:
    return parse_config(f'[shop]\nname = "{name}"\nlanguage = "{language}"\n{extra}')


def _customers() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "first_name": ["Chiara", None, "小明"],
            "customer_name": ["Chiara Bianchi", "José Álvarez", "王小明"],
            "favorite_product": ["Candela alla rosa", "Té verde", "乌龙茶"],
            "orders": [7, 2, 3],
            "first_order": [
                dt.datetime(2023, 3, 5, tzinfo=dt.UTC),
                dt.datetime(2024, 12, 1, tzinfo=dt.UTC),
                dt.datetime(2022, 1, 9, tzinfo=dt.UTC),
            ],
            "gift": ["Sapone all'oliva", None, "茶杯"],
            "gift_kind": ["sample", "card", "full_size"],
        }
    )


class TestParse:
    def test_literal_braces_and_fields(self):
        parts = parse_template("{{Hi}} {first_name}!}}", "t")
        assert parts == [
            ("text", "{"),
            ("text", "Hi"),
            ("text", "}"),
            ("text", " "),
            ("field", "first_name"),
            ("text", "!"),
            ("text", "}"),
        ]

    def test_unknown_placeholder_names_template_and_placeholder(self):
        with pytest.raises(ConfigError) as err:
            parse_template("Hi {frist_name}", "welcome_it")
        assert "welcome_it" in err.value.title and "{frist_name}" in err.value.title
        assert "{first_name}" in err.value.detail

    @pytest.mark.parametrize(
        "text",
        [
            "{first_name.__class__}",
            "{first_name[0]}",
            "{0}",
            "{}",
            "{first_name!r}",
            "{__import__}",
        ],
        ids=["attribute", "index", "positional", "empty", "conversion", "dunder"],
    )
    def test_only_plain_known_names(self, text):
        with pytest.raises(ConfigError, match="unknown placeholder"):
            parse_template(text, "t")

    @pytest.mark.parametrize(
        "text", ["Hi {first_name", "Hi first_name}", "a { b", "{a{first_name}"]
    )
    def test_unbalanced_brace(self, text):
        with pytest.raises(ConfigError) as err:
            parse_template(text, "mine")
        assert "mine" in err.value.title and "unbalanced brace" in err.value.title

    def test_bad_user_template_fails_when_settings_are_read(self):
        config = _config(extra='[gifts.templates]\nmine = "Hi {nme}"')
        with pytest.raises(ConfigError, match="'mine'.*\\{nme\\}"):
            note_templates(config)

    def test_unsupported_language(self):
        with pytest.raises(ConfigError, match="language"):
            note_templates(_config(language="fr"))

    def test_every_default_template_parses_and_uses_known_fields(self):
        for lang, templates in DEFAULT_TEMPLATES.items():
            assert set(templates) == set(DEFAULT_TEMPLATES["en"]), lang
            for name, text in templates.items():
                fields = {v for k, v in parse_template(text, name) if k == "field"}
                assert fields <= set(PLACEHOLDERS)


class TestRender:
    def test_values_are_inserted_as_text_never_reparsed(self):
        table = pl.DataFrame({"first_name": ["{shop_name}", "{{x}}", "a}b{"]})
        out = render_notes(table, "Hi {first_name} from {shop_name}", {"shop_name": "S"}, "t")
        assert out.to_list() == ["Hi {shop_name} from S", "Hi {{x}} from S", "Hi a}b{ from S"]

    def test_constant_template_and_empty_table(self):
        three = pl.DataFrame({"first_name": ["a", "b", "c"]})
        assert render_notes(three, "Thank you!").to_list() == ["Thank you!"] * 3
        names = pl.Series(["t", "t", "t"])
        assert render_by_template(three, names, {"t": "Hi"}).to_list() == ["Hi"] * 3
        empty = three.clear()
        assert render_notes(empty, "Hi {first_name}").len() == 0
        assert render_by_template(empty, pl.Series([], dtype=pl.Utf8), {}).len() == 0

    def test_escaped_braces_render_single(self):
        out = render_notes(pl.DataFrame({"first_name": ["Ann"]}), "{{{first_name}}}")
        assert out.to_list() == ["{Ann}"]

    def test_empty_parts_leave_no_gaps(self):
        table = pl.DataFrame({"gift_line": ["", "A gift."]})
        out = render_notes(table, "Hi  there.  {gift_line}\n\n\n\nBye", name="t")
        assert out.to_list() == ["Hi there.\n\nBye", "Hi there. A gift.\n\nBye"]

    def test_english_fallbacks_and_gift_line(self):
        values = note_values(_customers(), _config("en"))
        row = values.row(1, named=True)
        assert row["first_name"] == "José"  # first word of the name when no first name
        assert row["gift_line"] == ""  # a card has no gift sentence
        assert row["customer_since"] == "December 2024"
        assert values["gift_line"][0] == "We've added a sample of Sapone all'oliva for you to try."
        assert values["shop_name"].to_list() == ["Bottega Rosa"] * 3

    def test_listing_keywords_stay_out_of_a_note(self):
        """An Etsy title's keywords after " | " are search words, not what a person calls it."""
        frame = pl.DataFrame(
            {
                "favorite_product": ["Match Cylinder | candles, gift for her", "| only words"],
                "gift": ["back to school essentials | stickers, planners", "Soap"],
                "gift_kind": ["sample", "sample"],
            }
        )
        values = note_values(frame, _config("en"))
        assert values["favorite_product"].to_list() == ["Match Cylinder", "| only words"]
        assert values["gift_line"][0] == (
            "We've added a sample of back to school essentials for you to try."
        )
        assert values["gift_line"][1] == "We've added a sample of Soap for you to try."

    def test_italian_rendering_keeps_accents(self):
        config = _config("it", name="Caffè Né")
        values = note_values(_customers(), config)
        note = render_notes(values, DEFAULT_TEMPLATES["it"]["vip_letter"], name="vip")[0]
        assert note.startswith("Ciao Chiara,\n\nsei con noi da marzo 2023: 7 ordini!")
        assert "Candela alla rosa" in note and "È grazie" in note
        assert "Abbiamo aggiunto un campione di Sapone all'oliva da provare." in note
        assert note.endswith("Caffè Né")
        unknown = note_values(pl.DataFrame({"orders": [1]}), config)
        assert render_notes(unknown, "Ciao {first_name}!")[0] == "Ciao a te!"

    def test_chinese_rendering(self):
        config = _config("zh", name="小茶馆")
        values = note_values(_customers(), config)
        notes = render_notes(values, DEFAULT_TEMPLATES["zh"]["vip_letter"], name="vip")
        third = notes[2]
        assert third.startswith("小明，您好！")
        assert "自2022年1月以来，您已在小茶馆下单3次" in third
        assert "我们还附上了茶杯作为谢礼。" in third
        anonymous = note_values(pl.DataFrame({"orders": [1]}), config)
        assert render_notes(anonymous, "{first_name}，您好！")[0] == "亲爱的顾客，您好！"

    def test_render_by_template_picks_each_rows_template(self):
        templates = {"a": "A {first_name}", "b": "B {first_name}"}
        table = pl.DataFrame({"first_name": ["x", "y", "z", "w"]})
        names = pl.Series(["a", "b", "", None])
        assert render_by_template(table, names, templates).to_list() == ["A x", "B y", "", ""]
        with pytest.raises(ConfigError, match="'nope' does not exist"):
            render_by_template(table, pl.Series(["nope"] * 4), templates)

    def test_user_template_overrides_default_by_name(self):
        config = _config(extra='[gifts.templates]\nthanks = "Grazie {first_name} {{:)}}"')
        templates = note_templates(config)
        assert templates["thanks"] == "Grazie {first_name} {{:)}}"
        assert templates["welcome"] == DEFAULT_TEMPLATES["en"]["welcome"]
        out = render_by_template(
            pl.DataFrame({"first_name": ["Zoë"]}), pl.Series(["thanks"]), templates
        )
        assert out.to_list() == ["Grazie Zoë {:)}"]

    def test_default_config_is_english(self):
        assert note_templates(defaults()) == DEFAULT_TEMPLATES["en"]
