"""The personal-cadence rule: who is due, at risk, lapsing or lapsed, and when they should order.

Repeat customers are compared with their own rhythm (days since last order / their median gap,
LANDSCAPE §4.2); one-time buyers with the shop's own time-to-second-order percentiles. The
rule's risk is the share of customers in the same status band who did not come back within the
horizon the last time the shop could check, so the number means something for this shop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

import polars as pl

from shopinsight.core.churn.features import History, customer_features, labels
from shopinsight.core.churn.isotonic import isotonic_fit_transform
from shopinsight.core.errors import ConfigError
from shopinsight.core.orders import UTC, shop_tz

REPEAT_STATUSES = ["active", "due", "at_risk", "lapsing", "lapsed"]
ONE_TIME_STATUSES = ["new", "cooling", "second_order_at_risk", "one_and_done"]
STATUSES = REPEAT_STATUSES + ONE_TIME_STATUSES

DEFAULT_RISK = {
    "active": 0.25, "due": 0.4, "at_risk": 0.55, "lapsing": 0.7, "lapsed": 0.85,
    "new": 0.5, "cooling": 0.6, "second_order_at_risk": 0.75, "one_and_done": 0.9,
}  # fmt: skip
"""Risk a status band gets before the shop's own history says otherwise (the prior)."""

PRIOR_WEIGHT = 10.0
"""How many customers' worth of evidence the prior counts for when a band is re-estimated."""

BAND_SAMPLE = 30_000
"""Band risks of big shops are estimated on a seeded sample of this many customers (the same
sample the backtest replays, so the work is shared)."""

TIE_BREAK = 0.05
"""Within a band, the customer silent for longer ranks first (risk nudged by at most ±0.025):
on every real data set tried this ranked better than ordering by the overdue ratio."""

FREQUENCY_BANDS = [3, 6]
"""Repeat customers are split by purchases (2, 3-5, 6+) before their risk is estimated."""


