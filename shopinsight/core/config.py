"""shopinsight.toml: the merchant's settings, with commented defaults.

Each analysis owns one section, kept as a commented TOML file in `config_templates/` (for
example `tags.toml` holds `[tags]`). The workspace's shopinsight.toml is these templates joined,
so the merchant sees every setting with its explanation; loading merges the merchant's file over
the defaults, so a setting left out keeps its default.
"""

from __future__ import annotations

import math
import re
from importlib import resources
from pathlib import Path
from typing import Any

from shopinsight.core.errors import ConfigError


def _template_files() -> list[Any]:
    folder = resources.files("shopinsight.core") / "config_templates"
    return sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)


def default_config_text() -> str:
    """The commented default shopinsight.toml."""
    head = (
        "# ShopInsight settings. Every value below is the default; change what you need.\n"
        "# A setting you delete falls back to its default.\n\n"
    )
    return head + "\n".join(f.read_text(encoding="utf-8").strip() + "\n" for f in _template_files())


def defaults() -> dict[str, Any]:
    """The default settings as a dict of sections."""
    import tomllib

    return tomllib.loads(default_config_text())


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


MAX_CONFIG_BYTES = 1_000_000  # a settings file is a few KB; a bigger one is not settings
MAX_NESTING = 8  # tables and lists inside each other ([gifts.segments.Champions] is 3)


def parse_config(text: str, origin: str = "shopinsight.toml") -> dict[str, Any]:
    """Merge the merchant's TOML text over the defaults; a syntax error names the line, a value
    out of its range names the setting and the range. A byte-order mark (Notepad) is fine.

    tomllib is imported here: a warm `customers`, `churn` or `gifts plan` reads no settings
    (their results are cached under the settings file's hash), ~3 ms of each."""
    import tomllib

    text = text.removeprefix("\ufeff")
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{origin} is too large",
            f"Settings are at most {MAX_CONFIG_BYTES // 1000:,} KB; this file has "
            f"{len(text) // 1000:,} KB. Delete it to get the defaults back.",
        )
    try:
        user = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{origin} cannot be read",
            f"{exc}. Fix that line, or delete the file to get the defaults back.",
        ) from None
    except RecursionError:  # tomllib recurses once per nested [ or {
        raise ConfigError(
            f"{origin} cannot be read",
            "It has lists or tables nested hundreds of levels deep; no setting needs more than "
            f"{MAX_NESTING}. Fix it, or delete the file to get the defaults back.",
        ) from None
    except ValueError as exc:  # a number with thousands of digits
        raise ConfigError(
            f"{origin} cannot be read",
            f"{str(exc)[:80]}. Fix that number, or delete the file to get the defaults back.",
        ) from None
    base = defaults()
    _check_values(user, origin)
    _check_types(base, user, origin)
    _check_timezone(user, origin)
    return _merge(base, user)


def _check_timezone(user: dict[str, Any], origin: str) -> None:
    """`[shop] timezone` as the IANA name it spells: a hand-written "europe/paris" becomes
    "Europe/Paris" (the one zone it names, in its own capitals, as the app's Time zone field
    takes it); a name that is no zone stops here with the zone it most likely meant.

    A name that loads as written is kept untouched (no zone list read: ~40 ms)."""
    shop = user.get("shop")
    if not isinstance(shop, dict):
        return
    tz = shop.get("timezone")
    if not isinstance(tz, str) or tz.strip() in ("", "UTC"):
        return
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(tz)
        return
    except Exception:  # not a zone as written (ValueError for a path-like name)
        pass
    from shopinsight.core.settings_writer import canonical_timezone, zone_hint

    found = canonical_timezone(tz)
    if found is None:
        raise ConfigError(
            "Unknown shop.timezone",
            f"'{tz[:60]}' is not an IANA timezone name; use one like 'Europe/Rome' or "
            f"'America/New_York' ({origin}, [shop] timezone).{zone_hint(tz[:60])}",
        )
    shop["timezone"] = found


