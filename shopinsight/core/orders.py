"""From order lines to orders, and the "as of" date every analysis runs at.

Analyses run as of a day: orders placed after that day are ignored everywhere, so a merchant (and
a test) can replay the past. The default is the day of the last order in the data, which keeps
results reproducible.

Days and months are the shop's own (`[shop] timezone`): times are stored in UTC, but an order a
New York shop took at 21:00 on 31 March is a March order in its books, so every day and month
of an order is read through `local_day` / `local_month`, and the end of an as-of day is the
shop's midnight (`as_of_end`). With the default "UTC" nothing moves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from shopinsight.core.errors import ConfigError, InputError
from shopinsight.core.schema import ORDER_KEY

NOT_PURCHASES = ("cancelled", "returned")
"""Statuses of orders that are never purchases: cancelled orders, and return documents such as
credit notes (their money is negative and nets against the customer's spend)."""


def sold_status() -> pl.Expr:
    """An order whose status may be a sale: not cancelled, not a return document (`NOT_PURCHASES`;
    no status counts as sold). Part of `counted_expr`; revenue, AOV and outliers read it alone."""
    return ~pl.col("status").cast(pl.Utf8).is_in(list(NOT_PURCHASES)).fill_null(False)


def order_key() -> list[str]:
    """The columns that name one order: source, store and order id."""
    return list(ORDER_KEY)


def unpaid_expr() -> pl.Expr:
    """An order not paid for yet: pending (awaiting payment: bank transfer, an expired card
    authorisation, Taobao's 等待买家付款, eBay without a paid date) and not fulfilled. A pending
    order that was shipped (cash on delivery the merchant never marked paid) has sold; a
    fulfilment the export does not give counts as shipped. Needs `status` and `fulfilled`."""
    return (pl.col("status") == "pending").fill_null(False) & ~pl.col("fulfilled").fill_null(True)


def net_revenue_expr() -> pl.Expr:
    """An order's net revenue: total minus refunds; a cancelled order keeps nothing, nor does
    one not paid for yet (`unpaid_expr`): it is money the shop may never see (486 of 3,000
    Tmall orders were never paid, 35,403 CNY). Return documents carry a negative total, so
    summing net revenue nets returns out."""
    return (
        pl.when((pl.col("status") == "cancelled") | unpaid_expr())
        .then(0.0)
        .otherwise(pl.col("order_total").fill_null(0.0) - pl.col("refunded").fill_null(0.0))
    )


def counted_expr() -> pl.Expr:
    """The one purchase rule (RFM, churn, cohorts): a customer, not cancelled or a return
    document, and money kept (net revenue > 0: an order not paid for yet keeps none) or an
    order of an export without amounts (`order_total` unknown, not unpaid: a file of member
    visits without prices still has buyers who came back). Needs `net_revenue`, `status`,
    `order_total` and `fulfilled`."""
    return (
        sold_status()
        & pl.col("customer_id").is_not_null()
        & (
            (pl.col("net_revenue") > 0)
            | (pl.col("order_total").is_null() & ~unpaid_expr()).fill_null(False)
        )
    )


UTC = "UTC"


def shop_tz(config: Mapping[str, Any] | None) -> str:
    """The shop's timezone from the settings (`[shop] timezone`, default UTC), checked: the
    clock of every order day and month."""
    tz = str(((config or {}).get("shop") or {}).get("timezone") or UTC).strip() or UTC
    check_timezone(tz)
    return tz


def check_timezone(tz: str) -> None:
    """An error a merchant can act on when `tz` is not an IANA timezone name."""
    if tz == UTC:
        return
    try:
        pl.Series([dt.datetime(2024, 1, 1, tzinfo=dt.UTC)]).dt.convert_time_zone(tz)
        ZoneInfo(tz)
    except Exception:
        raise ConfigError(
            "Unknown shop.timezone",
            f"'{tz}' is not an IANA timezone name; use one like 'Europe/Rome' or "
            "'America/New_York' (shopinsight.toml, [shop] timezone).",
        ) from None


def local_time(expr: pl.Expr, tz: str = UTC) -> pl.Expr:
    """A UTC time (`ordered_at`) on the shop's clock: the same instant in `tz`."""
    return expr if tz == UTC else expr.dt.convert_time_zone(tz)


def local_day(expr: pl.Expr, tz: str = UTC) -> pl.Expr:
    """The day of a UTC time (`ordered_at`, `first_order`, ...) on the shop's clock: what the
    export wrote and the merchant's books say (21:00 on 31 March in New York is 31 March, not
    1 April). The one way an order time becomes a day."""
    return local_time(expr, tz).dt.date()


def local_month(expr: pl.Expr, tz: str = UTC) -> pl.Expr:
    """The first instant of the shop's month of a UTC time, on the shop's clock (format it
    with `.dt.strftime("%Y-%m")`)."""
    return local_time(expr, tz).dt.truncate("1mo")


def local_value(value: Any, tz: str = UTC) -> Any:
    """One UTC time (a Python datetime) on the shop's clock; UTC, and anything but a
    datetime, stay as they are."""
    if not isinstance(value, dt.datetime) or tz == UTC:
        return value
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(tz))