@dataclass(frozen=True)
class ChurnSettings:
    """The [churn] settings, checked once (a bad value is a ConfigError naming the key)."""

    horizon_days: int = 90
    due: float = 1.0
    at_risk: float = 1.5
    lapsing: float = 2.5
    lapsed: float = 4.0
    lapsed_gap_quantile: float = 0.95
    one_timer_quantiles: tuple[float, float, float] = (0.5, 0.75, 0.9)
    one_timer_default_days: tuple[int, int, int] = (60, 120, 240)
    min_repeat_for_quantiles: int = 20
    alert_statuses: tuple[str, ...] = (
        "at_risk", "lapsing", "lapsed", "second_order_at_risk", "one_and_done",
    )  # fmt: skip
    min_alert_risk: float = 0.5
    holiday_months: tuple[int, ...] = (11, 12)
    holiday_min_tenure_days: int = 365
    spend_drop: float = 0.3
    model: str = "auto"
    min_repeat_customers: int = 100
    min_auc_gain: float = 0.005
    training_cutoffs: int = 4
    cutoff_step_days: int = 30
    min_history_days: int = 30
    max_training_rows: int = 40_000
    seed: int = 7
    value_horizon_days: int = 365
    list_size: int = 25
    list_share: float = 0.1
    tz: str = UTC
    """The shop's clock ([shop] timezone, not a [churn] key): the day a mark was made on."""

    @classmethod
    def from_config(cls, config: dict[str, Any], horizon_days: int | None = None) -> ChurnSettings:
        """Read config["churn"] over the defaults; `horizon_days` (the CLI option) wins."""
        raw = dict(config.get("churn", {}))
        if horizon_days is not None:
            raw["horizon_days"] = horizon_days
        defaults = cls()
        values = {
            key: _convert(key, value, getattr(defaults, key))
            for key, value in raw.items()
            if key in cls.__dataclass_fields__ and key != "tz"
        }
        settings = cls(**values, tz=shop_tz(config))
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings that cannot work, with the fix in plain words."""
        problems = []
        if not 1 <= self.horizon_days <= 730:
            problems.append(f"horizon_days must be 1..730 days (got {self.horizon_days})")
        if not 0 < self.due <= self.at_risk <= self.lapsing <= self.lapsed:
            problems.append("thresholds must grow: 0 < due <= at_risk <= lapsing <= lapsed")
        q = self.one_timer_quantiles
        if len(q) != 3 or not 0 < q[0] <= q[1] <= q[2] < 1:
            problems.append("one_timer_quantiles needs three growing shares between 0 and 1")
        d = self.one_timer_default_days
        if len(d) != 3 or not 0 < d[0] <= d[1] <= d[2]:
            problems.append("one_timer_default_days needs three growing day counts")
        if bad := [s for s in self.alert_statuses if s not in STATUSES]:
            problems.append(f"unknown alert_statuses {bad}; use some of {STATUSES}")
        if not 0 <= self.min_alert_risk <= 1:
            problems.append("min_alert_risk must be between 0 and 1")
        if self.model not in ("auto", "rule", "model", "btyd"):
            problems.append(f"model must be auto, rule, btyd or model (got {self.model!r})")
        if not 1 <= self.value_horizon_days <= 1825:
            problems.append("value_horizon_days must be 1..1825 days")
        if self.list_size < 1 or not 0 < self.list_share <= 1:
            problems.append("list_size must be at least 1 and list_share between 0 and 1")
        if any(not 1 <= m <= 12 for m in self.holiday_months):
            problems.append("holiday_months must be month numbers 1..12")
        if self.training_cutoffs < 1 or self.cutoff_step_days < 1:
            problems.append("training_cutoffs and cutoff_step_days must be at least 1")
        if problems:
            raise ConfigError("The [churn] settings cannot be used", "; ".join(problems) + ".")


def _convert(key: str, value: Any, default: Any) -> Any:
    """`value` in the type of `default` (a list for a tuple), or a ConfigError naming the key."""
    try:
        if isinstance(default, tuple):
            if not isinstance(value, list | tuple):
                raise TypeError
            return tuple(type(default[0])(v) for v in value)
        if isinstance(default, int) and (isinstance(value, bool) or value != int(value)):
            raise TypeError
        if isinstance(default, str) and not isinstance(value, str):
            raise TypeError
        return type(default)(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"churn.{key} is not valid",
            f"Got {value!r}; the default is {default!r}. Fix it in shopinsight.toml [churn].",
        ) from None


@dataclass(frozen=True)
class ShopCadence:
    """The shop's own numbers each customer is compared with (printed with the alerts)."""

    second_order_days: tuple[float, float, float]
    second_order_from_shop: bool
    repeat_gap_p95: float | None
    repeat_customers: int

    def describe(self) -> str:
        p50, p75, p90 = (round(x) for x in self.second_order_days)
        where = "this shop's repeat customers" if self.second_order_from_shop else "defaults"
        text = f"second orders come within {p50}/{p75}/{p90} days (P50/P75/P90, {where})"
        if self.repeat_gap_p95 is not None:
            text += f"; 95% of repeat gaps are under {round(self.repeat_gap_p95)} days"
        return text


def shop_cadence(history: History, cutoff: dt.date, settings: ChurnSettings) -> ShopCadence:
    """Time-to-second-order percentiles and the P95 repeat gap, from purchases up to `cutoff`."""
    gaps = history.days.filter((pl.col("day") <= cutoff) & pl.col("gap").is_not_null())
    second = gaps.filter(pl.col("i") == 1)["gap"]
    repeaters = second.len()
    if repeaters >= settings.min_repeat_for_quantiles:
        # at least min_repeat_for_quantiles gaps, none null: each quantile is a number
        qs = tuple(
            float(cast(float, second.quantile(q, "linear"))) for q in settings.one_timer_quantiles
        )
        from_shop = True
    else:
        qs = tuple(float(d) for d in settings.one_timer_default_days)
        from_shop = False
    p95 = gaps["gap"].quantile(settings.lapsed_gap_quantile, "linear") if from_shop else None
    return ShopCadence(qs, from_shop, p95, repeaters)  # type: ignore[arg-type]


