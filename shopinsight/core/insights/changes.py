"""What changed since the previous import (or a day): the merchant's short inbox after an import.

Analyses are reproducible for any as-of day, so "then" is simply the shop replayed as of the
cut day (`Shop(ws, as_of=cut)`) and "now" is the shop as of its own day; nothing is snapshotted.

**The cut.** `--since DATE` is that day. `--since IMPORT` (a file name, a sha256 prefix or the
import's number, 1 = the oldest) and the default (the import before the last batch: the last
record of an earlier workspace `version`; for records without one, the last stamped before the
last `imported_at`, else the record before the last) are the last
order day of the data as that import left it. Each import record stores that day
(`last_order_day`, written by the workspace with the version). Records of workspaces imported
before it was stored fall back to working it out from the ledger's counts: the lines present
after import i (one ledger record, one file) are the `sum(new_lines)` of imports 1..i, and
exports are cut by time, so they are the oldest ones: the cut is the day of the n-th oldest
dated line, never after the import's own `imported_at` day. A later import that backfilled
older orders (or added another store) makes that cut earlier, never later: changes may then
list too much, never miss anything.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from shopinsight.core.churn.stake import ORDERS_AT_RISK, VALUE_AT_RISK, by_orders, stake_column
from shopinsight.core.errors import InputError
from shopinsight.core.orders import UTC, local_day
from shopinsight.core.shop_facts import no_amounts

if TYPE_CHECKING:
    from shopinsight.core.shop import Shop

KEYS = ("new_customers", "segment_moves", "alerts_resolved", "new_alerts")
BUNDLE_KEYS = ("bundles_new", "bundles_gone")


@dataclass
class Cut:
    """The day "then" is replayed at, and how it was chosen (said to the merchant)."""

    day: dt.date
    rule: str
    import_file: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "rule": self.rule, "import": self.import_file}


def _imports(ledger: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One import per ledger record (one file), oldest first; a skipped re-import adds no
    lines but still counts. (Files imported together share an `imported_at` to the second,
    as do quick successive imports, so the stamp cannot tell batches apart.)"""
    return [
        {
            "imported_at": str(rec.get("imported_at") or ""),
            "new_lines": int(rec.get("new_lines") or 0),
            "files": [Path(str(rec.get("file") or "")).name],
            "sha256": [str(rec.get("sha256") or "")],
            "last_order_day": rec.get("last_order_day"),
            "version": rec.get("version"),
        }
        for rec in ledger
    ]


def _pick(imports: list[dict[str, Any]], since: str | None) -> int:
    """The index of the import `since` names (default: the one before the last)."""
    if since is None:
        if len(imports) < 2:
            raise InputError(
                "Only one import so far",
                "Changes compare the shop with how it stood at the previous import; there is "
                "none yet. Import a newer export, or use --since YYYY-MM-DD.",
            )
        if imports[-1]["version"] is not None:  # the workspace version each batch wrote
            batch = imports[-1]["version"]
            earlier = [i for i, imp in enumerate(imports) if imp["version"] != batch]
            if not earlier:
                raise InputError(
                    "Only one import so far",
                    "Every file came in one import; changes compare the shop with how it stood "
                    "at the previous import. Import a newer export, or use --since YYYY-MM-DD.",
                )
            return earlier[-1]
        last = imports[-1]["imported_at"]
        earlier = [i for i, imp in enumerate(imports) if imp["imported_at"] < last]
        return earlier[-1] if earlier else len(imports) - 2  # files of the last batch share it
    text = since.strip()
    if text.isdigit() and 1 <= int(text) <= len(imports):
        return int(text) - 1
    for i in range(len(imports) - 1, -1, -1):
        imp = imports[i]
        if Path(text).name in imp["files"] or (
            len(text) >= 8 and any(s.startswith(text.lower()) for s in imp["sha256"])
        ):
            return i
    names = ", ".join(f"{i + 1} {', '.join(imp['files'])}" for i, imp in enumerate(imports))
    raise InputError(
        f"No import '{since}'",
        f"--since takes a day (YYYY-MM-DD), an import's number or its file name. Imports: {names}.",
    )


def _stored_day(imp: dict[str, Any]) -> dt.date | None:
    """The import's own record of its last order day; None for records written before it was
    stored (or an import that left no dated line)."""
    try:
        return dt.date.fromisoformat(str(imp["last_order_day"]))
    except ValueError:
        return None


