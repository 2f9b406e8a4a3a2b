"""Results computed once per version of data + settings + state, kept in the workspace cache.

`ShopCache` is what `Shop` uses to remember a result in memory (once per `Shop`, even when two
worker threads ask at the same time) and on disk (once per workspace fingerprint, so reopening an
unchanged workspace reads results instead of recomputing them). One scheme for every result: the
file is `shop-<CACHE_VERSION>-<name>-<part>-<fingerprint>.parquet`, where `name` carries the
as-of day, the currency and a hash of the merchant's hand-made state the result depends on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import polars as pl

from shopinsight.core.workspace import Workspace

T = TypeVar("T")

CACHE_VERSION = "v15"
"""Bumped whenever the shape or the meaning of a cached result changes: old files are ignored."""


def _plain(value: Any) -> str:
    """Dates and times as ISO 8601 text; anything else as its text."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def frame_to_json(data: Any) -> pl.DataFrame:
    """A JSON-able value as a one-cell frame, so it can live in the workspace cache."""
    return pl.DataFrame({"json": [json.dumps(data, default=_plain, ensure_ascii=False)]})


def json_from_frame(frame: pl.DataFrame) -> Any:
    return json.loads(frame["json"][0])


def _base(name: str) -> str:
    """The file name of a cached result, before its part and the workspace fingerprint."""
    return f"shop-{CACHE_VERSION}-{name}".replace(" ", "_").replace("/", "_")


class ShopCache:
    """In-memory memo plus the on-disk cache of one workspace."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._values: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._writer: ThreadPoolExecutor | None = None
        self._writes: list[Future[None]] = []
        self._unwritten: dict[str, pl.DataFrame] = {}
        """Frames handed to the writer and not on disk yet, by file name: read from here."""

    @contextlib.contextmanager
    def write_behind(self) -> Iterator[None]:
        """Within it, results are written to the workspace cache by a thread of their own while
        the caller goes on computing (Polars writes Parquet without the GIL); a result not on
        disk yet is read from memory. Leaving waits for every write, and raises what a write
        raised besides OSError (a read-only workspace works without the cache, as outside)."""
        with ThreadPoolExecutor(1, thread_name_prefix="shopinsight-cache") as pool:
            self._writer = pool
            try:
                yield
            finally:
                self._writer = None
        writes, self._writes = self._writes, []
        for write in writes:
            write.result()

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Compute `key` once per instance, even when several workers ask at the same time."""
        with self._guard:
            if key in self._values:
                return self._values[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]

    def peek(self, key: str) -> Any:
        """A memoised result if it is ready, else None (never computes)."""
        with self._guard:
            return self._values.get(key)

    def forget(self, *keys: str) -> None:
        """Drop memoised results: a key and its variants ('bundles' drops 'bundles:…' too;
        'churn:' is the default horizon's key alone, 'churn' every horizon's)."""
        with self._guard:
            for key in keys:
                for known in [k for k in self._values if k == key or k.startswith(f"{key}:")]:
                    self._values.pop(known, None)

    def frame(
        self, name: str, compute: Callable[[], pl.DataFrame], family: str | None = None
    ) -> pl.DataFrame:
        """A frame from the workspace cache, or computed and stored there."""
        return self.parts(name, ["frame"], lambda: {"frame": compute()}, family)["frame"]

    def json(self, name: str, compute: Callable[[], Any], family: str | None = None) -> Any:
        """A JSON-able value from the cache, or computed and stored there."""
        return self.parts(name, [], lambda: {"meta": compute()}, family)["meta"]

    def parts(
        self,
        name: str,
        frames: list[str],
        compute: Callable[[], dict[str, Any]],
        family: str | None = None,
    ) -> dict[str, Any]:
        """Several frames plus a JSON `meta` computed together and cached side by side.

        `family` is the name without its state key: files of older states are removed, so a
        tag edited by hand does not leave a copy of the customer table behind each time.
        """
        base = _base(name)
        hits = {part: self._get(f"{base}-{part}") for part in [*frames, "meta"]}
        meta = hits["meta"]
        if meta is not None and all(v is not None for v in hits.values()):
            out: dict[str, Any] = dict(hits)
            out["meta"] = json_from_frame(meta)
            return out
        result = compute()
        files = {f"{base}-{part}": result[part] for part in frames}
        files[f"{base}-meta"] = frame_to_json(result.get("meta", {}))
        writer = self._writer
        if writer is None:
            self._put(files, family, base)
        else:
            with self._guard:
                self._unwritten.update(files)
            self._writes.append(writer.submit(self._put, files, family, base))
        result["meta"] = json.loads(json.dumps(result.get("meta", {}), default=_plain))
        return result

    def _put(self, files: dict[str, pl.DataFrame], family: str | None, base: str) -> None:
        """Write one result's files (the meta last: a result counts as cached once it is
        there), then drop its family's older files."""
        try:
            for file, frame in files.items():
                self.ws.cache_put(file, frame)
            self._drop_stale(family, base)
        except OSError:
            pass  # a read-only workspace still works, just without the cache
        finally:
            with self._guard:
                for file, frame in files.items():
                    if self._unwritten.get(file) is frame:
                        del self._unwritten[file]

    def _get(self, file: str, columns: list[str] | None = None) -> pl.DataFrame | None:
        """A cached frame (only `columns`, if given): from the writer's queue when not on disk
        yet, else from the workspace cache; None when missing or lacking a column asked for."""
        with self._guard:
            frame = self._unwritten.get(file)
        if frame is None:
            return self.ws.cache_get(file, columns)
        if columns is None:
            return frame
        return frame.select(columns) if set(columns) <= set(frame.columns) else None

    def columns(
        self, name: str, part: str, columns: list[str] | None = None
    ) -> pl.DataFrame | None:
        """One cached frame of `parts` (or some of its columns), or None when it is not cached:
        a warm command that shows 16 of the customer table's ~80 columns reads only those."""
        return self._get(f"{_base(name)}-{part}", columns)

    def _drop_stale(self, family: str | None, current: str) -> None:
        """Remove the files of `family` (of any cache version) but those of `current`. Only
        that family's: `status` is not `order-status`, nor `orders-<day>` `last-orders-<day>`
        (a glob on `shop-*-status-` removed the Overview's order figures each time the status
        was cached, and `orders-` the churn marks' last orders)."""
        if not family:
            return
        family = family.replace(" ", "_").replace("/", "_")
        for path in self.ws.cache_dir.glob(f"shop-*-{family}-*.parquet"):
            rest = path.name.split("-", 2)[-1]  # after shop-<version>-
            if rest.startswith(f"{family}-") and not path.name.startswith(f"{current}-"):
                with contextlib.suppress(OSError):
                    path.unlink()
