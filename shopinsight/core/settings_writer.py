"""Changing a few settings of shopinsight.toml from the app, keeping the merchant's file theirs.

The file is edited through tomlkit, which keeps comments, blank lines, key order and the
inline tables of [gifts.segments] as they were; only the values changed are rewritten. Each
change is checked on its own (a currency is three letters, a language one the notes exist in,
a time zone an IANA name, a budget a number or "off"), then the whole new file goes through
the same validation as a file read from disk (`config.parse_config`) before it is written
atomically under the workspace lock. An invalid value is never written: the error names the setting.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import tomlkit
from tomlkit.items import InlineTable, Table

from shopinsight.core.config import default_config_text, parse_config
from shopinsight.core.errors import ConfigError
from shopinsight.core.workspace import Workspace, atomic_write_bytes

Path_ = tuple[str, ...]
OFF = "off"


@dataclass(frozen=True)
class Field:
    """One setting the app can edit: where it lives, what it is called, what it accepts."""

    path: Path_
    label: str
    kind: str  # "text", "choice", "int", "budget", "currency", "timezone"
    help: str = ""
    choices: tuple[str, ...] = ()


def _choices(kind: str) -> tuple[str, ...]:
    if kind == "language":
        from shopinsight.core.gifts.notes import LANGUAGES

        return tuple(LANGUAGES)
    if kind == "date_order":
        from shopinsight.core.importers.values import DATE_ORDERS

        return DATE_ORDERS
    from shopinsight.core.customers.segment_schemes import SCHEMES

    return tuple(SCHEMES)


def fields(settings: dict[str, Any]) -> list[Field]:
    """The settings the app edits: the shop, the segment scheme, the churn list size and one
    gift budget per segment policy in [gifts.segments] of these `settings`."""
    out = [
        Field(("shop", "name"), "Shop name", "text", "Used in notes as {shop_name}."),
        Field(
            ("shop", "language"),
            "Language",
            "choice",
            "Language of the default note templates.",
            _choices("language"),
        ),
        Field(
            ("shop", "currency"),
            "Currency",
            "currency",
            "ISO code such as EUR; empty: the currency of most orders.",
        ),
        Field(
            ("shop", "timezone"),
            "Time zone",
            "timezone",
            "IANA name, e.g. America/New_York: days and months follow it at once; import again "
            "exports whose times have no UTC offset (Etsy, eBay, WooCommerce, most CSVs).",
        ),
        Field(
            ("shop", "date_order"),
            "Date order",
            "choice",
            "How a CSV's 01/02/2024 is read: auto (month first, day first in European files), "
            "day-first or month-first; import the file again to apply it.",
            _choices("date_order"),
        ),
        Field(
            ("segments", "scheme"),
            "Segment scheme",
            "choice",
            "standard: 11 RFM segments; klaviyo: 6 groups; pymc: quartile segments.",
            _choices("scheme"),
        ),
        Field(
            ("churn", "list_size"),
            "Alert list size",
            "int",
            "At most this many customers in Churn's to-act list.",
        ),
    ]
    policies = (settings.get("gifts") or {}).get("segments") or {}
    for segment, policy in policies.items():
        if isinstance(policy, dict):
            out.append(
                Field(
                    ("gifts", "segments", segment, "budget"),
                    f"Gift budget: {segment}",
                    "budget",
                    "Most a gift may cost, in the shop's currency; off: no fixed cap; "
                    "empty: the default.",
                )
            )
    return out


def current(settings: dict[str, Any], path: Path_) -> Any:
    """The value at `path` in the (merged) settings, or None."""
    node: Any = settings
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def shown(value: Any) -> str:
    """A setting's value as the app's text box shows it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@cache
def _zones() -> dict[str, str]:
    """Every IANA time zone name this machine knows, by its lower-case spelling."""
    from zoneinfo import available_timezones

    return {name.lower(): name for name in available_timezones() if name != "localtime"}


def timezone_names() -> list[str]:
    """Every time zone name the Time zone field accepts, sorted (for completion)."""
    return sorted(_zones().values())


ZONE_EXAMPLES = "America/New_York, Europe/Rome or Asia/Shanghai"


def canonical_timezone(text: str) -> str | None:
    """The IANA name `text` spells, in its own capitals ("america/new york" ->
    "America/New_York"; empty -> "UTC"), or None when it names no time zone days can be
    read in."""
    from shopinsight.core.orders import UTC, check_timezone

    name = "_".join(text.strip().split())
    if not name:
        return UTC
    found = _zones().get(name.lower())
    if found is None:
        return None
    try:
        check_timezone(found)  # the same check as reading the shop's settings
    except ConfigError:
        return None
    return found


