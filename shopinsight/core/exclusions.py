"""Orders left out of the analyses but never dropped: test orders, staff and wholesale buyers,
outliers, and what the merchant excluded by hand.

A test order or a shop assistant's purchase is real data in the export but not a customer's
behaviour: counted as one, it makes a loyal "customer" of the owner and a churn alert of an
employee. The rules live in the settings (`[exclusions]`), the merchant's own choices in
state.sqlite (`exclusions(kind, key, reason, at)`, written by `shopinsight exclude/include`).
`flag_exclusions` only marks orders (`excluded`, `excluded_reason`); callers keep the marked
orders in their frames so they are counted and listed apart.

Keys: a customer is its `customer_id`; an order is `order_ref` = "source:store:order_id" (store
is often "", as in "shopify::#1002").
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

import polars as pl

from shopinsight.core.customer_lookup import customer_candidates, only_one
from shopinsight.core.errors import InputError
from shopinsight.core.orders import sold_status
from shopinsight.core.workspace import Workspace

KINDS = ("order", "customer")

MANUAL_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(),
    "key": pl.String(),
    "reason": pl.String(),
    "at": pl.String(),
}
"""The `exclusions` table of state.sqlite, as a frame."""

_CREATE = (
    "CREATE TABLE IF NOT EXISTS exclusions ("
    " kind TEXT NOT NULL CHECK (kind IN ('order', 'customer')), key TEXT NOT NULL,"
    " reason TEXT, at TEXT NOT NULL, PRIMARY KEY (kind, key))"
)

REASONS = {
    "manual": "excluded by hand",
    "test": "test order",
    "staff": "staff",
    "wholesale": "wholesale",
    "outlier": "outlier",
}
"""`excluded_reason` values, first matching rule wins in this order (the merchant's own
exclusion first, with their reason in parentheses; the outlier rule adds the threshold)."""


def order_ref(source: str, store: str, order_id: str) -> str:
    """An order's key in the exclusions table and on the command line."""
    return f"{source}:{store}:{order_id}"


def order_ref_expr() -> pl.Expr:
    """`order_ref` of each row of an orders (or lines) frame."""
    return pl.concat_str(
        pl.col("source"),
        pl.lit(":"),
        pl.col("store").fill_null(""),
        pl.lit(":"),
        pl.col("order_id"),
    )


def _words(values: Any) -> list[str]:
    """A settings list of emails or tags, trimmed and lower-cased."""
    if not isinstance(values, list):
        return []
    return [str(v).strip().lower() for v in values if str(v).strip()]


def _in_list(column: str, values: list[str]) -> pl.Expr:
    """Whether the column, trimmed and lower-cased, is one of `values` (null: no).

    No values (the default settings): `False` outright, without trimming and lower-casing
    every order's text for nothing (0.3 CPU s of `flag_exclusions` at 1M lines)."""
    if not values:
        return pl.lit(False)
    return pl.col(column).str.strip_chars().str.to_lowercase().is_in(values).fill_null(False)