def _status(settings: ChurnSettings, cadence: ShopCadence) -> pl.Expr:
    p50, p75, p90 = cadence.second_order_days
    overdue = pl.col("overdue")
    too_long = (
        pl.col("recency") > cadence.repeat_gap_p95
        if cadence.repeat_gap_p95 is not None
        else pl.lit(False)
    )
    return (
        pl.when(pl.col("frequency") < 2)
        .then(
            pl.when(pl.col("recency") <= p50)
            .then(pl.lit("new"))
            .when(pl.col("recency") <= p75)
            .then(pl.lit("cooling"))
            .when(pl.col("recency") <= p90)
            .then(pl.lit("second_order_at_risk"))
            .otherwise(pl.lit("one_and_done"))
        )
        .when((overdue >= settings.lapsed) | too_long)
        .then(pl.lit("lapsed"))
        .when(overdue >= settings.lapsing)
        .then(pl.lit("lapsing"))
        .when(overdue >= settings.at_risk)
        .then(pl.lit("at_risk"))
        .when(overdue >= settings.due)
        .then(pl.lit("due"))
        .otherwise(pl.lit("active"))
    )


def _band(settings: ChurnSettings, cadence: ShopCadence) -> list[pl.Expr]:
    """`group` (one-timers, or repeaters by purchases) and an ordered `level` within it.

    Levels follow the status ladder, three per status: "new" and "active" are split in halves,
    and anyone silent for over twice the second-order P90 moves up one, so the risk can be
    estimated a little finer than the status.
    """
    freq = pl.lit("2")
    for edge in FREQUENCY_BANDS:
        freq = pl.when(pl.col("frequency") >= edge).then(pl.lit(f"{edge}+")).otherwise(freq)
    half = (
        pl.when(pl.col("frequency") < 2)
        .then(pl.col("recency") > cadence.second_order_days[0] / 2)
        .otherwise(pl.col("overdue") >= settings.due / 2)
    )
    old = pl.col("recency") > 2 * cadence.second_order_days[2]
    ladder = {s: i for i, s in enumerate(REPEAT_STATUSES)} | {
        s: i for i, s in enumerate(ONE_TIME_STATUSES)
    }
    step = pl.col("status").replace_strict(ladder, return_dtype=pl.Int32)
    return [
        pl.when(pl.col("frequency") >= 2).then(freq).otherwise(pl.lit("1")).alias("group"),
        (3 * step + half.cast(pl.Int32) + old.cast(pl.Int32)).alias("level"),
    ]


def holiday_only(history: History, cutoff: dt.date, settings: ChurnSettings) -> pl.DataFrame:
    """customer_id of holiday-only buyers: 2+ purchases, all in holiday months, a year of tenure."""
    months = list(settings.holiday_months)
    return (
        history.days.filter(pl.col("day") <= cutoff)
        .group_by("cidx")  # each customer's days are a run (features.History)
        .agg(
            pl.col("customer_id").first(),
            pl.len().alias("n"),
            pl.col("day").dt.month().is_in(months).all().alias("all_in"),
            pl.col("day").min().alias("first"),
        )
        .filter(
            (pl.col("n") >= 2)
            & pl.col("all_in")
            & (
                (pl.lit(cutoff) - pl.col("first")).dt.total_days()
                >= settings.holiday_min_tenure_days
            )
        )
        .select("customer_id")
    )


def next_season_start(as_of: dt.date, months: tuple[int, ...]) -> dt.date:
    """First day of the next holiday month strictly after `as_of`'s month (or this one's)."""
    for add in range(1, 13):
        month = (as_of.month - 1 + add) % 12 + 1
        if month in months:
            year = as_of.year + (as_of.month - 1 + add) // 12
            return dt.date(year, month, 1)
    return as_of


def rule_table(
    history: History, cutoff: dt.date, settings: ChurnSettings, calibrate: bool = True
) -> tuple[pl.DataFrame, ShopCadence]:
    """Features plus status, band, rule_risk and expected_next_order for each customer.

    The band risks are estimated one horizon earlier (status then, outcome since), shrunk
    toward DEFAULT_RISK so a band with few customers stays close to the default.
    """
    key = ("rule", cutoff, calibrate, settings)
    if key not in history.cache:
        history.cache[key] = _rule_table(history, cutoff, settings, calibrate)
    return history.cache[key]


