"""Tags with their reasons: built-in behavioural rules, the merchant's custom rules, and the
merchant's own per-customer overrides.

Custom tags are conditions over customer-table columns written in shopinsight.toml:

    [tags.custom]
    big_fan = "monetary > 500 and frequency >= 3"
    vip_pos = { when = "len(channels) >= 2", reason = "buys online and in store" }

They are written in the small language of `condition.py` and parsed there (never SQL, never
Python `eval`): a condition names only the table's columns and a few functions, so a setting
cannot read a file or reach the network, and a typo names the rule, the column and where.
Overrides (add/remove a tag on one customer) live in the workspace's state.sqlite, keyed by
customer_id, so they survive re-imports.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from shopinsight.core.customers.condition import ConditionError, UnknownColumn, parse
from shopinsight.core.customers.tag_rules import TagRule
from shopinsight.core.errors import ConfigError, InputError
from shopinsight.core.text import visible

if TYPE_CHECKING:
    from shopinsight.core.workspace import Workspace

__all__ = [
    "TAG_FRAME_SCHEMA",
    "apply_overrides",
    "clear_override",
    "custom_rules",
    "evaluate_rules",
    "load_overrides",
    "save_override",
    "validate_tag",
]

TAG_FRAME_SCHEMA = {"customer_id": pl.Utf8, "tag": pl.Utf8, "reason": pl.Utf8, "origin": pl.Utf8}
OVERRIDE_SCHEMA = {"customer_id": pl.Utf8, "tag": pl.Utf8, "action": pl.Utf8, "created_at": pl.Utf8}


def validate_tag(tag: str) -> str:
    """A tag as stored: trimmed, non-empty, no comma (Shopify and Mailchimp split on commas)."""
    clean = str(tag).strip()
    if not clean or "," in clean or len(clean) > 100 or any(ch in clean for ch in "\r\n\t"):
        raise InputError(
            f"'{tag}' cannot be a tag",
            "A tag must be 1–100 characters with no comma, tab or line break.",
        )
    return clean


def evaluate_rules(frame: pl.DataFrame, rules: list[TagRule]) -> pl.DataFrame:
    """customer_id, tag, reason, origin for every rule that fires (vectorised per rule), plus
    the frame's `_row` index when it has one."""
    keys = ["_row", "customer_id"] if "_row" in frame.columns else ["customer_id"]
    parts = [
        frame.lazy()
        .filter(rule.when.fill_null(False))
        .select(
            *keys,
            pl.lit(rule.name).alias("tag"),
            rule.reason.cast(pl.Utf8).fill_null(rule.rule).alias("reason"),
            pl.lit(rule.origin).alias("origin"),
        )
        for rule in rules
    ]
    if not parts:
        schema = {"_row": pl.UInt32} if "_row" in keys else {}
        return pl.DataFrame(schema={**schema, **TAG_FRAME_SCHEMA})
    return pl.concat(pl.collect_all(parts), how="vertical")


def _value_text(col: str, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.List):
        return pl.col(col).list.join(", ")
    if dtype.is_float():
        return pl.col(col).round(2).cast(pl.Utf8)
    return pl.col(col).cast(pl.Utf8)


def custom_rules(
    config: dict[str, Any], schema: pl.Schema | dict[str, pl.DataType], reserved: set[str]
) -> list[TagRule]:
    """The merchant's `[tags.custom]` rules, parsed safely and checked against `schema`.

    Raises ConfigError naming the rule and the unknown column or the syntax problem.
    """
    custom = (config.get("tags") or {}).get("custom") or {}
    if isinstance(custom, list):  # [[tags.custom]] name = ..., when = ...
        custom = {str(item.get("name")): item for item in custom if isinstance(item, dict)}
    rules = []
    columns = dict(schema)
    for name, spec in custom.items():
        where = f"[tags.custom] {name}"
        when_text = spec.get("when") if isinstance(spec, dict) else spec
        if not isinstance(when_text, str) or not when_text.strip():
            raise ConfigError(
                f"{where}: missing condition",
                'Write it as name = "condition", e.g. '
                'big_fan = "monetary > 500 and frequency >= 3".',
            )
        try:
            tag = validate_tag(name)
        except InputError as exc:
            raise ConfigError(f"{where}: bad tag name", exc.detail) from None
        if tag in reserved:
            raise ConfigError(
                f"{where}: '{tag}' is a built-in tag",
                "Pick another name, or turn the built-in off with tags.disabled.",
            )
        try:
            parsed = parse(when_text, columns)
        except UnknownColumn as exc:
            raise ConfigError(
                f"{where}: unknown column '{exc.column}'",
                f"It is {_at(when_text, exc.position)}. Columns you can use: "
                f"{', '.join(sorted(columns))}.",
            ) from None
        except ConditionError as exc:
            raise ConfigError(
                f"{where}: the condition cannot be read",
                f"{exc.message}, {_at(when_text, exc.position)}. Write a test over the customer "
                'table\'s columns, e.g. "monetary > 500 and frequency >= 3"; SECURITY.md lists '
                "the operators and functions.",
            ) from None
        expr, names = parsed.expr, parsed.columns
        if isinstance(spec, dict) and spec.get("reason"):
            reason = pl.lit(str(spec["reason"]))
        else:
            shown = [c for c in dict.fromkeys(names)]
            values = [pl.format(f"{c} = {{}}", _value_text(c, columns[c])) for c in shown]
            reason = pl.concat_str(
                [pl.lit(f"your rule: {when_text.strip()}")]
                + (
                    [pl.lit(" ("), pl.concat_str(values, separator=", "), pl.lit(")")]
                    if values
                    else []
                ),
                ignore_nulls=True,
            )
        rules.append(TagRule(tag, f"your rule: {when_text.strip()}", expr, reason, "custom"))
    return rules