def zone_hint(text: str) -> str:
    """' Did you mean ...?' for a misspelt or city-only zone name, else ''."""
    name = "_".join(text.strip().split()).lower()
    zones = _zones()
    near = [zones[k] for k in zones if k.rsplit("/", 1)[-1] == name.rsplit("/", 1)[-1]]
    near += [zones[k] for k in difflib.get_close_matches(name, list(zones), n=3, cutoff=0.75)]
    near = [n for n in dict.fromkeys(near) if canonical_timezone(n)][:3]
    if not near:
        return ""
    if len(near) == 1:
        return f" Did you mean {near[0]}?"
    return f" Did you mean {', '.join(near[:-1])} or {near[-1]}?"


def parse_value(field: Field, text: str) -> Any:
    """The TOML value for what was typed into `field`; None removes the setting (its default
    applies). Raises ConfigError naming the setting and what it accepts."""
    text = text.strip()

    def bad(what: str) -> ConfigError:
        return ConfigError(f"{field.label}: '{text[:40]}' cannot be used", what)

    if field.kind == "text":
        if len(text) > 200 or any(ord(c) < 32 for c in text):
            raise bad("Use at most 200 characters on one line.")
        return text
    if field.kind == "choice":
        if text not in field.choices:
            raise bad(f"Pick one of: {', '.join(field.choices)}.")
        return text
    if field.kind == "currency":
        if text.lower() in ("", "auto"):
            return ""
        if not re.fullmatch(r"[A-Za-z]{3}", text):
            raise bad("Write a three-letter ISO code such as EUR or USD, or leave it empty.")
        return text.upper()
    if field.kind == "timezone":
        zone = canonical_timezone(text)
        if zone is None:
            raise bad(
                f"Write an IANA time zone name such as {ZONE_EXAMPLES} (or UTC)." + zone_hint(text)
            )
        return zone
    if field.kind == "int":
        if not re.fullmatch(r"\d{1,6}", text) or int(text) < 1:
            raise bad("Write a whole number of at least 1.")
        return int(text)
    if field.kind == "budget":
        if not text:
            return None
        if text.lower() == OFF:
            return OFF
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise bad('Write an amount such as 5 or 12.50, or "off".') from None
        if not 0 <= number <= 1e6:
            raise bad("Write an amount from 0 to 1,000,000.")
        return number
    raise ValueError(f"unknown field kind {field.kind}")


def _table_for(doc: Any, path: Path_) -> Any:
    """The table (or inline table) that holds the last key of `path`, created when absent."""
    node = doc
    for i, part in enumerate(path[:-1]):
        if part not in node:
            inline = isinstance(node, Table) and i == len(path) - 2 and len(path) > 3
            node[part] = tomlkit.inline_table() if inline else tomlkit.table()
        node = node[part]
        if not isinstance(node, Table | InlineTable | dict):
            raise ConfigError(
                f"Cannot change {'.'.join(path)}",
                f"{'.'.join(path[: i + 1])} in shopinsight.toml is not a table; fix it by hand.",
            )
    return node


def with_settings(text: str, changes: dict[Path_, Any]) -> str:
    """`text` (a shopinsight.toml; empty: the commented defaults) with `changes` applied
    (path -> value; None removes the key so its default applies), validated as a whole."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        text = default_config_text()
    try:
        doc = tomlkit.parse(text)
    except Exception as exc:  # tomlkit's ParseError names the line
        raise ConfigError(
            "shopinsight.toml cannot be read", f"{exc}. Fix that line before changing settings."
        ) from None
    for path, value in changes.items():
        table = _table_for(doc, path)
        key = path[-1]
        if value is None:
            if key in table:
                del table[key]
        else:
            table[key] = value
    out = tomlkit.dumps(doc)
    parse_config(out)  # the same checks as reading the file: ranges, types, syntax
    return out


def save_settings(ws: Workspace, changes: dict[Path_, Any]) -> None:
    """Apply `changes` to the workspace's shopinsight.toml (atomic, under the workspace lock)."""
    if not changes:
        return
    with ws.lock():
        path = ws.config_path
        text = path.read_text(encoding="utf-8-sig") if path.exists() else ""
        atomic_write_bytes(path, with_settings(text, changes).encode("utf-8"))
