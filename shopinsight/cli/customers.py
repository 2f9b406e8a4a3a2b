"""Customer subcommands: customers, segments (and how customers moved), explain."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import polars as pl
import typer

from shopinsight.cli.app import (
    AsOfOpt,
    CurrencyOpt,
    JsonOpt,
    app,
    console,
    open_shop,
    print_json,
    print_notes,
)
from shopinsight.cli.customer_options import SegmentOpt, TagOpt, _profiles, _profiles_of
from shopinsight.cli.lazy_rich import Panel, Table, Text, escape
from shopinsight.cli.warm import customers_rows
from shopinsight.core.errors import InputError
from shopinsight.core.words import plural

if TYPE_CHECKING:  # the analysis code is imported where used: `--help` stays fast
    import datetime as dt

    from shopinsight.core.results import ProfilesResult
    from shopinsight.core.shop import Shop


def _notes(prof: ProfilesResult) -> None:
    print_notes(prof.notes)


def _unpriced(shop: Shop) -> str | None:
    """The sentence saying the shop's exports carry no amounts (`status["facts"]`, decided once
    in the core: `core.shop_facts`), or None when they carry some. The customer commands then
    show no money column or phrase (every one would read 0.00) and say this once instead."""
    from shopinsight.core.shop_facts import no_amounts_text

    return no_amounts_text(shop.order_status())


@app.command("customers")
def customers_cmd(
    segment: SegmentOpt = None,
    tag: TagOpt = None,
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
    as_json: JsonOpt = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print CSV (the same columns as `export tags --to csv`).")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            min=1,
            help="Show at most N customers (default: 50 in the table, all with --json or --csv).",
        ),
    ] = None,
) -> None:
    """List customers with their segment, tags and why, biggest spenders first.

    Columns: orders, days since the last order, net spend in the shop's currency (none when
    the exports carry no amounts: then most orders first).

    Example: shopinsight customers --segment "At Risk" --tag gift_buyer

    Example: shopinsight customers --segment Champions --csv > champions.csv
    """
    if as_json and as_csv:
        raise InputError(
            "Choose --json or --csv", "Both print the same customers, in two formats: give one."
        )
    if as_json:
        _customers_json(as_of, currency, segment, tag, limit)
        return
    from shopinsight.core.shop_data import money_str

    if as_csv:
        from shopinsight.core.exporters import export_tags

        prof = _profiles(as_of, currency)
        export = export_tags(prof.as_core(), "csv", segments=segment, tags=tag)
        frame = export.frame.head(limit) if limit else export.frame
        sys.stdout.write(_terminal_text(frame.write_csv(line_terminator="\n")))
        return
    chosen, day, money, notes, unpriced = _chosen(as_of, currency, segment, tag)
    shown = limit or 50  # (no amounts: the core's table is already most orders first)
    view = chosen.head(shown).select(
        pl.coalesce("email", "customer_id"),
        pl.col("customer_name").fill_null(""),
        "segment",
        pl.col("orders").cast(pl.Utf8),
        pl.col("recency_days").cast(pl.Utf8),
        *([] if unpriced else [money_str(pl.col("monetary"))]),
        pl.col("tags").list.join(", "),
    )
    wide = console.width >= 110  # the name column only where there is room for it
    title = f"Customers as of {day}" + ("" if unpriced else f" ({money})")
    table = Table(title=title, header_style="bold")
    # At 80 columns every cell wraps or folds instead of being cut: the key (email or id) is
    # what `explain` takes, the tags are the point.
    table.add_column("customer", overflow="fold", max_width=None if wide else 22)
    if wide:
        table.add_column("name", max_width=20)
    table.add_column("segment", max_width=None if wide else 11)
    for heading in ("orders", "days", *([] if unpriced else ["net"])):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("tags", ratio=1)
    for row in view.iter_rows():
        cells = [escape(str(v)) for v in row]
        table.add_row(*(cells if wide else cells[:1] + cells[2:]))
    console.print(table)
    if unpriced:
        console.print(Text(unpriced))
    if chosen.height > shown:
        console.print(
            f"Showing {shown} of {chosen.height}; use --limit N, --json or --csv for more."
        )
    console.print("Why a customer is where they are: shopinsight explain EMAIL")
    print_notes(notes)


TABLE_COLUMNS = [
    "customer_id", "email", "customer_name", "segment", "orders", "recency_days", "monetary",
    "tags",
]  # fmt: skip
"""The customer table columns `customers` shows."""


def _chosen(
    as_of: str | None, currency: str | None, segment: list[str] | None, tag: list[str] | None
) -> tuple[pl.DataFrame, dt.date | None, str, list[str], str | None]:
    """The customers `customers` lists (biggest spenders first), the day, the currency, the
    notes and the no-amounts sentence (`_unpriced`). Without a filter only the columns shown
    and the notes are read from the cache: the whole analysis (~80 columns and every tag's
    reason) took most of a warm run."""
    shop = open_shop(as_of, currency)
    if segment or tag:
        from shopinsight.core.exporters import select_customers

        prof = _profiles_of(shop)
        chosen = select_customers(prof.as_core(), segment, tag)
        return chosen, prof.as_of, prof.currency, prof.notes, _unpriced(shop)
    from shopinsight.core.results import profile_columns, profile_meta

    chosen = profile_columns(shop, TABLE_COLUMNS)
    if chosen.height == 0:
        _profiles_of(shop)  # no customers: says why
    money, notes = profile_meta(shop)
    return chosen, shop.as_of(), money, notes, _unpriced(shop)


def _customers_json(
    as_of: str | None,
    currency: str | None,
    segment: list[str] | None,
    tag: list[str] | None,
    limit: int | None,
) -> None:
    """`customers --json` (run without Typer in the warm pass: `cli.warm`)."""
    print_json(customers_rows(as_of, currency, segment, tag, limit))


def _segments_json(prof: ProfilesResult) -> dict[str, Any]:
    return {
        "as_of": prof.as_of.isoformat() if prof.as_of else None,
        "currency": prof.currency,
        "customers": prof.table.height,
        "scheme": prof.scheme,
        "fallback_used": prof.fallback_used,
        "note": prof.segment_note,
        "cut_points": prof.cut_points,
        "segments": prof.sizes.to_dicts(),
        "notes": prof.notes,
    }


@app.command("segments")
def segments_cmd(
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
    as_json: JsonOpt = False,
    from_day: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="YYYY-MM-DD",
            help="Show how customers moved between segments from this day to --to.",
            show_default=False,
        ),
    ] = None,
    to_day: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="YYYY-MM-DD",
            help="With --from: the later day (default: --as-of, else the last order's day).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Segment sizes, revenue share and the cut points used (and whether the small-shop
    fallback was needed); with --from, how customers moved between segments.

    Change the scheme and cut points in shopinsight.toml ([segments]).

    Example: shopinsight segments --as-of 2024-06-30

    Example: shopinsight segments --from 2024-01-01 --to 2024-06-30
    """
    from shopinsight.core.shop_data import money_str

    if from_day or to_day:
        from shopinsight.cli.insights import show_migration

        if not from_day:
            raise InputError("--to needs --from", "Give both days: --from D1 --to D2.")
        show_migration(from_day, to_day or as_of, currency, as_json)
        return
    shop = open_shop(as_of, currency)
    prof = _profiles_of(shop)
    if as_json:
        print_json(_segments_json(prof))
        return
    unpriced = _unpriced(shop)  # no revenue columns, no M column: the segment note says why
    wide = console.width >= 120
    sizes = Table(title=f"Segments as of {prof.as_of} ({prof.scheme} scheme)", header_style="bold")
    sizes.add_column("segment", no_wrap=True)
    money_heads = [] if unpriced else [f"net ({prof.currency})", "of net"]
    for heading in ("customers", "share", *money_heads):
        sizes.add_column(heading, justify="right")
    sizes.add_column("rule", no_wrap=True)
    if wide:
        sizes.add_column("what to do")
    money_cells = [
        money_str(pl.col("revenue")),
        pl.format("{}%", (pl.col("revenue_share") * 100).round(1)),
    ]
    view = prof.sizes.select(
        "segment",
        pl.col("customers").cast(pl.Utf8),
        pl.format("{}%", (pl.col("share") * 100).round(1)),
        *([] if unpriced else money_cells),
        "rule",
        "action",
    )
    for row in view.iter_rows():
        cells = [escape(str(v or "")) for v in row]
        sizes.add_row(*(cells if wide else cells[:-1]))
    console.print(sizes)
    if unpriced:
        console.print(Text(unpriced))
    cuts = Table(title="Cut points used", header_style="bold")
    cuts.add_column("score")
    keys = ("recency_days", "frequency") if unpriced else ("recency_days", "frequency", "monetary")
    headings = ("R: days since last order", "F: order days", f"M: net ({prof.currency})")
    for heading in headings[: len(keys)]:
        cuts.add_column(heading)
    levels = sorted({int(k) for k in prof.cut_points["frequency"]["scores"]}, reverse=True)
    for level in levels:
        cuts.add_row(str(level), *[prof.cut_points[k]["scores"].get(str(level), "") for k in keys])
    console.print(cuts)
    for key in keys:
        console.print(f"  {key}: {prof.cut_points[key]['method']}")
    style = "bold yellow" if prof.fallback_used else "dim"
    console.print(Text(prof.segment_note, style=style))
    _notes(prof)