def _at(text: str, position: int) -> str:
    """Where a condition fails, with at most 30 characters of it around that place, shown
    visibly (a long or hostile setting is never echoed whole)."""
    if len(text) <= 30:
        return f"at character {position + 1}"
    near = visible(text[max(0, position - 15) : position + 15])
    return f"at character {position + 1}, near …{near}…"


def check_custom(frame: pl.DataFrame, rules: list[TagRule]) -> None:
    """Run each custom rule once so a type error names the rule, not a Polars traceback."""
    for rule in rules:
        try:
            out = frame.head(1).select(rule.when.alias("x"), rule.reason.alias("r"))
        except Exception as exc:
            raise ConfigError(
                f"[tags.custom] {rule.name}: the condition cannot be evaluated",
                f"{rule.rule.removeprefix('your rule: ')}: {str(exc).splitlines()[0]}",
            ) from None
        if out.schema["x"] not in (pl.Boolean, pl.Null):
            raise ConfigError(
                f"[tags.custom] {rule.name}: the condition is not a yes/no test",
                'Compare a column with a value, e.g. "frequency >= 3".',
            )


# -- overrides --------------------------------------------------------------------------------

_CREATE = (
    "CREATE TABLE IF NOT EXISTS tag_overrides ("
    " customer_id TEXT NOT NULL, tag TEXT NOT NULL,"
    " action TEXT NOT NULL CHECK (action IN ('add', 'remove')),"
    " created_at TEXT NOT NULL, PRIMARY KEY (customer_id, tag))"
)


def load_overrides(ws: Workspace) -> pl.DataFrame:
    """The merchant's tag overrides: customer_id, tag, action ("add"|"remove"), created_at."""
    from shopinsight.core.state import read_rows

    query = "SELECT customer_id, tag, action, created_at FROM tag_overrides"
    rows = read_rows(ws, query + " ORDER BY customer_id, tag")
    return pl.DataFrame(rows, schema=OVERRIDE_SCHEMA, orient="row")


def save_override(ws: Workspace, customer_id: str, tag: str, action: str) -> None:
    """Add or remove `tag` on one customer; a later call for the same tag replaces it."""
    if action not in {"add", "remove"}:
        raise InputError(f"Unknown action '{action}'", "Use add or remove.")
    tag = validate_tag(tag)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    with ws.db() as conn:
        conn.execute(_CREATE)
        conn.execute(
            "INSERT OR REPLACE INTO tag_overrides (customer_id, tag, action, created_at) "
            "VALUES (?, ?, ?, ?)",
            (customer_id, tag, action, now),
        )


def clear_override(ws: Workspace, customer_id: str, tag: str) -> bool:
    """Forget an override, so the rules decide again; True if there was one."""
    with ws.db() as conn:
        conn.execute(_CREATE)
        cur = conn.execute(
            "DELETE FROM tag_overrides WHERE customer_id = ? AND tag = ?", (customer_id, tag)
        )
        return cur.rowcount > 0


def apply_overrides(
    tags: pl.DataFrame, overrides: pl.DataFrame | None, customers: pl.Series
) -> pl.DataFrame:
    """Remove tags the merchant removed (whatever their origin) and add the ones they added.

    An added tag that a rule also gives keeps the rule's evidence.
    """
    if overrides is None or overrides.height == 0:
        return tags
    ov = overrides.filter(pl.col("customer_id").is_in(customers.implode()))
    removed = ov.filter(pl.col("action") == "remove").select("customer_id", "tag")
    kept = tags.join(removed, on=["customer_id", "tag"], how="anti")
    when = (
        pl.col("created_at").fill_null("").str.slice(0, 10)
        if "created_at" in ov.columns
        else pl.lit("")
    )
    added = (
        ov.filter(pl.col("action") == "add")
        .join(kept, on=["customer_id", "tag"], how="anti")
        .select(
            "customer_id",
            "tag",
            pl.format("added by you {}", when).str.strip_chars().alias("reason"),
            pl.lit("manual").alias("origin"),
        )
    )
    return pl.concat([kept, added], how="diagonal")
