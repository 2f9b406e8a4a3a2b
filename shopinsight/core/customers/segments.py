"""RFM scores and named segments (LANDSCAPE §4.0–4.1), with the cut points always shown.

Scores are tie-aware: each score band is a range of values, so two customers with equal values
always get equal scores. Small or one-timer-heavy shops get the fallback of §4.0 (fixed frequency
bands, recency bands from the shop's own repeat gaps), applied automatically and named in the note.
Segment maps are data (`SCHEMES`): every score cell maps to exactly one segment.

Exports without any amount (member visits, baskets: every customer's net spend is 0) leave M
unscored (`m_score` null, the reason and the note say why) and segment on R and F only: the
standard grid, also when the scheme asked for splits by spend (its M1 cells only: no
Champions at all in the klaviyo scheme, no Premium Customer in pymc's).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from shopinsight.core.customers.segment_schemes import (
    SCHEMES,
    STANDARD,
    Scheme,
    cell_map,
    segment_slug,
)
from shopinsight.core.errors import ConfigError
from shopinsight.core.shop_data import money_str
from shopinsight.core.shop_facts import NO_AMOUNTS_WHY
from shopinsight.core.words import plural

__all__ = [
    "NOT_SCORED",
    "SCHEMES",
    "SegmentInfo",
    "cell_map",
    "money_str",
    "no_amounts",
    "score_segments",
    "segment_slug",
]

NOT_SCORED = "not scored"
"""Each M score's range when the exports carry no amounts."""


@dataclass
class SegmentInfo:
    """How customers were segmented: the scheme, whether the small-shop fallback was used
    (and why), the cut points of every score, and each segment's size and revenue share."""

    scheme: str
    fallback_used: bool
    note: str
    cut_points: dict[str, Any]
    sizes: pl.DataFrame = field(repr=False)


def _quantiles(values: pl.Series, qs: list[float]) -> list[float]:
    out = []
    for q in qs:
        value = values.quantile(q, interpolation="linear")
        if value is None:  # no values: callers check the size first
            raise ValueError("quantiles of an empty column")
        out.append(float(value))
    return out


def _labels_up(cuts: Sequence[float], levels: int, unit: str, integer: bool) -> dict[str, str]:
    """Score -> value range, for scores that grow with the value (F, M)."""
    out: dict[str, str] = {}
    fmt = (lambda v: str(int(v))) if integer else (lambda v: f"{v:,.2f}")
    for score in range(1, levels + 1):
        lo = cuts[score - 2] if score > 1 else None
        hi = cuts[score - 1] if score < levels else None
        if lo is not None and hi is not None and hi <= lo:
            text = "none (equal cut points)"
        elif lo is None:
            text = "1" if integer and not unit and hi == 1 else f"≤ {fmt(hi)}"
        elif hi is None:
            text = f"≥ {int(lo) + 1}" if integer else f"> {fmt(lo)}"
        elif integer:
            a, b = int(lo) + 1, int(hi)
            text = str(a) if a == b else f"{a}–{b}"
        else:
            text = f"> {fmt(lo)} to {fmt(hi)}"
        out[str(score)] = f"{text}{unit}"
    return out


def _labels_down(cuts: Sequence[float], levels: int) -> dict[str, str]:
    """Score -> days range for recency (the fewest days score highest)."""
    up = _labels_up(cuts, levels, " days", integer=True)
    return {str(levels + 1 - int(k)): v for k, v in up.items()}


def _setting(seg: dict[str, Any], key: str, default: Any) -> Any:
    value = seg.get(key, default)
    return default if value is None else value


def _cut_list(seg: dict[str, Any], key: str, default: tuple[int, ...], size: int) -> list[float]:
    value = seg.get(key)
    if value is None or len(value) != size:
        return [float(v) for v in default]
    try:
        cuts = [float(v) for v in value]
    except (TypeError, ValueError):
        raise ConfigError(f"segments.{key} must be numbers", f"Got {value!r}.") from None
    if cuts != sorted(cuts):
        raise ConfigError(f"segments.{key} must be in increasing order", f"Got {value!r}.")
    return cuts


def _scheme(seg: dict[str, Any]) -> Scheme:
    name = str(_setting(seg, "scheme", "standard")).strip().lower()
    if name not in SCHEMES:
        raise ConfigError(
            f"Unknown segments.scheme '{name}'", f"Choose one of: {', '.join(SCHEMES)}."
        )
    return SCHEMES[name]


@dataclass
class _Band:
    """How one score is cut: the method in words, the cut points and each score's range."""

    method: str
    cuts: Sequence[float]
    scores: dict[str, str]
    expr: pl.Expr

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "cuts": self.cuts, "scores": self.scores}


