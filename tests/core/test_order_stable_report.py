"""The report's segment moves come in the same order on every run of a big shop."""

from __future__ import annotations

import polars as pl

from shopinsight.core.report import top_moves

SEGMENTS = [f"S{i:02d}" for i in range(11)]


def _moves() -> pl.DataFrame:
    """300k customers' moves over 121 segment pairs, every pair moved by the same number, the
    last pair's customers first (a group-by hands its groups back in no promised order: in
    order of first sight with few groups, in another order on each run with many)."""
    pairs = len(SEGMENTS) ** 2
    i = pairs - 1 - pl.int_range(300_000 // pairs * pairs, eager=True) % pairs
    names = pl.Series(SEGMENTS)
    return pl.DataFrame(
        {
            "customer_id": pl.int_range(i.len(), eager=True).cast(pl.String),
            "from_segment": names.gather(i // len(SEGMENTS)),
            "to_segment": names.gather(i % len(SEGMENTS)),
        }
    )


def test_ties_between_moves_are_broken_by_name():
    moves = _moves()
    want = [(a, b) for a in SEGMENTS for b in SEGMENTS][:12]
    for _ in range(5):
        got = top_moves(moves).select("from_segment", "to_segment").rows()
        assert got == want  # the biggest first, ties by name
