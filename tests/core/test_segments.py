"""RFM scores and segments on hand-made customer tables with hand-computed expectations."""

from __future__ import annotations

import datetime as dt
from itertools import product

import polars as pl
import pytest

from shopinsight.core.config import defaults
from shopinsight.core.customers.profiles import customer_profiles
from shopinsight.core.customers.segment_schemes import (
    KLAVIYO,
    PYMC,
    SCHEMES,
    STANDARD,
    cell_map,
    segment_slug,
)
from shopinsight.core.customers.segments import score_segments
from shopinsight.core.errors import ConfigError
from tests.factories import make_lines


def table(
    rows: list[tuple[int, int, float]], gaps: list[float | None] | None = None
) -> pl.DataFrame:
    """A minimal customer table: (recency_days, frequency, monetary) per customer."""
    return pl.DataFrame(
        {
            "customer_id": [f"c{i:04d}" for i in range(len(rows))],
            "recency_days": [r[0] for r in rows],
            "frequency": [r[1] for r in rows],
            "monetary": [float(r[2]) for r in rows],
            "typical_gap_days": gaps or [None] * len(rows),
        },
        schema_overrides={"recency_days": pl.Int64, "frequency": pl.Int64},
    )


def config(**segments: object) -> dict:
    cfg = defaults()
    cfg["segments"] = {**cfg["segments"], **segments}
    return cfg


class TestSchemes:
    def test_every_rf_cell_of_the_standard_grid_has_exactly_one_segment(self) -> None:
        for r, f in product(range(1, 6), range(1, 6)):
            hits = [s.name for s in STANDARD.segments if s.matches(r, f, 3)]
            assert len(hits) == 1, (r, f, hits)

    def test_standard_has_the_eleven_named_segments(self) -> None:
        assert [s.name for s in STANDARD.segments] == [
            "Champions", "Loyal Customers", "Potential Loyalists", "New Customers", "Promising",
            "Need Attention", "About to Sleep", "At Risk", "Can't Lose Them", "Hibernating",
            "Lost",
        ]  # fmt: skip

    def test_klaviyo_codes_cover_every_cell_once(self) -> None:
        codes = [c for s in KLAVIYO.segments for c in s.codes or ()]
        assert sorted(codes) == sorted(f"{r}{f}{m}" for r, f, m in product(range(1, 4), repeat=3))

    def test_pymc_lists_do_not_overlap_and_the_rest_is_other(self) -> None:
        codes = [c for s in PYMC.segments for c in s.codes or ()]
        assert len(codes) == len(set(codes))
        cells = cell_map(PYMC)
        assert cells.filter(pl.col("segment") == "Other").height == 64 - len(codes)

    def test_segment_slug(self) -> None:
        assert segment_slug("Can't Lose Them") == "cant_lose_them"
        assert segment_slug("About to Sleep") == "about_to_sleep"


# Fixed bands (fallback "always", too few repeaters): R5 <= 30 d, R4 31-90, R3 91-180,
# R2 181-365, R1 >= 366; F1 = 1, F2 = 2, F3 = 3, F4 = 4-5, F5 >= 6.
SEGMENT_CASES = [
    ("Champions", 10, 6),
    ("Champions", 30, 4),
    ("Loyal Customers", 100, 5),
    ("Loyal Customers", 31, 4),
    ("Potential Loyalists", 5, 2),
    ("Potential Loyalists", 60, 3),
    ("New Customers", 0, 1),
    ("Promising", 31, 1),
    ("Need Attention", 120, 3),
    ("About to Sleep", 150, 2),
    ("At Risk", 200, 3),
    ("At Risk", 400, 4),
    ("Can't Lose Them", 366, 6),
    ("Hibernating", 181, 1),
    ("Lost", 366, 2),
]


@pytest.mark.parametrize(("segment", "recency", "frequency"), SEGMENT_CASES)
def test_each_segment_on_fixed_bands(segment: str, recency: int, frequency: int) -> None:
    rows = [(recency, frequency, 50.0)] + [(500, 1, 10.0)] * 3
    scored, info = score_segments(table(rows), config(fallback="always"))
    assert scored.row(0, named=True)["segment"] == segment
    assert info.fallback_used


