"""One customer's story for the detail panel: orders, segment, tags, churn risk, gift and note.

`customer_detail` runs in a worker and gathers plain values (a few frames filtered to one
customer); `render_detail` turns them into Rich text, in the worker too (pure: Polars and Rich
objects, nothing drawn). Churn and gift parts show when those results are ready (the customers
screen computes them in the background). The app's warm-up renders the first customer the table
opens on (`warm_first_detail`), so a first visit shows it without a worker.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.console import Group
from rich.text import Text

from shopinsight.core.churn.stake import ORDERS_AT_RISK, orders_text
from shopinsight.core.gifts.plan import customer_gift
from shopinsight.core.orders import local_value
from shopinsight.core.text import visible, visible_expr
from shopinsight.core.words import plural
from shopinsight.tui import fmt, shop_facts
from shopinsight.tui.screens.customers_view import display_name

if TYPE_CHECKING:
    from shopinsight.core.shop import Shop

TIMELINE_WIDTH = 28


def customer_detail(data: Shop, customer_id: str) -> dict[str, Any]:
    """Everything the panel shows about one customer, as plain values (the segment history
    apart: `with_history`, in a second worker)."""
    prof = data.profiles()
    rows = prof.table.filter(pl.col("customer_id") == customer_id)
    if rows.height == 0:
        return {"customer_id": customer_id, "missing": True}
    row = rows.row(0, named=True)
    row["first_order"] = local_value(row.get("first_order"), data.tz())  # the shop's clock
    tags = prof.tags.filter(pl.col("customer_id") == customer_id).to_dicts()
    orders = data.customer_orders(customer_id)
    out: dict[str, Any] = {
        "customer_id": customer_id,
        "row": row,
        "tags": tags,
        "orders": orders,
        "as_of": data.as_of(),
        "currency": prof.currency,
        "first_day": data.first_day(),
        # no amounts in the exports (core facts): no spend to predict, no money at risk
        "no_amounts": shop_facts.no_amounts(data.order_status()),
    }
    churn = data.peek("churn:")  # Shop.churn() memo key (default horizon)
    if churn is not None:
        hit = churn.alerts.filter(pl.col("customer_id") == customer_id)
        out["churn"] = hit.row(0, named=True) if hit.height else None
    value = data.peek("value:")  # Shop.value() memo key (default horizon)
    if value is not None:
        hit = value.table.filter(pl.col("customer_id") == customer_id)
        out["value"] = hit.row(0, named=True) if hit.height else None
        out["value_horizon"] = value.horizon_days
    gifts = data.peek("gifts:open")  # Shop.gifts() memo key (open orders)
    if gifts is not None:
        out["gift"] = customer_gift(data, gifts, rows)
    return out


def with_history(data: Shop, d: dict[str, Any]) -> dict[str, Any]:
    """The detail with the customer's segment at the last month-ends (Shop.segment_history)."""
    if d.get("missing"):
        return d
    return {**d, "history": data.segment_history(d["customer_id"]).to_dicts()}


FIRST_DETAIL = "detail:first"
"""The Shop memo key of the warmed-up first detail (`data_changed(keys=("detail", …))`, as a
tag change does, forgets it)."""


DETAIL_INPUTS = ("profiles", "churn:", "value:", "gifts:open")
"""The Shop memo keys of the results `customer_detail` reads."""


def warm_first_detail(data: Shop, customer_id: str) -> None:
    """In the warm-up: render the detail of the customer the table opens on, for
    `first_detail` (a worker-free first visit of the Customers screen). The results it was
    read from are kept with it (taken before: one replaced meanwhile never matches)."""
    inputs = tuple(data.peek(key) for key in DETAIL_INPUTS)
    data.forget(FIRST_DETAIL)
    rendered = render_detail(with_history(data, customer_detail(data, customer_id)))
    data.memo(FIRST_DETAIL, lambda: (customer_id, inputs, rendered))


def first_detail(data: Shop, customer_id: str) -> Group | Text | None:
    """The detail `warm_first_detail` rendered for `customer_id`, if it was read from the
    results `data` holds now; None otherwise (the screen's worker reads it then)."""
    hit = data.peek(FIRST_DETAIL)
    if hit is None or hit[0] != customer_id:
        return None
    now = (data.peek(key) for key in DETAIL_INPUTS)
    if not all(a is b for a, b in zip(hit[1], now, strict=True)):
        return None
    return hit[2]  # type: ignore[no-any-return]


