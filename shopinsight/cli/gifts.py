"""`shopinsight gifts`: gift policies, today's packing plan with notes, and gift campaigns."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from shopinsight.cli.app import (
    AsOfOpt,
    CurrencyOpt,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    open_shop,
    print_json,
)
from shopinsight.cli.lazy_rich import Panel, Table, Text, escape
from shopinsight.cli.warm import plan_json
from shopinsight.core.errors import InputError
from shopinsight.core.words import plural

gifts_app = typer.Typer(
    help="Gift and note per segment, the packing plan for open orders, and whether gifts work. "
    "Alone, it shows each segment's gift policy with a note for a real customer of it.\n\n"
    "Example: shopinsight gifts",
    rich_markup_mode="rich",
)
campaign_app = typer.Typer(
    help="Record a gift campaign with a control group, and report whether the gifts worked.\n\n"
    "Example: shopinsight gifts campaign start --control 0.2",
    no_args_is_help=True,
)
gifts_app.add_typer(campaign_app, name="campaign")
app.add_typer(gifts_app, name="gifts")

FORMATS = ("csv", "html", "mailmerge")
_SUFFIX = {".csv": "csv", ".html": "html", ".htm": "html"}


def _money(value: float | None, currency: str = "") -> str:
    return "" if value is None else f"{value:,.2f}{' ' + currency if currency else ''}"


@gifts_app.callback(invoke_without_command=True)
def gifts_overview(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """The gift policy of each segment, with a note rendered for a real customer of it.

    Edit the policies and note templates in shopinsight.toml ([gifts]).

    Example: shopinsight gifts --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from shopinsight.core.gifts.notes import shop_language
    from shopinsight.core.gifts.policies import gift_policies
    from shopinsight.core.orders import parse_as_of

    parse_as_of(as_of)  # a bad date is an error here too, not "no orders yet"
    shop = open_shop(as_of, currency, ws_path)
    config = shop.settings()
    policies = gift_policies(config)
    gp = shop.gifts("open") if shop.has_orders() else None
    currency = gp.currency if gp else str(config.get("shop", {}).get("currency", ""))
    if gp is not None:
        overview = gp.previews
    else:
        overview = pl.DataFrame(
            [
                {
                    "segment": n,
                    "gift_kind": p.kind,
                    "rule": p.describe(currency),
                    "purpose": p.purpose,
                    "template": p.template,
                    "customers": 0,
                }  # fmt: skip
                for n, p in policies.segments.items()
                if n != "default"
            ]
        )
    tags = {t: {k: v for k, v in raw.items()} for t, raw in policies.tags.items()}
    gift_order = policies.gift_order
    if json_out:
        print_json(
            {
                "as_of": gp.as_of if gp else None,
                "currency": currency,
                "language": shop_language(config),
                "policies": overview.to_dicts(),
                "tag_overrides": tags,
                "gift_order": {
                    "kind": gift_order.kind,
                    "template": gift_order.template,
                    "rule": gift_order.describe(currency),
                    "purpose": gift_order.purpose,
                },
            }
        )
        return
    table = Table(title="Gift policy per segment (\\[gifts] in shopinsight.toml)")
    for col in ("segment", "customers", "gift", "why"):
        table.add_column(col, justify="right" if col == "customers" else "left")
    for row in overview.iter_rows(named=True):
        table.add_row(
            Text(row["segment"]), f"{row['customers']:,}", Text(row["rule"]), Text(row["purpose"])
        )
    console.print(table)
    for tag, raw in tags.items():
        console.print(
            f"[bold]{escape(tag)}[/] overrides: "
            + escape(", ".join(f"{k} = {v}" for k, v in raw.items()))
        )
    console.print(f"[bold]gift orders[/]: {escape(gift_order.describe(currency))}")
    if gp is None:
        console.print("[dim]Import orders to see a note for a real customer of each segment.[/]")
        return
    for row in overview.filter(pl.col("note").is_not_null()).iter_rows(named=True):
        gift = f" → {row['gift']} ({_money(row['gift_cost'], currency)})" if row["gift"] else ""
        title = f"{row['segment']}: {row['customer_name'] or row['customer_id']}{gift}"
        console.print(Panel(Text(row["note"] or "(no note)"), title=Text(title), expand=False))