def test_band_edges_and_reason_text() -> None:
    scored, info = score_segments(
        table([(30, 5, 1.0), (31, 6, 2.0), (365, 1, 3.0), (366, 3, 4.0)]), config(fallback="always")
    )
    got = scored.select("r_score", "f_score").rows()
    assert got == [(5, 4), (4, 5), (2, 1), (1, 3)]
    assert info.cut_points["frequency"]["scores"]["4"] == "4–5"
    assert info.cut_points["recency_days"]["scores"]["5"] == "≤ 30 days"
    reason = scored.row(0, named=True)["segment_reason"]
    assert reason.startswith("last order 30 days ago (R5: ≤ 30 days), 5 order days (F4: 4–5)")
    assert reason.endswith("→ Champions (R 5, F 4–5)")


class TestQuintiles:
    def rows(self) -> list[tuple[int, int, float]]:
        # 400 customers, 37.5% one-timers: no fallback. Frequencies 1×150, 2×100, 3×80, 5×50, 8×20.
        freqs = [1] * 150 + [2] * 100 + [3] * 80 + [5] * 50 + [8] * 20
        return [(i, f, float(i)) for i, f in enumerate(freqs)]

    def test_tie_aware_frequency_scores(self) -> None:
        scored, info = score_segments(table(self.rows()), config())
        assert not info.fallback_used
        # quantiles of the sorted frequencies at 0.2/0.4/0.6/0.8 -> cut points 1, 2, 2, 3
        assert info.cut_points["frequency"]["cuts"] == [1, 2, 2, 3]
        by_f = scored.group_by("frequency").agg(pl.col("f_score").unique()).sort("frequency")
        assert by_f.get_column("f_score").to_list() == [[1], [2], [4], [5], [5]]

    def test_recency_quintiles(self) -> None:
        scored, info = score_segments(table(self.rows()), config())
        # recency 0..399: P20 = 79.8 -> R5 is 0..79 days
        assert info.cut_points["recency_days"]["cuts"] == [79, 159, 239, 319]
        r = dict(scored.select("recency_days", "r_score").rows())
        assert (r[79], r[80], r[319], r[320]) == (5, 4, 2, 1)
        assert "quintiles of your 400 customers" in info.note

    def test_one_timer_heavy_shop_falls_back(self) -> None:
        freqs = [1] * 240 + [2] * 160
        scored, info = score_segments(
            table([(i % 50, f, 5.0) for i, f in enumerate(freqs)]), config()
        )
        assert info.fallback_used
        assert "60% ordered once (more than 50%)" in info.note
        assert scored.filter(pl.col("frequency") == 2).get_column("f_score").unique().to_list() == [
            2
        ]

    def test_fallback_never_keeps_quantiles_and_says_so(self) -> None:
        _, info = score_segments(table([(1, 1, 1.0)] * 20), config(fallback="never"))
        assert not info.fallback_used
        assert "fallback is off" in info.note


def test_recency_bands_from_repeat_customer_gaps() -> None:
    rows = [(r, 2, 10.0) for r in (20, 21, 30, 31, 46, 47)]
    gaps = [10.0, 20.0, 30.0, 40.0, 50.0, None]
    scored, info = score_segments(table(rows, gaps), config())
    # typical gaps 10..50 -> P25 20, P50 30, P75 40, P90 46
    assert info.cut_points["recency_days"]["cuts"] == [20, 30, 40, 46]
    assert "P25/P50/P75/P90 of the typical order gap of your 5 repeat customers" in info.note
    assert scored.get_column("r_score").to_list() == [5, 4, 4, 3, 2, 1]


def test_small_shop_monetary_terciles_map_to_1_3_5() -> None:
    rows = [(5, 1, float(m)) for m in (10, 20, 30, 40, 50, 60)]
    scored, info = score_segments(table(rows), config())
    # terciles of 10..60: 26.67 and 43.33
    assert info.cut_points["monetary"]["cuts"] == [26.67, 43.33]
    assert scored.get_column("m_score").to_list() == [1, 1, 3, 3, 5, 5]


def test_sizes_list_every_segment_with_revenue_share() -> None:
    rows = [(10, 6, 300.0), (10, 1, 100.0), (400, 1, 100.0)]
    _, info = score_segments(table(rows), config(fallback="always"))
    sizes = info.sizes
    assert sizes.height == 11
    champions = sizes.filter(pl.col("segment") == "Champions").row(0, named=True)
    assert champions["customers"] == 1
    assert champions["revenue_share"] == pytest.approx(0.6)
    assert sizes.get_column("customers").sum() == 3


