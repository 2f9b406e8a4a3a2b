"""The to-act list's order (remark): whether the alerts come in sorted by id (as churn_alerts
builds them, sorted then on the two keys alone) or not (cached alerts), the rows come out by
to-act list, then list and value at risk, ties by id."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from shopinsight.core.churn.lists import order_key, remark
from shopinsight.core.churn.rule import ChurnSettings
from shopinsight.core.config import defaults

AS_OF = dt.date(2024, 6, 30)


def _alerts(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "customer_id": [f"c{i:05d}" for i in rng.permutation(n)],
            "list": pl.Series([("save_now", "win_back", None)[k] for k in rng.integers(0, 3, n)]),
            "value_at_risk": rng.choice([0.0, 5.0, 12.5, 40.0], n),  # many ties
            "recency": rng.integers(0, 500, n),
            "state": ["new"] * n,
        }
    )


def test_the_list_is_ordered_by_list_value_then_id() -> None:
    settings = ChurnSettings.from_config(defaults())
    now = dt.datetime(2024, 7, 1, tzinfo=dt.UTC)
    for seed in range(5):
        alerts = _alerts(3000, seed)
        last = alerts.select(
            "customer_id", pl.lit(None, pl.Datetime("us", "UTC")).alias("last_order_at")
        )
        for given in (alerts.sort("customer_id"), alerts):
            out = remark(given, None, last, AS_OF, settings, now)
            expected = (
                out.with_columns(order_key().alias("_o"))
                .sort(["is_alert", "_o", "customer_id"], descending=[True, False, False])
                .drop("_o")
            )
            assert out.equals(expected)
            assert out["is_alert"].sum() > 0 and out.height == alerts.height
