"""Versions of a workspace's data: which files make up the lines, customers and ledger now.

`manifest.json` names one version: the Parquet parts holding the lines (each with the rows
dropped from it since, when a later import replaced them), the customers file and how many
ledger records belong to it. Data files are never changed once written, so a reader that
resolved a manifest keeps reading the same version while an import writes the next one;
replacing the manifest is the only commit point. A workspace from before versions
(`order_lines.parquet`, `customers.parquet`, no manifest) reads as version 0.

A part holds whole canonical lines, the order's fields repeated on each of its lines, not
an orders part joined back on reading. Measured on 1M Shopify lines (601k orders): the
split would save the import 0.3 CPU s of Parquet writing and 0.1 of copying order fields
onto lines, but every reading of all lines would go from 0.24 CPU s to 0.96 (a join) or
0.47 (a gather), filters on order fields (a customer's lines) could no longer skip rows
before it, and the lines are read after every import (the warm-up) and whenever settings
change: the cost would move from the import to each reading, not go away.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from shopinsight.core.schema import CUSTOMER_ATTR_SCHEMA, LINE_KEY, LINE_SCHEMA, conform

MANIFEST = "manifest.json"
INCOMING = ".incoming-"
"""Folder (inside lines/) of the parts an import in progress writes early (`PartWriter`)."""
PART_ROWS = 1 << 20
"""Lines per part written by a big import; parts smaller than half this are 'small': more
than `MAX_SMALL` of them are compacted into one."""
MAX_SMALL = 8
ROW_GROUP = 131_072
"""Rows per Parquet row group: small enough that an overlapping import reads only the end of
a big part, big enough to keep reads fast."""
LEGACY_LINES = "order_lines.parquet"
LEGACY_CUSTOMERS = "customers.parquet"
LINES_DIR = "lines"
CUSTOMERS_DIR = "customers"
ROW = "__part_row"
"""A row's position inside its part: how dropped rows are named."""


def line_order() -> list[str]:
    """How the workspace keeps its lines: by time (undated last), then by line key."""
    return ["ordered_at", *LINE_KEY]


def read_manifest(root: Path) -> dict[str, Any]:
    """The current version; for a workspace without a manifest, its legacy files as version 0."""
    path = root / MANIFEST
    with contextlib.suppress(FileNotFoundError):
        return json.loads(path.read_text(encoding="utf-8"))
    parts = []
    if (root / LEGACY_LINES).exists():
        parts.append({"file": LEGACY_LINES, "drop": None})
    customers = LEGACY_CUSTOMERS if (root / LEGACY_CUSTOMERS).exists() else None
    return {"version": 0, "id": "legacy", "lines": parts, "ordered": True,
            "customers": customers, "ledger": None}  # fmt: skip


def new_name(folder: str, version: int, suffix: str = ".parquet") -> str:
    """A fresh data file name (a random part: a killed import may have used the version)."""
    return f"{folder}/{version:08d}-{secrets.token_hex(4)}{suffix}"


def scan_part(root: Path, part: dict[str, Any], with_row: bool = False) -> pl.LazyFrame:
    """One part's live lines (dropped rows left out), in the canonical schema."""
    path = root / part["file"]
    lf = pl.scan_parquet(path)
    if dict(lf.collect_schema()) != LINE_SCHEMA:  # written before the schema grew
        lf = conform(lf, LINE_SCHEMA)
    if with_row or part.get("drop"):
        lf = lf.with_row_index(ROW)
    if part.get("drop"):
        dropped = pl.read_parquet(root / part["drop"]).to_series()
        lf = lf.filter(~pl.col(ROW).is_in(dropped.implode()))
        if not with_row:
            lf = lf.drop(ROW)
    return lf


def gather_part(root: Path, part: dict[str, Any], rows: pl.Series) -> pl.DataFrame:
    """Whole lines at these positions of a part (live rows), reading only the row groups
    between the first and the last: an overlapping export touches the newest orders, which
    sit at the end of a part sorted by time."""
    lo, hi = int(rows.min()), int(rows.max())  # type: ignore[arg-type]
    lf = pl.scan_parquet(root / part["file"]).slice(lo, hi - lo + 1)
    if dict(lf.collect_schema()) != LINE_SCHEMA:
        lf = conform(lf, LINE_SCHEMA)
    lf = lf.with_row_index(ROW, offset=lo).filter(pl.col(ROW).is_in(rows.implode()))
    return lf.drop(ROW).collect()


def lines_of_orders(
    root: Path, manifest: dict[str, Any], orders: pl.DataFrame
) -> tuple[pl.DataFrame, dict[str, pl.Series]]:
    """The lines of some orders (`orders`: their key columns) and where they sit (part file ->
    row positions): the key columns of every part are read, whole rows only where they match."""
    found: list[pl.DataFrame] = []
    where: dict[str, pl.Series] = {}
    on = orders.columns
    for part in manifest["lines"]:
        lf = scan_part(root, part, with_row=True)
        matched = lf.select(*on, ROW).join(orders.lazy(), on=on, how="semi").select(ROW)
        rows = matched.collect().to_series()
        if rows.len():
            where[part["file"]] = rows
            found.append(gather_part(root, part, rows))
    if not found:
        return pl.DataFrame(schema=LINE_SCHEMA), where
    return pl.concat(found, how="vertical"), where


def scan_lines(root: Path, manifest: dict[str, Any]) -> pl.LazyFrame:
    """All lines of a version, in workspace order."""
    parts = manifest["lines"]
    if not parts:
        return pl.LazyFrame(schema=LINE_SCHEMA)
    lf = pl.concat([scan_part(root, p) for p in parts], how="vertical")
    if not manifest.get("ordered", True):  # an append overlapped earlier parts in time
        lf = lf.sort(line_order(), nulls_last=True)
    return lf