def timeline(days: list[dt.date], start: dt.date, end: dt.date, width: int) -> str:
    """Orders as dots on a line from the shop's first order to the as-of day."""
    span = max((end - start).days, 1)
    cells = ["─"] * width
    for day in days:
        pos = min(width - 1, max(0, round((day - start).days / span * (width - 1))))
        cells[pos] = "●"
    return "".join(cells)


def render_detail(d: dict[str, Any]) -> Group | Text:
    """The detail panel's text (every value from an export shown visibly, never obeyed)."""
    d = _visible(d)
    if d.get("missing"):
        return Text(f"{d['customer_id']}: no counted order up to the as-of day.", style="dim")
    r = d["row"]
    cur = d["currency"]
    parts: list[Any] = []
    name = display_name(d["customer_id"], r.get("customer_name"), r.get("email"))
    head = Text(str(name), style="bold")
    if r.get("email") and r.get("email") != name:
        head.append(f"\n{r['email']}", style="dim")
    if r.get("country"):
        head.append(f" · {r['country']}", style="dim")
    parts.append(head)
    since = str(r.get("first_order") or "")[:10]
    gap = r.get("typical_gap_days")
    # a purchase keeps money unless its export had none: spent 0 is a file without amounts
    no_money = not r.get("monetary")
    spent = (
        " (their orders carry no amounts)"
        if no_money
        else f", spent {fmt.money(r.get('monetary'), cur)} (avg {fmt.money(r.get('aov'), cur)})"
    )
    facts = (
        f"{plural(r['orders'], 'order')} since {since}{spent}; last order "
        f"{plural(r.get('recency_days'), 'day')} ago"
        + (f", usually every {plural(round(gap), 'day')}" if gap else "")
    )
    parts.append(Text(facts))
    if r.get("favorite_product"):
        parts.append(Text(f"Favourite: {r['favorite_product']}", style="dim"))

    orders: pl.DataFrame = d["orders"]
    parts.append(Text("\nOrders", style="bold underline"))
    days = orders["order_day"].to_list()
    line = timeline(
        days, d["first_day"] or (days[0] if days else d["as_of"]), d["as_of"], TIMELINE_WIDTH
    )
    parts.append(Text(line, style="cyan", no_wrap=True, overflow="crop"))
    for o in orders.tail(6).reverse().iter_rows(named=True):
        flag = "" if o["counted"] else f" {o['status']}"
        gift = " gift" if o["is_gift"] else ""
        parts.append(
            Text(
                f"{o['order_day']}"
                + ("" if no_money else f" {fmt.money(o['net_revenue'], cur):>9}")
                + f" ×{o['items'] or 0}"
                f"{flag}{gift}",
                no_wrap=True,
                overflow="ellipsis",
            )
        )
    if orders.height > 6:
        parts.append(Text(f"… and {orders.height - 6} earlier orders", style="dim"))

    parts.append(Text("\nSegment", style="bold underline"))
    seg = Text(str(r.get("segment")), style="bold")
    seg.append(f" — {fmt.unnamed(r.get('segment_reason'))}")
    parts.append(seg)
    if "history" not in d:  # read after the rest (its month-ends may need computing)
        parts.append(Text("Segment history: computing…", style="dim"))
    elif d["history"]:
        parts.append(Text(f"Segment history: {history_text(d['history'])}", style="dim"))

    parts.append(Text("\nTags", style="bold underline"))
    if not d["tags"]:
        parts.append(Text("none", style="dim"))
    for t in d["tags"]:
        line_t = Text(f"• {t['tag']}", style="bold")
        line_t.append(f" — {fmt.unnamed(t['reason'])}")
        if t.get("origin") == "manual":
            line_t.append(" (yours)", style="italic")
        parts.append(line_t)

    parts.append(Text("\nChurn risk", style="bold underline"))
    if "churn" not in d:
        parts.append(Text("computing…", style="dim"))
    elif d["churn"] is None:
        parts.append(Text("not scored (needs more order history)", style="dim"))
    else:
        parts.append(churn_text(d["churn"], cur))

    parts.append(Text("\nValue", style="bold underline"))
    if "value" not in d:
        parts.append(Text("computing…", style="dim"))
    elif d["value"] is None:
        parts.append(Text("not predicted", style="dim"))
    elif d.get("no_amounts"):  # an expected 0.00 (range 0.00–0.00) would read as a figure
        parts.append(Text(f"no spend predicted: {shop_facts.NO_AMOUNTS_WHY}", style="dim"))
    else:
        parts.append(Text(value_text(d["value"], d["value_horizon"], cur)))

    parts.append(Text("\nGift and note", style="bold underline"))
    if "gift" not in d:
        parts.append(Text("computing…", style="dim"))
    elif d["gift"] is None:
        parts.append(Text("no gift policy applies", style="dim"))
    else:
        g = d["gift"]
        gift = Text(str(g.get("gift") or g.get("gift_kind")), style="bold")
        if g.get("gift_cost") is not None:
            gift.append(f" ({fmt.money(g['gift_cost'], cur)})")
        gift.append(f" — {fmt.unnamed(g.get('reason'))}")
        parts.append(gift)
        if g.get("note"):
            parts.append(Text(str(g["note"]), style="italic"))
    return Group(*parts)