def _rule_table(
    history: History, cutoff: dt.date, settings: ChurnSettings, calibrate: bool
) -> tuple[pl.DataFrame, ShopCadence]:
    cadence = shop_cadence(history, cutoff, settings)
    feats = customer_features(history, cutoff, settings.horizon_days).with_columns(
        _status(settings, cadence).alias("status")
    )
    feats = feats.with_columns(_band(settings, cadence))
    past = _band_outcomes(history, cutoff, settings) if calibrate else None
    feats = feats.join(_band_risks(feats, past), on=["group", "level"], how="left")
    band = ["group", "level"]
    order = (pl.col("recency").rank("average").over(band) - 0.5) / pl.len().over(band) - 0.5
    feats = feats.with_columns((pl.col("rule_risk") + TIE_BREAK * order).clip(0, 1))
    next_gap = (
        pl.when(pl.col("frequency") >= 2)
        .then(pl.col("gap_median"))
        .otherwise(pl.lit(cadence.second_order_days[0]))
    )
    feats = feats.with_columns(
        (pl.col("last_day") + pl.duration(days=next_gap.round(0).cast(pl.Int64))).alias(
            "expected_next_order"
        )
    )
    return feats, cadence


def _band_outcomes(
    history: History, cutoff: dt.date, settings: ChurnSettings
) -> pl.DataFrame | None:
    """Lost count and customers per band at cutoff - horizon, judged by what happened since."""
    h = settings.horizon_days
    earlier = cutoff - dt.timedelta(days=h)
    first = history.first_day
    if first is None or earlier < first:
        return None
    sample = history.sample(BAND_SAMPLE, settings.seed)
    past, _ = rule_table(sample, earlier, settings, calibrate=False)
    came_back = labels(sample, earlier, h)
    return (
        past.join(came_back, on="customer_id", how="left")
        .group_by("group", "level")
        .agg((1 - pl.col("returned").fill_null(0)).sum().alias("_lost"), pl.len().alias("_n"))
    )


def _band_risks(feats: pl.DataFrame, past: pl.DataFrame | None) -> pl.DataFrame:
    """rule_risk per (group, level): past outcomes shrunk toward DEFAULT_RISK, then made
    non-decreasing along the ladder (being more overdue never lowers the risk)."""
    bands = feats.select("group", "level")
    if past is not None:
        bands = pl.concat([bands, past.select("group", "level")])
    bands = bands.unique().sort("group", "level")
    if past is not None:
        bands = bands.join(past, on=["group", "level"], how="left")
    else:
        bands = bands.with_columns(pl.lit(0).alias("_lost"), pl.lit(0).alias("_n"))
    one = {i: DEFAULT_RISK[s] for i, s in enumerate(ONE_TIME_STATUSES)}
    repeat = {i: DEFAULT_RISK[s] for i, s in enumerate(REPEAT_STATUSES)}
    step = pl.col("level") // 3
    prior = (
        pl.when(pl.col("group") == "1")
        .then(step.replace_strict(one, default=None, return_dtype=pl.Float64))
        .otherwise(step.replace_strict(repeat, default=None, return_dtype=pl.Float64))
    )
    lost, n = pl.col("_lost").fill_null(0), pl.col("_n").fill_null(0)
    bands = bands.with_columns(
        ((lost + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT)).alias("_rate"),
        (n + PRIOR_WEIGHT).cast(pl.Float64).alias("_weight"),
    )
    parts = [
        part.select("group", "level").with_columns(
            pl.Series(
                "rule_risk",
                isotonic_fit_transform(
                    part["level"].to_numpy(),
                    part["_rate"].to_numpy(),
                    part["_weight"].to_numpy(),
                    y_min=0.0,
                    y_max=1.0,
                ),
            )
        )
        for _, part in bands.group_by("group", maintain_order=True)
    ]
    if not parts:
        return bands.select("group", "level", pl.lit(None, pl.Float64).alias("rule_risk"))
    return pl.concat(parts)
