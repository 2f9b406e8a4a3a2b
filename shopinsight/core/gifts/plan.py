"""The gift plan of a `Shop`: what `results.load_gifts` computes on a cold start.

It reads only what the plan needs, so a big shop's plan fits in memory beside everything else:
- the profiles' currency and notes from their cached meta, and the customer table's
  `PROFILE_COLUMNS` (14 of ~80) from its cached file, only once the heavy steps are done;
- the order lines' `LINE_COLUMNS` (14 of 35), scanned by each step that reads them (catalogue,
  next products, what each customer already bought) instead of held in memory;
- the orders to pack straight from the stored lines (open ones: a few thousand rows), found
  once and handed to `packing_plan`.
Same frames as from the whole customer table and every collected line column (5M lines: peak
RSS ~3.9 -> ~1.5 GB, same CPU time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from shopinsight.core.results import GiftsResult
    from shopinsight.core.shop import Shop

PROFILE_COLUMNS = [
    "customer_id", "segment", "tags", "monetary", "monetary_12m", "currency", "favorite_sku",
    "favorite_product", "favorite_category", "first_name", "customer_name", "orders",
    "first_order", "reason",
]  # fmt: skip
"""The customer columns the plan reads: picks (segment, tags, 12-month spend, favourites,
currency), preview pool (monetary), packing plan and notes (names, orders, first order);
`reason` too, since the previews join the picks onto the profiles (the profile's own
`reason` column is the one their output keeps)."""

LINE_COLUMNS = [
    "source", "store", "order_id", "line_kind", "ordered_at", "customer_id", "sku",
    "product_name", "category", "unit_price", "currency", "status", "order_total", "refunded",
]  # fmt: skip
"""The line columns the catalogue, the next products and the picks read (order_total and
refunded: the budget currency's fallback counts revenue with them); a missing one is an error
in the step that reads it, never a silent difference."""


def preview_pool() -> pl.Expr:
    """The customers given a pick for the preview notes: each segment's PREVIEW_POOL biggest
    spenders, equal spend by customer id (the customer table's row order is not fixed: ties
    by position picked other customers on another run)."""
    from shopinsight.core.gifts.packing import PREVIEW_POOL

    spend = (-pl.col("monetary")).fill_null(float("inf"))
    rank = pl.struct(spend.alias("m"), "customer_id").rank("ordinal").over("segment")
    return pl.col("monetary").is_not_null() & (rank <= PREVIEW_POOL)


def gift_parts(shop: Shop, orders: str = "open") -> dict[str, Any]:
    """Gift picks for the customers of the orders to pack (and each segment's top spenders, for
    the previews), the packing plan and its notes, reusing the cached profiles and bundle rules.

    Output: the frames plan, picks, previews, catalogue and meta (currency, notes), which
    `results.load_gifts` caches, and suggestions (the picked customers' next products, which
    the picks were made from: not kept, the picks carry the one chosen)."""
    from shopinsight.core.bundles import next_products, product_catalogue
    from shopinsight.core.bundles.sequence import MIN_CUSTOMERS
    from shopinsight.core.gifts.campaigns import held_back_customers
    from shopinsight.core.gifts.notes import preview_notes
    from shopinsight.core.gifts.packing import packing_plan, plan_orders
    from shopinsight.core.gifts.policies import gift_picks, gift_policies
    from shopinsight.core.orders import OPEN_WITHIN_DAYS, stale_open_order
    from shopinsight.core.results import profile_columns, profile_meta
    from shopinsight.core.words import plural

    config = shop.config()  # settings are read only when computing (~40 ms to validate)
    policies = gift_policies(config)
    currency, prof_notes = profile_meta(shop)
    day = shop.as_of()
    # the orders to pack straight from the stored lines: open ones are a few thousand rows
    todo = plan_orders(shop.lines(), orders, day, shop.tz())
    # the line columns read straight from the stored lines by each step (projection and
    # filters pushed into the scan), never held: at 5M lines a collected copy (~0.65 GB) sat
    # under the catalogue's working memory (~1 GB) for the same CPU time
    lines = shop.lines().select(LINE_COLUMNS)
    # last_sold on the shop's day, like the as-of day and the purchase days of the rules
    catalogue = product_catalogue(lines, currency or None, tz=shop.tz())
    wanted = pl.col("customer_id").is_in(todo["customer_id"].drop_nulls().implode())
    top = preview_pool()
    # next products only for the customers given a pick (the orders to pack, the previews'
    # pool): trying the rules on every customer was half a 1M-line plan's CPU time; the rules
    # are the shop's, cached, for the others' picks on demand (`customer_gift`)
    spend = profile_columns(shop, ["customer_id", "segment", "monetary"])  # computed if missing
    pool = spend.filter(wanted | top)["customer_id"]
    rules, sequence = shop.bundles().rules, shop.sequence_rules()  # cached (churn learnt them)
    suggestions = next_products(
        lines, rules, catalogue, MIN_CUSTOMERS, pool, sequence, tz=shop.tz()
    )
    # the customer columns only now: not held through the two steps above, the heaviest (at
    # 5M lines ~0.4 GB beside their ~1 GB of working memory)
    table = profile_columns(shop, PROFILE_COLUMNS)
    picks = gift_picks(table.filter(wanted | top), catalogue, suggestions, lines, config)
    buyers = todo.filter(pl.col("is_gift"))["customer_id"].drop_nulls().unique()
    gift_order_picks = gift_picks(
        table.filter(pl.col("customer_id").is_in(buyers.implode())),
        catalogue, suggestions, lines, config, gift_orders=True,
    )  # fmt: skip
    held = held_back_customers(shop.ws, day)
    plan = packing_plan(None, table, picks, config, orders, gift_order_picks, held, day, todo=todo)
    previews = preview_notes(table, picks, policies, config)
    notes = list(prof_notes)
    stale = 0
    if orders == "open":  # three columns of the flagged orders, not all of them
        flags = shop.order_columns(["status", "fulfilled", "ordered_at"])
        stale = flags.filter(stale_open_order(day, shop.tz())).height
    if stale:
        notes.append(
            f"{plural(stale, 'paid order')} placed more than {OPEN_WITHIN_DAYS} days before "
            f"{day} still {'shows' if stale == 1 else 'show'} as unfulfilled: left out of the "
            "plan (the export that listed them open may predate their shipping; "
            "--orders all lists every order)."
        )
    n_held = plan.filter(pl.col("reason").str.starts_with("held back")).height
    if n_held:
        notes.append(f"{n_held} orders belong to a campaign's control group: no gift, no note.")
    return {
        "plan": plan, "picks": picks, "previews": previews, "suggestions": suggestions,
        "catalogue": catalogue, "meta": {"currency": currency, "notes": notes},
    }  # fmt: skip


def customer_gift(shop: Shop, gifts: GiftsResult, rows: pl.DataFrame) -> dict[str, Any] | None:
    """The gift pick and note of the customer in `rows` (one customer-table row): from the plan
    when they are in it, else picked now from their own lines with the plan's catalogue and
    rules (the same pick the plan would have made). None when no gift fits."""
    from shopinsight.core.bundles import next_products
    from shopinsight.core.bundles.sequence import MIN_CUSTOMERS
    from shopinsight.core.gifts.notes import note_values, render_by_template
    from shopinsight.core.gifts.policies import gift_picks, gift_policies

    cid = rows["customer_id"][0]
    config = shop.config()
    pick = gifts.picks.filter(pl.col("customer_id") == cid)
    if pick.height == 0:
        mine = shop.lines().select(LINE_COLUMNS).filter(pl.col("customer_id") == cid)
        lines = mine.collect().lazy()
        # the lines are theirs alone already: no customer filter, only the shop's rules
        rules, sequence = shop.bundles().rules, shop.sequence_rules()
        nexts = next_products(
            lines, rules, gifts.catalogue, MIN_CUSTOMERS, sequence=sequence, tz=shop.tz()
        )
        pick = gift_picks(rows, gifts.catalogue, nexts, lines, config)
    if pick.height == 0:
        return None
    merged = rows.join(pick.drop("currency", strict=False), on="customer_id")
    policies = gift_policies(config)
    note = render_by_template(note_values(merged, config), merged["template"], policies.templates)
    return {**pick.row(0, named=True), "note": note[0]}