def day_of(value: Any, tz: str = UTC) -> dt.date | None:
    """The shop's day of one UTC time (a date stays as it is; anything else: None)."""
    if isinstance(value, dt.datetime):
        return local_value(value, tz).date()
    return value if isinstance(value, dt.date) else None


_OFFSET = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:UTC|GMT)?\s*([+-])(\d{2}):?(\d{2})$"
"""A time with a UTC offset at its end: `21:05:00 -0400` (Shopify), `21:05:00-04:00` (ISO)."""

_LIKELY_ZONES = {
    ("-0500", "-0400"): "America/New_York", ("-0600", "-0500"): "America/Chicago",
    ("-0700", "-0600"): "America/Denver", ("-0800", "-0700"): "America/Los_Angeles",
    ("-0700",): "America/Phoenix", ("+0000", "+0100"): "Europe/London",
    ("+0100", "+0200"): "Europe/Rome", ("+0200", "+0300"): "Europe/Athens",
    ("+0530",): "Asia/Kolkata", ("+0800",): "Asia/Shanghai", ("+0900",): "Asia/Tokyo",
    ("+1000", "+1100"): "Australia/Sydney", ("-0300",): "America/Sao_Paulo",
}  # fmt: skip
"""The zone a pair of offsets (winter, summer) most likely is, to give an example to set."""

OFFSET_NOTE_START = "The times in this export carry UTC offsets"
"""How the note of `offset_note` begins (a later chunk's note replaces an earlier one)."""


def offsets_seen(texts: pl.Series) -> list[str]:
    """The distinct UTC offsets (`-0400`, `+0530`) written at the end of these date-time
    texts, west to east; texts without one are ignored.

    Speed: only the distinct endings are read with a pattern (a few, or a few thousand
    minutes and seconds), and one text of each offset found checked to be a time with it:
    0.07 s of CPU for a million texts, a fifth of a pattern over every text."""
    text = texts.cast(pl.Utf8).str.strip_chars_end()
    tails = text.str.tail(6).drop_nulls().unique()
    ends = tails.str.extract_groups(r"([+-])(\d{2}):?(\d{2})$")
    found: set[str] = set()
    for tail, end in zip(tails, ends, strict=True):
        if end["1"] is None:
            continue
        example = text.filter(text.str.ends_with(tail)).head(1)
        if example.str.contains(_OFFSET).any():
            found.add(end["1"] + end["2"] + end["3"])
    return sorted(found, key=_minutes)


def _minutes(offset: str) -> int:
    """`-0430` → -270."""
    sign = -1 if offset[0] == "-" else 1
    return sign * (int(offset[1:3]) * 60 + int(offset[3:5]))


