"""Segment sizes add each segment's money in one fixed order: a parallel group-by summed a big
segment's floats in another order on each run, so its revenue moved in the last bits."""

from __future__ import annotations

import numpy as np
import polars as pl

from shopinsight.core.customers.segments import score_segments


def test_segment_revenue_is_the_same_on_every_run():
    rng = np.random.default_rng(3)
    n = 300_000
    table = pl.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "recency_days": rng.integers(0, 700, n),
            "frequency": rng.integers(1, 12, n),
            "orders": rng.integers(1, 12, n),
            "monetary": rng.gamma(2.0, 57.3, n),
            "typical_gap_days": rng.gamma(2.0, 30.0, n),
        }
    )
    runs = {
        tuple(score_segments(table, {})[1].sizes.select("revenue", "avg_monetary").rows())
        for _ in range(6)
    }
    assert len(runs) == 1
