"""`shopinsight churn`: who is drifting away, why, what it costs, and how far to trust it.

shopinsight churn [--top N] [--all] [--as-of D] [--horizon DAYS] [--json]
shopinsight churn backtest [--as-of D] [--horizon DAYS] [--json]
shopinsight churn mark CUSTOMER contacted|snoozed --until D|dismissed|new
shopinsight churn track [--json]
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

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
    workspace,
)
from shopinsight.cli.lazy_rich import Table, escape
from shopinsight.cli.warm import alerts_json
from shopinsight.cli.warm import churn_view as _run
from shopinsight.core.churn.stake import (
    ORDERS_AT_RISK,
    by_orders,
    orders_text,
    ranking_note,
    stake_noun,
)
from shopinsight.core.errors import InputError

churn_app = typer.Typer(name="churn", no_args_is_help=False, rich_markup_mode="rich")
app.add_typer(churn_app, name="churn")

HorizonOpt = Annotated[
    int | None,
    typer.Option(
        "--horizon",
        min=1,
        max=730,
        help="Days ahead the risk looks (risk = no order within this many days). "
        "Default: horizon_days in shopinsight.toml.",
        show_default=False,
    ),
]


@churn_app.callback(invoke_without_command=True)
def churn_cmd(
    ctx: typer.Context,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            min=1,
            help="Show at most this many (default: the to-act list, sized by list_size and "
            "list_share in shopinsight.toml; everyone with --all).",
            show_default=False,
        ),
    ] = None,
    everyone: Annotated[
        bool, typer.Option("--all", help="Score every customer with an order, not only alerts.")
    ] = False,
    as_of: AsOfOpt = None,
    horizon: HorizonOpt = None,
    currency: CurrencyOpt = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Customers likely to stop buying, ranked by the spend at stake, with reasons and an action.

    When the exports carry no prices or totals (member visits, a log of buyer and date) the
    list is ranked by orders at stake instead (risk × orders expected over the horizon at the
    customer's usual pace), and the output says so.

    Risk is the chance of no order within the horizon, from whichever method ranked best on
    this shop's own history, never worse than days since the last order alone (see `shopinsight
    churn backtest`). The list is sized for a small team: "save now" (due recently, still
    likely to come back) first, then "win back" (long gone). Contacted and snoozed customers
    leave it until their date, dismissed ones until they order again.

    Example: shopinsight churn --top 10
    """
    if ctx.invoked_subcommand is not None:
        return
    result = _run(as_of, horizon, currency, ws_path, record=True)
    rows = result.alerts if everyone else result.alerts.filter("is_alert")
    limit = top  # the to-act list is already sized ([churn] list_size, list_share)
    shown = rows.head(limit) if limit else rows
    if json_out:
        print_json(alerts_json(shown, result.currency))  # with orders at risk (no amounts)
        return
    console.print(f"[bold]Churn as of {result.as_of}[/bold] (horizon {result.horizon_days} days)")
    console.print(escape(result.method_reason), highlight=False)
    if (note := ranking_note(result.alerts, result.horizon_days)) is not None:
        console.print(escape(note), highlight=False)
    if shown.height == 0:
        console.print(
            "No customer needs attention right now."
            if not everyone
            else "No customer has a counted order yet."
        )
    else:
        console.print(_alerts_table(shown, result.currency, everyone))
        more = rows.height - shown.height
        if more > 0:
            console.print(f"[dim]{more:,} more; use --top N or --json to see them.[/dim]")
    bt_line = _backtest_line(result.backtest, stake_noun(result.alerts))
    console.print(f"[dim]{escape(bt_line)}[/dim]", highlight=False)
    for note in result.notes:
        console.print(f"[dim]{escape(note)}[/dim]", highlight=False)