@app.command("explain")
def explain_cmd(
    customer: Annotated[str, typer.Argument(help="Email or customer id.")],
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Why a customer has their segment and tags: every rule, its evidence and the cut points.

    Example: shopinsight explain ann@example.com
    """
    from shopinsight.core.customers.profiles import explain

    shop = open_shop(as_of, currency)
    trace = explain(shop.customer_profiles(), customer)
    if as_json:
        print_json(trace)
        return
    unpriced = _unpriced(shop)  # no "net spend 0.00, average order 0.00": said once below
    c = trace["customer"]
    label = c["customer_name"] or c["email"] or c["customer_id"]
    # the id once when it is all there is to name them; a currency and category only if known
    key = "" if label == c["customer_id"] else f" ({escape(c['customer_id'])})"
    unit = f" {c['currency']}" if c["currency"] not in (None, "unknown") else ""
    category = f" ({escape(c['favorite_category'])})" if c["favorite_category"] else ""
    head = (
        f"[bold]{escape(label)}[/]{key}\n"
        f"{plural(c['orders'], 'order')} on {plural(c['frequency'], 'day')}, "
        f"first {c['first_order']:%Y-%m-%d}, "
        f"last {c['last_order']:%Y-%m-%d} ({plural(c['recency_days'], 'day')} before "
        f"{trace['as_of']})\n"
        + (
            ""
            if unpriced
            else f"net spend {c['monetary']:,.2f}{unit}, average order {c['aov']:,.2f}; "
        )
        + f"favourite: {escape(c['favorite_product'] or '-')}{category}"
    )
    console.print(Panel(head, title="Customer", expand=False))
    if unpriced:
        console.print(Text(unpriced))
    scores = Table(title=escape(f"Segment: {trace['segment']}"), header_style="bold")
    for col in ("score", "value", "band"):
        scores.add_column(col)
    for name, s in trace["scores"].items():
        v = s["value"]
        value = "" if v is None else f"{v:,.2f}" if name == "M" else f"{v:,}"
        scores.add_row(f"{name}{s['score']}", value, s["band"] or "")
    console.print(scores)
    console.print(Text(f"  {trace['segment_reason']}"))
    console.print(Text(trace["segments_note"], style="dim"))
    tags = Table(title="Tags", header_style="bold")
    for col in ("tag", "from", "evidence", "rule"):
        tags.add_column(col)
    for t in trace["tags"]:
        if t["fired"]:
            tags.add_row(
                *(Text(v or "") for v in (t["tag"], t["origin"], t["evidence"], t["rule"]))
            )
    console.print(tags)
    removed = [t["tag"] for t in trace["tags"] if t["overridden"]]
    if removed:
        console.print(Text(f"Removed by you (the rule would apply): {', '.join(removed)}"))
    quiet = [t["tag"] for t in trace["tags"] if not t["fired"] and not t["overridden"]]
    console.print(Text(f"Rules that did not apply: {', '.join(quiet)}", style="dim"))


def _terminal_text(text: str) -> str:
    from shopinsight.render import terminal_text  # Rich's console: only when printing text

    return terminal_text(text)
