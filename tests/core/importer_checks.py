"""Checks every marketplace importer's tests share."""

from __future__ import annotations

from pathlib import Path

from shopinsight.core.importers import KNOWN_COLUMNS, load_file
from shopinsight.core.importers.base import BuildContext, finish
from shopinsight.core.importers.sniff import read_raw, sniff


def reads_only_what_it_uses(path: Path) -> None:
    """Parsing only the format's declared columns gives the same lines as parsing them all."""
    loaded = load_file(path)
    fmt = loaded.format
    raw = read_raw(path, sniff(path, KNOWN_COLUMNS))
    full, _ = finish(fmt.build(raw, BuildContext(path.name)), raw, fmt.source_name, fmt.kind)
    assert fmt.columns is not None
    assert loaded.lines.equals(full)