@gifts_app.command("plan")
def plan_cmd(
    orders: Annotated[
        str,
        typer.Option(
            "--orders",
            metavar="open|all",
            help="open: paid, unfulfilled orders placed within 60 days of the day; all: every "
            "order not cancelled or refunded.",
        ),
    ] = "open",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", metavar="FILE", help="Write the plan to this file (replaced if there)."
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="csv|html|mailmerge",
            help="csv: picking list; html: printable A6 notes; mailmerge: CSV for card-writing "
            "services. Default: from --out's extension, else csv. Without --out it is printed.",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Today's packing plan: for each open order the gift to add and the note to print.

    Example: shopinsight gifts plan --out notes.html

    Example: shopinsight gifts plan --format mailmerge --out cards.csv
    """
    kind = fmt or (_SUFFIX.get(out.suffix.lower(), "csv") if out else None)
    if kind is not None and kind not in FORMATS:
        raise InputError(f"--format {kind} is not a choice", f"Use one of: {', '.join(FORMATS)}.")
    if orders not in ("open", "all"):
        raise InputError(f"--orders {orders} is not a choice", "Use open or all.")
    shop = open_shop(as_of, currency, ws_path)
    gp = shop.gifts(orders)
    plan = gp.plan
    text = None
    if kind is not None:
        from shopinsight.core.gifts.packing import mailmerge_csv, notes_html, picking_csv

        text = {
            "csv": lambda: picking_csv(plan, shop.tz()),
            "html": lambda: notes_html(plan, shop.config()),
            "mailmerge": lambda: mailmerge_csv(plan, shop.config()),
        }[kind]()
    if out is not None and text is not None:
        _write(out, text)
    if json_out:
        print_json(plan_json(plan))
        return
    if text is not None and out is None:
        typer.echo(_terminal_text(text), nl=False)
        return
    if out is None:
        _show_plan(plan, gp.currency, orders)
    else:
        notes = plan.filter(pl.col("note") != "").height
        gifts = plan.filter(pl.col("gift").is_not_null()).height
        console.print(
            f"Wrote {kind} for {plural(plan.height, 'order')} ({plural(gifts, 'gift')}, "
            f"{plural(notes, 'note')}) to {out}"
        )
    for note in gp.notes:
        console.print(f"[yellow]{escape(note)}[/]")


def _write(out: Path, text: str) -> None:
    """Write an export; a missing folder or a folder given as the file is said plainly."""
    if out.is_dir():
        raise InputError(
            f"Cannot write {out}", "It is a folder; give a file name, e.g. notes.html."
        )
    if not out.parent.is_dir():
        raise InputError(
            f"Folder {out.parent} does not exist", "Create it or pick another --out path."
        )
    from shopinsight.core.atomic import atomic_write_bytes

    try:  # names and addresses: readable by the owner only, like the tag exports
        atomic_write_bytes(out, text.encode("utf-8"), private=True)
    except OSError as exc:
        raise InputError(f"Cannot write {out}", exc.strerror or str(exc)) from None


def _show_plan(plan: pl.DataFrame, currency: str, orders: str) -> None:
    if plan.is_empty():
        which = "open (paid, unfulfilled)" if orders == "open" else "matching"
        console.print(f"No {which} orders to pack.")
        return
    wide = console.width >= 120  # a note preview only where there is room; never cut ids
    table = Table(title=f"Packing plan: {plural(plan.height, 'order')}", header_style="bold")
    table.add_column("order", no_wrap=True)
    table.add_column("customer", overflow="fold")
    table.add_column("segment", overflow="fold", max_width=None if wide else 11)
    table.add_column("gift", overflow="fold")
    table.add_column("cost / budget", justify="right", no_wrap=True)
    if wide:
        table.add_column("note", ratio=1)
    for r in plan.iter_rows(named=True):
        who = r["customer_name"] or r["customer_id"] or "—"
        gift = r["gift"] or r["gift_kind"].replace("_", " ")
        if r["is_gift"]:
            who += f" → {r['ship_to'] or 'recipient'} (gift)"
        cost = f"{_money(r['gift_cost'])} / {_money(r['budget']) or '—'}"
        cells = [r["order_id"], who, r["segment"] or "—", gift, cost]
        if wide:
            cells.append(_preview(r["note"] or ""))
        table.add_row(*(Text(c) for c in cells))
    console.print(table)
    gifts = plan.filter(pl.col("gift").is_not_null())
    total = gifts["gift_cost"].sum() if gifts.height else 0.0
    console.print(
        f"{plural(gifts.height, 'gift')}, costing {total:,.2f} {currency} in all; "
        f"{plural(plan.filter(pl.col('note') != '').height, 'note')}. "
        "Export with --out picking.csv, --out notes.html (the notes, ready to print) or "
        "--format mailmerge --out cards.csv."
    )


def _preview(note: str, limit: int = 90) -> str:
    """The note on one line, cut at a word near `limit` (the full note is in the exports)."""
    text = " ".join(note.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


@campaign_app.command("start")
def campaign_start(
    control: Annotated[
        float | None,
        typer.Option(
            "--control",
            metavar="SHARE",
            help="Share of each segment held back as control (0.2 = 20%). Default: "
            "control_share in shopinsight.toml.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            help="Random seed for the split (same seed, same groups). Default: seed in "
            "shopinsight.toml.",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Confirm today's plan as a gift campaign, holding back a random control group.

    Held-back customers get no gift (export the plan again after starting). Later, run
    `shopinsight gifts campaign report` to see whether gifted customers came back more.

    Example: shopinsight gifts campaign start --control 0.2
    """
    from shopinsight.core.gifts.campaigns import start_for_shop

    cid, members = start_for_shop(open_shop(as_of, None, ws_path), control, seed)
    arm = pl.col("arm")
    sizes = (
        members.group_by("segment")
        .agg((arm == "gift").sum().alias("gift"), (arm == "control").sum().alias("control"))
        .sort("segment")
    )
    if json_out:
        print_json(
            {
                "campaign_id": cid,
                "customers": members.height,
                "gift": int(sizes["gift"].sum()),
                "control": int(sizes["control"].sum()),
                "by_segment": sizes.to_dicts(),
            }
        )
        return
    table = Table(title=f"Gift campaign #{cid}")
    for col in ("segment", "gift", "control"):
        table.add_column(col, justify="left" if col == "segment" else "right")
    for r in sizes.iter_rows():
        table.add_row(Text(r[0]), str(r[1]), str(r[2]))
    console.print(table)
    console.print(
        f"{plural(sizes['gift'].sum(), 'customer')} get their gift, "
        f"{int(sizes['control'].sum()):,} held back for comparison. Export the plan again: "
        "held-back orders now have no gift."
    )


@campaign_app.command("report")
def campaign_report_cmd(
    campaign: Annotated[
        int | None, typer.Option("--id", help="Campaign number (default: the latest).")
    ] = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Did the gifts work? Repeat purchases and revenue of gifted vs held-back customers.

    Example: shopinsight gifts campaign report
    """
    from shopinsight.core.gifts.campaigns import report_for_shop

    report = report_for_shop(open_shop(as_of, None, ws_path), campaign)
    if json_out:
        print_json(report.to_dict())
        return
    for line in report.summary:
        console.print(Text(line))
    table = Table(title="Since the start, per customer")
    for col in ("group", "customers", "ordered again", "revenue"):
        table.add_column(col, justify="left" if col == "group" else "right")
    for r in report.arms.iter_rows(named=True):
        table.add_row(
            r["arm"], str(r["customers"]), f"{r['repeat_rate']:.0%}",
            _money(r["revenue_per_customer"], report.currency),
        )  # fmt: skip
    console.print(table)
    seg = Table(title="By segment")
    for col in ("segment", "group", "customers", "ordered again", "revenue"):
        seg.add_column(col, justify="left" if col in ("segment", "group") else "right")
    for r in report.by_segment.iter_rows(named=True):
        seg.add_row(
            Text(r["segment"]), r["arm"], str(r["customers"]), f"{r['repeat_rate']:.0%}",
            _money(r["revenue_per_customer"], report.currency),
        )  # fmt: skip
    console.print(seg)


def _terminal_text(text: str) -> str:
    from shopinsight.render import terminal_text  # Rich's console: only when printing text

    return terminal_text(text)