def choose_cut(
    ledger: list[dict[str, Any]], lines: pl.LazyFrame, since: str | None, tz: str = UTC
) -> Cut:
    """The cut day for `--since` (see the module doc); `lines` are all stored lines, their
    days the shop's (`tz`)."""
    if since is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", since.strip()):
        try:
            day = dt.date.fromisoformat(since.strip())
        except ValueError:
            raise InputError(
                "Bad --since day", f"'{since}' is not a date. Write it as YYYY-MM-DD."
            ) from None
        return Cut(day, f"since {day} (the day given)")
    imports = _imports(ledger)
    i = _pick(imports, since)
    files = ", ".join(imports[i]["files"])
    stored = _stored_day(imports[i])
    if stored is not None:
        return Cut(stored, f"since import {i + 1} ({files}): its data ended on {stored}", files)
    kept = sum(imp["new_lines"] for imp in imports[: i + 1])
    local = local_day(pl.col("ordered_at").drop_nulls(), tz)
    days = lines.select(local.sort()).collect().to_series()
    if days.len() == 0:
        raise InputError("No dated orders", "Changes need orders with a date.")
    if kept <= 0:
        day = days[0] - dt.timedelta(days=1)
    else:
        day = days[min(kept, days.len()) - 1]
    stamp = imports[i]["imported_at"][:10]
    if len(stamp) == 10:
        day = min(day, dt.date.fromisoformat(stamp))
    rule = f"since import {i + 1} ({files}): its data ended on {day}"
    return Cut(day, rule, files)


@dataclass
class ChangesResult:
    """Each change as a frame, the cut and the day compared with."""

    cut: Cut
    as_of: dt.date
    currency: str | None
    frames: dict[str, pl.DataFrame]
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: v.height for k, v in self.frames.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.cut.to_json(),
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            **{k: v.to_dicts() for k, v in self.frames.items()},
        }


def new_customers(
    now: pl.DataFrame, cut: dt.date, tz: str = UTC, priced: bool = True
) -> pl.DataFrame:
    """Customers whose first counted purchase (profiles' `first_order`, on the shop's day in
    `tz`) is after the cut. Not `priced` (the exports carry no amounts: `status["facts"]`),
    their `monetary` is null: not known, rather than 0.00."""
    first = local_day(pl.col("first_order").cast(pl.Datetime("us", "UTC")), tz)
    spend = pl.col("monetary") if priced else pl.lit(None, pl.Float64).alias("monetary")
    return (
        now.filter(first > cut)
        .select("customer_id", "customer_name", first.alias("first_order"), "segment", spend)
        .sort("first_order", "customer_id")
    )


def segment_moves(then: pl.DataFrame, now: pl.DataFrame, order: list[str]) -> pl.DataFrame:
    """Customers in another segment now than then; `up` = towards the front of the scheme's
    display order (Champions first), `down` the other way."""
    rank = {name: i for i, name in enumerate(order)}
    a = then.select("customer_id", pl.col("segment").alias("from_segment"))
    b = now.select("customer_id", "customer_name", pl.col("segment").alias("to_segment"))
    moved = a.join(b, on="customer_id", how="inner").filter(
        pl.col("from_segment") != pl.col("to_segment")
    )
    r_from = pl.col("from_segment").replace_strict(rank, default=len(rank))
    r_to = pl.col("to_segment").replace_strict(rank, default=len(rank))
    return (
        moved.with_columns(pl.when(r_to < r_from).then(pl.lit("up")).otherwise(pl.lit("down"))
                           .alias("direction"))
        .select("customer_id", "customer_name", "from_segment", "to_segment", "direction")
        .sort("direction", "from_segment", "customer_id", descending=[True, False, False])
    )  # fmt: skip


