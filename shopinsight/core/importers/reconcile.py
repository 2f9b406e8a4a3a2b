"""Merging parsed lines into what the workspace already holds.

Same line key (source, store, order_id, line_no) → the newer export's row wins (a refund since
the last export updates the order). An order known only from an order-level export (Etsy SoldOrders,
Taobao 订单报表) is superseded by its line items when those arrive, in either order, keeping the
richer order-level fields of the order export.

Another store's export is not an update: an incoming order whose key is already held but whose
date or customer differs is refused (`check_same_orders`), asking for `import --store NAME`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import polars as pl

from shopinsight.core.errors import InputError
from shopinsight.core.importers.base import run_starts
from shopinsight.core.importers.woocommerce import keep_matched_refunds
from shopinsight.core.schema import (
    CUSTOMER_ATTR_SCHEMA,
    LINE_KEY,
    LINE_SCHEMA,
    ORDER_KEY,
    ORDER_LEVEL,
    conform,
)
from shopinsight.core.store import line_order
from shopinsight.core.workspace import Workspace


@dataclass(frozen=True)
class MergeResult:
    """What merging one file's lines changed: new + duplicates + updated = its lines.

    A duplicate is a line the workspace already holds unchanged, a line repeated within the
    file (the last one wins), or an order-level line absorbed into item lines without
    changing them."""

    new_lines: int
    duplicates: int
    updated: int
    fresh_orders: pl.DataFrame | None = field(default=None, compare=False, repr=False)
    """Keys of the order-level lines counted as new (absorbed later in the import: not new)."""
    changed: pl.DataFrame | None = field(default=None, compare=False, repr=False)
    """Keys of the lines counted as updated (the same once order rows are absorbed: not)."""
    merged: int = 0
    """Order-level lines merged into item lines another file of the same import brought
    (Olist's orders file with its items file): not held before, not new lines either. Not
    part of new + duplicates + updated."""
    itemised: pl.DataFrame | None = field(default=None, compare=False, repr=False)
    """Keys of the order-level lines counted as merged onto items already there (duplicates,
    or updates where `changing` has them)."""
    changing: pl.DataFrame | None = field(default=None, compare=False, repr=False)
    """Keys of the `itemised` lines counted as updates (they change the items' fields)."""


def merge_into(base: pl.DataFrame | None, new: pl.DataFrame) -> tuple[pl.DataFrame, MergeResult]:
    """`base` with `new` merged in by line key; counts of new, identical and changed lines.

    Counts are against what the workspace will hold: an order-level line of an order that
    already has item lines is superseded as soon as it is merged, so it is not new; it is
    an update if it changes the fields it moves onto those items, else a duplicate.
    """
    if dict(new.schema) != LINE_SCHEMA:  # (a no-op conform would still copy every column)
        new = conform(new, LINE_SCHEMA).collect()
    repeated = 0
    if not keys_unique(new):
        before = new.height
        new = new.unique(LINE_KEY, keep="last", maintain_order=True)
        repeated = before - new.height
    orders = new.filter(pl.col("line_kind") == "order")
    if base is None or base.height == 0:
        return new, MergeResult(new.height, repeated, 0, orders.select(LINE_KEY))
    new = keep_matched_refunds(base, new)
    pairs = _row_hashes(new).join(_row_hashes(base), on=LINE_KEY, suffix="_base")
    same = pl.col("__hash") == pl.col("__hash_base")
    unchanged = pairs.filter(same).height
    if orders.height:
        orders = orders.join(pairs.select(LINE_KEY), on=LINE_KEY, how="anti")
    itemised, changing, covered, keys = _itemised(base, orders)
    fresh = orders.select(LINE_KEY)
    if covered is not None:
        fresh = fresh.join(covered, on=ORDER_KEY, how="anti")
    kept = base.join(new.select(LINE_KEY), on=LINE_KEY, how="anti")
    return pl.concat([kept, new], how="vertical_relaxed"), MergeResult(
        new_lines=new.height - pairs.height - itemised,
        duplicates=unchanged + itemised - changing + repeated,
        updated=pairs.height - unchanged + changing,
        fresh_orders=fresh,
        changed=pairs.filter(~same).select(LINE_KEY),
        itemised=None if keys is None else keys[0],
        changing=None if keys is None else keys[1],
    )


@dataclass
class LinesChange:
    """What an import does to the stored lines: rows to drop (part -> positions) and the
    merged lines of every order the import touched, to append as a new part."""

    append: pl.DataFrame
    drop: dict[str, pl.Series]


def merge_import(
    ws: Workspace,
    files: list[pl.DataFrame],
    names: list[str],
    merge: Callable[..., tuple[pl.DataFrame, MergeResult]] | None = None,
    reread: list[bool] | None = None,
) -> tuple[LinesChange | None, list[MergeResult]]:
    """Merge files' lines (in order) into the workspace's; only the stored lines of the
    orders they mention are read. Every merge rule works within an order, so the result is
    the same as merging into all lines; None when the stored lines stay as they are.

    `reread`: per file, whether it was imported before (the same bytes, the same store): its
    orders are the ones it gave then, read again (e.g. after [shop] date_order changed), so
    another date is an update, not another store's order."""
    frames = [f if dict(f.schema) == LINE_SCHEMA else conform(f).collect() for f in files]
    where: dict[str, pl.Series] = {}
    base = pl.DataFrame(schema=LINE_SCHEMA)
    if ws.has_lines():  # the first import has nothing to look up
        orders = pl.concat([f.select(ORDER_KEY) for f in frames]).unique()
        base, where = ws.lines_of_orders(orders)
        base = _sorted(base)
    merged, results = base, []
    for i, (frame, name) in enumerate(zip(frames, names, strict=True)):
        if not (reread and reread[i]):
            check_same_orders(merged, frame, name)
        merged, result = (merge or merge_into)(merged, frame)
        results.append(result)
    before = merged.filter(pl.col("line_kind") == "order").select(LINE_KEY)
    merged = supersede_order_lines(merged)
    absorbed = before.join(merged.select(LINE_KEY), on=LINE_KEY, how="anti")
    if absorbed.height:  # order-level lines that became part of this import's item lines
        results = [_absorb(r, absorbed) for r in results]
    kept = None
    if any(r.changed is not None and r.changed.height for r in results):
        kept = _kept(merged, base)
        results = [_same_in_the_end(r, kept) for r in results]
    if any(r.changing is not None and r.changing.height for r in results) and base.height:
        kept = _kept(merged, base) if kept is None else kept
        results = _unchanged_orders(results, merged, kept)
    if len(frames) > 1 and (absorbed.height or any(r.itemised is not None for r in results)):
        results = _merged_with_other_files(frames, results, base, absorbed)
    if not any(r.new_lines or r.updated for r in results) and merged.equals(base):
        return None, results  # a re-import: the stored lines stay, only the ledger grows
    return LinesChange(merged, where), results


def merge_new(frame: pl.DataFrame) -> tuple[pl.DataFrame, MergeResult]:
    """Lines of orders the workspace does not hold (a batch of a big first import): repeats
    dropped, order rows absorbed into their items, counted as `merge_import` would."""
    merged, result = merge_into(None, frame)
    before = merged.filter(pl.col("line_kind") == "order").select(LINE_KEY)
    if before.height == 0:  # nothing to absorb (the caller puts the lines in order)
        return merged, result
    merged = supersede_order_lines(merged)
    absorbed = before.join(merged.select(LINE_KEY), on=LINE_KEY, how="anti")
    return merged, _absorb(result, absorbed) if absorbed.height else result


def _merged_with_other_files(
    frames: list[pl.DataFrame],
    results: list[MergeResult],
    stored: pl.DataFrame,
    absorbed: pl.DataFrame,
) -> list[MergeResult]:
    """Order-level lines of one file merged into item lines that another file of the same
    import brought (orders.csv with order_items.csv into an empty workspace) are neither
    unchanged nor updated lines: counted as `merged` instead. Lines merged into items held
    before the import, or into the file's own items, keep their counts."""

    def item_orders(lines: pl.DataFrame) -> pl.DataFrame:
        return lines.filter(pl.col("line_kind") != "order").select(ORDER_KEY).unique()

    stored_items = item_orders(stored)
    items = [item_orders(f) for f in frames]  # once per file, not once per other file
    out = []
    for i, (result, own_items) in enumerate(zip(results, items, strict=True)):
        others = pl.concat([x for j, x in enumerate(items) if j != i]).unique()
        others = others.join(stored_items, on=ORDER_KEY, how="anti").join(
            own_items, on=ORDER_KEY, how="anti"
        )
        if others.height == 0:
            out.append(result)
            continue
        fresh = result.fresh_orders
        from_fresh = 0  # counted new, then absorbed (_absorb: duplicates)
        if fresh is not None and fresh.height and absorbed.height:
            gone = fresh.join(absorbed, on=LINE_KEY, how="semi")
            from_fresh = gone.join(others, on=ORDER_KEY, how="semi").height
        dup = upd = 0
        if result.itemised is not None:
            onto = result.itemised.join(others, on=ORDER_KEY, how="semi")
            assert result.changing is not None
            upd = result.changing.join(onto, on=LINE_KEY, how="semi").height
            dup = onto.height - upd
        n = from_fresh + dup + upd
        out.append(
            replace(
                result,
                duplicates=result.duplicates - from_fresh - dup,
                updated=result.updated - upd,
                merged=result.merged + n,
            )
            if n
            else result
        )
    return out


def _kept(merged: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """Keys of the merged lines that are held as they were."""
    kept = _row_hashes(merged).join(_row_hashes(stored), on=LINE_KEY, suffix="_base")
    return kept.filter(pl.col("__hash") == pl.col("__hash_base")).select(LINE_KEY)


def _unchanged_orders(
    results: list[MergeResult], merged: pl.DataFrame, kept: pl.DataFrame
) -> list[MergeResult]:
    """An order row counted as changing its items is a duplicate when those items end the
    import as they were held (the items file imported again just before it, its order rows
    absorbed again): nothing was updated."""
    lines = merged.select(LINE_KEY)
    moved = lines.join(kept, on=LINE_KEY, how="anti").select(ORDER_KEY).unique()
    same = lines.select(ORDER_KEY).unique().join(moved, on=ORDER_KEY, how="anti")
    out = []
    for r in results:
        if r.changing is None or r.changing.height == 0:
            out.append(r)
            continue
        n = r.changing.join(same, on=ORDER_KEY, how="semi").height
        out.append(replace(r, updated=r.updated - n, duplicates=r.duplicates + n) if n else r)
    return out


def _same_in_the_end(result: MergeResult, kept: pl.DataFrame) -> MergeResult:
    """A line that differed from the stored one only until its order row was absorbed into
    it again (the stored line holds that order row's fields) is a duplicate, not an update."""
    if result.changed is None or result.changed.height == 0:
        return result
    n = result.changed.join(kept, on=LINE_KEY, how="semi").height
    return replace(result, updated=result.updated - n, duplicates=result.duplicates + n)


def _absorb(result: MergeResult, absorbed: pl.DataFrame) -> MergeResult:
    if result.fresh_orders is None or result.fresh_orders.height == 0:
        return result
    n = result.fresh_orders.join(absorbed, on=LINE_KEY, how="semi").height
    return replace(result, new_lines=result.new_lines - n, duplicates=result.duplicates + n)


def _row_hashes(lines: pl.DataFrame) -> pl.DataFrame:
    """Line keys with a hash of the whole line: comparing a re-imported line with the stored
    one costs a join on the key instead of a join on all 34 columns. A hash collision (odds
    of about 1 in 10^13 for a million lines) could only miscount an update as a duplicate;
    the merged lines themselves never depend on it."""
    return lines.select(LINE_KEY).with_columns(lines.hash_rows().alias("__hash"))


def _itemised(
    base: pl.DataFrame, orders: pl.DataFrame
) -> tuple[int, int, pl.DataFrame | None, tuple[pl.DataFrame, pl.DataFrame] | None]:
    """Of new order-level lines (keys not in `base`): how many belong to orders `base` has
    item lines for, how many of those change those items once superseded, their orders, and
    the line keys of both."""
    if orders.height == 0:
        return 0, 0, None, None
    keys = ORDER_KEY
    items = base.filter(pl.col("line_kind") != "order").join(
        orders.select(keys).unique(), on=keys, how="semi"
    )
    covered = orders.join(items.select(keys).unique(), on=keys, how="semi")
    if covered.height == 0:
        return 0, 0, None, None
    enriched = supersede_order_lines(pl.concat([items, covered], how="vertical_relaxed"))
    changed = enriched.join(items, on=list(LINE_SCHEMA), how="anti", nulls_equal=True)
    changing = covered.join(changed.select(keys), on=keys, how="semi")
    lines = (covered.select(LINE_KEY), changing.select(LINE_KEY))
    return covered.height, changing.height, covered.select(keys).unique(), lines


def supersede_order_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Drop order-level-only lines of orders that have item lines, moving their fields over."""
    is_order = pl.col("line_kind") == "order"
    order_lines = lines.filter(is_order)
    if order_lines.height == 0:
        return _sorted(lines)
    keys = ORDER_KEY
    items = lines.filter(~is_order)
    covered = order_lines.join(items.select(keys).unique(), on=keys, how="semi")
    if covered.height == 0:
        return _sorted(lines)
    fields = [c for c in ORDER_LEVEL if c not in ("customer_id", "is_gift")]
    moved = [*fields, "customer_id", "is_gift"]
    enriched = items.join(
        covered.select(keys + moved).rename({c: f"__o_{c}" for c in moved}), on=keys, how="left"
    ).with_columns(
        *(pl.coalesce(pl.col(f"__o_{c}"), pl.col(c)).alias(c) for c in fields),
        # the items' buyer key stays; items without one (Taobao 宝贝报表) take the order's
        pl.coalesce(pl.col("customer_id"), pl.col("__o_customer_id")).alias("customer_id"),
        # a gift signal in either export makes a gift (Etsy: gift wrap is only in the items)
        (pl.col("is_gift").fill_null(False) | pl.col("__o_is_gift").fill_null(False)).alias(
            "is_gift"
        ),
    )
    enriched = enriched.select(list(LINE_SCHEMA))
    kept_orders = order_lines.join(covered.select(keys), on=keys, how="anti")
    return _sorted(pl.concat([enriched, kept_orders], how="vertical_relaxed"))


def keys_unique(lines: pl.DataFrame) -> bool:
    """Whether no line key repeats, proven without hashing every key where possible.

    One source and store, each order's lines in one contiguous run and line numbers rising within it
    (what `finish()` produces) cannot repeat a key; only other frames pay for a full check.
    """
    if lines.height < 2:
        return True
    source, order_id, line_no = lines["source"], lines["order_id"], lines["line_no"]
    store = lines["store"]
    starts = run_starts(order_id)
    heads = order_id.filter(starts)
    if (
        source.null_count() == 0
        and (source == source[0]).all()
        and store.null_count() == 0
        and (store == store[0]).all()
        and heads.n_unique() == heads.len()
        and ((line_no.diff() > 0).fill_null(False) | starts).all()
    ):
        return True
    return not lines.select(LINE_KEY).is_duplicated().any()


SORT_KEY = line_order()
"""How the workspace keeps its lines: by time (undated last), then by line key."""


def _sorted(lines: pl.DataFrame) -> pl.DataFrame:
    """Lines in workspace order; reordering a million rows is skipped when they already are."""
    if is_sorted(lines):
        return lines
    return lines.sort(SORT_KEY, nulls_last=True)


def is_sorted(lines: pl.DataFrame) -> bool:
    """Whether lines are in `SORT_KEY` order (nulls last), by comparing each row with the one
    before it: linear, where sorting would gather every column."""
    if lines.height < 2:
        return True
    time = pl.col("ordered_at").dt.epoch("us")
    later = time.is_null() & time.shift(1).is_not_null()
    step = pl.lit(True)  # equal keys are in order
    for key in reversed(LINE_KEY):
        c, before = pl.col(key), pl.col(key).shift(1)
        step = (c > before) | ((c == before) & step)
    step = later | (time > time.shift(1)) | (time.eq_missing(time.shift(1)) & step)
    return bool(lines.select(step.slice(1).fill_null(False).all()).item())


SAME_ORDER_DAYS = 1
"""How far apart an order's date may be in two exports and still be the same order (a changed
timezone setting moves naive dates by hours, never by days)."""


def check_same_orders(base: pl.DataFrame | None, new: pl.DataFrame, file_name: str) -> None:
    """Refuse `new` when orders it shares keys with are other orders: another date, or another
    customer (both known). Two stores of one platform number their orders alike (#1001…);
    merging them would mix their lines, so the merchant names the store instead."""
    if base is None or base.height == 0 or new.height == 0:
        return
    firsts = [pl.col("ordered_at").min(), pl.col("customer_id").drop_nulls().min()]
    incoming = new.lazy().group_by(ORDER_KEY).agg(firsts)
    held = base.lazy().join(incoming.select(ORDER_KEY), on=ORDER_KEY, how="semi")
    pairs = incoming.join(held.group_by(ORDER_KEY).agg(firsts), on=ORDER_KEY, suffix="_held")
    apart = (pl.col("ordered_at") - pl.col("ordered_at_held")).abs() > pl.duration(
        days=SAME_ORDER_DAYS
    )
    other_buyer = pl.col("customer_id") != pl.col("customer_id_held")
    clash = (
        pairs.filter(apart.fill_null(False) | other_buyer.fill_null(False))
        .sort("ordered_at", "order_id")
        .collect()
    )
    if clash.height == 0:
        return
    first = clash.row(0, named=True)
    source, store = first["source"], first["store"]
    day, held_day = (
        f"{v:%Y-%m-%d}" if v is not None else "no date"
        for v in (first["ordered_at"], first["ordered_at_held"])
    )
    where = f"{source} store '{store}'" if store else source
    raise InputError(
        f"{file_name} looks like another store's export",
        f"{clash.height:,} of its orders have the numbers of orders already imported from {where} "
        f"but another date or customer (e.g. {first['order_id']}: {day} in this file, "
        f"{held_day} in the workspace). Importing it would mix two stores' orders. Name its "
        "store: `shopinsight import FILE --store NAME` (e.g. the shop's domain); nothing was "
        "imported.",
    )


def customer_counts(base: pl.DataFrame | None, part: pl.DataFrame) -> MergeResult:
    """What merging a customers export changes, per row: new customers, changed ones, and
    duplicates (stored unchanged, or repeated in the file: the last row wins)."""
    part = conform(part, CUSTOMER_ATTR_SCHEMA).collect()
    rows = part.unique("customer_id", keep="last", maintain_order=True)
    repeated = part.height - rows.height
    if base is None or base.height == 0:
        return MergeResult(rows.height, repeated, 0)
    base = conform(base, CUSTOMER_ATTR_SCHEMA).collect()
    key = ["customer_id"]
    hashed = [f.select(key).with_columns(f.hash_rows().alias("__hash")) for f in (rows, base)]
    pairs = hashed[0].join(hashed[1], on=key, suffix="_base")
    unchanged = pairs.filter(pl.col("__hash") == pl.col("__hash_base")).height
    return MergeResult(rows.height - pairs.height, unchanged + repeated, pairs.height - unchanged)


def merge_customers(base: pl.DataFrame | None, parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Customer attributes: the latest export's row per customer wins."""
    frames = ([base] if base is not None and base.height else []) + parts
    merged = pl.concat([conform(f, CUSTOMER_ATTR_SCHEMA).collect() for f in frames])
    return merged.unique("customer_id", keep="last", maintain_order=True)
