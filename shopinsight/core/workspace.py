"""Where a shop's data lives, and how it changes without ever being half-written.

    manifest.json         the current version: which files below hold the data (commit point)
    lines/                Parquet parts of the accepted lines, deduplicated on the line key,
                          and the rows a later import dropped from each part
    customers/            customer attributes from customers exports (tags, consent, names)
    imports.jsonl         one record per import (file, sha256, format, counts, time)
    rejects/              rejected rows of each import, with row number and reason
    state.sqlite          what the merchant did: alert states, tag overrides, campaigns
    shopinsight.toml      settings, written with commented defaults on first use
    cache/                analysis results keyed by a fingerprint of data version + settings

An import writes new files only, then replaces manifest.json (temp file, fsync, rename): a
kill -9, SIGTERM or Ctrl-C at any moment leaves the workspace as it was or as the import made
it, and readers keep the version they opened (see `store`). A lock file keeps writers apart.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import itertools
import json
import os
import secrets
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from shopinsight import __version__
from shopinsight.core import store
from shopinsight.core.atomic import (
    atomic_write_bytes,
    atomic_write_parquet,
    fsync_dir,
    interrupt_after,
    temp_beside,
)
from shopinsight.core.config import default_config_text, load_config
from shopinsight.core.errors import WorkspaceError

ENV_VAR = "SHOPINSIGHT_WORKSPACE"


def default_workspace_path() -> Path:
    """`SHOPINSIGHT_WORKSPACE` if set, else the platform's user data folder."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("shopinsight", appauthor=False) / "workspace"