def alert_changes(
    then: pl.DataFrame,
    now: pl.DataFrame,
    profiles_now: pl.DataFrame,
    cut: dt.date,
    tz: str = UTC,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(resolved, new): alerted as of the cut and ordered since (the shop's day, `tz`);
    alerted now and not then. Each is ranked as its alerts are (`churn.stake`): by value at
    risk, or, in a shop whose exports carry no amounts, by `orders_at_risk` (a column then
    added; value_at_risk stays, null)."""
    then_stakes = [VALUE_AT_RISK, *([ORDERS_AT_RISK] if by_orders(then) else [])]
    now_stakes = [VALUE_AT_RISK, *([ORDERS_AT_RISK] if by_orders(now) else [])]
    old = then.filter("is_alert").select("customer_id", *then_stakes)
    last = local_day(pl.col("last_order").cast(pl.Datetime("us", "UTC")), tz)
    back = profiles_now.filter(last > cut).select(
        "customer_id", "customer_name", last.alias("came_back_on")
    )
    resolved = old.join(back, on="customer_id", how="inner").select(
        "customer_id", "customer_name", "came_back_on", *then_stakes
    )
    names = profiles_now.select("customer_id", "customer_name")
    fresh = (
        now.filter("is_alert")
        .join(old.select("customer_id"), on="customer_id", how="anti")
        .join(names, on="customer_id", how="left")
        .select("customer_id", "customer_name", "risk", *now_stakes, "list")
    )
    return (
        resolved.sort(stake_column(then), "customer_id", descending=[True, False]),
        fresh.sort(stake_column(now), "customer_id", descending=[True, False]),
    )


def bundle_changes(then: pl.DataFrame, now: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(appeared, faded): offers compared by their item set (order of items ignored)."""

    def keyed(offers: pl.DataFrame) -> pl.DataFrame:
        if offers.height == 0 or "items" not in offers.columns:
            return pl.DataFrame(
                schema={"items": pl.List(pl.Utf8), "names": pl.List(pl.Utf8), "orders": pl.Int64,
                        "_key": pl.Utf8}
            )  # fmt: skip
        return offers.select(
            "items", "names", pl.col("orders").cast(pl.Int64),
            pl.col("items").list.sort().list.join("\x1f").alias("_key"),
        )  # fmt: skip

    a, b = keyed(then), keyed(now)
    appeared = b.join(a.select("_key"), on="_key", how="anti").drop("_key")
    faded = a.join(b.select("_key"), on="_key", how="anti").drop("_key")
    return appeared, faded


def readable_campaigns(campaigns: pl.DataFrame, cut: dt.date, now: dt.date) -> pl.DataFrame:
    """Gift campaigns whose measuring window (`days` after the start) ended after the cut and
    by now: their gift-vs-control result can be read now (`gifts campaign report --id N`)."""
    ready_on = pl.col("started_on").str.to_date() + pl.duration(days=pl.col("days"))
    return (
        campaigns.with_columns(ready_on.alias("readable_on"))
        .filter((pl.col("readable_on") > cut) & (pl.col("readable_on") <= now))
        .select(
            pl.col("id").alias("campaign_id"),
            "started_on",
            pl.col("readable_on").cast(pl.Utf8),
            "gift",
            "control",
        )
        .sort("campaign_id")
    )


def _campaign_frame(shop: Shop, cut: dt.date, now: dt.date) -> pl.DataFrame:
    """`readable_campaigns` of the workspace, each with the first line of its report."""
    from shopinsight.core.gifts.campaigns import list_campaigns, report_for_shop

    ready = readable_campaigns(list_campaigns(shop), cut, now)
    verdicts = [
        " ".join(report_for_shop(shop, int(i)).summary[:1]) for i in ready["campaign_id"]
    ]  # one report per readable campaign: a handful at most
    return ready.with_columns(pl.Series("result", verdicts, dtype=pl.Utf8))


def load_changes(shop: Shop, since: str | None = None) -> ChangesResult:
    """The changes between the shop as of the cut day and as of its own day (same currency)."""
    from shopinsight.core.shop import Shop as ShopClass

    shop.require_orders()
    tz = shop.tz()
    cut = choose_cut(shop.ws.ledger(), shop.ws.lines(), since, tz)
    now_day = shop.as_of()
    if cut.day >= now_day:
        raise InputError(
            "Nothing to compare yet",
            f"The cut ({cut.day}) is not before the analysis day ({now_day}): {cut.rule}. "
            "Use --since with an earlier day.",
        )
    prof = shop.profiles()
    table = prof.table
    first = shop.first_day()
    priced = not no_amounts(shop.order_status())
    frames: dict[str, pl.DataFrame] = {"new_customers": new_customers(table, cut.day, tz, priced)}
    alerts_now = shop.churn().alerts
    offers_now = shop.bundles().offers
    if first is None or cut.day < first:  # nothing then: everyone is new
        then_table = table.clear()
        then_alerts = alerts_now.clear()
        then_offers = offers_now.clear()
    else:
        then = ShopClass(shop.ws, cut.day, shop.currency())
        then_table = then.profiles().table
        then_alerts = then.churn().alerts
        then_offers = then.bundles().offers
    order = list(dict.fromkeys([*prof.sizes["segment"].to_list()]))
    frames["segment_moves"] = segment_moves(then_table, table, order)
    resolved, fresh = alert_changes(then_alerts, alerts_now, table, cut.day, tz)
    frames["alerts_resolved"], frames["new_alerts"] = resolved, fresh
    frames["bundles_new"], frames["bundles_gone"] = bundle_changes(then_offers, offers_now)
    frames["campaigns_readable"] = _campaign_frame(shop, cut.day, now_day)
    return ChangesResult(cut, now_day, shop.currency(), frames, shop.left_out())
