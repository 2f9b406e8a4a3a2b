"""Pairs of items in the same group (order or customer), walked with numpy: no self-join.

Groups are runs of rows sorted by group; step d pairs each row with the row d further on in
its group, so the steps together make every pair of a group once. Imported only when
counting (numpy stays out of a warm start that reads cached results).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import numpy as np

# Polars reads numpy arrays through numpy.ma: imported with this module (the CLI has it by then
# from scikit-learn) rather than on the first count (~0.08 s)
import numpy.ma  # noqa: F401
import polars as pl

DENSE_KEYS = 1 << 22  # pairs are counted in an array of every key up to this many keys
BATCH = 1 << 23  # pair occurrences (8 bytes each) counted at once


class Baskets:
    """The distinct (order, SKU) rows of the orders, sorted by order then SKU code: `oid` the
    order's number, `sku` the SKU's categorical code; `skus` every SKU (categorical) among them."""

    def __init__(self, oid: np.ndarray, sku: np.ndarray, skus: pl.Series) -> None:
        self.oid, self.sku, self.skus = oid, sku, skus

    @classmethod
    def of(cls, oid: pl.Series, sku: pl.Series, kept: pl.Series | None = None) -> Baskets:
        """From lines numbered by order (`oid` nondecreasing) with a categorical `sku`, the
        ones `kept` (all when None); a line repeating its order's SKU adds nothing."""
        # one packed integer a row, sorted and thinned in place: each fresh array costs page
        # faults as well as time on a million lines
        packed = oid.to_numpy().astype(np.uint64)
        packed <<= np.uint64(32)
        packed |= sku.to_physical().to_numpy()
        if kept is not None:
            packed = packed[kept.to_numpy()]
        packed.sort(kind="stable")  # the rows come by order: it runs through sorted stretches
        first = np.empty(packed.size, bool)
        first[:1] = True
        np.not_equal(packed[1:], packed[:-1], out=first[1:])
        packed = packed[first]
        if sys.byteorder == "little":  # each row's two halves: (SKU code, order number)
            halves = packed.view(np.uint32).reshape(-1, 2)
            order, code = halves[:, 1].copy(), halves[:, 0].copy()
        else:
            order = (packed >> np.uint64(32)).astype(np.uint32)
            code = (packed & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        return cls(order, code, sku.unique().drop_nulls())

    def n_orders(self) -> int:
        """How many orders hold a product."""
        return int(np.count_nonzero(self.oid[1:] != self.oid[:-1])) + 1 if self.oid.size else 0

    def item_orders(self) -> pl.DataFrame:
        """(sku, orders): the orders holding each SKU (categorical), as Polars' group-by on the
        rows counts them (UInt32), for the SKUs in some order."""
        phys = self.skus.to_physical().to_numpy()
        counts = np.bincount(self.sku, minlength=int(phys.max(initial=0)) + 1)
        found = counts[phys]
        return pl.DataFrame(
            {"sku": self.skus, "orders": found.astype(np.uint32)},
            schema={"sku": self.skus.dtype, "orders": pl.UInt32},
        ).filter(pl.col("orders") > 0)


class Walk:
    """The frequent items of each order, as numpy arrays sorted by order, and the pairs they
    make: two items `d` rows apart in one order, for d = 1, 2, … up to the biggest basket.

    Each step keeps only the rows with an item `d` rows further on in their order, so the
    steps together touch each pair once — no join on orders, no Python loop over rows.
    """

    def __init__(self, oid: np.ndarray, code: np.ndarray) -> None:
        """`oid` sorted; `code` the item of each row."""
        self.oid, self.code = oid, code
        first = np.ones(oid.size, bool)
        first[1:] = oid[1:] != oid[:-1]
        starts = np.flatnonzero(first)
        ends = np.append(starts[1:], oid.size) if starts.size else starts
        # rows left in the row's order after it (in place: no fresh arrays to fault in)
        self.left = np.repeat(ends, ends - starts)
        self.left -= np.arange(1, oid.size + 1)

    @classmethod
    def of(cls, baskets: Baskets, items: pl.DataFrame) -> Walk:
        """The rows of `baskets` whose SKU is one of `items` (item, code)."""
        phys = baskets.sku
        item_phys = items["item"].to_physical().to_numpy()
        none = np.uint64(2**64 - 1)  # not a frequent item
        size = int(max(phys.max(initial=0), item_phys.max(initial=0))) + 1
        lookup = np.full(size, none, np.uint64)
        lookup[item_phys] = items["code"].to_numpy()
        code = lookup[phys]
        kept = code != none
        return cls(baskets.oid[kept], code[kept])  # by order already

    def only(self, codes: np.ndarray) -> Walk:
        """The walk over the rows of these item codes alone."""
        wanted = np.zeros(int(self.code.max(initial=0)) + 1, bool)
        wanted[codes.astype(np.int64)] = True
        kept = wanted[self.code.view(np.int64)]
        return Walk(self.oid[kept], self.code[kept])

    def steps(self, m1: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(rows, keys) per step: the first row of each pair and the pair's key (`_key_expr`)."""
        rows = np.flatnonzero(self.left >= 1)
        shifted = self.code.astype(np.uint64) + np.uint64(1)  # code + 1, as keys hold it
        d = 1
        while rows.size:
            a, b = shifted[rows], shifted[rows + d]
            keys = np.minimum(a, b)  # (low + 1) * m1 + high + 1, in place
            keys *= np.uint64(m1)
            keys += np.maximum(a, b, out=b)
            yield rows, keys
            d += 1
            rows = rows[self.left[rows] >= d]

    def count_pairs(self, m1: int, need: int) -> pl.DataFrame:
        """(key, orders) of the pairs in at least `need` orders, by key."""
        if m1 * m1 <= DENSE_KEYS:  # a counter per possible key, added to in big batches
            counts = np.zeros(m1 * m1, np.int64)
            batch: list[np.ndarray] = []
            for _, keys in [*self.steps(m1), (None, None)]:
                if keys is not None:
                    batch.append(keys)
                if batch and (keys is None or sum(k.size for k in batch) >= BATCH):
                    merged = np.concatenate(batch).view(np.int64)  # keys < 2**63
                    counts += np.bincount(merged, minlength=m1 * m1)
                    batch = []
            keys = np.flatnonzero(counts >= need).astype(np.uint64)
            found = pl.DataFrame({"key": keys, "orders": counts[keys.astype(np.int64)]})
        else:  # counted step by step, then added up
            parts = []
            for _, keys in self.steps(m1):
                uniq, n = np.unique(keys, return_counts=True)
                parts.append(pl.DataFrame({"key": uniq, "orders": n}))
            found = (
                pl.concat(parts).group_by("key").agg(pl.col("orders").sum())
                if parts
                else pl.DataFrame(schema={"key": pl.UInt64, "orders": pl.Int64})
            )
        return (
            found.filter(pl.col("orders") >= need)
            .sort("key")
            .with_columns(pl.col("orders").cast(pl.UInt32))
        )

    def occurrences(self, m1: int, frequent: np.ndarray) -> pl.DataFrame:
        """(oid, a, b) for every order holding a pair whose key is in `frequent` (sorted)."""
        parts = []
        dense = np.zeros(m1 * m1 if m1 * m1 <= DENSE_KEYS else 0, bool)  # frequent per key
        if dense.size:
            dense[frequent.astype(np.int64)] = True
        for rows, keys in self.steps(m1):
            if dense.size:
                hit = dense[keys.view(np.int64)]
            else:
                at = np.minimum(np.searchsorted(frequent, keys), max(frequent.size - 1, 0))
                hit = frequent[at] == keys if frequent.size else np.zeros(keys.size, bool)
            parts.append((self.oid[rows[hit]], keys[hit]))
        oid = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.uint32)
        key = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.uint64)
        return pl.DataFrame(
            {
                "oid": oid,
                "a": (key // m1 - 1).astype(np.uint32),
                "b": (key % m1 - 1).astype(np.uint32),
            }
        )


def distinct_rows(group: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (group, code) rows sorted by group then code, as two uint64 arrays (both
    below 2**32): a sort of one packed integer (a stable one when the rows come by group: it
    runs through the sorted stretches)."""
    packed = (group.astype(np.uint64) << np.uint64(32)) | code.astype(np.uint64)
    by_group = packed.size < 2 or bool((group[1:] >= group[:-1]).all())
    packed = np.sort(packed, kind="stable" if by_group else None)
    if packed.size:
        packed = packed[np.append(True, packed[1:] != packed[:-1])]
    return packed >> np.uint64(32), packed & np.uint64(0xFFFFFFFF)


def code_counts(codes: np.ndarray, n: int) -> pl.DataFrame:
    """(_s, n): how many rows hold each code 0..n-1 (codes below n)."""
    counts = np.bincount(codes.astype(np.int64), minlength=n)
    return pl.DataFrame(
        {"_s": np.arange(n, dtype=np.uint64), "n": counts.astype(np.int64)},
        schema={"_s": pl.UInt64, "n": pl.Int64},
    )


def numbered(keys: pl.Series, values: pl.Series) -> tuple[np.ndarray, pl.DataFrame]:
    """Each row's key numbered 0, 1, … in key order (uint64), and (_order, <values' name>): the
    number and the value of the key's first row."""
    key_values = keys.to_numpy()
    if key_values.size < 2 or bool((key_values[1:] >= key_values[:-1]).all()):  # sorted: runs
        starts = np.ones(key_values.size, bool)
        starts[1:] = key_values[1:] != key_values[:-1]
        first = np.flatnonzero(starts)
        number = np.cumsum(starts) - 1
    else:
        _, first, number = np.unique(key_values, return_index=True, return_inverse=True)
    firsts = pl.DataFrame(
        {"_order": np.arange(first.size, dtype=np.uint64), values.name: values.gather(first)}
    )
    return number.astype(np.uint64), firsts


def triple_candidates(walk: Walk, pairs: pl.DataFrame, keys: pl.Series, m1: int) -> pl.DataFrame:
    """(oid, a, b) for each order holding a frequent pair (`pairs` a, b; `keys` their keys),
    walked over the items of frequent pairs alone."""
    in_pairs = np.unique(np.concatenate([pairs["a"].to_numpy(), pairs["b"].to_numpy()]))
    return walk.only(in_pairs).occurrences(m1, np.sort(keys.to_numpy()))


def count_triples(
    walk: Walk, pairs: pl.DataFrame, keys: pl.Series, m1: int, need: int
) -> pl.DataFrame:
    """(key, orders) of the triples a < b < c in at least `need` orders whose pairs (a, b),
    (a, c) and (b, c) are all frequent (`pairs` a, b; `keys` their keys), by key.

    The orders' frequent pairs (`triple_candidates`) are grouped by (order, a), and each
    group's b's are walked like an order's items: two of them, b < c, make the triple when
    (b, c) is frequent too."""
    occ = triple_candidates(walk, pairs, keys, m1)
    oid, a, b = (occ[c].to_numpy().astype(np.uint64) for c in ("oid", "a", "b"))
    order = np.lexsort((b, a, oid))
    group = oid[order] * np.uint64(m1) + a[order]
    by_a = Walk(group, b[order])
    find = finder(np.sort(keys.to_numpy().astype(np.uint64)), m1)
    found = []
    for rows, bc in by_a.steps(m1):  # key of (a, b, c) = (a + 1) * m1² + key of (b, c)
        _, hit = find(bc)
        first = by_a.oid[rows[hit]] % np.uint64(m1) + np.uint64(1)
        found.append(first * np.uint64(m1 * m1) + bc[hit])
    triples = np.concatenate(found) if found else np.zeros(0, np.uint64)
    uniq, n = np.unique(triples, return_counts=True)
    kept = n >= need
    return pl.DataFrame(
        {"key": uniq[kept], "orders": n[kept].astype(np.uint32)},
        schema={"key": pl.UInt64, "orders": pl.UInt32},
    )


def unique_keys(keys: pl.Series) -> np.ndarray:
    """The distinct keys, sorted, as the walk's key type."""
    return np.unique(keys.drop_nulls().to_numpy().astype(np.uint64))


def holding_pairs(walk: Walk, m1: int, wanted: np.ndarray) -> pl.DataFrame:
    """(_order, pair): each group holding a pair of `wanted` (sorted keys)."""
    find = finder(wanted, m1)
    found = []
    for rows, keys in walk.steps(m1):
        _, hit = find(keys)
        found.append(pl.DataFrame({"_order": walk.oid[rows[hit]], "pair": keys[hit]}))
    none = pl.DataFrame(schema={"_order": pl.UInt64, "pair": pl.UInt64})
    return pl.concat(found) if found else none


def pair_counts(walk: Walk, m1: int, wanted: np.ndarray) -> pl.DataFrame:
    """(key, n): the groups of the walk holding each pair of `wanted` (sorted keys)."""
    counts = np.zeros(wanted.size, np.int64)
    find = finder(wanted, m1)
    for _, keys in walk.steps(m1):
        at, hit = find(keys)
        counts += np.bincount(at[hit], minlength=wanted.size)
    return pl.DataFrame({"key": wanted, "n": counts})


def finder(wanted: np.ndarray, m1: int) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """keys -> (where each key is in `wanted` (sorted), whether it is there at all): through an
    index of every pair key when there are few enough, else by binary search."""
    if m1 * m1 <= DENSE_KEYS:
        index = np.full(m1 * m1, -1, np.int64)
        index[wanted.astype(np.int64)] = np.arange(wanted.size)

        def dense(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            at = index[keys.view(np.int64)]
            return at, at >= 0

        return dense

    def search(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        at = np.minimum(np.searchsorted(wanted, keys), max(wanted.size - 1, 0))
        return at, (wanted[at] == keys if wanted.size else np.zeros(keys.size, bool))

    return search
