"""The merchant's pass read back without Typer: `customers --json`, `churn --json`,
`bundles [--max-size 2|3] --json` and `gifts plan --json`, each with `-w DIR` before it.

On an unchanged workspace these only read cached results, and building the Typer app cost each
~0.03 CPU s of ~0.3 (Typer, click and their imports; issue 13: the four together ≤ 2 s at 1M
lines). `run_warm` runs exactly those command lines, through the same functions the Typer
commands call (they live here); anything else (another option, `--help`, a typo, `-w ""`) is
left to Typer untouched. An error is shown as every command shows it (`cli.app.handle_error`).
"""

from __future__ import annotations

import atexit
import gc
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from shopinsight.cli.base import err_console, open_shop, print_json, state, workspace
from shopinsight.cli.lazy_rich import escape
from shopinsight.core.errors import InputError, ShopInsightError

if TYPE_CHECKING:
    from shopinsight.core.results import BundlesResult, ChurnView, ProfilesResult
    from shopinsight.core.shop import Shop


# -- customers --json --------------------------------------------------------------------------
JSON_COLUMNS = [
    "customer_id", "email", "customer_name", "segment", "tags", "recency_days", "frequency",
    "orders", "monetary", "currency", "r_score", "f_score", "m_score", "last_order", "reason",
    "segment_reason",
]  # fmt: skip
"""The customer table columns `customers --json` prints."""


def profiles_of(shop: Shop) -> ProfilesResult:
    """The customer analysis for the CLI; no customers is an error the merchant can act on."""
    prof = shop.profiles()
    if prof.table.height == 0:
        raise InputError(
            "No customers to analyse",
            " ".join(prof.notes) or "Import an order export with buyer emails or ids first.",
        )
    return prof


def customers_rows(
    as_of: str | None,
    currency: str | None,
    segment: list[str] | None,
    tag: list[str] | None,
    limit: int | None,
) -> pl.DataFrame:
    """What `customers --json` prints: without a filter only the columns shown are read from
    the cache."""
    from shopinsight.core.customers.segments import no_amounts
    from shopinsight.core.results import profile_columns

    shop = open_shop(as_of, currency)
    if segment or tag:
        from shopinsight.core.exporters import select_customers

        prof = profiles_of(shop).as_core()
        unpriced = no_amounts(prof.table)
        chosen = select_customers(prof, segment, tag).select(JSON_COLUMNS)
    else:
        chosen = profile_columns(shop, JSON_COLUMNS)
        if chosen.height == 0:
            profiles_of(shop)  # no customers: says why
        unpriced = no_amounts(chosen)
    rows = chosen.head(limit) if limit else chosen
    from shopinsight.core.orders import local_day

    # exports without amounts (no customer has any spend): null, not a figure of 0.0
    spend = pl.lit(None, pl.Float64).alias("monetary") if unpriced else pl.col("monetary").round(2)
    return rows.with_columns(spend, local_day(pl.col("last_order"), shop.tz()))


# -- churn --json ------------------------------------------------------------------------------
def churn_view(
    as_of: str | None,
    horizon: int | None,
    currency: str | None,
    ws_path: Path | None,
    record: bool = False,
) -> ChurnView:
    """The churn view of the shop (through `Shop`, marks applied).

    With `record`, the default view (no --as-of, --horizon or --currency) is stored for the
    track record, so a shop that never re-imports still builds one."""
    view = open_shop(as_of, currency, ws_path).churn(horizon)
    if record and as_of is None and horizon is None and currency is None:
        from shopinsight.core.churn.track import record_predictions

        try:
            record_predictions(workspace(ws_path), view)
        except (ShopInsightError, sqlite3.Error, OSError) as exc:  # a bonus: never fail
            err_console.print(f"[dim]Track record not updated: {escape(str(exc))}[/dim]")
    return view


def alerts_json(alerts: pl.DataFrame, currency: str | None) -> list[dict[str, Any]]:
    """One object per customer: risk, value at risk, next order date, reasons, action, state."""
    keep = ["customer_id", "risk", "value_at_risk", "expected_next_order", "status", "reasons",
            "action", "state", "segment", "is_alert", "frequency", "recency", "gap_median",
            "favorite_product", "tags", "list"]  # fmt: skip
    out = []
    for row in alerts.select(keep).iter_rows(named=True):
        row["risk"] = round(row["risk"], 4)
        row["value_at_risk"] = round(row["value_at_risk"] or 0.0, 2)
        row["expected_next_order"] = (
            row["expected_next_order"].isoformat() if row["expected_next_order"] else None
        )
        row["days_since_last_order"] = row.pop("recency")
        row["orders"] = row.pop("frequency")
        row["usual_gap_days"] = row.pop("gap_median")
        row["currency"] = currency
        out.append(row)
    from shopinsight.core.churn.stake import with_stakes  # exports without amounts: orders

    return with_stakes(out, alerts)