def test_klaviyo_preset() -> None:
    rows = [(5, 3, 100.0), (5, 1, 10.0), (400, 1, 10.0), (400, 3, 50.0), (100, 2, 20.0)]
    scored, info = score_segments(table(rows), config(scheme="klaviyo", fallback="always"))
    # 3 levels: F bands 1 / 2 / >=3; R fixed days <= 60 / 61-180 / > 180; M terciles 1/2/3
    assert info.scheme == "klaviyo"
    assert scored.get_column("segment").to_list() == [
        "Champions", "Recent", "Inactive", "At risk", "Needs attention",
    ]  # fmt: skip


def test_pymc_preset_codes() -> None:
    rows = [(1, 10, 100.0), (400, 1, 1.0)] + [(100, 2, 20.0)] * 2
    scored, _ = score_segments(table(rows), config(scheme="pymc", fallback="always"))
    codes = scored.select(pl.format("{}{}{}", "r_score", "f_score", "m_score")).to_series()
    assert codes.to_list()[:2] == ["444", "111"]
    assert scored.get_column("segment").to_list()[:2] == ["Premium Customer", "Inactive Customer"]


def test_unknown_scheme_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Unknown segments.scheme 'rfm9'"):
        score_segments(table([(1, 1, 1.0)]), config(scheme="rfm9"))


def test_twenty_customer_shop_gets_segments_and_names_the_fallback() -> None:
    rows = []
    for i in range(20):
        orders = 1 + (i % 4 == 0) * 2
        for k in range(orders):
            day = dt.date(2024, 1, 1) + dt.timedelta(days=i * 9 + k * 30)
            rows.append(dict(order_id=f"{i}-{k}", customer_id=f"c{i}@x.com", ordered_at=day))
    prof = customer_profiles(make_lines(rows).lazy(), dt.date(2024, 8, 1), defaults())
    info = prof.segments
    assert prof.table.height == 20
    assert info.fallback_used
    assert "Small-shop fallback used because 20 customers (fewer than 300)" in info.note
    assert prof.table.get_column("segment").null_count() == 0
    assert set(info.cut_points) == {"recency_days", "frequency", "monetary"}


def test_high_and_low_value_tags_from_m() -> None:
    rows = [
        dict(order_id=i, customer_id=f"c{i}@x.com", ordered_at="2024-01-10", unit_price=p)
        for i, p in enumerate([5.0, 20.0, 40.0, 60.0, 80.0, 100.0])
    ]
    prof = customer_profiles(make_lines(rows).lazy(), dt.date(2024, 2, 1), defaults())
    tags = prof.tags.filter(pl.col("origin") == "rfm")
    high = set(tags.filter(pl.col("tag") == "high_value").get_column("customer_id"))
    low = set(tags.filter(pl.col("tag") == "low_value").get_column("customer_id"))
    # terciles of 5..100: 33.33 and 66.67
    assert high == {"c4@x.com", "c5@x.com"}
    assert low == {"c0@x.com", "c1@x.com"}
    reason = tags.filter(pl.col("customer_id") == "c5@x.com").get_column("reason")[0]
    assert reason == "net spend 100.00 USD (M5: > 66.67)"


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_segment_lookup_matches_the_cell_map_on_every_cell(name: str) -> None:
    """The segment is looked up by score cell (no join of the whole table): every cell of
    every scheme gives the cell map's segment, and a cell outside it (a null or an
    out-of-range score) none, as the join did."""
    from shopinsight.core.customers.segments import _segment_of

    scheme = SCHEMES[name]
    cells = cell_map(scheme)
    extra = pl.DataFrame(
        {"r_score": [None, 0, 1], "f_score": [1, 1, scheme.levels + 1], "m_score": [1, 1, 1]},
        schema={"r_score": pl.Int8, "f_score": pl.Int8, "m_score": pl.Int8},
    )
    scores = pl.concat([extra, cells.drop("segment").reverse()])
    looked_up = scores.with_columns(_segment_of(scheme))
    joined = scores.join(cells, on=["r_score", "f_score", "m_score"], how="left")
    assert looked_up.equals(joined.select(looked_up.columns))
    assert looked_up.get_column("segment").head(3).to_list() == [None, None, None]
