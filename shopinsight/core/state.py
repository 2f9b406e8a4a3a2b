"""What the merchant did by hand, kept in the workspace's state.sqlite.

Tag overrides, alert marks, gift campaigns and exclusions are the merchant's decisions, not
data from an export: they survive re-imports, and results that depend on them are cached under a
hash of the rows they read (`state_key`), so a change by hand is seen at once and nothing else
is recomputed.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

import polars as pl

from shopinsight.core.workspace import Workspace

TABLES = (
    "tag_overrides",
    "churn_alert_state",
    "gift_campaigns",
    "gift_campaign_members",
    "exclusions",
)
"""Every state table; `state_key` refuses any other name (names go into SQL text)."""

EXCLUSIONS_SCHEMA = {"kind": pl.Utf8, "key": pl.Utf8, "reason": pl.Utf8, "at": pl.Utf8}


def read_rows(ws: Workspace, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a read-only query on state.sqlite. Nothing is created or locked: a missing file
    or table reads as empty, so a read-only workspace (or a copy on a CD) can be analysed;
    only a change by hand (a tag, a mark, a campaign) needs the folder to be writable."""
    if not ws.state_path.exists():
        return []
    try:
        conn = sqlite3.connect(f"file:{ws.state_path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return []
    try:
        return conn.execute(query, params).fetchall()
    except sqlite3.Error:  # table not created yet, or the file cannot be read
        return []
    finally:
        conn.close()


def _rows(ws: Workspace, table: str) -> list[tuple[Any, ...]]:
    if table not in TABLES:
        raise ValueError(f"unknown state table {table!r}")
    return read_rows(ws, f"SELECT * FROM {table}")  # noqa: S608 - the name is checked


def state_key(ws: Workspace, *tables: str) -> str:
    """A short hash of the rows of these state tables; a missing table hashes like an empty
    one. Read-only, so a read-only workspace can still be analysed."""
    h = hashlib.sha256()
    for table in tables:
        h.update(f"{table}:{sorted(map(repr, _rows(ws, table)))!r};".encode())
    return h.hexdigest()[:10]


def manual_exclusions(ws: Workspace) -> pl.DataFrame:
    """kind (order/customer), key, reason, at: what the merchant excluded by hand."""
    rows = _rows(ws, "exclusions")
    return pl.DataFrame([r[:4] for r in rows], schema=EXCLUSIONS_SCHEMA, orient="row")
