"""Saving a note template edited in the app into the workspace's shopinsight.toml.

The file is the merchant's, with their comments, so it is edited as text: the one assignment
under [gifts.templates] is replaced (or added), everything else stays byte for byte. The result
is parsed again before it is written (atomically); a template the notes module would reject is
never saved.
"""

from __future__ import annotations

import json
import re
import tomllib

from shopinsight.core.errors import ConfigError
from shopinsight.core.gifts.notes import parse_template
from shopinsight.core.workspace import Workspace, atomic_write_bytes

SECTION = "[gifts.templates]"
_HEADER = re.compile(r"^\s*\[")


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def with_template(text: str, name: str, body: str) -> str:
    """`text` (a shopinsight.toml) with [gifts.templates] `name` set to `body`."""
    parse_template(body, name)
    line = f"{_key(name)} = {json.dumps(body, ensure_ascii=False)}"
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip() == SECTION), None)
    if start is None:
        out = text.rstrip("\n") + f"\n\n{SECTION}\n{line}\n"
    else:
        end = next((j for j in range(start + 1, len(lines)) if _HEADER.match(lines[j])), len(lines))
        assign = re.compile(rf"^\s*{re.escape(_key(name))}\s*=")
        found = next((j for j in range(start + 1, end) if assign.match(lines[j])), None)
        if found is None:
            insert = end
            while insert > start + 1 and not lines[insert - 1].strip():
                insert -= 1
            lines.insert(insert, line)
        else:
            last = found
            value = lines[found].split("=", 1)[1].strip()
            for quote in ('"""', "'''"):
                if value.startswith(quote) and value.count(quote) == 1:
                    last = next((j for j in range(found + 1, end) if quote in lines[j]), found)
            lines[found : last + 1] = [line]
        out = "\n".join(lines) + "\n"
    try:
        parsed = tomllib.loads(out)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("Could not save the template", f"shopinsight.toml: {exc}") from None
    if parsed.get("gifts", {}).get("templates", {}).get(name) != body:
        raise ConfigError(
            "Could not save the template",
            f"Edit [gifts.templates] {name} in shopinsight.toml by hand.",
        )
    return out


def save_template(ws: Workspace, name: str, body: str) -> None:
    """Write the template to the workspace settings (atomic, under the workspace lock)."""
    with ws.lock():
        text = ws.config_path.read_text(encoding="utf-8") if ws.config_path.exists() else ""
        atomic_write_bytes(ws.config_path, with_template(text, name, body).encode("utf-8"))
