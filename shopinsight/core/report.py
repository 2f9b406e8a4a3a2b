"""`shopinsight report`: one self-contained HTML file a merchant can mail or print.

The numbers come from the same `Shop` calls as the CLI (status, cohorts, repeat, profiles,
churn, bundles, changes), so the report and `--json` never disagree. The file has no script,
no font and no link to fetch: charts are inline SVG, the style is inline CSS with an A4 print
rule. Every piece of text that came from an export (names, products, files) goes through
`html.escape`: a customer called `<script>` stays text.

A shop whose exports carry no amounts at all (`status["facts"]`, `core.shop_facts`) gets no
figure of money: "no amounts" where revenue would be, the reason once at the top, no revenue
chart and no money column, as `status` says it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import polars as pl

from shopinsight.core.churn.stake import ORDERS_AT_RISK, by_orders, orders_text, ranking_note
from shopinsight.core.errors import InputError, ShopInsightError
from shopinsight.core.insights.cohorts import cohort_label
from shopinsight.core.shop_facts import NO_AMOUNTS_WHY, NO_CURRENCY, no_amounts_text

if TYPE_CHECKING:
    from shopinsight.core.insights.results import CohortsResult
    from shopinsight.core.shop import Shop

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;
max-width:60rem;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.15rem;margin:1.6rem 0 .4rem;
border-bottom:1px solid #ddd;padding-bottom:.2rem}
.muted{color:#666}.kpis{display:flex;flex-wrap:wrap;gap:.6rem}
.kpi{border:1px solid #ddd;border-radius:6px;padding:.4rem .7rem;min-width:8rem}
.kpi b{display:block;font-size:1.25rem}
table{border-collapse:collapse;margin:.3rem 0;font-size:12.5px}
th,td{padding:.15rem .45rem;text-align:right;border-bottom:1px solid #eee}
th:first-child,td:first-child,td.text{text-align:left}
.heat td{border:1px solid #fff;min-width:2.2rem}
svg text{font:11px sans-serif;fill:#333}
@page{size:A4;margin:14mm}
@media print{body{margin:0;max-width:none;font-size:11px}section{break-inside:avoid}
h2{break-after:avoid}}
"""


def e(value: Any) -> str:
    """Text for HTML (attributes too): everything from an export passes here."""
    return escape("" if value is None else str(value), quote=True)


NO_AMOUNTS = "no amounts"
"""Where a figure of money would be, in a shop whose exports carry none (as `status` says)."""


def money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def heat_colour(share: float | None) -> str:
    """Background of a cohort cell: deeper green for a larger share (light enough for text)."""
    if share is None:
        return "#fafafa"
    light = 97 - round(min(max(share, 0.0), 1.0) * 52)
    return f"hsl(140,55%,{light}%)"


