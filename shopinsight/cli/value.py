"""`shopinsight value`: what each customer is likely to spend over the next year, and how sure.

shopinsight value [--horizon DAYS] [--all] [--top N] [--currency CODE] [--as-of D] [--json]
"""

from __future__ import annotations

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
)
from shopinsight.cli.lazy_rich import Table, escape

JSON_KEYS = ["customer_id", "expected_orders", "expected_value", "low", "high", "p_alive", "tier"]


@app.command("value")
def value_cmd(
    horizon: Annotated[
        int | None,
        typer.Option(
            "--horizon",
            min=1,
            max=1825,
            help="Days ahead (default: value_horizon_days in shopinsight.toml, 365).",
            show_default=False,
        ),
    ] = None,
    everyone: Annotated[bool, typer.Option("--all", help="List every customer.")] = False,
    top: Annotated[
        int | None,
        typer.Option("--top", min=1, help="Show this many (default 20).", show_default=False),
    ] = None,
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
    json_out: JsonOpt = False,
    ws_path: WorkspaceOpt = None,
) -> None:
    """Each customer's expected spend over the next year, with a range and a tier.

    Expected orders come from a purchase model (BG/NBD) and the value of an order from a spend
    model (Gamma-Gamma), both fitted on this shop's own history. The prediction is replayed one
    horizon earlier and compared with what was then spent (the backtest line).

    Example: shopinsight value --top 10
    """
    shop = open_shop(as_of, currency, ws_path)
    view = shop.value(horizon)
    limit = None if everyone and top is None else (top or 20)
    shown = view.table.head(limit) if limit else view.table
    if json_out:
        print_json(
            {
                "as_of": view.as_of,
                "horizon_days": view.horizon_days,
                "currency": view.currency,
                "method": view.method,
                "customers": value_json(shown, view.currency),
                "tiers": _tier_counts(view.table),
                "backtest": view.backtest,
                "params": view.params,
                "notes": view.notes,
            }
        )
        return
    cur = named_currency(view.currency)
    console.print(
        f"[bold]Expected spend over the next {view.horizon_days} days, as of {view.as_of}"
        f"[/bold] ({escape(view.method)})",
        highlight=False,
    )
    total = float(view.table["expected_value"].sum())
    tiers = ", ".join(f"{k} {v:,}" for k, v in _tier_counts(view.table).items())
    spend = (
        f"{total:,.0f} {escape(cur)} expected in all"
        if cur
        else f"{total:,.0f} expected in all (amounts in no named currency)"
    )
    console.print(f"{view.table.height:,} customers, {spend}; {tiers}.")
    if shown.height:  # named as in the app (the id when the export had no name)
        from shopinsight.core.results import profile_columns  # warm: two columns read

        names = profile_columns(shop, ["customer_id", "customer_name"])
        console.print(
            _table(shown.join(names, on="customer_id", how="left", maintain_order="left"), cur)
        )
        more = view.table.height - shown.height
        if more > 0:
            console.print(f"[dim]{more:,} more; use --top N, --all or --json.[/dim]")
    if shown.height and (shown["n"] <= 1).any():
        console.print(
            "[dim]Still buying: the model's chance the customer has not stopped buying; "
            "after a single order it cannot tell (—).[/dim]"
        )
    console.print(f"[dim]{escape(backtest_line(view.backtest))}[/dim]", highlight=False)
    for note in view.notes:
        console.print(f"[dim]{escape(note)}[/dim]", highlight=False)


def named_currency(code: str | None) -> str:
    """The currency amounts are in, or "" when the shop's amounts have none named (no currency
    column and no [shop] currency: None, or "unknown" as `status` files them)."""
    return "" if code is None or code.strip().lower() in ("", "unknown") else code


def value_json(table: pl.DataFrame, currency: str | None) -> list[dict[str, Any]]:
    """One object per customer: the JSON_KEYS, rounded, with the currency."""
    rounded = table.select(
        "customer_id",
        pl.col("expected_orders").round(3),
        *(pl.col(c).round(2) for c in ("expected_value", "low", "high")),
        pl.col("p_alive").round(4),
        "tier",
    )
    return [{**row, "currency": currency} for row in rounded.select(JSON_KEYS).to_dicts()]


def _tier_counts(table: pl.DataFrame) -> dict[str, int]:
    counts = dict(table.group_by("tier").len().iter_rows())
    return {t: int(counts.get(t, 0)) for t in ("High", "Medium", "Low", "New")}


def _table(rows: pl.DataFrame, currency: str) -> Table:
    table = Table(header_style="bold")
    table.add_column("#", justify="right")
    table.add_column("Customer", max_width=28, overflow="fold")
    table.add_column("Tier")
    table.add_column("Orders", justify="right")
    table.add_column(f"Value {currency}".strip(), justify="right")
    table.add_column("Range", justify="right")
    table.add_column("Still buying", justify="right")
    for i, row in enumerate(rows.iter_rows(named=True), start=1):
        alive = row["p_alive"]
        table.add_row(
            str(i),
            escape(str(row.get("customer_name") or row["customer_id"])),
            row["tier"],
            f"{row['expected_orders']:.2f}"
            if row["expected_orders"] < 1
            else f"{row['expected_orders']:.1f}",
            f"{row['expected_value']:,.0f}",
            f"{row['low']:,.0f}–{row['high']:,.0f}",
            "—" if alive is None or (row.get("n") or 0) <= 1 else f"{alive:.0%}",
        )
    return table


def backtest_line(bt: dict[str, Any]) -> str:
    """One sentence: how the same prediction did when replayed on this shop's past."""
    if not bt.get("horizon_days"):
        return f"No backtest: {bt.get('note', '')}."

    def fmt(x: Any, spec: str) -> str:
        return "—" if x is None else format(x, spec)

    if bt.get("total_ratio") is None:  # no spend in the replayed period: nothing to compare with
        return (
            f"Backtest {bt['note']}: the {bt['customers']:,} customers spent nothing in that "
            "period, so the prediction cannot be checked on this shop's past."
        )
    return (
        f"Backtest {bt['note']}: predicted {fmt(bt['total_ratio'], '.2f')}× what "
        f"{bt['customers']:,} customers spent, rank correlation {fmt(bt['spearman'], '.2f')}, "
        f"the predicted top 10% spent {fmt(bt['top10_capture'], '.0%')} of it."
    )
