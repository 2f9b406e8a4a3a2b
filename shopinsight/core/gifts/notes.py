"""Note templates: named `{placeholder}` tokens filled with plain strings, one note per customer.

Templates come from the merchant's shopinsight.toml, so they are parsed here with a small regex
and never handed to `str.format`: a template can only name the placeholders listed in
PLACEHOLDERS, never reach an attribute or run code. `{{` and `}}` are literal braces. Rendering
is one `concat_str` per template over all rows, so it costs the same for 10 or 100k customers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

from shopinsight.core.errors import ConfigError
from shopinsight.core.orders import UTC, local_time, shop_tz
from shopinsight.core.product_names import spoken_name

if TYPE_CHECKING:
    from shopinsight.core.gifts.policies import GiftPolicies

LANGUAGES = ("en", "it", "zh")

PLACEHOLDERS: dict[str, str] = {
    "first_name": "the customer's first name (a friendly greeting word when unknown)",
    "customer_name": "the customer's full name",
    "favorite_product": "the product they buy most",
    "favorite_category": "the category they buy most",
    "orders_count": "how many orders they have placed",
    "customer_since": "month and year of their first order",
    "gift": "name of the gift product (empty when there is none)",
    "gift_line": "a sentence presenting the gift (empty when there is none)",
    "shop_name": "your shop's name ([shop] name)",
    "recipient_name": "who the parcel is shipped to",
    "from_name": "the buyer's name (for gift orders)",
    "from_line": "'From …' line naming the buyer (for gift orders)",
    "gift_message": "the buyer's gift message from the order",
    "order_id": "the order number",
}
"""Every name a template may use, with what it holds (shown in help and errors)."""

MAX_TEMPLATE_CHARS = 5_000  # a card or a letter; a longer template is a mistake or an attack
MAX_NOTE_CHARS = 10_000  # a rendered note, placeholders filled (a gift message can be long)

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "first_name": "there",
        "favorite_product": "your last order",
        "favorite_category": "our range",
        "months": "January February March April May June July August September October "
        "November December".split(),
        "gift_line": {
            "sample": ("We've added a sample of ", " for you to try."),
            "full_size": ("We've tucked in ", " as a thank-you gift."),
        },
        "from_line": ("From ", ""),
    },
    "it": {
        "first_name": "a te",
        "favorite_product": "il tuo ultimo ordine",
        "favorite_category": "i nostri prodotti",
        "months": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre "
        "novembre dicembre".split(),
        "gift_line": {
            "sample": ("Abbiamo aggiunto un campione di ", " da provare."),
            "full_size": ("Nel pacco trovi anche ", ", un piccolo regalo per ringraziarti."),
        },
        "from_line": ("Da parte di ", ""),
    },
    "zh": {
        "first_name": "亲爱的顾客",
        "favorite_product": "您上次购买的商品",
        "favorite_category": "我们的产品",
        "months": [f"{m}月" for m in range(1, 13)],
        "gift_line": {
            "sample": ("我们附上了", "的试用装，欢迎试用。"),
            "full_size": ("我们还附上了", "作为谢礼。"),
        },
        "from_line": ("来自", "的祝福"),
    },
}

DEFAULT_TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "vip_letter": "Hi {first_name},\n\nYou have been with us since {customer_since}: "
        "{orders_count} orders! We hope you're still enjoying {favorite_product}. Customers "
        "like you are why {shop_name} exists.\n\n{gift_line}\n\nWith warm thanks,\n{shop_name}",
        "short_thanks": "Hi {first_name},\n\nThank you for ordering from us again, it means a "
        "lot. {gift_line}\n\n{shop_name}",
        "welcome": "Hi {first_name},\n\nWelcome to {shop_name}, and thank you for choosing us! "
        "If you have any questions about {favorite_product}, just reply to our email: we're "
        "happy to help.\n\n{gift_line}\n\n{shop_name}",
        "welcome_back": "Hi {first_name},\n\nIt's lovely to see you again! We hope you're still "
        "enjoying {favorite_product}. {gift_line}\n\nWarmly,\n{shop_name}",
        "thanks": "Hi {first_name}, thank you for your order!\n\n{shop_name}",
        "gift_recipient": "A gift for you!\n\n{gift_message}\n\n{from_line}\n\nWe hope you "
        "enjoy it. {gift_line}\n\n{shop_name}",
    },
    "it": {
        "vip_letter": "Ciao {first_name},\n\nsei con noi da {customer_since}: {orders_count} "
        "ordini! Speriamo che tu stia ancora apprezzando {favorite_product}. È grazie a "
        "clienti come te che {shop_name} esiste.\n\n{gift_line}\n\nCon tanta gratitudine,\n"
        "{shop_name}",
        "short_thanks": "Ciao {first_name},\n\ngrazie per aver ordinato di nuovo da noi: per "
        "noi significa molto. {gift_line}\n\n{shop_name}",
        "welcome": "Ciao {first_name},\n\nti diamo il benvenuto da {shop_name} e grazie per "
        "averci scelto! Se hai domande su {favorite_product}, rispondi pure alla nostra email: "
        "saremo felici di aiutarti.\n\n{gift_line}\n\n{shop_name}",
        "welcome_back": "Ciao {first_name},\n\nche bello rivederti! Speriamo che tu stia ancora "
        "apprezzando {favorite_product}. {gift_line}\n\nUn caro saluto,\n{shop_name}",
        "thanks": "Ciao {first_name}, grazie per il tuo ordine!\n\n{shop_name}",
        "gift_recipient": "Un regalo per te!\n\n{gift_message}\n\n{from_line}\n\nSperiamo "
        "che ti piaccia. {gift_line}\n\n{shop_name}",
    },
    "zh": {
        "vip_letter": "{first_name}，您好！\n\n自{customer_since}以来，您已在{shop_name}下单"
        "{orders_count}次，衷心感谢您的支持！希望您依然喜欢{favorite_product}。\n\n{gift_line}"
        "\n\n{shop_name} 敬上",
        "short_thanks": "{first_name}，您好！\n\n感谢您再次光临，您的支持对我们意义重大。"
        "{gift_line}\n\n{shop_name}",
        "welcome": "{first_name}，您好！\n\n欢迎来到{shop_name}，感谢您的选择！如对"
        "{favorite_product}有任何疑问，欢迎随时联系我们。\n\n{gift_line}\n\n{shop_name}",
        "welcome_back": "{first_name}，您好！\n\n很高兴再次见到您！希望您依然喜欢"
        "{favorite_product}。{gift_line}\n\n{shop_name}",
        "thanks": "{first_name}，您好！感谢您的订购！\n\n{shop_name}",
        "gift_recipient": "送给您的礼物！\n\n{gift_message}\n\n{from_line}\n\n希望您喜欢。"
        "{gift_line}\n\n{shop_name}",
    },
}
"""Default note texts per language; [gifts.templates] adds or replaces by name."""


def parse_template(text: str, name: str = "template") -> list[tuple[str, str]]:
    """Split a template into ("text", literal) and ("field", placeholder) parts.

    Raises ConfigError naming the template for an unknown placeholder, a name that is not a
    plain word (so `{x.attr}` or `{0}` never reach anything) or a lone brace.
    """
    if len(text) > MAX_TEMPLATE_CHARS:
        raise ConfigError(
            f"Note template '{name[:40]}' is too long",
            f"It has {len(text):,} characters; a note template may have at most "
            f"{MAX_TEMPLATE_CHARS:,} (a printed card holds far fewer). Shorten it in "
            "[gifts.templates].",
        )
    parts: list[tuple[str, str]] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        if match.start() > pos:
            parts.append(("text", text[pos : match.start()]))
        token = match.group(0)
        pos = match.end()
        if token in ("{{", "}}"):
            parts.append(("text", token[0]))
        elif token in ("{", "}"):
            raise ConfigError(
                f"Note template '{name}' has an unbalanced brace",
                f"A lone '{token}' at character {match.start() + 1}. Placeholders look like "
                "{first_name}; write {{ or }} for a literal brace.",
            )
        else:
            field = match.group(1).strip()
            if not _NAME.fullmatch(field) or field not in PLACEHOLDERS:
                raise ConfigError(
                    f"Note template '{name}' has an unknown placeholder {{{field}}}",
                    "Use one of: "
                    + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                    + ". Write {{ and }} for literal braces.",
                )
            parts.append(("field", field))
    if pos < len(text):
        parts.append(("text", text[pos:]))
    return parts


def shop_language(config: Mapping[str, Any]) -> str:
    """The language of the default templates ([shop] language)."""
    lang = str(config.get("shop", {}).get("language", "en")).strip().lower()
    if lang not in LANGUAGES:
        raise ConfigError(
            f"[shop] language = '{lang}' is not supported",
            f"Note templates exist in: {', '.join(LANGUAGES)}. Pick one, or write your own "
            "templates in [gifts.templates].",
        )
    return lang


def note_templates(config: Mapping[str, Any]) -> dict[str, str]:
    """Default templates in the shop's language with the merchant's own merged over them.

    Every template is parsed here, so a bad one fails when the settings are read, not halfway
    through printing.
    """
    templates = dict(DEFAULT_TEMPLATES[shop_language(config)])
    user = config.get("gifts", {}).get("templates", {}) or {}
    if not isinstance(user, Mapping):
        raise ConfigError("[gifts.templates] must be a table", 'Write name = "text" lines.')
    for name, text in user.items():
        if not isinstance(text, str):
            raise ConfigError(
                f"Note template '{name}' is not text", 'Write it as name = "Hi {first_name}…".'
            )
        templates[name] = text
    for name, text in templates.items():
        parse_template(text, name)
    return templates


def _text(expr: pl.Expr) -> pl.Expr:
    """Cast to text; blank strings become null so fallbacks apply."""
    e = expr.cast(pl.Utf8).str.strip_chars()
    return pl.when(e == "").then(None).otherwise(e)


def note_values(frame: pl.DataFrame, config: Mapping[str, Any]) -> pl.DataFrame:
    """One text column per placeholder, filled from whatever columns `frame` has.

    Reads (all optional): first_name, customer_name, favorite_product, favorite_category,
    orders, first_order, gift, gift_kind, shipping_name, gift_message, order_id. Missing values
    fall back to a friendly word in the shop's language, so a note never shows a gap or a brace.
    """
    lang = shop_language(config)
    words = _WORDS[lang]
    have = set(frame.columns)

    def col(name: str) -> pl.Expr:
        return _text(pl.col(name)) if name in have else pl.lit(None, pl.Utf8)

    first_word = col("customer_name").str.split(" ").list.first()
    first_name = pl.coalesce(col("first_name"), first_word)
    since = pl.lit(None, pl.Utf8)
    if "first_order" in have:  # the shop's month (a customer since March, not April)
        first, tz = pl.col("first_order"), shop_tz(config)
        stored = frame.schema["first_order"]
        if tz != UTC and isinstance(stored, pl.Datetime) and stored.time_zone is None:
            first = first.dt.replace_time_zone(UTC)  # stored times are UTC
        first = local_time(first, tz)
        month = first.dt.month().replace_strict(
            list(range(1, 13)), words["months"], return_dtype=pl.Utf8
        )
        year = first.dt.year().cast(pl.Utf8)
        since = (
            pl.concat_str(year, pl.lit("年"), month)
            if lang == "zh"
            else pl.concat_str(month, pl.lit(" "), year)
        )
    gift = spoken_name(col("gift"))
    kind = col("gift_kind")
    gift_line = pl.lit("")
    for k, (before, after) in words["gift_line"].items():
        gift_line = (
            pl.when(gift.is_not_null() & (kind == k))
            .then(pl.concat_str(pl.lit(before), gift, pl.lit(after)))
            .otherwise(gift_line)
        )
    from_name = pl.coalesce(col("first_name"), col("customer_name"))
    before, after = words["from_line"]
    orders = col("orders") if "orders" in have else col("frequency")
    exprs = {
        "first_name": first_name.fill_null(words["first_name"]),
        "customer_name": pl.coalesce(col("customer_name"), first_name).fill_null(""),
        "favorite_product": spoken_name(col("favorite_product")).fill_null(
            words["favorite_product"]
        ),
        "favorite_category": col("favorite_category").fill_null(words["favorite_category"]),
        "orders_count": orders.fill_null("1"),
        "customer_since": since.fill_null(""),
        "gift": gift.fill_null(""),
        "gift_line": gift_line,
        "shop_name": pl.lit(str(config.get("shop", {}).get("name", "") or "")),
        "recipient_name": pl.coalesce(col("shipping_name"), col("customer_name")).fill_null(""),
        "from_name": from_name.fill_null(""),
        "from_line": pl.concat_str(pl.lit(before), from_name, pl.lit(after)).fill_null(""),
        "gift_message": col("gift_message").fill_null(""),
        "order_id": col("order_id").fill_null(""),
    }
    return frame.select(**exprs)


def _template_expr(
    parts: list[tuple[str, str]], columns: set[str], context: Mapping[str, str]
) -> pl.Expr:
    pieces = []
    for kind, value in parts:
        if kind == "text":
            pieces.append(pl.lit(value))
        elif value in columns:
            pieces.append(pl.col(value).cast(pl.Utf8).fill_null(""))
        else:
            pieces.append(pl.lit(str(context.get(value, ""))))
    return pl.concat_str(pieces) if pieces else pl.lit("")


def _tidy(expr: pl.Expr) -> pl.Expr:
    """Remove the gaps an empty placeholder leaves: trailing spaces, runs of blank lines; cap
    the length, so a huge value in an export cannot make a huge note."""
    return (
        expr.str.slice(0, MAX_NOTE_CHARS)
        .str.replace_all(r"[ \t]+\n", "\n")
        .str.replace_all(r"\n{3,}", "\n\n")
        .str.replace_all(r" {2,}", " ")
        .str.strip_chars()
    )


def render_notes(
    table: pl.DataFrame,
    template: str,
    context: Mapping[str, str] | None = None,
    name: str = "template",
) -> pl.Series:
    """Render one template for every row of `table` (columns named like placeholders).

    Placeholders come from `table`'s columns, else from `context` (constants such as
    shop_name), else render empty. Values are inserted as plain text, never re-parsed.
    """
    parts = parse_template(template, name)
    expr = _tidy(_template_expr(parts, set(table.columns), context or {}))
    return table.with_columns(expr.alias("__note"))["__note"].alias("note")


def render_by_template(
    table: pl.DataFrame,
    template_names: pl.Series,
    templates: Mapping[str, str],
    context: Mapping[str, str] | None = None,
) -> pl.Series:
    """Render each row with the template named in `template_names` ("" or null: no note).

    One vectorised expression per distinct template, so the cost does not grow with rows.
    """
    names = template_names.cast(pl.Utf8).fill_null("")
    work = table.with_columns(names.alias("__template"))
    expr: pl.Expr = pl.lit("")
    for tname in names.unique().to_list():
        if not tname:
            continue
        if tname not in templates:
            raise ConfigError(
                f"Note template '{tname}' does not exist",
                f"Known templates: {', '.join(sorted(templates))}. Add it to [gifts.templates] "
                "or pick one of these.",
            )
        body = _template_expr(
            parse_template(templates[tname], tname), set(table.columns), context or {}
        )
        expr = pl.when(pl.col("__template") == tname).then(body).otherwise(expr)
    return work.with_columns(_tidy(expr).alias("__note"))["__note"].alias("note")


def preview_notes(
    profiles_table: pl.DataFrame,
    picks: pl.DataFrame,
    policies: GiftPolicies,
    config: Mapping[str, Any],
) -> pl.DataFrame:
    """Each segment's policy with a note rendered for one real customer of that segment.

    The example is the segment's biggest spender whose policy no tag overrides (else the
    biggest spender). Output: segment, gift_kind, rule, purpose, template, customers,
    customer_id, customer_name, example_kind, gift, gift_cost, budget, reason, note (examples
    null when the segment has no customers).
    """
    known = [s for s in policies.segments if s != "default"]
    prof = profiles_table.with_columns(
        pl.when(pl.col("segment").is_in(known))
        .then(pl.col("segment"))
        .otherwise(pl.lit("default"))
        .alias("segment")
    )
    counts = prof.group_by("segment").agg(pl.len().alias("customers"))
    pick_cols = ["customer_id", "policy", "gift_kind", "gift", "gift_cost", "budget", "reason"]
    examples = (
        prof.join(picks.select([*pick_cols, "template"]), on="customer_id")
        .sort(
            [pl.col("policy") != pl.col("segment"), "monetary", "customer_id"],
            descending=[False, True, False],
        )
        .unique("segment", keep="first", maintain_order=True)
    )
    notes = render_by_template(
        note_values(examples, config), examples["template"], policies.templates
    )
    examples = examples.with_columns(notes.alias("note"))
    currency = str(picks["currency"][0]) if picks.height else ""
    rules = pl.DataFrame(
        [
            {
                "segment": name,
                "policy_kind": p.kind,
                "rule": p.describe(currency),
                "purpose": p.purpose,
                "policy_template": p.template,
            }  # fmt: skip
            for name, p in policies.segments.items()
        ]
    )
    return (  # in the policies' order (a join keeps no order unless asked)
        rules.join(counts, on="segment", how="left", maintain_order="left")
        .join(
            examples.select(
                "segment", *pick_cols[1:], "customer_id", "customer_name", "note"
            ).rename({"gift_kind": "example_kind"}),
            on="segment",
            how="left",
            maintain_order="left",
        )  # fmt: skip
        .filter((pl.col("segment") != "default") | pl.col("customers").is_not_null())
        .select(
            "segment",
            pl.col("policy_kind").alias("gift_kind"),
            "rule",
            "purpose",
            pl.col("policy_template").alias("template"),
            pl.col("customers").fill_null(0),
            "customer_id",
            "customer_name",
            "example_kind",
            "gift",
            "gift_cost",
            "budget",
            "reason",
            "note",
        )
    )