def _up(col: str, cuts: Sequence[float]) -> pl.Expr:
    return 1 + pl.sum_horizontal([(pl.col(col) > c).cast(pl.Int8) for c in cuts])


def _fallback_reasons(table: pl.DataFrame, seg: dict[str, Any]) -> list[str]:
    """Why the small-shop fallback applies (LANDSCAPE §4.0); empty when it does not."""
    n = table.height
    min_customers = int(_setting(seg, "fallback_min_customers", 300))
    one_share = float(_setting(seg, "fallback_one_timer_share", 0.5))
    one_timers = int((table.get_column("frequency") == 1).sum()) / n  # no filtered copy
    reasons = []
    if n < min_customers:
        reasons.append(f"{n} customers (fewer than {min_customers})")
    if one_timers > one_share:
        reasons.append(f"{one_timers:.0%} ordered once (more than {one_share:.0%})")
    return reasons


def _fallback_rf(table: pl.DataFrame, seg: dict[str, Any], scheme: Scheme) -> tuple[_Band, _Band]:
    """Fixed frequency bands; recency bands from the repeat customers' typical gaps (or fixed
    days when there are too few repeat customers)."""
    levels = scheme.levels
    own = seg if scheme is STANDARD else {}  # the settings are written for the 5-level scheme
    f_cuts = _cut_list(own, "fallback_frequency_cuts", scheme.fallback_frequency_cuts, levels - 1)
    pcts = _cut_list(
        own, "fallback_recency_percentiles", scheme.fallback_recency_percentiles, levels - 1
    )
    gaps = table.filter(pl.col("frequency") >= 2).get_column("typical_gap_days").drop_nulls()
    min_repeat = int(_setting(seg, "min_repeat_customers", 5))
    if gaps.len() >= min_repeat:
        r_cuts: list[float] = [math.floor(v) for v in _quantiles(gaps, [p / 100 for p in pcts])]
        ps = "/".join(f"P{int(p)}" for p in pcts)
        r_method = f"{ps} of the typical order gap of your {plural(gaps.len(), 'repeat customer')}"
    else:
        r_cuts = _cut_list(own, "fallback_recency_days", scheme.fallback_recency_days, levels - 1)
        r_method = (
            f"fixed days (only {plural(gaps.len(), 'repeat customer')}, fewer than {min_repeat}, "
            "so their gaps cannot set the bands)"
        )
    f_cuts, r_cuts = [int(c) for c in f_cuts], [int(c) for c in r_cuts]
    return (
        _Band(
            r_method, r_cuts, _labels_down(r_cuts, levels), levels - _up("recency_days", r_cuts) + 1
        ),
        _Band(
            "fixed small-shop bands",
            f_cuts,
            _labels_up(f_cuts, levels, "", True),
            _up("frequency", f_cuts),
        ),
    )


def _quantile_rf(table: pl.DataFrame, levels: int) -> tuple[_Band, _Band]:
    """Tie-aware quantile bands: cut points are values, so equal values get equal scores."""
    qs = [k / levels for k in range(1, levels)]
    name = "quintiles" if levels == 5 else f"{levels}-quantiles"
    f_cuts = [math.floor(v) for v in _quantiles(table.get_column("frequency"), qs)]
    r_cuts = [math.floor(v) for v in _quantiles(table.get_column("recency_days"), qs)]
    method = f"{name} of your {table.height} customers"
    return (
        _Band(
            method, r_cuts, _labels_down(r_cuts, levels), levels - _up("recency_days", r_cuts) + 1
        ),
        _Band(method, f_cuts, _labels_up(f_cuts, levels, "", True), _up("frequency", f_cuts)),
    )


def no_amounts(table: pl.DataFrame) -> bool:
    """Whether no customer of `table` has any net spend: their counted orders carry no amount
    (an order with an amount counts only when it keeps money: `orders.counted_expr`), so
    spend cannot be scored. False for no customers."""
    return table.height > 0 and not table.get_column("monetary").fill_null(0).abs().sum()


def _unscored(levels: int) -> _Band:
    """M of a shop whose exports carry no amounts: no score, no cut points."""
    scores = {str(s): NOT_SCORED for s in range(1, levels + 1)}
    return _Band(f"not scored ({NO_AMOUNTS_WHY})", [], scores, pl.lit(None, pl.Int8))