def _multiple(value: Any) -> float:
    """The outlier multiple: a positive number, or 0 / "off" (no outlier rule)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return 0.0


def flag_exclusions(
    orders: pl.DataFrame,
    settings: dict[str, Any],
    manual: pl.DataFrame,
    tags: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`orders` (one row per order: source, store, order_id, customer_id, email, currency,
    status, net_revenue) with `excluded: bool` and `excluded_reason: str` (null when kept).

    `settings` is the whole settings dict (its `[exclusions]` section is read); `manual` the
    exclusions table (kind, key, reason, at); `tags` optionally customer_id + tags (list of
    text: the customers export's tags and the merchant's own) for the staff/wholesale tag rules.
    Nothing is removed.
    """
    cfg = settings.get("exclusions") or {}
    frame = orders
    for name in ("store", "email"):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.Utf8).alias(name))
    tag_list = pl.lit(None, pl.List(pl.Utf8))
    if tags is not None and tags.height:
        col = "tags" if "tags" in tags.columns else "existing_tags"
        per_customer = (
            tags.select("customer_id", pl.col(col).alias("__tags"))
            .explode("__tags")
            .drop_nulls()
            .group_by("customer_id")
            .agg(pl.col("__tags").str.strip_chars().str.to_lowercase().unique())
        )
        frame = frame.join(per_customer, on="customer_id", how="left", maintain_order="left")
        tag_list = pl.col("__tags")

    manual = manual if manual.height else pl.DataFrame(schema=MANUAL_SCHEMA)
    frame = frame.with_columns(order_ref_expr().alias("__ref"))
    for kind, on in (("order", "__ref"), ("customer", "customer_id")):
        picked = manual.filter(pl.col("kind") == kind).unique("key", keep="last")
        frame = frame.join(
            picked.select(
                pl.col("key").alias(on),
                pl.col("reason").alias(f"__{kind}_why"),
                pl.lit(True).alias(f"__{kind}_hit"),
            ),
            on=on,
            how="left",
            maintain_order="left",  # the orders stay in order (money is summed in it)
        )
    by_hand = pl.coalesce(pl.col("__order_why"), pl.col("__customer_why"))
    frame = frame.with_columns(
        (pl.col("__order_hit").fill_null(False) | pl.col("__customer_hit").fill_null(False)).alias(
            "__manual"
        )
    )

    def who(kind: str) -> pl.Expr:
        emails = _words(cfg.get(f"{kind}_emails"))
        wanted = _words(cfg.get(f"{kind}_tags"))
        hit = _in_list("email", emails) | _in_list("customer_id", emails)
        if wanted:
            hit = hit | tag_list.list.eval(pl.element().is_in(wanted)).list.any().fill_null(False)
        return hit

    outlier = pl.lit(False)
    multiple = _multiple(cfg.get("outlier_multiple"))
    if multiple:
        sold = sold_status()
        typical = (
            pl.col("net_revenue")
            .filter(sold & (pl.col("net_revenue") > 0))
            .median()
            .over("currency")
        )
        outlier = (sold & (pl.col("net_revenue") > multiple * typical)).fill_null(False)
    reason = (
        pl.when(pl.col("__manual"))
        .then(
            pl.when(by_hand.str.strip_chars().fill_null("") != "")
            .then(pl.format("{} ({})", pl.lit(REASONS["manual"]), by_hand.str.strip_chars()))
            .otherwise(pl.lit(REASONS["manual"]))
        )
        .when(who("test"))
        .then(pl.lit(REASONS["test"]))
        .when(who("staff"))
        .then(pl.lit(REASONS["staff"]))
        .when(who("wholesale"))
        .then(pl.lit(REASONS["wholesale"]))
        .when(outlier)
        .then(pl.lit(f"{REASONS['outlier']} (over {multiple:g}× the median order)"))
    )
    helpers = ["__ref", "__manual", "__tags"] + [
        f"__{k}_{w}" for k in ("order", "customer") for w in ("why", "hit")
    ]
    out = frame.with_columns(reason.cast(pl.Utf8).alias("excluded_reason")).with_columns(
        pl.col("excluded_reason").is_not_null().alias("excluded")
    )
    out = out.drop([c for c in helpers if c in out.columns])
    return out.select([*orders.columns, "excluded", "excluded_reason"])


def customer_tags(attrs: pl.DataFrame, overrides: pl.DataFrame | None = None) -> pl.DataFrame:
    """customer_id, tags: the customers export's tags with the merchant's overrides applied
    (added tags in, removed ones out), for the tag rules of `flag_exclusions`."""
    base = attrs.select("customer_id", pl.col("existing_tags").alias("tag")).explode("tag")
    base = base.drop_nulls().with_columns(pl.col("tag").str.strip_chars().str.to_lowercase())
    if overrides is not None and overrides.height:
        ov = overrides.with_columns(pl.col("tag").str.strip_chars().str.to_lowercase())
        added = ov.filter(pl.col("action") == "add").select("customer_id", "tag")
        removed = ov.filter(pl.col("action") == "remove").select("customer_id", "tag")
        base = pl.concat([base, added]).join(removed, on=["customer_id", "tag"], how="anti")
    return base.unique().group_by("customer_id").agg(pl.col("tag").alias("tags"))