def bar_chart(labels: list[str], values: list[float], unit: str = "", width: int = 640) -> str:
    """Vertical bars with a label under every few bars; inline SVG, no script."""
    if not values:
        return '<p class="muted">No data.</p>'
    height, pad = 180, 28
    top = max(max(values), 1e-9)
    step = (width - 10) / len(values)
    every = max(1, len(values) // 12)
    size = f'width="{width}" height="{height + pad}" viewBox="0 0 {width} {height + pad}"'
    parts = [f'<svg {size} role="img" aria-label="{e(unit)}">']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = max(0.0, value) / top * (height - 16)
        x = 5 + i * step
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{height - h:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="#4a7fb5"><title>{e(label)}: {e(money(value))}</title></rect>'
        )
        if i % every == 0:
            parts.append(f'<text x="{x:.1f}" y="{height + 14}">{e(label)}</text>')
    parts.append(f'<text x="5" y="11">max {e(money(top))} {e(unit)}</text></svg>')
    return "".join(parts)


def hbar_rows(rows: list[tuple[str, float | None]], width: int = 360) -> str:
    """Horizontal share bars (0–100%), one row each, with the share written beside."""
    h = 18 * len(rows) + 4
    parts = [f'<svg width="{width + 170}" height="{h}" '
             f'viewBox="0 0 {width + 170} {h}" role="img">']  # fmt: skip
    for i, (label, share) in enumerate(rows):
        y = 2 + i * 18
        w = (share or 0.0) * width
        parts.append(
            f'<text x="0" y="{y + 12}">{e(label)}</text><rect x="110" y="{y}" '
            f'width="{w:.1f}" height="14" fill="#5a9e6f"/>'
            f'<text x="{114 + w:.1f}" y="{y + 12}">{e(pct(share))}</text>'
        )
    return "".join(parts) + "</svg>"


def table(headers: list[str], rows: list[list[str]], cls: str = "") -> str:
    """An HTML table; cells are already-escaped HTML (callers escape with `e`)."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(rows_) + "</tr>" for rows_ in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def td(value: Any, cls: str = "", **data: Any) -> str:
    attrs = "".join(f' data-{k}="{e(v)}"' for k, v in data.items())
    return f'<td class="{cls}"{attrs}>{e(value)}</td>'


def _kpis(status: dict[str, Any], cur: str | None) -> str:
    c = cur or NO_CURRENCY  # the key `status` files amounts of no known currency under
    unpriced = no_amounts_text(status) is not None
    money_of = (lambda _: NO_AMOUNTS) if unpriced else money  # noqa: E731
    items = [
        ("customers", "Customers", f"{status['customers']:,}"),
        ("counted_orders", "Purchases", f"{status['counted_orders']:,}"),
        ("repeat_rate", "Bought again", pct(status["repeat_rate"])),
        (
            "net_revenue",
            f"Net revenue {cur or ''}".strip(),
            money_of((status.get("net_revenue") or {}).get(c)),
        ),
        ("aov", f"Average order {cur or ''}".strip(), money_of((status.get("aov") or {}).get(c))),
    ]
    cells = "".join(
        f'<div class="kpi" data-kpi="{e(key)}"><b>{e(value)}</b>{e(label)}</div>'
        for key, label, value in items
    )
    return f'<div class="kpis">{cells}</div>'


def _cohorts(result: CohortsResult) -> str:
    """The cohort heatmap. When the data stops before the end of the last month
    (`result.partial`), that month's cells and its own cohort are marked with a * (as
    `cohorts` marks them: "27%*"), and its note says why they cannot be compared yet."""
    cohorts = result.rows().to_dicts()
    if not cohorts:
        return '<p class="muted">No customers with a purchase yet.</p>'
    longest = min(max(len(c["active"]) for c in cohorts), 13)
    rows = []
    for c in cohorts:
        cells = [td(cohort_label(c)), td(f"{c['customers']:,}", "size", cohort=c["cohort"])]
        for k in range(1, longest):
            if k >= len(c["active"]):
                cells.append("<td></td>")
                continue
            share = c["active"][k] / c["customers"] if c["customers"] else None
            part = k == c["partial_k"]
            mark = (' data-partial="1"', "; a partial month", "*") if part else ("", "", "")
            cells.append(
                f'<td style="background:{heat_colour(share)}"{mark[0]} title="{c["active"][k]:,} '
                f'customers{mark[1]}">{e(pct(share))}{mark[2]}</td>'
            )
        rows.append(cells)
    heads = ["Cohort", "Customers", *(f"+{k}" for k in range(1, longest))]
    note = (
        f'<p class="muted" data-note="partial">* {e(result.partial["note"])}</p>'
        if result.partial
        else ""
    )
    return table(heads, rows, "heat") + note


def _repeat(steps: dict[str, Any]) -> str:
    names = {"first_to_second": "1st → 2nd", "second_to_third": "2nd → 3rd",
             "third_to_fourth": "3rd → 4th"}  # fmt: skip
    rows = [
        [td(names.get(k, k)), td(f"{s['customers']:,}"), td(f"{s['returned']:,}"),
         td("—" if s["median_days"] is None else f"{s['median_days']:g}")]
        for k, s in steps.items()
    ]  # fmt: skip
    first = steps.get("first_to_second") or {"within_days": {}}
    bars = [(f"within {d} days", share) for d, share in first["within_days"].items()]
    return (
        table(["Step", "Customers", "Came back", "Median days"], rows)
        + "<p>Back for a 2nd purchase (of customers whose first is old enough):</p>"
        + hbar_rows(bars)
    )


def _backtest_line(bt: dict[str, Any]) -> str:
    if not bt or not bt.get("customers"):
        return "No backtest: too little history one horizon back."
    parts = [f"Backtest as of {bt['as_of']} ({bt['customers']:,} customers, "
             f"{bt['lost']:,} did not return)"]  # fmt: skip
    for name, key in (("model", "model"), ("rule", "rule"), ("BG/NBD", "btyd")):
        s = bt.get(key)
        if isinstance(s, dict) and s.get("auc") is not None:
            parts.append(
                f"{name}: ROC-AUC {s['auc']:.2f}, precision {pct(s.get('precision'))} / "
                f"recall {pct(s.get('recall'))}"
            )
    return "; ".join(parts) + "."


def top_moves(moves: pl.DataFrame, n: int = 12) -> pl.DataFrame:
    """from_segment, to_segment, len: the `n` biggest moves, ties by name (a group-by's rows
    come in no set order: ties by count alone came out in another order on each run)."""
    return (
        moves.group_by("from_segment", "to_segment").len()
        .sort(["len", "from_segment", "to_segment"], descending=[True, False, False]).head(n)
    )  # fmt: skip


def _changes(shop: Shop) -> str:
    try:
        ch = shop.changes()
    except ShopInsightError as error:
        return f'<p class="muted">{e(error.title)}: {e(error.detail)}</p>'
    f = ch.frames
    counts = "".join(
        f'<li data-change="{e(k)}">{e(label)}: <b>{v.height:,}</b></li>'
        for k, label, v in (
            ("new_customers", "New customers", f["new_customers"]),
            ("segment_moves", "Moved segment", f["segment_moves"]),
            ("alerts_resolved", "Alerts resolved (came back)", f["alerts_resolved"]),
            ("new_alerts", "New churn alerts", f["new_alerts"]),
            ("bundles_new", "Bundles that appeared", f["bundles_new"]),
            ("bundles_gone", "Bundles that faded", f["bundles_gone"]),
            ("campaigns_readable", "Gift-campaign results now readable", f["campaigns_readable"]),
        )
    )
    moves = top_moves(f["segment_moves"])
    mig = table(
        ["From", "To", "Customers"],
        [[td(a), td(b, "text"), td(f"{n:,}")] for a, b, n in moves.iter_rows()],
    )
    new = [
        [td(r["customer_name"] or r["customer_id"]), td(r["first_order"]), td(r["segment"], "text")]
        for r in f["new_customers"].head(15).iter_rows(named=True)
    ]
    return (
        f'<p class="muted">{e(ch.cut.rule)}; compared with {e(ch.as_of)}.</p><ul>{counts}</ul>'
        + ("<h3>Segment migration</h3>" + mig if moves.height else "")
        + ("<h3>New customers</h3>" + table(["Customer", "First purchase", "Segment"], new)
           if new else "")
    )  # fmt: skip


def _stake(alerts: pl.DataFrame, priced: bool) -> tuple[str | None, Callable[[dict], str]]:
    """The churn table's stake column: its heading (None: no such column) and each alert's
    cell. Money at stake; in a shop without amounts, the orders at stake its alerts are
    ranked by (`churn.stake`), else none."""
    if by_orders(alerts):
        return "Orders at stake", lambda r: orders_text(r[ORDERS_AT_RISK])
    return ("At stake" if priced else None), lambda r: money(r["value_at_risk"])


def build_report(shop: Shop) -> str:
    """The report of `shop` (its day, currency and exclusions) as one HTML string."""
    shop.require_orders()
    status = shop.status()
    cur = shop.currency()
    day = shop.as_of()
    key = cur or NO_CURRENCY  # as `status` files amounts of no known currency
    months = [m for m in status.get("revenue_by_month") or [] if m.get("currency") == key]
    unpriced = no_amounts_text(status)  # the sentence, once at the top; no money columns
    priced = unpriced is None
    prof = shop.profiles()
    churn = shop.churn()
    alerts = churn.alerts.filter("is_alert")
    names = prof.table.select("customer_id", "customer_name")
    shown = alerts.head(25).join(names, on="customer_id", how="left", maintain_order="left")
    offers = shop.bundles().offers.head(10)
    seg_rows = [
        [td(r["segment"]), td(f"{r['customers']:,}"), td(pct(r["share"])),
         *([td(money(r["revenue"]))] if priced else [])]
        for r in prof.sizes.filter(pl.col("customers") > 0).iter_rows(named=True)
    ]  # fmt: skip
    stake_head, stake = _stake(churn.alerts, priced)
    ranked = ranking_note(churn.alerts, churn.horizon_days)
    alert_rows = [
        [td(r["customer_name"] or r["customer_id"]), td(pct(r["risk"])),
         *([td(stake(r))] if stake_head else []), td(r.get("action") or "", "text")]
        for r in shown.iter_rows(named=True)
    ]  # fmt: skip
    offer_rows = [
        [td(" + ".join(r["names"] or r["items"])), td(f"{r['orders']:,}"),
         *([td(money(r.get("bundle_price")))] if priced else [])]
        for r in offers.iter_rows(named=True)
    ]  # fmt: skip
    money_head = lambda *heads: list(heads) if priced else []  # noqa: E731
    notes = "".join(f"<li>{e(n)}</li>" for n in shop.left_out())
    title = f"ShopInsight report as of {day}"
    made = f"made {e(dt.date.today())} on this computer from the shop's own order exports."
    body = [
        f"<h1>{e(title)}</h1>",
        f'<p class="muted">Amounts in {e(cur or "no currency")}; {made}</p>' if priced
        else f'<p class="muted" data-fact="no_amounts">{e(unpriced)} Report {made}</p>',
        f"<ul class=\"muted\">{notes}</ul>" if notes else "",
        f"<section><h2>Key figures</h2>{_kpis(status, cur)}</section>",
        "<section><h2>Net revenue by month</h2>"
        + (bar_chart([m["month"] for m in months], [m["revenue"] for m in months], cur or "")
           if priced else f'<p class="muted">No revenue to chart: {e(NO_AMOUNTS_WHY)}.</p>')
        + "</section>",
        "<section><h2>Cohorts: share of each first-purchase month active later</h2>"
        + _cohorts(shop.cohorts("month")) + "</section>",
        "<section><h2>Time to the next purchase</h2>" + _repeat(shop.repeat().steps)
        + "</section>",
        "<section><h2>Segments</h2>"
        + table(["Segment", "Customers", "Share", *money_head("Net revenue")], seg_rows)
        + "</section>",
        f'<section><h2>Churn alerts: <span data-count="alerts">{alerts.height:,}</span></h2>'
        + (f'<p class="muted">{e(ranked)}</p>' if ranked else "")
        + f'<p class="muted">{e(_backtest_line(churn.backtest))}</p>'
        + table(["Customer", "Risk", *([stake_head] if stake_head else []), "Action"], alert_rows)
        + "</section>",
        "<section><h2>Bundle offers</h2>"
        + (table(["Bundle", "Orders together", *money_head("Bundle price")], offer_rows)
           if offer_rows
           else '<p class="muted">No bundle stands out yet.</p>') + "</section>",
        "<section><h2>Changes since the previous import</h2>" + _changes(shop) + "</section>",
    ]  # fmt: skip
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )


def write_report(shop: Shop, path: Path | str) -> list[str]:
    """Build the report and write it atomically (the exporters' private temp file + rename;
    0600: it names customers). Returns notes (e.g. a file replaced)."""
    from shopinsight.core.exporters import _replace

    path = Path(path)
    if path.parent and not path.parent.exists():
        raise InputError(f"Folder {path.parent} does not exist", "Create it or pick another -o.")
    data = build_report(shop).encode("utf-8")
    holder = SimpleNamespace(notes=[])
    try:
        _replace(holder, path, lambda fh: fh.write(data))  # type: ignore[arg-type]
    except OSError as exc:
        raise InputError(f"Cannot write {path}", exc.strerror or str(exc)) from None
    return list(holder.notes)