def scan_customers(root: Path, manifest: dict[str, Any]) -> pl.LazyFrame:
    """The customer attributes of a version."""
    name = manifest.get("customers")
    if not name:
        return pl.LazyFrame(schema=CUSTOMER_ATTR_SCHEMA)
    lf = pl.scan_parquet(root / name)
    if lf.collect_schema() != pl.Schema(CUSTOMER_ATTR_SCHEMA):
        lf = conform(lf, CUSTOMER_ATTR_SCHEMA)
    return lf


def time_range(frame: pl.LazyFrame) -> dict[str, Any]:
    """First and last line time (epoch µs) and whether any line is undated: lets an append
    tell, without reading old parts, whether the lines stay in time order."""
    row = frame.select(
        pl.col("ordered_at").dt.epoch("us").min().alias("min_at"),
        pl.col("ordered_at").dt.epoch("us").max().alias("max_at"),
        pl.col("ordered_at").null_count().alias("undated"),
        pl.len().alias("rows"),
    ).collect()
    return row.row(0, named=True)


def in_order(parts: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """Parts by first line time, and whether reading them one after the other gives the lines
    in time order (each part is sorted; their ranges must not overlap, undated lines last)."""
    parts = sorted(parts, key=lambda p: (p.get("min_at") is None, p.get("min_at") or 0))
    ordered = all(
        a.get("max_at") is not None
        and not a.get("undated")
        and b.get("min_at") is not None
        and a["max_at"] < b["min_at"]
        for a, b in zip(parts, parts[1:], strict=False)
    )
    return parts, ordered


class PartWriter:
    """The lines of a big import written as parts while the file is still being read, so
    they never all sit in memory; kept in a private folder (no other writer's cleanup
    touches it) until the commit adopts them, or removed."""

    def __init__(self, root: Path, order: Callable[[pl.DataFrame], pl.DataFrame]) -> None:
        self.folder = root / LINES_DIR / f"{INCOMING}{os.getpid()}-{secrets.token_hex(4)}"
        self.order = order
        self.pending: list[pl.DataFrame] = []
        self.parts: list[dict[str, Any]] = []

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height:
            self.pending.append(frame)
        if sum(f.height for f in self.pending) >= PART_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        firsts = [f["ordered_at"].min() for f in self.pending]
        idx = sorted(range(len(firsts)), key=lambda i: (firsts[i] is None, firsts[i] or 0))
        frame = self.order(pl.concat([self.pending[i] for i in idx]))
        self.pending = []
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{len(self.parts):04d}.parquet"
        # no statistics: nothing reads parts by value ranges (their time range is in the
        # manifest), and they cost 7% of the write
        frame.write_parquet(path, compression="lz4", statistics=False, row_group_size=ROW_GROUP)
        with open(path, "rb+") as fh:
            os.fsync(fh.fileno())
        part = {"file": f"{LINES_DIR}/{self.folder.name}/{path.name}", "drop": None}
        part.update(time_range(frame.lazy()))
        self.parts.append(part)

    def close(self) -> list[dict[str, Any]]:
        """The parts written (the commit moves them into place)."""
        self.flush()
        return self.parts

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.parts, self.pending = [], []


def read_ledger(path: Path, count: int | None) -> list[dict[str, Any]]:
    """The first `count` import records (all for a legacy workspace); records past it belong
    to an import that never committed."""
    if not path.exists():
        return []
    out: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if count is not None and len(out) >= count:
            break
        with contextlib.suppress(json.JSONDecodeError):
            out.append(json.loads(line))
    return out


def referenced(manifest: dict[str, Any]) -> set[str]:
    """Every data file a version uses (paths relative to the workspace)."""
    names = {p["file"] for p in manifest["lines"]} | {
        p["drop"] for p in manifest["lines"] if p.get("drop")
    }
    if manifest.get("customers"):
        names.add(manifest["customers"])
    return names


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_files(root: Path, manifest: dict[str, Any], ledger: list[dict[str, Any]]) -> list[Path]:
    """Files no version in use needs: parts and customers files of superseded or never
    committed versions, legacy files after migration, temp files of dead processes, and
    rejects files of imports that never committed. Called under the write lock, before a
    new version is written (readers of the current version keep theirs)."""
    keep = referenced(manifest)
    out: list[Path] = []
    has_manifest = (root / MANIFEST).exists()
    for folder in (LINES_DIR, CUSTOMERS_DIR):
        d = root / folder
        if d.is_dir():
            out += [p for p in d.iterdir() if f"{folder}/{p.name}" not in keep and p.is_file()]
    if (root / LINES_DIR).is_dir():  # parts of imports that died before their commit
        for d in (root / LINES_DIR).glob(f"{INCOMING}*"):
            pid = d.name[len(INCOMING) :].split("-")[0]
            if pid.isdigit() and not _alive(int(pid)):
                out.append(d)
    if has_manifest:
        out += [root / n for n in (LEGACY_LINES, LEGACY_CUSTOMERS) if n not in keep]
    for d in (root, root / "cache", root / "rejects"):
        if d.is_dir():
            for p in d.glob(".*.tmp-*"):
                pid = p.name.rsplit("-", 1)[-1]
                if pid.isdigit() and not _alive(int(pid)):
                    out.append(p)
    rejects = root / "rejects"
    if rejects.is_dir():
        known = {Path(str(r.get("rejects_path"))).name for r in ledger if r.get("rejects_path")}
        out += [p for p in rejects.glob("*.rejects.csv") if p.name not in known]
    return [p for p in out if p.exists()]