# -- bundles --json ----------------------------------------------------------------------------
def bundles_found(
    min_support: float | None,
    min_orders: int | None,
    min_lift: float | None,
    max_size: int | None,
    segment: str | None,
    as_of: str | None,
    currency: str | None,
    ws_path: Path | None,
) -> tuple[Shop, BundlesResult, dict[str, Any]]:
    """The options checked, the shop, its bundles with these thresholds and the [bundles]
    settings (what `bundles` shows, as a table or as JSON)."""
    from shopinsight.core.bundles import bundle_settings

    if max_size is not None and max_size not in (2, 3):
        raise InputError("Bad --max-size", f"{max_size}: use 2 (pairs) or 3 (pairs and triples).")
    if min_lift is not None and not min_lift >= 0:
        raise InputError(
            "Bad --min-lift", f"{min_lift}: lift is never below 0; 1 means no link, try 1.5."
        )
    shop = open_shop(as_of, currency, ws_path)
    settings = bundle_settings(shop.config())
    found = shop.bundles(
        segment,
        min_support=min_support,
        min_orders=min_orders,
        max_size=max_size,
        min_lift=min_lift,
    )
    return shop, found, settings


def offers_json(offers: pl.DataFrame) -> list[dict[str, Any]]:
    """One object per bundle: items (SKUs), names, orders, support, lift, rules, and the offer."""
    out = []
    for row in offers.iter_rows(named=True):
        out.append(
            {
                "items": row["items"],
                "names": row["names"],
                "size": row["size"],
                "orders": row["orders"],
                "support": row["support"],
                "lift": row["lift"],
                "score": row["score"],
                "confidence_best": row["confidence_best"],
                "rules": [
                    {k: r[k] for k in ("antecedent", "consequent", "confidence", "lift")}
                    for r in row["rules"]
                ],
                "offer": {
                    "combined_price": row["combined_price"],
                    "bundle_price": row["bundle_price"],
                    "currency": row["currency"],
                    "reach_customers": row["reach_customers"],
                    "segments_over_index": row["segments_over_index"],
                    "reason": row["reason"],
                },
            }
        )
    return out


BUNDLES_TOP = 20
"""How many bundles `bundles` shows without --top."""


# -- gifts plan --json -------------------------------------------------------------------------
def plan_json(plan: pl.DataFrame) -> pl.DataFrame:
    """The plan's rows for print_json (a frame: written by Polars, fast for a big plan)."""
    return plan.with_columns(pl.col("ordered_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ"))


# -- the command lines run here ----------------------------------------------------------------
def _customers() -> Any:
    return customers_rows(None, None, None, None, None)


def _churn() -> Any:
    view = churn_view(None, None, None, None, record=True)
    return alerts_json(view.alerts.filter("is_alert"), view.currency)


def _bundles(max_size: int | None) -> Callable[[], Any]:
    def read() -> Any:
        _, found, _ = bundles_found(None, None, None, max_size, None, None, None, None)
        return offers_json(found.offers.head(BUNDLES_TOP))

    return read


def _gifts_plan() -> Any:
    return plan_json(open_shop(None, None, None).gifts("open").plan)


def _command(args: list[str]) -> Callable[[], Any] | None:
    """What to read for a command line after the root's options, or None if not ours."""
    if args == ["customers", "--json"]:
        return _customers
    if args == ["churn", "--json"]:
        return _churn
    if args == ["gifts", "plan", "--json"]:
        return _gifts_plan
    if args[:1] == ["bundles"]:
        rest = args[1:]
        if rest == ["--json"]:
            return _bundles(None)
        for size in ("2", "3"):
            if rest in (["--max-size", size, "--json"], ["--json", "--max-size", size]):
                return _bundles(int(size))
    return None


def _split(argv: list[str]) -> tuple[str | None, list[str]] | None:
    """The root's `-w DIR` / `--workspace DIR` (at most once) and the rest, or None when the
    root is given anything else."""
    if argv[:1] in (["-w"], ["--workspace"]):
        if len(argv) < 2 or not argv[1] or argv[1].startswith("-"):  # `-w ""`: Typer's "."
            return None
        return argv[1], argv[2:]
    if argv[:1] and argv[0].startswith("-"):
        return None
    return None, argv


def run_warm(argv: list[str]) -> bool:
    """Run `argv` if it is one of the warm pass' command lines and say so; False (nothing run,
    nothing printed) for any other command line. An error exits as Typer's would."""
    split = _split(argv)
    read = _command(split[1]) if split else None
    if split is None or read is None:
        return False
    state.workspace_path = Path(split[0]) if split[0] is not None else None
    try:
        print_json(read())
    except Exception as error:  # shown as every command shows it (cli.app.handle_error)
        from shopinsight.cli.app import exit_for

        exit_for(error)
    except KeyboardInterrupt:
        err_console.print("Interrupted; the workspace is unchanged.")
        raise SystemExit(130) from None
    # Done: at exit, the collector need not look through every object the imports made (Polars
    # alone is ~100,000) before the process ends and frees them all: ~0.06 CPU s per command,
    # a fifth of a warm `bundles --json` at 1M lines. Objects are still freed as usual.
    atexit.register(gc.freeze)
    return True