class Workspace:
    """A shop's data folder. Analyses get frames from it; they never read files themselves.

    Each read resolves the current version; `snapshot()` pins one, so that lines, customer
    attributes, ledger and fingerprint all describe the same data while an import runs.
    """

    def __init__(self, root: Path, manifest: dict[str, Any] | None = None) -> None:
        self.root = Path(root)
        self._pinned = manifest

    @classmethod
    def open(cls, root: Path | str | None = None, create: bool = True) -> Workspace:
        """Open (and on first use create) a workspace folder."""
        path = Path(root).expanduser() if root else default_workspace_path()
        if path.exists() and not path.is_dir():
            raise WorkspaceError(
                "Workspace is not a folder", f"{path} is a file. Pass a folder to --workspace."
            )
        if create:
            try:
                (path / "rejects").mkdir(parents=True, exist_ok=True)
                (path / "cache").mkdir(exist_ok=True)
            except OSError as exc:
                raise WorkspaceError(f"Cannot create the workspace at {path}", str(exc)) from None
            ws = cls(path)
            if not ws.config_path.exists():
                atomic_write_bytes(ws.config_path, default_config_text().encode("utf-8"))
            return ws
        return cls(path)

    def snapshot(self) -> Workspace:
        """This workspace pinned to its current version: what it reads (and the fingerprint
        its results are cached under) stays that version even if an import commits meanwhile.
        Files of a version are kept until the import after the one that superseded it."""
        return Workspace(self.root, self.manifest())

    def manifest(self) -> dict[str, Any]:
        """The version read: the pinned one, else the current one."""
        return self._pinned if self._pinned is not None else store.read_manifest(self.root)

    @property
    def version(self) -> int:
        """The data version (0 before the first import); grows with every import."""
        return int(self.manifest()["version"])

    # -- paths -----------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / store.MANIFEST

    @property
    def lines_path(self) -> Path:
        """The lines file when the lines are one part (after the first import or a
        compaction), else the folder of parts. Read lines through `lines()`: a folder also
        holds superseded parts and rows that later imports replaced."""
        parts = self.manifest()["lines"]
        if len(parts) == 1 and not parts[0].get("drop"):
            return self.root / parts[0]["file"]
        return self.root / (store.LINES_DIR if parts else store.LEGACY_LINES)

    @property
    def customers_path(self) -> Path:
        name = self.manifest().get("customers")
        return self.root / (name or store.LEGACY_CUSTOMERS)

    @property
    def ledger_path(self) -> Path:
        return self.root / "imports.jsonl"

    @property
    def rejects_dir(self) -> Path:
        return self.root / "rejects"

    @property
    def state_path(self) -> Path:
        return self.root / "state.sqlite"

    @property
    def config_path(self) -> Path:
        return self.root / "shopinsight.toml"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def paths(self) -> dict[str, Path]:
        """Every place the workspace keeps something, for `shopinsight where`."""
        return {
            "workspace": self.root,
            "order lines": self.lines_path,
            "customers": self.customers_path,
            "import ledger": self.ledger_path,
            "rejects": self.rejects_dir,
            "state": self.state_path,
            "settings": self.config_path,
            "cache": self.cache_dir,
        }

    # -- reading ---------------------------------------------------------------------------
    def has_lines(self) -> bool:
        """Whether any order lines were imported."""
        return any(p.get("rows", 1) for p in self.manifest()["lines"])

    def lines(self) -> pl.LazyFrame:
        """All accepted order lines (canonical schema) of the version read, lazily."""
        return store.scan_lines(self.root, self.manifest())

    def customer_attrs(self) -> pl.LazyFrame:
        """Customer attributes from imported customers exports."""
        return store.scan_customers(self.root, self.manifest())

    def ledger(self) -> list[dict[str, Any]]:
        """The import records of the version read, oldest first."""
        return store.read_ledger(self.ledger_path, self.manifest().get("ledger"))

    def config(self) -> dict[str, Any]:
        """The merchant's settings merged over the defaults."""
        return load_config(self.config_path)

    def fingerprint(self) -> str:
        """The data version read plus the settings: the key for cached results (a result
        computed from a snapshot is stored under the version it read, not a newer one). The
        app's version is part of it: results cached by an older release are not reused."""
        m = self.manifest()
        h = hashlib.sha256(f"{__version__}:{m.get('id')}:{m['version']};".encode())
        if m["version"] == 0:  # legacy files may change in place: their stat is the version
            for p in (self.root / store.LEGACY_LINES, self.root / store.LEGACY_CUSTOMERS):
                with contextlib.suppress(OSError):
                    st = p.stat()
                    h.update(f"{p.name}:{st.st_size}:{st.st_mtime_ns};".encode())
        with contextlib.suppress(OSError):
            h.update(self.config_path.read_bytes())
        return h.hexdigest()[:16]

    # -- user state ------------------------------------------------------------------------
    @contextlib.contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        """A transaction on state.sqlite; committed on success, rolled back on error."""
        self.root.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.state_path, timeout=10)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:
                yield conn
        finally:
            conn.close()

    # -- cache -----------------------------------------------------------------------------
    def cache_get(self, name: str, columns: list[str] | None = None) -> pl.DataFrame | None:
        """A cached result frame for the current fingerprint (only `columns`, if given), or
        None when it is missing, unreadable or lacks a column asked for."""
        path = self.cache_dir / f"{name}-{self.fingerprint()}.parquet"
        if path.exists():
            with contextlib.suppress(Exception):
                return pl.read_parquet(path, columns=columns)
        return None

    def cache_put(self, name: str, frame: pl.DataFrame) -> None:
        """Store a result frame for the current fingerprint, dropping older versions."""
        self.cache_dir.mkdir(exist_ok=True)
        for old in self.cache_dir.glob(f"{name}-*.parquet"):
            with contextlib.suppress(OSError):
                old.unlink()
        path = self.cache_dir / f"{name}-{self.fingerprint()}.parquet"
        atomic_write_parquet(path, frame, statistics=False)  # read whole: no ranges needed

    # -- writing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the workspace's write lock; a second writer gets a clear error."""
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".lock", "w")
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WorkspaceError(
                    "Workspace is busy",
                    f"Another ShopInsight process is importing into {self.root}. "
                    "Wait for it to finish and try again.",
                ) from None
            yield
        finally:
            fh.close()

    def read_lines(self) -> pl.DataFrame | None:
        """All lines in memory, or None before the first import."""
        return self.lines().collect() if self.has_lines() else None

    def lines_of_orders(self, orders: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, pl.Series]]:
        """The stored lines of some orders (`orders`: their key columns) and where they sit
        (part file -> row positions): what an import replaces, without loading every line."""
        return store.lines_of_orders(self.root, self.manifest(), orders)

    def read_customers(self) -> pl.DataFrame | None:
        """Customer attributes in memory, or None if no customers export was imported."""
        return self.customer_attrs().collect() if self.manifest().get("customers") else None

    def commit(
        self,
        lines: pl.DataFrame | None,
        records: list[dict[str, Any]],
        customers: pl.DataFrame | None = None,
    ) -> None:
        """Replace all lines (and customer attributes) and append import records, as one new
        version. Call under `lock()`."""
        self.write_version(records, lines=lines, customers=customers)

    def write_version(
        self,
        records: list[dict[str, Any]],
        *,
        lines: pl.DataFrame | None = None,
        append: pl.DataFrame | None = None,
        drop: dict[str, pl.Series] | None = None,
        adopt: list[dict[str, Any]] | None = None,
        customers: pl.DataFrame | None = None,
    ) -> None:
        """Write the next version and switch to it. Call under `lock()`.

        `lines` replaces every line; else `drop` (part file -> row positions in it) removes
        rows and `append` adds a sorted part; `adopt` takes parts a `store.PartWriter` wrote
        during the import. New files are written and fsynced first, then
        manifest.json is replaced: the one commit point. Ctrl-C waits for it, then
        interrupts. Files of older versions are removed first (readers hold the current one).
        """
        with interrupt_after():
            old = store.read_manifest(self.root)
            self.clean(old, records)
            version = int(old["version"]) + 1
            parts = [dict(p) for p in old["lines"]]
            if lines is not None:
                parts = []
                append = lines if lines.height else None
            for p in parts:
                if "rows" not in p:  # a legacy file: its range, once
                    p.update(store.time_range(pl.scan_parquet(self.root / p["file"])))
            for p in parts:
                rows = (drop or {}).get(p["file"])
                if rows is not None and rows.len():
                    before = (
                        pl.read_parquet(self.root / p["drop"]).to_series()
                        if p.get("drop")
                        else pl.Series([], dtype=pl.UInt32)
                    )
                    both = pl.concat([before, rows.cast(pl.UInt32)]).unique().sort()
                    name = store.new_name(store.LINES_DIR, version, ".drop.parquet")
                    self._write(name, both.alias("row").to_frame())
                    p["drop"], p["dropped"] = name, both.len()
            parts = [p for p in parts if p.get("dropped", 0) < p.get("rows", 1)]
            if append is not None and append.height:
                added: dict[str, Any] = {
                    "file": store.new_name(store.LINES_DIR, version),
                    "drop": None,
                }
                added.update(store.time_range(append.lazy()))
                self._write(added["file"], append)
                parts.append(added)
            for part in adopt or []:
                name = store.new_name(store.LINES_DIR, version)
                os.replace(self.root / part["file"], self.root / name)
                parts.append({**part, "file": name})
            if adopt:
                fsync_dir(self.root / store.LINES_DIR)
            parts, ordered = store.in_order(parts)  # each part is sorted: ranges tell
            small = [p for p in parts if p.get("rows", 0) < store.PART_ROWS // 2]
            if len(parts) > 1 and sum(p.get("dropped", 0) for p in parts) * 4 > _rows(parts):
                parts, ordered = self._compact(parts, ordered, version), True
            elif len(small) > store.MAX_SMALL:
                merged = self._compact(small, False, version)
                parts, ordered = store.in_order([p for p in parts if p not in small] + merged)
            customers_file = old.get("customers")
            if customers is not None:
                customers_file = store.new_name(store.CUSTOMERS_DIR, version)
                self._write(customers_file, customers)
            count = len(store.read_ledger(self.ledger_path, old.get("ledger")))
            if records:
                # the version tells one import batch from the next (stamps share a second)
                last = self._last_order_day(parts)
                stamped = [{**r, "last_order_day": last, "version": version} for r in records]
                self._append_ledger(count, stamped)
            manifest = {"version": version, "id": secrets.token_hex(8), "lines": parts,
                        "ordered": ordered, "customers": customers_file,
                        "ledger": count + len(records)}  # fmt: skip
            atomic_write_bytes(self.manifest_path, json.dumps(manifest, indent=1).encode())

    def _write(self, name: str, frame: pl.DataFrame) -> None:
        (self.root / name).parent.mkdir(exist_ok=True)
        atomic_write_parquet(self.root / name, frame)

    def _compact(self, parts: list[dict[str, Any]], ordered: bool, version: int) -> list[dict]:
        """Many small parts, or many dropped rows: rewrite those lines as one sorted part."""
        lf = store.scan_lines(self.root, {"lines": parts, "ordered": ordered})
        frame = lf.collect()
        part: dict[str, Any] = {"file": store.new_name(store.LINES_DIR, version), "drop": None}
        part.update(store.time_range(frame.lazy()))
        self._write(part["file"], frame)
        return [part]

    def _last_order_day(self, parts: list[dict[str, Any]]) -> str | None:
        """The last order day (the shop's, `[shop] timezone` as set at the import) of the lines
        as this import leaves them: kept in each import record so `changes --since` knows where
        the data then ended (ledger counts cannot tell after a backfill or a second store). One
        column read, dropped rows left out."""
        from shopinsight.core.orders import UTC, local_day, shop_tz

        if not parts:
            return None
        try:
            tz = shop_tz(self.config())
        except Exception:  # settings that do not read: the import still commits (UTC days)
            tz = UTC
        lf = pl.concat([store.scan_part(self.root, p) for p in parts], how="vertical")
        last = lf.select(local_day(pl.col("ordered_at").max(), tz)).collect().item()
        return last.isoformat() if last is not None else None

    def _append_ledger(self, count: int, records: list[dict[str, Any]]) -> None:
        """The ledger with `records` after its first `count` (committed) records; what a
        killed import left past them is dropped."""
        kept = b""
        if self.ledger_path.exists():
            lines = self.ledger_path.read_bytes().splitlines(keepends=True)
            kept = b"".join(x for x in lines[:count] if x.endswith(b"\n"))
        add = "".join(json.dumps(r, default=str, ensure_ascii=False) + "\n" for r in records)
        atomic_write_bytes(self.ledger_path, kept + add.encode("utf-8"))

    def clean(
        self, manifest: dict[str, Any] | None = None, records: Sequence[dict[str, Any]] = ()
    ) -> list[Path]:
        """Remove what no version in use needs (see `store.stale_files`); `records`: the
        import being committed (its rejects files stay). Call under `lock()`."""
        manifest = manifest or store.read_manifest(self.root)
        ledger = store.read_ledger(self.ledger_path, manifest.get("ledger")) + list(records)
        gone = store.stale_files(self.root, manifest, ledger)
        for p in gone:
            with contextlib.suppress(OSError):
                shutil.rmtree(p) if p.is_dir() else p.unlink()
        return gone

    def write_rejects(self, name: str, rejects: pl.DataFrame) -> Path:
        """Save an import's rejected rows as CSV (row, reason, raw values), under a name no
        other file of the same import (or second) has: `a/orders.csv` and `b/orders.csv`
        each keep theirs."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        self.rejects_dir.mkdir(exist_ok=True)
        for n in itertools.count(1):
            tag = "" if n == 1 else f"-{n}"
            path = self.rejects_dir / f"{stamp}-{Path(name).stem}{tag}.rejects.csv"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            except FileExistsError:
                continue
            os.close(fd)
            break
        with temp_beside(path) as tmp:
            rejects.write_csv(tmp)
            os.replace(tmp, path)
        return path


MAX_PARTS = store.MAX_SMALL
"""More small parts than this after an import: compact them into one."""


def _rows(parts: list[dict[str, Any]]) -> int:
    return sum(p.get("rows", 0) for p in parts)