def offset_note(texts: pl.Series, tz: str, seen: list[str] | None = None) -> str | None:
    """What to tell the merchant when an export's times carry offsets showing the shop is not
    on UTC (Shopify `2024-03-31 21:05:00 -0400`, WooCommerce or Amazon ISO times) while
    `[shop] timezone` is still UTC: its evening orders then count on the next day and month.
    None when the setting is made, or every offset is +0000. `seen`: offsets noted before
    (an earlier chunk of the same file), named too."""
    if tz != UTC:
        return None
    # by minutes, then text: +0000 and -0000 tie, and a set's order changes from run to run
    offsets = sorted(set(offsets_seen(texts)) | set(seen or []), key=lambda o: (_minutes(o), o))
    local = [o for o in offsets if o not in ("+0000", "-0000")]
    if not local:
        return None
    named = tuple(o for o in offsets if o != "-0000")
    zone = _LIKELY_ZONES.get(named) or _LIKELY_ZONES.get(tuple(local)) or "America/New_York"
    return (
        f"{OFFSET_NOTE_START} {', '.join(offsets)}: the shop's clock is not UTC, but "
        '[shop] timezone is "UTC", so an order near midnight counts on another day than the '
        "one written (in another month on a month's last day). Set your shop's timezone in "
        f'shopinsight.toml (`shopinsight where` shows it): timezone = "{zone}" under [shop], '
        "or your own IANA name; nothing needs importing again."
    )


def add_offset_note(warnings: list[str], texts: pl.Series, tz: str) -> None:
    """`offset_note` added to an import's `warnings`, once: a note of an earlier chunk of the
    same file is replaced by one naming the offsets of both."""
    if tz != UTC:
        return
    earlier = [w for w in warnings if w.startswith(OFFSET_NOTE_START)]
    seen: list[str] = []
    for note in earlier:
        listed = note[len(OFFSET_NOTE_START) :].split(":", 1)[0]
        seen += [o.strip() for o in listed.split(",") if o.strip()]
    found = offset_note(texts, tz, seen)
    if found is None:
        return
    at = warnings.index(earlier[0]) if earlier else len(warnings)
    warnings[:] = [w for w in warnings if not w.startswith(OFFSET_NOTE_START)]
    warnings.insert(min(at, len(warnings)), found)


def parse_as_of(value: str | dt.date | None, option: str = "--as-of") -> dt.date | None:
    """Parse an `--as-of` value (YYYY-MM-DD) into a date; None stays None. `option`: the
    option the merchant typed it in, named in the error."""
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            f"Bad {option} date",
            f"'{value}' is not a date. Write it as YYYY-MM-DD, e.g. 2024-06-30.",
        ) from None


def resolve_as_of(
    lines: pl.LazyFrame, as_of: str | dt.date | None = None, tz: str = UTC
) -> dt.date:
    """The analysis day: the given one, else the shop's day (`tz`) of the last order."""
    parsed = parse_as_of(as_of)
    if parsed is not None:
        return parsed
    last = lines.select(pl.col("ordered_at").max()).collect().item()
    if last is None:
        raise InputError("No orders yet", "Import an order export first: shopinsight import FILE")
    day = day_of(last, tz)
    assert day is not None
    return day


