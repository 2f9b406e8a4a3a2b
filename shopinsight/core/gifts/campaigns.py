"""Did the gifts work? A gift campaign with a held-back control group, and its report.

When the merchant confirms a plan, each segment's customers in it are split at random (seeded)
into a gift group and a control group that gets no gift. Both are recorded in state.sqlite.
Later imports bring their next orders: comparing the repeat-purchase rate and the revenue per
customer of the two groups since the start (with a confidence interval for the difference)
says whether the gifts made customers come back, not just who came back anyway.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from shopinsight.core.errors import ConfigError, InputError
from shopinsight.core.orders import UTC, local_day, orders_frame

if TYPE_CHECKING:
    from shopinsight.core.shop import Shop
    from shopinsight.core.workspace import Workspace

_SCHEMA = """
CREATE TABLE IF NOT EXISTS gift_campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started_on TEXT NOT NULL, created_at TEXT NOT NULL,
    control_share REAL NOT NULL, seed INTEGER NOT NULL, days INTEGER NOT NULL, currency TEXT
);
CREATE TABLE IF NOT EXISTS gift_campaign_members (
    campaign_id INTEGER NOT NULL REFERENCES gift_campaigns(id), customer_id TEXT NOT NULL,
    segment TEXT, arm TEXT NOT NULL CHECK (arm IN ('gift', 'control')), source TEXT,
    order_id TEXT, gift_kind TEXT, gift_sku TEXT, gift TEXT, gift_cost REAL,
    PRIMARY KEY (campaign_id, customer_id)
);
"""
MEMBER_COLUMNS = {
    "customer_id": pl.Utf8, "segment": pl.Utf8, "arm": pl.Utf8, "source": pl.Utf8,
    "order_id": pl.Utf8, "gift_kind": pl.Utf8, "gift_sku": pl.Utf8, "gift": pl.Utf8,
    "gift_cost": pl.Float64,
}  # fmt: skip
"""A campaign member: the planned gift is kept for control customers too (what they missed)."""


def ensure_tables(conn: sqlite3.Connection) -> None:
    """Create the campaign tables if this workspace has none yet."""
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def campaign_settings(config: dict[str, Any]) -> dict[str, Any]:
    """[gifts.campaign] checked: control_share in (0, 1), seed an integer, days ≥ 1."""
    raw = config.get("gifts", {}).get("campaign", {}) or {}
    share, seed, days = raw.get("control_share", 0.2), raw.get("seed", 2024), raw.get("days", 90)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share < 1:
        raise ConfigError(
            f"[gifts.campaign] control_share = {share!r} is not a share",
            "Write a number between 0 and 1, e.g. 0.2 to hold back 20% of each segment.",
        )
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"[gifts.campaign] seed = {seed!r} is not a whole number", "e.g. 2024")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ConfigError(f"[gifts.campaign] days = {days!r} is not a number of days", "e.g. 90")
    return {"control_share": float(share), "seed": seed, "days": days}


def assign_arms(plan: pl.DataFrame, control_share: float, seed: int) -> pl.DataFrame:
    """Split the plan's gift customers into gift and control, at random within each segment.

    Eligible: orders that are not gift orders, with a customer and a gift or card planned.
    Each segment holds back round(share × its size) customers; the same seed and plan give
    the same split. Output: MEMBER_COLUMNS.
    """
    if not 0 < control_share < 1:
        raise InputError("--control must be between 0 and 1", f"Got {control_share}; try 0.2.")
    eligible = (
        plan.filter(
            ~pl.col("is_gift")
            & pl.col("customer_id").is_not_null()
            & (pl.col("gift_kind") != "none")
        )
        .unique("customer_id", keep="first", maintain_order=True)
        .with_columns(pl.col("segment").fill_null("default"))
        .sort("segment", "customer_id")
    )
    import numpy as np  # here: the gift plan reads the control groups without numpy (~0.1 s)

    draw = np.random.default_rng(seed).random(eligible.height)
    eligible = eligible.with_columns(pl.Series("__u", draw, dtype=pl.Float64))
    size = pl.len().over("segment")
    held = (size * control_share + 0.5).floor()
    rank = pl.col("__u").rank("ordinal").over("segment")
    return eligible.select(
        "customer_id",
        "segment",
        pl.when(rank <= held).then(pl.lit("control")).otherwise(pl.lit("gift")).alias("arm"),
        *[c for c in MEMBER_COLUMNS if c not in ("customer_id", "segment", "arm")],
    ).cast(MEMBER_COLUMNS)  # type: ignore[arg-type]  # polars wants str | Selector | dtype keys


def running_members(conn: sqlite3.Connection, day: dt.date) -> pl.DataFrame:
    """Members (customer_id, campaign_id, arm) of campaigns running on `day`."""
    ensure_tables(conn)
    rows = conn.execute(_RUNNING, (day.isoformat(), day.isoformat())).fetchall()
    return pl.DataFrame(rows, schema=_MEMBER_SCHEMA, orient="row")


_RUNNING = (
    "SELECT m.customer_id, m.campaign_id, m.arm FROM gift_campaign_members m "
    "JOIN gift_campaigns c ON c.id = m.campaign_id WHERE date(c.started_on) <= date(?) "
    "AND date(c.started_on, '+' || c.days || ' days') > date(?)"
)
_MEMBER_SCHEMA = {"customer_id": pl.Utf8, "campaign_id": pl.Int64, "arm": pl.Utf8}


def held_back_customers(ws: Workspace, day: dt.date) -> pl.DataFrame:
    """Control customers of running campaigns (customer_id, campaign_id): no gift for them.
    Read-only, so a read-only workspace still gets its packing plan."""
    from shopinsight.core.state import read_rows

    rows = read_rows(ws, _RUNNING, (day.isoformat(), day.isoformat()))
    members = pl.DataFrame(rows, schema=_MEMBER_SCHEMA, orient="row")
    return members.filter(pl.col("arm") == "control").drop("arm")


def start_campaign(
    conn: sqlite3.Connection,
    plan: pl.DataFrame,
    started_on: dt.date,
    currency: str,
    control_share: float,
    seed: int,
    days: int = 90,
) -> tuple[int, pl.DataFrame]:
    """Record a campaign for the plan's customers; returns its id and members.

    Customers already in a running campaign are left out, so nobody is counted twice and
    confirming the same plan twice does not start a second campaign.
    """
    ensure_tables(conn)
    busy = running_members(conn, started_on)
    members = assign_arms(plan, control_share, seed).join(
        busy.select("customer_id"), on="customer_id", how="anti"
    )
    if members.is_empty():
        which = sorted(set(busy["campaign_id"].to_list()))
        raise InputError(
            "No one to enrol in a gift campaign",
            "Every customer with a gift in this plan is already in campaign "
            f"#{', #'.join(map(str, which))}."
            if which
            else "The plan has no open orders with a gift or card for a known customer.",
        )
    cur = conn.execute(
        "INSERT INTO gift_campaigns (started_on, created_at, control_share, seed, days, currency)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            started_on.isoformat(),
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            control_share,
            seed,
            days,
            currency,
        ),
    )
    cid = int(cur.lastrowid or 0)
    conn.executemany(
        f"INSERT INTO gift_campaign_members (campaign_id, {', '.join(MEMBER_COLUMNS)}) "
        f"VALUES (?, {', '.join('?' * len(MEMBER_COLUMNS))})",
        [(cid, *row) for row in members.iter_rows()],
    )
    return cid, members


def load_campaign(
    conn: sqlite3.Connection, campaign_id: int | None = None
) -> tuple[dict[str, Any], pl.DataFrame]:
    """A campaign's record and members (the latest one when no id is given)."""
    ensure_tables(conn)
    query = "SELECT * FROM gift_campaigns " + (
        "WHERE id = ?" if campaign_id is not None else "ORDER BY id DESC LIMIT 1"
    )
    cur = conn.execute(query, (campaign_id,) if campaign_id is not None else ())
    row = cur.fetchone()
    if row is None:
        raise InputError(
            "No gift campaign yet" if campaign_id is None else f"No gift campaign #{campaign_id}",
            "Start one when you confirm a packing plan: shopinsight gifts campaign start",
        )
    meta = dict(zip([d[0] for d in cur.description], row, strict=True))
    rows = conn.execute(
        f"SELECT {', '.join(MEMBER_COLUMNS)} FROM gift_campaign_members WHERE campaign_id = ?",
        (meta["id"],),
    ).fetchall()
    return meta, pl.DataFrame(rows, schema=MEMBER_COLUMNS, orient="row")


