"""What the screens show, computed from the workspace in worker threads and cached.

`ShopData` is the app's one view of a workspace at one as-of day. Each result (overview,
profiles, churn, bundles, gifts) is computed at most once per instance, and stored in the
workspace cache (`Workspace.cache_put`, keyed by a fingerprint of data + settings), so reopening
the app on an unchanged workspace reads results instead of recomputing them. What the merchant
changed by hand (tag overrides, alert states) lives in state.sqlite, which the fingerprint does
not cover: those results carry a hash of that state in their cache name.

Everything here runs off the UI thread and may raise ShopInsightError; screens stay thin.
Adapters to core modules that land later (or whose signature differs) live in data_core.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import polars as pl

from shopinsight.core.errors import ShopInsightError
from shopinsight.core.orders import lines_as_of, parse_as_of, resolve_as_of
from shopinsight.core.workspace import Workspace

T = TypeVar("T")

CACHE_VERSION = "v2"
"""Bumped when the shape of a cached TUI result changes, so old cache files are ignored."""


def frame_to_json(data: Any) -> pl.DataFrame:
    """A JSON-able value as a one-cell frame, so it can live in the workspace cache."""
    return pl.DataFrame({"json": [json.dumps(data, default=str, ensure_ascii=False)]})


def json_from_frame(frame: pl.DataFrame) -> Any:
    return json.loads(frame["json"][0])


class ShopData:
    """Analysis results for one workspace and one as-of day, computed on demand."""

    def __init__(self, ws: Workspace, as_of: str | dt.date | None = None) -> None:
        self.ws = ws
        self.requested_as_of = parse_as_of(as_of)
        self._values: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    # -- memo + cache --------------------------------------------------------------------
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
        """Drop memoised results (after the merchant changed state they depend on).

        A key ending in ':' drops every variant of it (e.g. 'bundles:' all segments).
        """
        with self._guard:
            for key in keys:
                for known in [k for k in self._values if k == key or k.startswith(f"{key}:")]:
                    self._values.pop(known, None)

    def cached_frame(
        self, name: str, compute: Callable[[], pl.DataFrame], family: str | None = None
    ) -> pl.DataFrame:
        """A frame from the workspace cache, or computed and stored there."""
        full = f"tui-{CACHE_VERSION}-{name}"
        hit = self.ws.cache_get(full)
        if hit is not None:
            return hit
        frame = compute()
        try:
            self.ws.cache_put(full, frame)
            self.drop_stale(family, full)
        except OSError:
            pass  # a read-only workspace still works, just without the cache
        return frame

    def drop_stale(self, family: str | None, current: str) -> None:
        """Delete cached versions of the same result for an earlier state (or cache version):
        a tag edited by hand must not leave a copy of the customer table behind each time."""
        if not family:
            return
        for path in self.ws.cache_dir.glob(f"tui-*-{family}-*.parquet"):
            if not path.name.startswith(f"{current}-"):
                with contextlib.suppress(OSError):
                    path.unlink()

    def cached_parts(
        self,
        name: str,
        frames: list[str],
        compute: Callable[[], dict[str, Any]],
        family: str | None = None,
    ) -> dict[str, Any]:
        """Several frames plus a JSON `meta` computed together and cached side by side.

        `family` is the name without its state key: older states' files are removed.
        """
        base = f"tui-{CACHE_VERSION}-{name}"
        hits = {part: self.ws.cache_get(f"{base}-{part}") for part in [*frames, "meta"]}
        if all(v is not None for v in hits.values()):
            out: dict[str, Any] = dict(hits)
            out["meta"] = json_from_frame(hits["meta"])
            return out
        result = compute()
        try:
            for part in frames:
                self.ws.cache_put(f"{base}-{part}", result[part])
            self.ws.cache_put(f"{base}-meta", frame_to_json(result.get("meta", {})))
            self.drop_stale(family, base)
        except OSError:
            pass
        result["meta"] = json.loads(json.dumps(result.get("meta", {}), default=str))
        return result

    def cached_json(self, name: str, compute: Callable[[], Any], family: str | None = None) -> Any:
        return json_from_frame(self.cached_frame(name, lambda: frame_to_json(compute()), family))

    def state_key(self, *tables: str) -> str:
        """A short hash of the rows of state.sqlite tables (hand-made changes to the analysis).

        A missing file or table hashes like an empty one.
        """
        h = hashlib.sha256()
        rows_by_table: dict[str, list[Any]] = {t: [] for t in tables}
        if self.ws.state_path.exists():
            with self.ws.db() as conn:
                for table in tables:
                    try:
                        rows_by_table[table] = conn.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
                    except sqlite3.Error:  # table not created yet
                        pass
        for table in tables:
            h.update(f"{table}:{sorted(map(repr, rows_by_table[table]))!r};".encode())
        return h.hexdigest()[:10]

    # -- basics --------------------------------------------------------------------------
    def as_of(self) -> dt.date:
        """The analysis day: the one asked for, else the day of the last order."""

        def compute() -> dt.date:
            if self.requested_as_of is not None:
                return self.requested_as_of
            found = self.cached_json("asof", lambda: resolve_as_of(self.ws.lines()).isoformat())
            return dt.date.fromisoformat(found)

        return self.memo("as_of", compute)

    def known_as_of(self) -> dt.date | None:
        """The as-of day if already known (never computes: safe on the UI thread)."""
        return self.requested_as_of or self._values.get("as_of")

    def has_orders(self) -> bool:
        return self.ws.lines_path.exists()

    def config(self) -> dict[str, Any]:
        return self.memo("config", self.ws.config)

    def lines(self) -> pl.LazyFrame:
        """The workspace's lines as the shop stood at the end of the as-of day."""
        return lines_as_of(self.ws.lines(), self.as_of())

    def collected_lines(self) -> pl.DataFrame:
        return self.memo("lines", lambda: self.lines().collect())

    def orders(self) -> pl.DataFrame:
        """One row per order as of the day (core orders_frame), for the customer timelines;
        cached in the workspace, since building it reads every line."""
        from shopinsight.core.orders import orders_frame

        cols = ["source", "order_id", "customer_id", "ordered_at", "order_day", "net_revenue",
                "items", "status", "is_gift", "counted"]  # fmt: skip
        return self.memo(
            "orders",
            lambda: self.cached_frame(
                f"orders-{self.as_of_key()}",
                lambda: orders_frame(self.lines()).select(cols).collect(),
            ),
        )

    def last_orders(self) -> pl.DataFrame:
        """customer_id, last_order_at: each customer's last counted order (small, cached)."""
        return self.memo(
            "last_orders",
            lambda: self.cached_frame(
                f"last-orders-{self.as_of_key()}",
                lambda: (
                    self.orders()
                    .filter(pl.col("counted"))
                    .group_by("customer_id")
                    .agg(pl.col("ordered_at").max().alias("last_order_at"))
                ),
            ),
        )

    def first_day(self) -> dt.date | None:
        """The day of the shop's first order (start of the customer timelines)."""
        return self.memo("first_day", lambda: self.orders()["order_day"].min())

    # -- overview ------------------------------------------------------------------------
    def overview(self) -> dict[str, Any]:
        """KPIs, revenue by month and imports (core `shop_status`), cached."""
        from shopinsight.tui.data_core import shop_status

        def compute() -> dict[str, Any]:
            if not self.has_orders():
                return {"lines": 0, "imports": self.ws.ledger()}
            return shop_status(self.ws, self.as_of())

        return self.memo(
            "overview", lambda: self.cached_json(f"overview-{self.as_of_key()}", compute)
        )

    def as_of_key(self) -> str:
        return self.as_of().isoformat() if self.has_orders() else "empty"

    def segment_summary(self) -> dict[str, Any]:
        """Segment sizes and the notes behind them; small and cached on its own so the
        overview never has to load the whole customer table."""

        def compute() -> dict[str, Any]:
            prof = self.profiles()
            sizes = prof.sizes.select("segment", "customers", "share", "revenue")
            return {
                "sizes": sizes.filter(pl.col("customers") > 0).to_dicts(),
                "customers": prof.table.height,
                "currency": prof.currency,
                "notes": [prof.segment_note, *prof.notes],
            }

        family = f"segments-{self.as_of_key()}"
        name = f"{family}-{self.state_key('tag_overrides')}"
        return self.memo("segment_summary", lambda: self.cached_json(name, compute, family))

    # -- analyses (adapters in data_core) ------------------------------------------------
    def profiles(self) -> Any:
        from shopinsight.tui.data_core import load_profiles

        return self.memo("profiles", lambda: load_profiles(self))

    def churn(self) -> Any:
        from shopinsight.tui.data_core import load_churn

        return self.memo("churn", lambda: load_churn(self))

    def remark_churn(self) -> Any:
        """The churn result with the merchant's marks re-read (cheap: nothing is refitted)."""
        from shopinsight.tui.data_core import with_marks

        churn = self.churn()
        churn.alerts = with_marks(self, churn.base)
        return churn

    def bundles(self, segment: str | None = None) -> Any:
        from shopinsight.tui.data_core import load_bundles

        return self.memo(f"bundles:{segment or ''}", lambda: load_bundles(self, segment))

    def gifts(self) -> Any:
        from shopinsight.tui.data_core import load_gifts

        return self.memo("gifts", lambda: load_gifts(self))


def require_orders(data: ShopData) -> None:
    """Raise the message a screen shows before the first import."""
    if not data.has_orders():
        raise ShopInsightError(
            "No orders yet",
            "Import an order export first: press i (Import) and pick a file, or run "
            "`shopinsight demo` to explore the sample shop.",
        )