def _monetary(table: pl.DataFrame, levels: int, terciles: bool, below: int) -> _Band:
    """Quantiles of net spend; terciles mapped to 1/mid/top for a small shop."""
    monetary = table.get_column("monetary")
    if terciles:
        t1, t2 = _quantiles(monetary, [1 / 3, 2 / 3])
        mid = (levels + 1) // 2
        m = pl.col("monetary")
        expr = pl.when(m <= t1).then(1).when(m <= t2).then(mid).otherwise(levels)
        labels = {str(s): "not used" for s in range(1, levels + 1)}
        labels.update(
            {
                "1": f"≤ {t1:,.2f}",
                str(mid): f"> {t1:,.2f} to {t2:,.2f}",
                str(levels): f"> {t2:,.2f}",
            }
        )
        method = f"terciles (fewer than {below} customers) mapped to 1/{mid}/{levels}"
        return _Band(method, [round(t1, 2), round(t2, 2)], labels, expr)
    cuts = _quantiles(monetary, [k / levels for k in range(1, levels)])
    name = "quintiles" if levels == 5 else f"{levels}-quantiles"
    labels = _labels_up(cuts, levels, "", integer=False)
    return _Band(f"{name} of net spend", [round(c, 2) for c in cuts], labels, _up("monetary", cuts))


def score_segments(table: pl.DataFrame, config: dict[str, Any]) -> tuple[pl.DataFrame, SegmentInfo]:
    """Add r_score, f_score, m_score, segment and segment_reason to a customer table.

    Reads recency_days, frequency, monetary and typical_gap_days; config section `[segments]`.
    """
    seg = config.get("segments") or {}
    scheme = asked = _scheme(seg)
    if table.height == 0:
        return _empty(table, scheme)
    unpriced = no_amounts(table)
    if unpriced and scheme.reads_monetary:  # its segments would all be M1's
        scheme = STANDARD
    mode = str(_setting(seg, "fallback", "auto")).lower()
    if mode not in {"auto", "always", "never"}:
        raise ConfigError("segments.fallback must be auto, always or never", f"Got '{mode}'.")
    reasons = _fallback_reasons(table, seg)
    fallback = mode == "always" or (mode == "auto" and bool(reasons))
    if fallback:
        r_band, f_band = _fallback_rf(table, seg, scheme)
        why = " and ".join(reasons) if reasons else "segments.fallback is 'always'"
        note = (
            f"Small-shop fallback used because {why}: frequency uses fixed bands and recency "
            f"uses {r_band.method}, instead of quantiles."
        )
    else:
        r_band, f_band = _quantile_rf(table, scheme.levels)
        note = f"Scores are {r_band.method}."
        if reasons:
            note += " (Small-shop fallback is off although " + " and ".join(reasons) + ".)"
    below = int(_setting(seg, "monetary_terciles_below", 100))
    if unpriced:
        m_band = _unscored(scheme.levels)
        note += f" Spend (M) is not scored: {NO_AMOUNTS_WHY}, so segments use R and F only."
        if asked is not scheme:
            note += (
                f" The {asked.name} scheme splits customers by spend too: the {scheme.name} "
                "scheme's segments (R and F) are used instead."
            )
    else:
        m_band = _monetary(table, scheme.levels, fallback and table.height < below, below)
    cut_points = {
        "recency_days": r_band.as_dict(),
        "frequency": f_band.as_dict(),
        "monetary": m_band.as_dict(),
    }
    scored = table.with_columns(
        r_band.expr.cast(pl.Int8).alias("r_score"),
        f_band.expr.cast(pl.Int8).alias("f_score"),
        m_band.expr.cast(pl.Int8).alias("m_score"),
    ).with_columns(_segment_of(scheme, scored_m=not unpriced))
    reason = _reason_expr(scheme, cut_points, scored_m=not unpriced)
    scored = scored.with_columns(reason.alias("segment_reason"))
    sizes = _sizes(scored, scheme, money=not unpriced)
    info = SegmentInfo(scheme.name, fallback, note, cut_points, sizes)
    return scored, info


def _segment_of(scheme: Scheme, scored_m: bool = True) -> pl.Expr:
    """Each row's segment, from its score cell (`cell_map`; a cell outside it: null). Without
    an M score (`scored_m` False: a scheme that does not read M) the cell of M 1.

    Looked up by the cell's number rather than joined on the three scores: a join copied
    every column of the customer table, texts and lists included (~0.5 GB at 5M lines)."""
    cells = cell_map(scheme)
    # the three Int8 scores packed in one integer: one number per (r, f, m), whatever values
    number = lambda r, f, m: ((r + 128) * 256 + (f + 128)) * 256 + (m + 128)  # noqa: E731
    score = lambda col: pl.col(col).cast(pl.Int64)  # noqa: E731
    m = score("m_score") if scored_m else pl.lit(1, pl.Int64)
    return (
        number(score("r_score"), score("f_score"), m)
        .replace_strict(
            [number(r, f, m) for r, f, m in cells.select("r_score", "f_score", "m_score").rows()],
            cells.get_column("segment").to_list(),
            default=None,
            return_dtype=pl.Utf8,
        )
        .alias("segment")
    )