# -- the report ------------------------------------------------------------------------------


@dataclass
class CampaignReport:
    """Gifted vs control since the start, with intervals and the verdict in words."""

    campaign_id: int
    started_on: dt.date
    as_of: dt.date
    currency: str
    confidence: float
    arms: pl.DataFrame
    by_segment: pl.DataFrame
    rate_diff: float | None
    rate_ci: tuple[float, float] | None
    revenue_diff: float | None
    revenue_ci: tuple[float, float] | None
    summary: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "campaign_id": self.campaign_id,
            "started_on": self.started_on.isoformat(),
            "as_of": self.as_of.isoformat(),
            "days": (self.as_of - self.started_on).days,
            "currency": self.currency,
            "confidence": self.confidence,
            "arms": self.arms.to_dicts(),
            "repeat_rate_diff": self.rate_diff,
            "repeat_rate_ci": list(self.rate_ci) if self.rate_ci else None,
            "revenue_per_customer_diff": self.revenue_diff,
            "revenue_per_customer_ci": list(self.revenue_ci) if self.revenue_ci else None,
            "by_segment": self.by_segment.to_dicts(),
            "summary": self.summary,
        }


def _outcomes(
    members: pl.DataFrame,
    lines: pl.LazyFrame | pl.DataFrame,
    start: dt.date,
    as_of: dt.date,
    currency: str,
    tz: str = UTC,
) -> tuple[pl.DataFrame, int]:
    day = local_day(pl.col("ordered_at"), tz)  # the shop's day
    window = (day > start) & (day <= as_of)
    theirs = pl.col("customer_id").is_in(members["customer_id"].implode())
    # both filters are order-level, so whole orders stay together for orders_frame
    picked = orders_frame(lines.lazy().filter(window & theirs), tz)
    after = picked.filter(pl.col("counted")).collect()
    other = after.filter(pl.col("currency") != currency).height
    per = (
        after.filter(pl.col("currency") == currency)
        .group_by("customer_id")
        .agg(pl.len().alias("orders_after"), pl.col("net_revenue").sum().alias("revenue"))
    )
    out = members.join(per, on="customer_id", how="left").with_columns(
        pl.col("orders_after").fill_null(0),
        pl.col("revenue").fill_null(0.0),
        (pl.col("orders_after").fill_null(0) > 0).alias("repeat"),
    )
    return out, other