# -- the merchant's own exclusions (state.sqlite) -------------------------------------------


def load_manual(ws: Workspace) -> pl.DataFrame:
    """Every exclusion made by hand: kind, key, reason, at (oldest first). Read-only: a
    workspace nobody excluded anything in (or a read-only one) gives an empty frame."""
    rows: list[Any] = []
    if ws.state_path.exists():
        try:
            conn = sqlite3.connect(f"file:{ws.state_path}?mode=ro", uri=True, timeout=10)
            try:
                rows = conn.execute(
                    "SELECT kind, key, reason, at FROM exclusions ORDER BY at, kind, key"
                ).fetchall()
            finally:
                conn.close()
        except sqlite3.Error:  # no exclusions table yet
            rows = []
    return pl.DataFrame(rows, schema=MANUAL_SCHEMA, orient="row")


def save_manual(ws: Workspace, kind: str, key: str, reason: str | None = None) -> None:
    """Exclude an order or a customer (again: the reason and time are replaced)."""
    if kind not in KINDS:
        raise InputError(f"Cannot exclude a {kind}", "Exclude an order or a customer.")
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with ws.db() as conn:
        conn.execute(_CREATE)
        conn.execute(
            "INSERT OR REPLACE INTO exclusions (kind, key, reason, at) VALUES (?, ?, ?, ?)",
            (kind, key, (reason or "").strip() or None, at),
        )


def delete_manual(ws: Workspace, kind: str, key: str) -> bool:
    """Undo an exclusion made by hand; False when there was none."""
    with ws.db() as conn:
        conn.execute(_CREATE)
        cur = conn.execute("DELETE FROM exclusions WHERE kind = ? AND key = ?", (kind, key))
        return cur.rowcount > 0


def resolve_target(orders: pl.DataFrame, text: str, kind: str | None = None) -> tuple[str, str]:
    """(kind, key) of what `text` names: a customer (core.customer_lookup), or an order as
    `source:store:order_id`, `source:order_id` or a bare order id when only one order has it.
    `kind` ("order"/"customer") settles a text that names both."""
    text = text.strip()
    if not text:
        raise InputError("Nothing to exclude", "Name an order (e.g. shopify:#1002) or a customer.")
    customers, way = customer_candidates(orders, text)
    refs = orders.select(
        order_ref_expr().alias("ref"),
        pl.concat_str("source", pl.lit(":"), "order_id").alias("short"),
        "order_id",
    )
    match = refs.filter(pl.col("ref") == text)
    if match.height == 0:
        match = refs.filter(pl.col("short") == text)
    if match.height == 0:
        match = refs.filter(pl.col("order_id") == text)
    found_customer = bool(customers) and kind in (None, "customer")
    found_order = match.height > 0 and kind in (None, "order")
    if found_customer and found_order:
        raise InputError(
            f"'{text}' names both a customer and an order",
            "Say which with --customer or --order.",
        )
    if found_customer:  # several customers fit: the lookup's error names them
        return "customer", only_one(customers, way, text, "")
    if found_order:
        if match.height > 1:
            some = ", ".join(match["ref"].head(5).to_list())
            raise InputError(
                f"'{text}' names {match.height} orders",
                f"Name one as source:store:order_id, e.g. {some}.",
            )
        return "order", str(match["ref"][0])
    what = {"order": "order", "customer": "customer"}.get(kind or "", "order or customer")
    raise InputError(
        f"No {what} '{text}' in this workspace",
        "Use a customer id or email as `shopinsight customers` shows it, or an order as "
        "source:order_id (e.g. shopify:#1002; source:store:order_id when two stores share it).",
    )
