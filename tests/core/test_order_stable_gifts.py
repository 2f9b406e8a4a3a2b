"""The gift previews' pool of top spenders does not hang on the customer table's row order."""

from __future__ import annotations

import polars as pl

from shopinsight.core.gifts.packing import PREVIEW_POOL
from shopinsight.core.gifts.plan import preview_pool


def _table() -> pl.DataFrame:
    """300k customers in 3 segments, spend in whole dollars up to 500: a segment's top 20
    spenders end among hundreds who spent the same."""
    i = pl.int_range(300_000, eager=True)
    return pl.DataFrame(
        {
            "customer_id": i.cast(pl.String).str.zfill(7),
            "segment": (i % 3).cast(pl.String),
            "monetary": ((i * 7_919) % 500 + 1).cast(pl.Float64),
        }
    )


def test_the_pool_is_the_same_whatever_the_row_order():
    table = _table()
    pools = [
        table.filter(preview_pool()).get_column("customer_id").sort()
        for table in (table, table.reverse(), table.sample(fraction=1.0, shuffle=True, seed=3))
    ]
    assert pools[0].len() == 3 * PREVIEW_POOL
    assert all(p.equals(pools[0]) for p in pools[1:])
    # the biggest spenders, equal spend by customer id
    want = table.sort(["monetary", "customer_id"], descending=[True, False])
    want = want.group_by("segment", maintain_order=True).head(PREVIEW_POOL)["customer_id"]
    assert pools[0].equals(want.sort())