def _verdict(lo: float, hi: float, better: str, worse: str) -> str:
    if lo > 0:
        return better
    if hi < 0:
        return worse
    return "Too close to call yet: the interval includes no difference at all."


def campaign_report(
    members: pl.DataFrame,
    lines: pl.LazyFrame | pl.DataFrame,
    started_on: dt.date,
    as_of: dt.date,
    currency: str,
    campaign_id: int = 0,
    confidence: float = 0.95,
    tz: str = UTC,
) -> CampaignReport:
    """Repeat-purchase rate and revenue per customer of gift vs control since `started_on`.

    Counts orders placed after the start day up to `as_of` (the shop's days, `tz`; counted
    orders, `currency` only).
    The rate difference gets a Newcombe interval, the revenue difference a Welch interval.
    """
    from shopinsight.core.stats import newcombe_diff, welch_diff  # numpy: only for a report

    out, other = _outcomes(members, lines, started_on, as_of, currency, tz)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    arms = (
        out.group_by("arm")
        .agg(
            pl.len().alias("customers"),
            pl.col("repeat").sum().alias("repeaters"),
            pl.col("repeat").mean().alias("repeat_rate"),
            pl.col("revenue").mean().alias("revenue_per_customer"),
            pl.col("gift_cost").fill_null(0.0).mean().alias("planned_gift_cost"),
        )
        .sort("arm", descending=True)
    )
    by_segment = (
        out.group_by("segment", "arm")
        .agg(
            pl.len().alias("customers"),
            pl.col("repeat").mean().alias("repeat_rate"),
            pl.col("revenue").mean().alias("revenue_per_customer"),
        )  # fmt: skip
        .sort("segment", "arm", descending=[False, True])
    )
    g = out.filter(pl.col("arm") == "gift")
    c = out.filter(pl.col("arm") == "control")
    days = (as_of - started_on).days
    words = [f"Gift campaign #{campaign_id}, started {started_on}: {days} days of orders since."]
    rate_diff = rate_ci = rev_diff = rev_ci = None
    if g.height and c.height:
        x1, n1, x0, n0 = int(g["repeat"].sum()), g.height, int(c["repeat"].sum()), c.height
        rate_diff = x1 / n1 - x0 / n0
        rate_ci = newcombe_diff(x1, n1, x0, n0, z)
        pct = round(confidence * 100)
        words.append(
            f"{x1 / n1:.0%} of the {n1} gifted customers ordered again, against {x0 / n0:.0%} of "
            f"the {n0} held back: {rate_diff * 100:+.1f} points ({pct}% interval "
            f"{rate_ci[0] * 100:+.1f} to {rate_ci[1] * 100:+.1f})."
        )
        words.append(
            _verdict(
                *rate_ci,
                "The gifts very likely brought customers back: the interval is above zero.",
                "Gifted customers came back less often, and that is unlikely to be chance.",
            )
        )
        if n1 >= 2 and n0 >= 2:
            a, b = g["revenue"].to_numpy(), c["revenue"].to_numpy()
            rev_diff = float(a.mean() - b.mean())
            rev_ci = welch_diff(a, b, confidence)
            mean_cost = g["gift_cost"].fill_null(0.0).mean()
            cost = float(mean_cost) if isinstance(mean_cost, float) else 0.0
            words.append(
                f"Revenue per customer: {a.mean():,.2f} {currency} gifted vs {b.mean():,.2f} "
                f"control, {rev_diff:+,.2f} ({pct}% interval {rev_ci[0]:+,.2f} to "
                f"{rev_ci[1]:+,.2f}); the gifts cost {cost:,.2f} each, so each gift "
                f"{'earned' if rev_diff >= cost else 'lost'} about {abs(rev_diff - cost):,.2f} "
                + ("(the revenue difference is unlikely to be chance)." if rev_ci[0] > 0
                   else "(but the revenue difference could still be chance).")
            )  # fmt: skip
        if days < 30 or min(n1, n0) < 30:
            words.append(
                "Early days: with fewer than 30 days or 30 customers per group, expect wide "
                "intervals; look again after the next imports."
            )
    else:
        words.append("One of the groups is empty, so there is nothing to compare yet.")
    if other:
        words.append(f"{other} later orders in other currencies than {currency} are left out.")
    return CampaignReport(
        campaign_id, started_on, as_of, currency, confidence, arms, by_segment,
        rate_diff, rate_ci, rev_diff, rev_ci, words,
    )  # fmt: skip


