"""Finding an export on disk: a folder's entries, each file with why it can or cannot be
imported, path completion, and the usual places (where the app was opened, Downloads, home).

Shops hand out orders as CSV, but merchants also keep the spreadsheet they opened it in, the
invoice PDFs and the compressed download next to it; the import screen lists those too, with
what to do about each, instead of hiding them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

IMPORTABLE = frozenset({".csv", ".tsv", ".txt"})

WHY_NOT: dict[str, str] = {
    **dict.fromkeys(
        (".xlsx", ".xls", ".xlsm", ".ods", ".numbers"),
        "a spreadsheet: open it and save it as CSV (UTF-8), then import the CSV",
    ),
    ".pdf": "a PDF (an invoice or a report): download the orders export as CSV from your "
    "shop's admin instead",
    **dict.fromkeys(
        (".gz", ".zip", ".bz2", ".xz", ".7z", ".rar", ".tar", ".tgz"),
        "compressed: unpack it first, then import the CSV inside",
    ),
    **dict.fromkeys((".json", ".xml"), "JSON and XML are not read: export the orders as CSV"),
}


@dataclass(frozen=True)
class Entry:
    """One line of the file picker."""

    name: str
    path: Path
    is_dir: bool
    size: int
    why_not: str  # "" when the file can be imported (folders: "")

    @property
    def importable(self) -> bool:
        return not self.is_dir and not self.why_not


def why_not_importable(path: Path, size: int | None = None) -> str:
    """Why `path` cannot be imported, in words with what to do; "" when it can be tried."""
    suffix = path.suffix.lower()
    if suffix in WHY_NOT:
        return WHY_NOT[suffix]
    if suffix not in IMPORTABLE:
        return f"not an orders export ({suffix or 'no extension'}): only .csv, .tsv and .txt files"
    if size == 0:
        return "empty file"
    return ""


def folder_entries(folder: Path, hidden: bool = False) -> list[Entry]:
    """The folder's sub-folders then files (by name, case-insensitive), every file with
    `why_not`. Unreadable entries are skipped; an unreadable folder raises OSError."""
    out: list[Entry] = []
    with os.scandir(folder) as it:
        for item in it:
            if not hidden and item.name.startswith("."):
                continue
            try:
                is_dir = item.is_dir()
                size = 0 if is_dir else item.stat().st_size
            except OSError:
                continue
            path = Path(item.path)
            why = "" if is_dir else why_not_importable(path, size)
            out.append(Entry(item.name, path, is_dir, size, why))
    return sorted(out, key=lambda e: (not e.is_dir, e.name.lower()))


def complete(text: str, base: Path) -> str | None:
    """`text` (a path being typed; relative to `base`) completed to the one entry it starts,
    or to the longest common start of several; None when nothing matches or nothing to add."""
    if not text:
        return None
    typed = Path(text).expanduser()
    full = typed if typed.is_absolute() else base / typed
    if text.endswith(os.sep):
        folder, stem = full, ""
    else:
        folder, stem = full.parent, full.name
    try:
        names = [
            e.name + (os.sep if e.is_dir() else "")
            for e in os.scandir(folder)
            if e.name.startswith(stem) and (stem.startswith(".") or not e.name.startswith("."))
        ]
    except OSError:
        return None
    if not names:
        return None
    common = os.path.commonprefix(sorted(names))
    if len(common) <= len(stem):
        return None
    return text + common[len(stem) :]


def places(start: Path, home: Path | None = None) -> list[tuple[str, Path]]:
    """Where exports usually are: the folder the app was opened in, Downloads, home."""
    home = home or Path.home()
    found = [("Opened in", start)]
    for name in ("Downloads", "Download", "Scaricati", "下载"):
        if (home / name).is_dir():
            found.append(("Downloads", home / name))
            break
    found.append(("Home", home))
    seen: set[Path] = set()
    unique = []
    for label, path in found:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append((label, path))
    return unique