def _visible(value: Any) -> Any:
    """Text values (in dicts, lists and frames) with control characters shown as escapes."""
    if isinstance(value, str):
        return visible(value, keep_newlines=True)
    if isinstance(value, dict):
        return {k: _visible(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_visible(v) for v in value]
    if isinstance(value, pl.DataFrame):
        return value.with_columns(visible_expr(pl.col(pl.Utf8)))
    return value


def churn_text(c: dict[str, Any], currency: str) -> Text:
    risk = c.get("risk")
    text = Text(f"{fmt.pct(risk)} risk" if risk is not None else "risk unknown", style="bold")
    if c.get("value_at_risk") is not None:
        text.append(f", {fmt.money(c['value_at_risk'], currency)} at risk")
    elif c.get(ORDERS_AT_RISK) is not None:  # no amounts: ranked by orders (churn.stake)
        text.append(f", {orders_text(c[ORDERS_AT_RISK])} orders at risk")
    if c.get("expected_next_order"):
        text.append(f", next order expected {str(c['expected_next_order'])[:10]}")
    if c.get("state") and c.get("state") not in ("new", "open"):
        text.append(f" [{c['state']}]", style="italic")
    for reason in c.get("reasons") or []:
        text.append(f"\n  • {fmt.unnamed(reason)}")
    if c.get("action"):
        text.append(f"\n  → {fmt.unnamed(c['action'])}", style="italic")
    return text


def horizon_words(days: int) -> str:
    """365 -> 'the next 12 months'; 90 -> 'the next 3 months'; 10 -> 'the next 10 days'."""
    months = round(days / 30.44)
    if months >= 1 and abs(days - months * 30.44) <= 3:
        return f"the next {plural(months, 'month')}"
    return f"the next {plural(days, 'day')}"


def value_text(v: dict[str, Any], horizon_days: int, currency: str) -> str:
    """'Expected over the next 12 months: $X (range $L–$H), tier High; P(alive) 0.83'."""
    cur = v.get("currency") or currency
    p_alive = v.get("p_alive")
    return (
        f"Expected over {horizon_words(horizon_days)}: {fmt.money(v.get('expected_value'), cur)}"
        f" (range {fmt.money(v.get('low'), cur)}–{fmt.money(v.get('high'), cur)}), "
        f"tier {v.get('tier')}"
        + (f"; P(alive) {p_alive:.2f}" if p_alive is not None and (v.get("n") or 0) > 1 else "")
    )


def history_text(history: list[dict[str, Any]]) -> str:
    """'Jun New Customers → Aug Potential Loyal → Nov Champions' (month of each change)."""
    if len(history) == 1:
        return f"{history[0]['segment']} at every month-end since {history[0]['day']:%b %Y}"
    return " → ".join(f"{h['day']:%b} {h['segment']}" for h in history)