# -- on a shop ---------------------------------------------------------------------------------


CAMPAIGN_LIST_SCHEMA = {
    "id": pl.Int64, "started_on": pl.Utf8, "days": pl.Int64, "gift": pl.Int64, "control": pl.Int64,
}  # fmt: skip


def list_campaigns(shop: Shop) -> pl.DataFrame:
    """Every campaign, newest first: id, started_on, days, and the size of each arm."""
    with shop.ws.db() as conn:
        ensure_tables(conn)
        rows = conn.execute(
            "SELECT c.id, c.started_on, c.days, "
            "SUM(m.arm = 'gift'), SUM(m.arm = 'control') FROM gift_campaigns c "
            "LEFT JOIN gift_campaign_members m ON m.campaign_id = c.id "
            "GROUP BY c.id ORDER BY c.id DESC"
        ).fetchall()
    return pl.DataFrame(rows, schema=CAMPAIGN_LIST_SCHEMA, orient="row")


def start_for_shop(
    shop: Shop, control_share: float | None = None, seed: int | None = None
) -> tuple[int, pl.DataFrame]:
    """Confirm today's plan: record a campaign with its control group; returns id and members."""
    settings = campaign_settings(shop.settings())
    share = settings["control_share"] if control_share is None else control_share
    seed = settings["seed"] if seed is None else seed
    gifts = shop.gifts("open")
    with shop.ws.db() as conn:
        return start_campaign(
            conn, gifts.plan, gifts.as_of, gifts.currency, share, seed, settings["days"]
        )


def report_for_shop(shop: Shop, campaign_id: int | None = None) -> CampaignReport:
    """The report of a campaign (latest by default) on the shop's current data, in the
    campaign's own currency."""
    with shop.ws.db() as conn:
        meta, members = load_campaign(conn, campaign_id)
    # Campaigns are stored with their currency; the shop's is for rows older than that column.
    currency = cast(str, meta.get("currency") or shop.currency())
    start = dt.date.fromisoformat(meta["started_on"])
    return campaign_report(
        members, shop.all_lines(), start, shop.as_of(), currency, int(meta["id"]), tz=shop.tz()
    )
