"""Per-customer sequence picks (`sequence_next`) against their definition, worked out by hand.

A random shop of 400 customers over 8 products, two to four purchase days each: every
customer's pick must be the best-ranked sequence rule fired by a product of their first or
latest purchase day whose target they never bought. Many customers own the first few targets
of their products, so the picks that must look past a product's first rules are exercised.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from shopinsight.core.bundles import sequence
from shopinsight.core.bundles.sequence import sequence_next, sequence_rules
from tests.factories import make_lines


def _shop(seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    skus = [f"P{i}" for i in range(8)]
    rows = []
    for c in range(400):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=int(rng.integers(0, 30)))
        for visit in range(int(rng.integers(2, 5))):
            day += dt.timedelta(days=int(rng.integers(1, 40)))
            for sku in rng.choice(skus, size=int(rng.integers(1, 4)), replace=False):
                order = f"{c}-{visit}"
                rows.append(dict(order_id=order, customer_id=f"c{c}@x.com", ordered_at=day,
                                 sku=str(sku)))  # fmt: skip
    return make_lines(rows)


def _by_hand(lines: pl.DataFrame) -> dict[str, tuple[str, str]]:
    """customer -> (first, target) of the best rule, from the definition (Python loops)."""
    rules = sequence_rules(lines.lazy()).rows(named=True)  # best first
    seen: dict[str, int] = {}
    ranked = []
    for rule in rules:  # each product's 50 best, as sequence_next tries
        seen[rule["first"]] = seen.get(rule["first"], 0) + 1
        if seen[rule["first"]] <= 50:
            ranked.append((rule["first"], rule["target"]))
    days: dict[str, dict[dt.date, set[str]]] = {}
    for row in lines.iter_rows(named=True):
        days.setdefault(row["customer_id"], {}).setdefault(row["ordered_at"].date(), set()).add(
            row["sku"]
        )
    out = {}
    for customer, bought in days.items():
        first, last = min(bought), max(bought)
        triggers = bought[first] | bought[last]
        owned = set().union(*bought.values())
        for a, b in ranked:
            if a in triggers and b not in owned:
                out[customer] = (a, b)
                break
    return out


@pytest.mark.parametrize("first_try", [1, 2, 4])
def test_sequence_picks_match_the_definition(monkeypatch, first_try):
    lines = _shop(seed=first_try)
    monkeypatch.setattr(sequence, "_FIRST_TRY", first_try)
    catalogue = pl.DataFrame({"sku": [f"P{i}" for i in range(8)]}).with_columns(
        pl.col("sku").alias("product_name")
    )
    picks = sequence_next(lines.lazy(), catalogue, 3)
    got = {
        r["customer_id"]: (r["antecedent"][0], r["sku"]) for r in picks.rows(named=True)
    }  # fmt: skip
    expected = _by_hand(lines)
    assert len(expected) > 100
    assert got == expected
    some = pl.Series(sorted(expected)[:50])
    chosen = sequence_next(lines.lazy(), catalogue, 3, some)
    assert set(chosen["customer_id"]) == set(some)  # only those asked for, the same picks
    assert {r["customer_id"]: (r["antecedent"][0], r["sku"]) for r in chosen.rows(named=True)} == {
        c: expected[c] for c in some
    }