def as_of_end(as_of: dt.date, tz: str = UTC) -> dt.datetime:
    """First instant after the as-of day, the shop's midnight (`tz`), in UTC: lines at or
    after it are in the future."""
    midnight = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    if tz == UTC:
        return midnight.replace(tzinfo=dt.UTC)
    return midnight.replace(tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


OPEN_WITHIN_DAYS = 60
"""An order still shown unfulfilled longer than this after it was placed is not one to pack
today: the export that listed it open usually predates its shipping (an orders file downloaded
months before the others). Such orders are counted apart, never silently dropped."""


def _unshipped() -> pl.Expr:
    return (pl.col("status") == "paid") & ~pl.col("fulfilled").fill_null(True)


def open_order(as_of: dt.date | None, tz: str = UTC) -> pl.Expr:
    """Paid, not yet fulfilled, and placed within OPEN_WITHIN_DAYS of the as-of day (the
    shop's, `tz`): the orders to pack (status, packing plan and app share this one rule)."""
    if as_of is None:
        return _unshipped()
    since = as_of_end(as_of, tz) - dt.timedelta(days=OPEN_WITHIN_DAYS)
    return _unshipped() & (pl.col("ordered_at") >= since)


def stale_open_order(as_of: dt.date | None, tz: str = UTC) -> pl.Expr:
    """Paid and shown unfulfilled, but placed longer than OPEN_WITHIN_DAYS before the day."""
    if as_of is None:
        return pl.lit(False)
    return _unshipped() & (
        pl.col("ordered_at") < as_of_end(as_of, tz) - dt.timedelta(days=OPEN_WITHIN_DAYS)
    )


def lines_as_of(lines: pl.LazyFrame, as_of: dt.date, tz: str = UTC) -> pl.LazyFrame:
    """The lines as the shop stood at the end of `as_of` (the shop's day, `tz`)."""
    return lines.filter(pl.col("ordered_at") < as_of_end(as_of, tz))


def orders_frame(lines: pl.LazyFrame, tz: str = UTC) -> pl.LazyFrame:
    """One row per order, with the flags the analyses share.

    Output columns: source, order_id, customer_id, ordered_at, order_day, currency, status,
    order_total, refunded, net_revenue, counted, items, products, has_products, discount_code,
    has_discount, order_discount, is_gift, gift_message, order_note, fulfilled, shipping_name,
    billing_name, customer_name, email, country, channel, accepts_marketing, product_skus.

    `counted` marks orders that count as purchases (RFM, churn): `counted_expr`. Refunded
    orders stay in the frame for return-rate tags. `order_day` is the shop's day (`tz`, see
    `local_day`).
    """
    # Speed: the three text keys are hashed to one integer; the order-level fields are read
    # from each order's first line (a filter) instead of ~20 `first()` aggregations per group,
    # and only the sums are grouped: 4x less CPU than grouping on the text keys. Orders come
    # out in the order of their first line.
    keyed = lines.with_columns(pl.struct(order_key()).hash().alias("_okh"))
    heads = keyed.filter(pl.col("_okh").is_first_distinct()).select(
        "_okh", *order_key(), *_FIRST_LINE
    )
    sums = keyed.group_by("_okh").agg(
        *_order_sums(), pl.col("sku").filter(_PRODUCT).unique().alias("product_skus")
    )
    orders = heads.join(sums, on="_okh", how="left", maintain_order="left").drop("_okh")
    return _order_flags(orders, tz)


_PRODUCT = pl.col("line_kind") == "product"
_FIRST_LINE = [
    "customer_id", "ordered_at", "currency", "status", "order_total", "refunded",
    "discount_code", "order_discount", "is_gift", "gift_message", "order_note",
    "fulfilled", "shipping_name", "billing_name", "customer_name", "email", "country",
    "channel", "accepts_marketing",
]  # fmt: skip
"""The order-level fields `orders_frame` reads from each order's first line."""


def _order_sums() -> list[pl.Expr]:
    return [
        pl.col("quantity").filter(_PRODUCT).sum().alias("items"),
        pl.col("sku").filter(_PRODUCT).n_unique().alias("products"),
        _PRODUCT.any().alias("has_products"),
    ]


def _order_flags(orders: pl.LazyFrame, tz: str) -> pl.LazyFrame:
    return orders.with_columns(
        local_day(pl.col("ordered_at"), tz).alias("order_day"),
        net_revenue_expr().alias("net_revenue"),
        (pl.col("discount_code").is_not_null() | (pl.col("order_discount").fill_null(0) > 0)).alias(
            "has_discount"
        ),
    ).with_columns(counted_expr().alias("counted"))


def order_runs(key: str) -> list[pl.Expr]:
    """Per line of lines kept together by order (the store's order), from their order `key`
    column: `_start` (the first line of a run of one order's lines) and `_oi` (the run's
    number, from 0). As many runs as orders means no order's lines are apart."""
    start = pl.col(key).ne_missing(pl.col(key).shift()).fill_null(True)
    return [start.alias("_start"), (start.cum_sum() - 1).cast(pl.UInt32).alias("_oi")]


def run_sums(lines: pl.DataFrame, sums: list[pl.Expr]) -> pl.DataFrame:
    """The `sums` of each run of lines (`order_runs`), one row per run in their order.

    The run number `_oi` only grows: grouped as sorted, each run is a slice of the lines, no
    hash table (grouping on the order key's hash and sorting back took 4× the CPU)."""
    return (
        lines.lazy()
        .with_columns(pl.col("_oi").set_sorted())
        .group_by("_oi", maintain_order=True)
        .agg(*sums)
        .drop("_oi")
        .collect()
    )


def order_rows(lines: pl.LazyFrame, tz: str = UTC) -> pl.DataFrame:
    """`orders_frame(lines, tz)` without `product_skus`, collected: the same frame, row for row.

    Memory: the store keeps each order's lines together, so an order's first line is where
    the key changes. The keys and the few columns the sums read are collected first; then the
    ~20 order-level fields are read for the first lines alone, picked by their position (the
    first-distinct filter of `orders_frame` needed every field of every line at once: ~2.1 GB
    at 5M lines). Checked: as many runs of lines as orders, else (an order's lines apart)
    `orders_frame` itself."""
    keyed = (
        lines.select(pl.struct(order_key()).hash().alias("_okh"), "line_kind", "quantity", "sku")
        .with_columns(order_runs("_okh"))
        .collect()
    )
    starts = keyed.get_column("_start").arg_true()
    if keyed.get_column("_okh").n_unique() != starts.len():  # an order's lines apart
        return orders_frame(lines, tz).drop("product_skus").collect()
    sums = run_sums(keyed, _order_sums())
    del keyed
    picked = lines.with_row_index("_r").filter(pl.col("_r").is_in(starts.implode()))
    heads = picked.select(*order_key(), *_FIRST_LINE).collect()
    columns = [*heads.get_columns(), *sums.get_columns()]
    del heads, sums  # their chunks now only in `columns`
    # in memory: the streaming engine hands the flags back cut in morsels again, which the
    # next reader (`status.flagged_orders`) then copied whole into one chunk once more
    return _order_flags(one_chunk(columns).lazy(), tz).collect(engine="in-memory")


def one_chunk(columns: list[pl.Series]) -> pl.DataFrame:
    """A frame of these columns, each in one chunk, copied in turn (the list, to be the only
    holder of the columns' chunks, lets each old column go as soon as it is copied).

    Columns cut in differently sized chunks (parts collected apart, set side by side) are
    copied whole into one chunk by the next eager `filter`, `with_columns`, `drop` or
    group-by: every column at once, on top of the old ones (5M lines: +0.9 GB for the
    orders). One column at a time, the same copy costs one column's memory.

    A text column with no value at all (an export without variants, names or notes) is
    made anew: read from a file it still costs 16 bytes a row (~77 MB for 5M lines), made
    as nulls next to nothing."""
    for i, column in enumerate(columns):
        if column.dtype == pl.String and column.len() and column.null_count() == column.len():
            columns[i] = pl.repeat(None, column.len(), dtype=pl.String, eager=True)
            columns[i] = columns[i].alias(column.name)
        else:
            columns[i] = column.rechunk()
    return pl.DataFrame(columns)


def choose_currency(orders: pl.DataFrame, wanted: str | None = None) -> str | None:
    """The currency the analyses report in.

    `wanted` (from `--currency` or `shop.currency`) when the shop has orders in it. Otherwise
    the currency of the shop's identified customers: the one most customers bought in (so
    3,000 anonymous Tmall orders do not outvote a USD shop's customers), then most orders, then
    most revenue. Amounts in two currencies cannot be compared without an exchange rate, so
    590,683 rupees do not outweigh 145,523 dollars just by being a bigger number. None
    without any currency.
    """
    present = orders.filter(pl.col("currency").is_not_null())
    if wanted and (present.get_column("currency") == wanted).any():
        return wanted
    for frame in (present.filter(pl.col("customer_id").is_not_null()), present):
        sold = frame.filter(pl.col("net_revenue") > 0)
        found = sold.get_column("currency").unique()
        if found.len() == 1:  # the usual shop: no need to count anyone's customers
            return str(found[0])
        ranked = (
            sold.group_by("currency")
            .agg(
                pl.col("customer_id").n_unique().alias("customers"),
                pl.len().alias("orders"),
                pl.col("net_revenue").sum(),
            )
            .sort(
                ["customers", "orders", "net_revenue", "currency"],
                descending=[True, True, True, False],
            )
        )
        if ranked.height:
            return str(ranked.get_column("currency")[0])
    return wanted or None


def main_currency(frame: pl.LazyFrame, config: dict[str, Any] | None = None) -> str | None:
    """`choose_currency` over order lines or orders (`shop.currency` when set and sold in):
    the one rule, for analyses called without a `Shop` (a `Shop` sets `shop.currency` to its
    choice and hands over only lines in it). None when nothing has a currency and none is set."""
    names = frame.collect_schema().names()
    wanted = str(((config or {}).get("shop") or {}).get("currency") or "").strip().upper()
    if wanted and wanted != "AUTO" and "currency" in names:
        # a `Shop` always sets its currency: seeing it sold in is enough (an order's lines
        # share one currency), no need to group a million lines into orders first
        sold = frame.select((pl.col("currency") == wanted).any()).collect().item()
        if sold:
            return wanted
    key = [c for c in order_key() if c in names]
    who = pl.col("customer_id") if "customer_id" in names else pl.lit(None, pl.Utf8)
    if "net_revenue" in names:
        net = pl.col("net_revenue")
    elif {"order_total", "refunded", "status", "fulfilled"} <= set(names):
        net = net_revenue_expr()
    else:
        net = pl.lit(1.0)
    picked = frame.select(*key, "currency", who.alias("customer_id"), net.alias("net_revenue"))
    orders = (picked.group_by(key).first() if key else picked).collect()
    return choose_currency(orders, wanted if wanted != "AUTO" else None)


def left_out_notes(orders: pl.DataFrame, currency: str | None) -> list[str]:
    """What a view in `currency` leaves out of the flagged orders (`excluded`,
    `excluded_reason`), in words a merchant can act on."""
    from shopinsight.core.words import plural

    notes: list[str] = []
    # the three columns read: a filter copies every column of the rows it keeps
    orders = orders.select("excluded", "excluded_reason", "currency")
    excluded = orders.filter(pl.col("excluded"))
    if excluded.height:
        why = (
            excluded.group_by("excluded_reason")
            .len()
            .sort(["len", "excluded_reason"], descending=[True, False])
        )
        parts = ", ".join(f"{n:,} {r}" for r, n in why.iter_rows())
        notes.append(
            f"{plural(excluded.height, 'excluded order')} not included ({parts}); "
            "see `shopinsight exclude --list`."
        )
    other = orders.filter(
        ~pl.col("excluded")
        & pl.col("currency").is_not_null()
        & (pl.col("currency") != pl.lit(currency or "", pl.Utf8))
    )
    per = other.group_by("currency").len().sort(["len", "currency"], descending=[True, False])
    for code, n in per.iter_rows():
        notes.append(f"{plural(n, 'order')} in {code} not included — use --currency {code}.")
    return notes