# Ranges of numeric settings, by key name (a setting's name says what it counts). First match
# wins; a number that matches none must still be finite and within 0..1e9.
RANGES: list[tuple[str, float, float]] = [
    (r"^max_size$", 2, 6),
    (r"^(min_alert_risk|min_auc_gain)$", 0, 1),
    (r"days$", 0, 36_500),
    (r"^(min|max)_", 0, 1e9),
    (r"(^|_)(share|quantile|quantiles|auto_scale|discount|spend_drop|discount_mean_pct)$", 0, 1),
    (r"^(due|at_risk|lapsing|lapsed)$", 0, 1000),
    (r"(percentile|percentiles|budget_pct)$", 0, 100),
    (r"months$", 1, 12),
    (r"^night_(start|end)$", 0, 24),
    (r"^training_cutoffs$", 1, 50),
    (r"^seed$", 0, 2**32 - 1),
    (r"", 0, 1e9),
]


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def _range_of(key: str) -> tuple[float, float]:
    return next((lo, hi) for pattern, lo, hi in RANGES if re.search(pattern, key))


def _check_values(value: Any, origin: str, path: tuple[str, ...] = ()) -> None:
    """Every number finite and within its range, nothing nested deeper than MAX_NESTING, so a
    hostile or mistyped setting stops here with its name instead of deep in an analysis."""
    if len(path) > MAX_NESTING:
        raise ConfigError(
            f"{origin}: settings nested too deep",
            f"{'.'.join(path[:3])}… is nested more than {MAX_NESTING} levels; no setting needs "
            "that. Fix it, or delete the file to get the defaults back.",
        )
    if isinstance(value, dict):
        for key, inner in value.items():
            _check_values(inner, origin, (*path, str(key)))
    elif isinstance(value, list):
        for inner in value:
            _check_values(inner, origin, (*path, "[]"))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        key = next((p for p in reversed(path) if p != "[]"), "")
        lo, hi = _range_of(key)
        if not (math.isfinite(value) and lo <= value <= hi):
            name = ".".join(p for p in path if p != "[]")
            raise ConfigError(
                f"{name} = {_toml(value)[:30]} cannot be used",
                f"It must be a number from {_num(lo)} to {_num(hi)}. Fix it in {origin}, or "
                "delete the line to get the default back.",
            )


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text in quotes"
    if isinstance(value, list):
        return "a list in [ ]"
    return "a table"


def _fits(default: Any, value: Any) -> bool:
    """Whether a setting has the type of its default: numbers stay numbers (or "off"), lists
    stay lists of the same kind, yes/no stays yes/no; text also takes numbers ("auto" or 0.01)."""
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int | float):
        off = isinstance(value, str) and value.strip().lower() == "off"
        return off or (isinstance(value, int | float) and not isinstance(value, bool))
    if isinstance(default, str):
        return isinstance(value, str | int | float) and not isinstance(value, bool)
    if isinstance(default, list):
        return isinstance(value, list) and (not default or all(_fits(default[0], v) for v in value))
    return True


def _check_types(base: dict[str, Any], user: dict[str, Any], origin: str) -> None:
    """A setting of the wrong type (`min_orders = "x"`) is named with the type it needs, before
    an analysis trips over it. Checked: each section's own keys (nested tables such as
    [gifts.segments] and [tags.custom] are validated by their analyses)."""
    for section, values in user.items():
        default = base.get(section)
        if not isinstance(default, dict):
            continue
        if not isinstance(values, dict):
            raise ConfigError(
                f"[{section}] must be a table",
                f"In {origin}, write it as a [{section}] heading with its settings under it.",
            )
        for key, value in values.items():
            want = default.get(key)
            if want is None or isinstance(want, dict) or _fits(want, value):
                continue
            raise ConfigError(
                f"[{section}] {key} = {_toml(value)} cannot be used",
                f"It should be {_kind(want)}, like the default {key} = {_toml(want)}. Fix it in "
                f"{origin}, or delete the line to get the default back.",
            )


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def load_config(path: Path) -> dict[str, Any]:
    """Read a shopinsight.toml (defaults when absent)."""
    if not path.exists():
        return defaults()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read", str(exc)) from None
    return parse_config(text, str(path))
