"""`shopinsight cohorts`, `repeat`, `drivers`: retention insights, rendered from `Shop`."""

from __future__ import annotations

from typing import Annotated, Any

import polars as pl
import typer
from rich import box
from rich.table import Table
from rich.text import Text

from shopinsight.cli.app import (
    AsOfOpt,
    CurrencyOpt,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    open_shop,
    print_json,
    print_notes,
)
from shopinsight.core.errors import InputError
from shopinsight.core.words import compact, plural

NO_BUYERS = InputError(
    "No customers with a purchase yet",
    "Retention needs orders with a buyer (an email or customer id) that were paid and kept. "
    "Import an export with buyer details, or try another --currency or --as-of.",
)


def _currency(code: str | None) -> str:
    return code or "no currency"


def heat(share: float | None) -> str:
    """The colour of a retention share: the heatmap's legend is the same everywhere."""
    if share is None:
        return "dim"
    if share >= 0.5:
        return "bold green"
    if share >= 0.3:
        return "green"
    if share >= 0.15:
        return "yellow"
    if share > 0:
        return "red"
    return "dim"


@app.command("cohorts")
def cohorts_cmd(
    by: Annotated[
        str, typer.Option("--by", metavar="month|quarter", help="Group customers by this period.")
    ] = "month",
    show: Annotated[
        str,
        typer.Option(
            "--show",
            metavar="share|active|revenue",
            help="What each cell shows: share of the cohort active, active customers, or net "
            "revenue.",
        ),
    ] = "share",
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Cohort retention: customers grouped by the month (or quarter) of their first purchase,
    and how many of them bought again in each later period.

    +1 is the period after the first purchase, +2 the one after that, and so on. Revenue is
    net: a return takes its money back in the period it came back.

    Example: shopinsight cohorts --by quarter

    Example: shopinsight cohorts --show revenue --json
    """
    if show not in ("share", "active", "revenue"):
        raise InputError("Bad --show", f"'{show}': use share, active or revenue.")
    shop = open_shop(as_of, currency, ws_path)
    result = shop.cohorts(by)
    if json_out:
        print_json(result.to_json())
        return
    rows = result.rows()
    if rows.height == 0:
        raise NO_BUYERS
    fit = _periods_that_fit(result.by)
    table = _cohort_table(rows, result.by, show, result.currency, str(result.as_of), fit)
    unbounded = console.options.update(width=10_000)  # a measure is capped at the width
    while (
        result.partial
        and fit > 1
        and console.measure(table, options=unbounded).maximum > console.width
    ):
        fit -= 1  # a marked cell is wider than a column is counted (active, revenue)
        table = _cohort_table(rows, result.by, show, result.currency, str(result.as_of), fit)
    console.print(table)
    hidden = int(rows["active"].list.len().max() or 1) - 1 - fit
    if hidden > 0:
        console.print(
            f"[dim]{plural(hidden, 'later period')} not shown: widen the terminal or use --json."
        )
    print_notes(result.notes)


def _periods_that_fit(by: str) -> int:
    width = console.width
    fixed = 8 + 10  # the cohort and customers columns with their padding
    return max(1, (width - fixed - 1) // (5 if by == "month" else 6))


def _cohort_table(
    rows: pl.DataFrame, by: str, show: str, cur: str | None, day: str, fit: int
) -> Table:
    # here, not at the top: `shopinsight --help` must not import Polars (cohorts' module does)
    from shopinsight.core.insights.cohorts import cohort_label, mark_partial

    span = "months" if by == "month" else "quarters"
    what = {"share": "% active", "active": "customers active", "revenue": f"net {_currency(cur)}"}
    partial = rows["partial_k"].drop_nulls().len() > 0
    marked = f"; * marks the last {by}, a partial one (see the note)" if partial else ""
    table = Table(
        title=f"Cohorts by first purchase as of {day}: {what[show]} in later {span}",
        caption=f"Amounts in {_currency(cur)}; +k = k {span} after the first purchase{marked}.",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        padding=(0, 1, 0, 0),
        show_edge=False,
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("Cohort", no_wrap=True)
    table.add_column("Customers" if show != "revenue" else "First", justify="right")
    longest = int(rows["active"].list.len().max() or 1)
    for k in range(1, min(longest, fit + 1)):
        table.add_column(f"+{k}", justify="right", no_wrap=True)
    for row in rows.iter_rows(named=True):
        first = compact(row["revenue"][0]) if show == "revenue" else f"{row['customers']:,}"
        cells: list[Any] = [cohort_label(row), first]
        for k in range(1, min(longest, fit + 1)):
            if k >= len(row["active"]):
                cells.append("")
                continue
            share = row["share"][k]
            text = {
                "share": f"{share:.0%}",
                "active": f"{row['active'][k]:,}",
                "revenue": compact(row["revenue"][k]),
            }[show]
            cells.append(Text(mark_partial(text, row, k), style=heat(share)))
        table.add_row(*cells)
    return table


@app.command("repeat")
def repeat_cmd(
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Time between purchases: how long customers take to buy a 2nd, 3rd and 4th time, and how
    many do; new vs returning revenue per month.

    A purchase is a day with a paid, kept order. "Back within 90 days" counts only customers
    whose earlier purchase is at least 90 days old (newer ones have not had the time).

    Example: shopinsight repeat --as-of 2024-06-30 --json
    """
    shop = open_shop(as_of, currency, ws_path)
    result = shop.repeat()
    if json_out:
        print_json(result.to_json())
        return
    if result.steps["first_to_second"]["customers"] == 0:
        raise NO_BUYERS
    console.print(_steps_table(result.steps, str(result.as_of)))
    partial = result.partial["cohort"] if result.partial else None
    console.print(_months_table(result.by_month, result.currency, partial))
    print_notes(result.notes)


def _share(value: float | None) -> Text:
    return Text("—" if value is None else f"{value:.0%}", style=heat(value))


def _steps_table(steps: dict[str, Any], day: str) -> Table:
    table = Table(
        title=f"Time between purchases as of {day} (median in days)",
        caption="Back within N days: of customers whose earlier purchase is N+ days old.",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        padding=(0, 1, 0, 0),
        show_edge=False,
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("Step", no_wrap=True)
    table.add_column("Customers", justify="right")
    table.add_column("Back", justify="right")
    table.add_column("Median", justify="right")
    windows = list(steps["first_to_second"]["within_days"])
    for d in windows:
        table.add_column(f"≤{d}d", justify="right")
    names = {"first_to_second": "1st → 2nd", "second_to_third": "2nd → 3rd"}
    for key, step in steps.items():
        median = step["median_days"]
        table.add_row(
            names.get(key, "3rd → 4th"),
            f"{step['customers']:,}",
            f"{step['returned']:,}",
            "—" if median is None else f"{median:g}",
            *(_share(step["within_days"][d]) for d in windows),
        )
    return table


def _months_table(by_month: pl.DataFrame, cur: str | None, partial: str | None = None) -> Table:
    """`partial`: the month ("2011-12") the data stops short of, marked with a *."""
    marked = " *: a partial month (see the note)." if partial else ""
    table = Table(
        title=f"New vs returning customers' net revenue per month ({_currency(cur)})",
        caption="New: in their first-purchase month. Other: no known buyer, or a return of "
        f"goods bought before the data.{marked}",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        title_justify="left",
        caption_justify="left",
    )
    for title in ("Month", "New", "Returning", "Other", "New cust.", "Ret. cust."):
        table.add_column(title, justify="left" if title == "Month" else "right", no_wrap=True)
    for row in by_month.iter_rows(named=True):
        table.add_row(
            row["month"] + ("*" if row["month"] == partial else ""),
            f"{row['new']:,.0f}", f"{row['returning']:,.0f}",
            f"{row['other']:,.0f}", f"{row['new_customers']:,}",
            f"{row['returning_customers']:,}",
        )  # fmt: skip
    return table


@app.command("drivers")
def drivers_cmd(
    by: Annotated[
        str,
        typer.Option(
            "--by",
            metavar="product|category|source|country|discount|size",
            help="Split first orders by their main product, its category, the marketplace, "
            "the country, the discount code used or the order's size band.",
        ),
    ] = "product",
    top: Annotated[int, typer.Option("--top", min=1, help="Show at most this many groups.")] = 20,
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """What makes a repeat buyer: customers split by their first order, with the share who came
    back and their mean net spend over the same window.

    Only customers whose first purchase is at least the window old are compared (365 days when
    half the customers have been around that long, else 180, 90, 60 or 30). The range is a 95%
    interval; groups under 20 customers are marked small: read them as a hint, not a fact.

    Example: shopinsight drivers --by discount

    Example: shopinsight drivers --by size --json
    """
    shop = open_shop(as_of, currency, ws_path)
    result = shop.drivers(by)
    if json_out:
        print_json(result.to_json())
        return
    meta = result.meta
    if not meta["customers"] and meta["left_out_recent"]:
        who = plural(meta["left_out_recent"], "customer")
        console.print(
            f"Too early to compare first orders: {who}, none whose first purchase is "
            f"{meta['window_days']} days old yet."
        )
        return
    if not meta["customers"]:
        raise NO_BUYERS
    console.print(_drivers_table(result.table.head(top), meta, result.currency))
    if result.table.height > top:
        console.print(f"[dim]{plural(result.table.height - top, 'more group')}: --top or --json.")
    if meta["left_out_recent"]:
        console.print(
            f"[dim]{plural(meta['left_out_recent'], 'customer')} whose first purchase is under "
            f"{meta['window_days']} days old are not compared yet."
        )
    print_notes(result.notes)


def _drivers_table(table_rows: pl.DataFrame, meta: dict[str, Any], cur: str | None) -> Table:
    window = meta["window_days"]
    table = Table(
        title=f"Back within {window} days, by first order's {meta['by']} ({_currency(cur)})",
        caption=f"Range: 95% interval. Value: mean net spend in the {window} days from the "
        "first purchase.",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        title_justify="left",
        caption_justify="left",
    )
    table.add_column(meta["by"].capitalize(), ratio=1, overflow="ellipsis", no_wrap=True)
    for title in ("Cust.", "Back", "Share", "Range", "Value"):
        table.add_column(title, justify="right", no_wrap=True)
    share = meta["share"]
    table.add_row(
        Text("All first orders", style="bold"), f"{meta['customers']:,}",
        f"{meta['repeaters']:,}", _share(share), "", f"{meta['value'] or 0:,.0f}",
        end_section=True,
    )  # fmt: skip
    for row in table_rows.iter_rows(named=True):
        name = Text(row["group"] + (" (small)" if row["small"] else ""))
        table.add_row(
            name, f"{row['customers']:,}", f"{row['repeaters']:,}",
            Text(f"{row['share']:.0%}", style="dim" if row["small"] else heat(row["share"])),
            f"{row['low']:.0%}–{row['high']:.0%}", f"{row['value']:,.0f}",
            style="dim" if row["small"] else None,
        )  # fmt: skip
    return table


def show_migration(
    from_day: str, to_day: str | None, currency: str | None, json_out: bool, ws_path: Any = None
) -> None:
    """`segments --from D1 --to D2`: the from→to matrix of segments (called by `segments`)."""
    shop = open_shop(to_day, currency, ws_path)
    result = shop.migration(from_day)
    if json_out:
        print_json(result.to_json())
        return
    console.print(_migration_table(result))
    console.print(
        "[dim]Rows: segment on "
        f"{result.from_day}; columns: segment on {result.to_day} (codes above). (new): first "
        "purchase in between."
    )
    print_notes(result.notes)


def short_names(names: list[str]) -> dict[str, str]:
    """Column codes for segment names: initials of several words, else the first letters
    ("Loyal Customers" → LC, "Lost" → Lo); made unique with a number."""
    codes: dict[str, str] = {}
    for name in names:
        words = [w for w in name.replace("(", "").replace(")", "").split() if w]
        code = "".join(w[0].upper() for w in words) if len(words) > 1 else name.strip("()")[:2]
        base, i = code, 2
        while code in codes.values():
            code, i = f"{base}{i}", i + 1
        codes[name] = code
    return codes


def _migration_table(result: Any) -> Table:
    matrix = result.matrix
    targets = matrix.columns[1:]
    codes = short_names(targets)
    table = Table(
        title=f"Segments {result.from_day} → {result.to_day} (customers)",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        padding=(0, 1, 0, 0),
        show_edge=False,
        title_justify="left",
    )
    table.add_column("From \\ to", no_wrap=True, max_width=20, overflow="ellipsis")
    for name in targets:
        table.add_column(codes[name], justify="right", no_wrap=True)
    for row in matrix.iter_rows():
        name, counts = row[0], row[1:]
        cells = [
            Text(f"{n:,}" if n else "·", style="bold" if src == name else "dim" if not n else "")
            for n, src in zip(counts, targets, strict=True)
        ]
        table.add_row(Text(name), *cells)
    legend = "  ".join(f"{codes[n]}\u00a0{n}".replace(" ", "\u00a0") for n in targets)
    table.caption = legend
    table.caption_justify = "left"
    return table