def _alerts_table(rows: pl.DataFrame, currency: str | None, everyone: bool) -> Table:
    """Four columns that fit 80 characters: who (status, due date), risk and spend at stake
    (orders at stake when the exports carry no amounts), then the reasons and the suggested
    action."""
    orders = by_orders(rows)
    table = Table(header_style="bold", show_lines=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Customer · status · due", max_width=24, overflow="fold")
    stake = "orders at stake" if orders else f"at stake {currency or ''}".strip()
    table.add_column(f"Risk\n{stake}", justify="right", no_wrap=True)
    table.add_column("Why  → suggested action", ratio=1)
    for i, row in enumerate(rows.iter_rows(named=True), start=1):
        who = [
            escape(str(row["customer_id"])),
            f"[dim]{row['status'].replace('_', ' ')}[/dim]",
            f"[dim]due {row['expected_next_order'] or '—'}[/dim]",
        ]
        if row.get("list"):
            who.append(f"[bold]{row['list'].replace('_', ' ')}[/bold]")
        if row["state"] != "new":
            who.append(f"[italic]{row['state']}[/italic]")
        why = escape("\n".join(f"• {r}" for r in row["reasons"]))
        why += f"\n[bold]→ {escape(row['action'])}[/bold]"
        table.add_row(
            str(i),
            "\n".join(who),
            f"[bold]{row['risk']:.0%}[/bold]\n"
            + (orders_text(row[ORDERS_AT_RISK]) if orders else f"{row['value_at_risk'] or 0:,.0f}"),
            why,
            style="dim" if everyone and not row["is_alert"] else None,
        )
    return table


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _backtest_line(bt: dict[str, Any], lost: str = "lost spend") -> str:
    """One sentence: how the shown method did one horizon back. Read from the backtest as
    cached (`Backtest.to_dict`): the backtest module brings scikit-learn, ~1 s to start.
    `lost`: what the top 10% hold a share of (`churn.stake.stake_noun`)."""
    parts = [
        f"Backtest as of {bt['as_of']} ({bt['customers']:,} customers, "
        f"{bt['lost']:,} did not return)"
    ]
    for name, key in (("model", "model"), ("rule", "rule"), ("BG/NBD", "btyd")):
        score = bt.get(key)
        if not isinstance(score, dict):
            continue
        parts.append(
            f"{name}: ROC-AUC {_num(score['auc'])}, alert list precision "
            f"{_pct(score['precision'])} / recall {_pct(score['recall'])}, top 10% hold "
            f"{_pct(score['top10_capture'])} of {lost}"
        )
    recency = bt.get("recency")
    if isinstance(recency, dict):
        parts.append(f"days since last order alone: ROC-AUC {_num(recency['auc'])}")
    return "; ".join(parts) + ". Details: shopinsight churn backtest"


@churn_app.command("backtest")
def backtest_cmd(
    as_of: AsOfOpt = None,
    horizon: HorizonOpt = None,
    currency: CurrencyOpt = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """How well churn risk worked on this shop's own past: every method and recency alone.

    The whole procedure is replayed one horizon before the as-of day, on the data known then,
    and compared with who actually came back: ROC-AUC (how well risk ranks who did not come
    back), precision and recall of the alert list, and the share of lost spend held by the
    top 10% of the list.

    Example: shopinsight churn backtest --horizon 60
    """
    result = _run(as_of, horizon, currency, ws_path)
    from shopinsight.core.churn.backtest import Backtest

    bt = Backtest.from_dict(result.backtest)
    if json_out:
        print_json(
            {**result.backtest, "method": result.method, "method_reason": result.method_reason}
        )
        return
    table = Table(
        title=f"Churn backtest: replayed as of {bt.as_of}, checked against the next "
        f"{bt.horizon_days} days",
        header_style="bold",
    )
    table.add_column("")
    columns = [("model", "Model"), ("rule", "Rule"), ("btyd", "BG/NBD"), ("recency", "Recency")]
    for key, title in columns:
        table.add_column(title + (" (used)" if result.method == key else ""), justify="right")
    metrics = [
        ("ROC-AUC (0.5 = coin flip)", "auc", _num),
        ("Alerts raised", "alerts", lambda x: f"{x:,}"),
        ("Precision: alerted who did not return", "precision", _pct),
        ("Recall: of those lost, share alerted", "recall", _pct),
        (f"{stake_noun(result.alerts).capitalize()} in the top 10%", "top10_capture", _pct),
    ]
    for label, key, fmt in metrics:
        cells = []
        for method, _ in columns:
            score = getattr(bt, method)
            value = getattr(score, key) if score is not None else None
            cells.append(fmt(value) if value is not None else "—")
        table.add_row(label, *cells)
    console.print(table)
    console.print(
        f"{bt.customers:,} customers then, {bt.lost:,} did not order again within "
        f"{bt.horizon_days} days."
    )
    notes = ("horizon_note", "model_note", "btyd_note", "sample_note")
    for note in (getattr(bt, n, "") for n in notes):
        if note:
            console.print(f"[dim]{escape(note)}[/dim]", highlight=False)
    console.print(escape(result.method_reason), highlight=False)
    if (note := ranking_note(result.alerts, result.horizon_days)) is not None:
        console.print(escape(note), highlight=False)


@churn_app.command("mark")
def mark_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id as shown by `shopinsight churn`.")],
    state: Annotated[
        str,
        typer.Argument(help="contacted, snoozed (with --until), dismissed, or new to clear."),
    ],
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="Snooze until this day (YYYY-MM-DD); for contacted, when to list them again "
            "(default in 30 days).",
            show_default=False,
        ),
    ] = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Record what you did with an alert; it resets when the customer orders again.

    Example: shopinsight churn mark ann@example.com snoozed --until 2024-07-01
    """
    from shopinsight.core.churn.alerts import mark_alert

    day = None
    if until is not None:
        try:
            day = dt.date.fromisoformat(until.strip())
        except ValueError:
            raise InputError(
                "Bad --until date", f"'{until}' is not a date: use YYYY-MM-DD."
            ) from None
    row = mark_alert(workspace(ws_path), customer, state.strip().lower(), day)
    if json_out:
        print_json(row)
        return
    text = f"{row['customer_id']} marked {row['state']}"
    if row["until"]:
        text += f" until {row['until']}"
    console.print(escape(text + "; this resets when they order again."), highlight=False)


@churn_app.command("track")
def track_cmd(json_out: JsonOpt = False, ws_path: WorkspaceOpt = None) -> None:
    """How earlier alerts turned out: of those alerted on a day, who did not come back, and
    whether the ones you contacted came back more often than the ones you did not.

    Each import and each `shopinsight churn` stores the day's alerts; this scores every stored
    day before the latest one against the orders since. Precision: the share of alerted
    customers who did not come back (so far; the horizon may not be over yet).

    Example: shopinsight churn track
    """
    from shopinsight.core.churn.track import track_sentence

    table = open_shop(None, None, ws_path).track()  # what the Churn screen's panel shows
    if json_out:
        rows = table.with_columns(pl.col("as_of").cast(pl.Utf8), pl.col("precision").round(4))
        print_json(rows.to_dicts())
        return
    if table.height == 0:
        console.print(
            "No track record yet: the alerts of each import are stored, and scored at the next "
            "import with newer orders."
        )
        return
    for row in table.iter_rows(named=True):
        console.print(
            escape(track_sentence(row)) + f" [dim](precision {_pct(row['precision'])})[/dim]",
            highlight=False,
        )
