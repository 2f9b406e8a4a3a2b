"""Segment schemes as data: every RFM score cell maps to exactly one named segment.

`standard` is LANDSCAPE 4.1's 11-segment grid on R and F; `klaviyo` (3 levels) and `pymc`
(PyMC-Marketing's quartile lists) are presets selectable with `segments.scheme`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import polars as pl

__all__ = [
    "KLAVIYO",
    "PYMC",
    "SCHEMES",
    "STANDARD",
    "Scheme",
    "Segment",
    "cell_map",
    "segment_slug",
]


@dataclass(frozen=True)
class Segment:
    """A named segment: score ranges (inclusive) or explicit RFM codes, plus the advice."""

    name: str
    action: str
    r: tuple[int, int] | None = None
    f: tuple[int, int] | None = None
    codes: frozenset[str] | None = None

    def rule(self) -> str:
        if self.codes is not None:
            return "RFM in " + ", ".join(sorted(self.codes, reverse=True))
        parts = []
        for label, rng in (("R", self.r), ("F", self.f)):
            if rng is not None:
                parts.append(
                    f"{label} {rng[0]}" if rng[0] == rng[1] else f"{label} {rng[0]}–{rng[1]}"
                )
        return ", ".join(parts)

    def matches(self, r: int, f: int, m: int) -> bool:
        if self.codes is not None:
            return f"{r}{f}{m}" in self.codes
        ok_r = self.r is None or self.r[0] <= r <= self.r[1]
        return ok_r and (self.f is None or self.f[0] <= f <= self.f[1])


@dataclass(frozen=True)
class Scheme:
    """A segmentation preset: score levels, segments in display order, fallback bands."""

    name: str
    title: str
    levels: int
    segments: tuple[Segment, ...]
    default: str | None
    fallback_frequency_cuts: tuple[int, ...]
    fallback_recency_percentiles: tuple[int, ...]
    fallback_recency_days: tuple[int, ...]

    @property
    def reads_monetary(self) -> bool:
        """Whether a segment depends on the M score (explicit RFM codes); the R and F grid
        (`standard`) gives every M of an (R, F) cell the same segment."""
        return any(s.codes is not None for s in self.segments)


def _codes(*codes: str) -> frozenset[str]:
    return frozenset(codes)


STANDARD = Scheme(
    "standard",
    "11 RFM segments on R and F scores 1–5 (LANDSCAPE 4.1)",
    5,
    (
        Segment("Champions", "reward them: early access, a handwritten thank-you", (5, 5), (4, 5)),
        Segment("Loyal Customers", "upsell, ask for reviews", (3, 4), (4, 5)),
        Segment("Potential Loyalists", "membership or bundle offer", (4, 5), (2, 3)),
        Segment("New Customers", "onboarding, welcome note", (5, 5), (1, 1)),
        Segment("Promising", "nudge towards a second order", (4, 4), (1, 1)),
        Segment("Need Attention", "limited-time, personalised offer", (3, 3), (3, 3)),
        Segment("About to Sleep", "remind them of their favourite product", (3, 3), (1, 2)),
        Segment("At Risk", "win-back, personal letter", (1, 2), (3, 4)),
        Segment("Can't Lose Them", "personal outreach, a gift", (1, 2), (5, 5)),
        Segment("Hibernating", "cheap reactivation only", (2, 2), (1, 2)),
        Segment("Lost", "suppress, or one last try", (1, 1), (1, 2)),
    ),
    None,
    (1, 2, 3, 5),
    (25, 50, 75, 90),
    (30, 90, 180, 365),
)

KLAVIYO = Scheme(
    "klaviyo",
    "Klaviyo-style 3-level RFM groups (published lists completed by shopinsight)",
    3,
    (
        Segment("Champions", "reward and retain", codes=_codes("333", "332", "323")),
        Segment(
            "Loyal", "upsell, ask for reviews", codes=_codes("321", "322", "331", "232", "233")
        ),
        Segment("Recent", "welcome, second-order nudge", codes=_codes("311", "312", "313")),
        Segment(
            "Needs attention",
            "personalised offer",
            codes=_codes("231", "221", "222", "223", "211", "212", "213"),
        ),
        Segment("At risk", "win-back", codes=_codes("121", "122", "123", "131", "132", "133")),
        Segment("Inactive", "suppress or last try", codes=_codes("111", "112", "113")),
    ),
    None,
    (1, 2),
    (50, 90),
    (60, 180),
)

PYMC = Scheme(
    "pymc",
    "PyMC-Marketing quartile segments (scores 1–4; unlisted codes are Other)",
    4,
    (
        Segment(
            "Premium Customer",
            "reward",
            codes=_codes("334", "443", "444", "344", "434", "433", "343", "333"),
        ),
        Segment(
            "Repeat Customer",
            "loyalty offer",
            codes=_codes("244", "234", "232", "332", "143", "233", "243"),
        ),
        Segment(
            "Top Spender",
            "upsell",
            codes=_codes(
                "424",
                "414",
                "144",
                "314",
                "324",
                "124",
                "224",
                "423",
                "413",
                "133",
                "323",
                "313",
                "134",
            ),
        ),
        Segment(
            "At Risk Customer",
            "win-back",
            codes=_codes(
                "422", "223", "212", "122", "222", "132", "322", "312", "412", "123", "214"
            ),
        ),
        Segment(
            "Inactive Customer",
            "suppress",
            codes=_codes("411", "111", "113", "114", "112", "211", "311"),
        ),
        Segment("Other", "no specific action"),
    ),
    "Other",
    (1, 2, 4),
    (50, 75, 90),
    (30, 90, 365),
)

SCHEMES: dict[str, Scheme] = {s.name: s for s in (STANDARD, KLAVIYO, PYMC)}


def segment_slug(name: str) -> str:
    """A segment name as a tag: "Can't Lose Them" -> "cant_lose_them"."""
    out = "".join(ch if ch.isalnum() else " " for ch in name.lower().replace("'", ""))
    return "_".join(out.split())


def cell_map(scheme: Scheme) -> pl.DataFrame:
    """Every (r, f, m) score cell and its segment: the first segment that matches, else the
    scheme's default. A cell no segment covers (and no default) is an error in the scheme."""
    rows = []
    levels = range(1, scheme.levels + 1)
    for r, f, m in product(levels, levels, levels):
        ruled = (s for s in scheme.segments if s.codes is not None or s.r is not None)
        hit = next((s.name for s in ruled if s.matches(r, f, m)), scheme.default)
        if hit is None:
            raise ValueError(f"scheme {scheme.name}: cell R{r} F{f} M{m} has no segment")
        rows.append((r, f, m, hit))
    return pl.DataFrame(
        rows,
        schema={"r_score": pl.Int8, "f_score": pl.Int8, "m_score": pl.Int8, "segment": pl.Utf8},
        orient="row",
    )
