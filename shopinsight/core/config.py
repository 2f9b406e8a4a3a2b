"""shopinsight.toml: the merchant's settings, with commented defaults.

Each analysis owns one section, kept as a commented TOML file in `config_templates/` (for
example `tags.toml` holds `[tags]`). The workspace's shopinsight.toml is these templates joined,
so the merchant sees every setting with its explanation; loading merges the merchant's file over
the defaults, so a setting left out keeps its default.
"""

from __future__ import annotations

import tomllib
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
    return tomllib.loads(default_config_text())


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_config(text: str, origin: str = "shopinsight.toml") -> dict[str, Any]:
    """Merge the merchant's TOML text over the defaults; a syntax error names the line."""
    try:
        user = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{origin} cannot be read",
            f"{exc}. Fix that line, or delete the file to get the defaults back.",
        ) from None
    return _merge(defaults(), user)


def load_config(path: Path) -> dict[str, Any]:
    """Read a shopinsight.toml (defaults when absent)."""
    if not path.exists():
        return defaults()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read", str(exc)) from None
    return parse_config(text, str(path))