def _empty(table: pl.DataFrame, scheme: Scheme) -> tuple[pl.DataFrame, SegmentInfo]:
    scored = table.with_columns(
        pl.lit(None, pl.Int8).alias("r_score"),
        pl.lit(None, pl.Int8).alias("f_score"),
        pl.lit(None, pl.Int8).alias("m_score"),
        pl.lit(None, pl.Utf8).alias("segment"),
        pl.lit(None, pl.Utf8).alias("segment_reason"),
    )
    info = SegmentInfo(
        scheme.name, False, "No customers to segment yet.", {}, _sizes(scored, scheme)
    )
    return scored, info


def _label(col: str, labels: dict[str, str]) -> pl.Expr:
    keys = [int(k) for k in labels]
    return pl.col(col).cast(pl.Int64).replace_strict(keys, list(labels.values()), default="")


def _reason_expr(scheme: Scheme, cuts: dict[str, Any], scored_m: bool = True) -> pl.Expr:
    """Each customer's segment in words: their R and F (and M) values, scores and bands, then
    the segment's rule. Without an M score: that spend is not scored, and why."""
    rules = {s.name: s.rule() for s in scheme.segments}
    rule = pl.col("segment").replace_strict(list(rules), list(rules.values()), default="")

    def count(col: str, noun: str) -> pl.Expr:  # "1 day", "2 days": never "1 days"
        ending = pl.when(pl.col(col) == 1).then(pl.lit("")).otherwise(pl.lit("s"))
        return pl.format("{} {}{}", pl.col(col), pl.lit(noun), ending)

    r_f = [
        count("recency_days", "day"),
        pl.col("r_score"),
        _label("r_score", cuts["recency_days"]["scores"]),
        count("frequency", "order day"),
        pl.col("f_score"),
        _label("f_score", cuts["frequency"]["scores"]),
    ]
    if not scored_m:
        return pl.format(
            "last order {} ago (R{}: {}), {} (F{}: {}); spend not scored ("
            + NO_AMOUNTS_WHY
            + ") → {} ({})",
            *r_f,
            pl.col("segment"),
            rule,
        )
    return pl.format(
        "last order {} ago (R{}: {}), {} (F{}: {}), net {} (M{}) → {} ({})",
        *r_f,
        money_str(pl.col("monetary"), grouped=True),
        pl.col("m_score"),
        pl.col("segment"),
        rule,
    )


def _sizes(scored: pl.DataFrame, scheme: Scheme, money: bool = True) -> pl.DataFrame:
    """Every segment of the scheme (empty ones too), in display order. Without `money` (the
    exports carry no amounts) revenue, its share and the average spend are null: not known,
    rather than 0."""
    order = pl.DataFrame(
        {
            "segment": [s.name for s in scheme.segments],
            "rule": [s.rule() for s in scheme.segments],
            "action": [s.action for s in scheme.segments],
        }
    )
    total = scored.height or 1
    revenue = scored.get_column("monetary").sort().sum() or 0.0
    # money summed in one fixed order (each group's amounts sorted): a parallel group-by adds a
    # big segment's floats in another order on each run, and its last bits moved with it
    spend = pl.col("monetary").sort()
    agg = scored.group_by("segment").agg(
        pl.len().alias("customers"),
        spend.sum().alias("revenue"),
        pl.col("recency_days").mean().alias("avg_recency_days"),
        pl.col("frequency").mean().alias("avg_frequency"),
        spend.mean().alias("avg_monetary"),
    )
    sizes = (
        order.join(agg, on="segment", how="left", maintain_order="left")
        .with_columns(
            pl.col("customers").fill_null(0).cast(pl.Int64),
            pl.col("revenue").fill_null(0.0),
        )
        .with_columns(
            (pl.col("customers") / total).alias("share"),
            (pl.col("revenue") / revenue if revenue else pl.lit(0.0)).alias("revenue_share"),
        )
        .select(
            "segment",
            "customers",
            "share",
            "revenue",
            "revenue_share",
            "avg_recency_days",
            "avg_frequency",
            "avg_monetary",
            "rule",
            "action",
        )
    )
    if money:
        return sizes
    unknown = pl.lit(None, pl.Float64)
    return sizes.with_columns(
        unknown.alias("revenue"), unknown.alias("revenue_share"), unknown.alias("avg_monetary")
    )
