"""Why a customer is on the churn list and what to do about it, in the merchant's words.

Reasons are facts from the customer's own history ("usually orders every 34 days, now 61 days
(1.8×)"); up to three are kept, most telling first. The suggested action is the first rule that
matches the customer's segment, tags and status; a full_price_loyal customer is never offered a
discount, a holiday-only buyer is left alone out of season. Nudges and reminders name the product
the shop's order sequence points to (what customers who first bought one thing bought next, as
gifts use it) when there is one.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

from shopinsight.core.bundles.basket import product_lines
from shopinsight.core.bundles.sequence import MIN_CUSTOMERS, sequence_next
from shopinsight.core.churn.rule import ChurnSettings, ShopCadence, next_season_start
from shopinsight.core.orders import UTC
from shopinsight.core.product_names import spoken_name

MAX_REASONS = 3
SEP = "\x1f"  # ASCII unit separator: never part of a reason
TOP_SEGMENTS = ["Champions", "Can't Lose Them", "Loyal Customers"]


def _int(expr: pl.Expr) -> pl.Expr:
    return expr.round(0).cast(pl.Int64).cast(pl.Utf8)


def reasons(
    table: pl.DataFrame, settings: ChurnSettings, cadence: ShopCadence, as_of: dt.date
) -> pl.DataFrame:
    """Add `reasons` (List[str], up to three, most telling first)."""
    repeat = pl.col("frequency") >= 2
    freq = _int(pl.col("frequency"))
    p50 = round(cadence.second_order_days[0])
    p95 = str(round(cadence.repeat_gap_p95 or 0))
    quantile = str(round(100 * settings.lapsed_gap_quantile))
    every = (
        pl.when(pl.col("gap_median").round(0) <= 1)
        .then(pl.lit("day"))
        .otherwise(pl.format("{} days", _int(pl.col("gap_median"))))
    )
    overdue = pl.format(
        "usually orders every {}, now {} days ({}×)",
        every,
        _int(pl.col("recency")),
        pl.col("overdue").round(1).cast(pl.Utf8),
    )
    one_timer = pl.format(
        "one order, {} days ago; second orders here usually come within {} days",
        _int(pl.col("recency")),
        pl.lit(str(p50)),
    )
    drop = _int(-100 * pl.col("spend_trend"))
    spend = (
        pl.when(pl.col("frequency") >= 4)
        .then(pl.format("spend down {}% over the last 3 orders", drop))
        .otherwise(pl.format("last order {}% smaller than the ones before", drop))
    )
    slowing = pl.format(
        "orders slowing: last gap {} days, {}× the usual",
        _int(pl.col("gap_last")),
        pl.col("gap_trend").round(1).cast(pl.Utf8),
    )
    discounted = _int(pl.col("discounted"))
    discount = (
        pl.when(pl.col("discount_share") >= 1)
        .then(pl.format("only buys with a discount ({} of {} orders)", discounted, freq))
        .otherwise(
            pl.format("discount-dependent: {} of {} orders used a discount", discounted, freq)
        )
    )
    fallback = (
        pl.when(repeat)
        .then(pl.format("last order {} days ago, {} orders in all", _int(pl.col("recency")), freq))
        .otherwise(pl.format("first and only order {} days ago", _int(pl.col("recency"))))
    )
    month = pl.lit(calendar.month_abbr[next_season_start(as_of, settings.holiday_months).month])
    candidates = [
        pl.when(pl.col("in_season_wait")).then(
            pl.format("holiday-only buyer: not expected before {}", month)
        ),
        pl.when(repeat & (pl.col("overdue") >= settings.due)).then(overdue),
        pl.when(
            repeat & (pl.col("status") == "lapsed") & (pl.col("overdue") < settings.lapsed)
        ).then(
            pl.format(
                "no order for {} days: longer than {}% of gaps between orders here ({} days)",
                _int(pl.col("recency")),
                pl.lit(quantile),
                pl.lit(p95),
            )
        ),
        pl.when(~repeat & (pl.col("status") != "new")).then(one_timer),
        pl.when(pl.col("last_refunded") == 1).then(
            pl.format("last order {}", pl.col("last_problem_kind"))
        ),
        pl.when(repeat & (pl.col("spend_trend") <= -settings.spend_drop)).then(spend),
        pl.when((pl.col("frequency") >= 3) & (pl.col("gap_trend") >= 2)).then(slowing),
        pl.when(repeat & (pl.col("discount_share") >= 0.5)).then(discount),
    ]
    # joined then split: several times faster than building lists of optional strings
    joined = pl.concat_str(
        [c.otherwise(None) for c in candidates], separator=SEP, ignore_nulls=True
    )
    # in two steps: read twice in one, the joined text was built twice
    table = table.with_columns(joined.alias("reasons"))
    joined = pl.when(pl.col("reasons") == "").then(fallback).otherwise(pl.col("reasons"))
    return table.with_columns(joined.str.split(SEP).list.head(MAX_REASONS).alias("reasons"))


ONE_TIME_STATUSES = ["new", "cooling", "second_order_at_risk"]  # a second-order nudge
REMINDER_STATUSES = ["due", "at_risk", "lapsing"]  # a reminder
FAVORITE = "_spoken_favorite"
"""The favourite product as a note names it (spoken_name), worked out once per table: five
rules read it, and a split of every name per rule was a third of the rules' cost."""

RULE_TAGS = ["full_price_loyal", "high_returner", "vip_spend", "holiday_only", "discount_hunter"]
"""The tags the action rules read: each looked up once per table (`with_favorite`) as a flag,
since wants_next and actions both read them (a list search per tag and per reader was most
of the cost of the rules' conditions)."""


def _tag_flag(tag: str) -> str:
    return f"_has_{tag}"


RULE_INPUTS = [FAVORITE, *(_tag_flag(t) for t in RULE_TAGS)]
"""The helper columns `with_favorite` adds (drop them once the actions are chosen)."""


def with_favorite(table: pl.DataFrame) -> pl.DataFrame:
    """`table` with FAVORITE and the RULE_TAGS flags, which wants_next and the action rules
    read."""
    if FAVORITE in table.columns:
        return table
    return table.with_columns(
        spoken_name(pl.col("favorite_product")).alias(FAVORITE),
        *(pl.col("tags").list.contains(t).alias(_tag_flag(t)) for t in RULE_TAGS),
    )


def journey_next(
    lines: pl.LazyFrame,
    customers: pl.Series | None = None,
    sequence: pl.DataFrame | None = None,
    tz: str = UTC,
) -> pl.DataFrame:
    """customer_id, next_product, next_after, next_share: per customer the target of the strongest
    order-sequence rule their first or latest purchase fires (`next_share` of the customers who
    first bought `next_after` and came back bought it next), from the order-sequence rules gifts
    use (`bundles.sequence`); never a product they own. Basket rules are left out on purpose:
    "goes with" is already what the action says without a product. `customers` limits the
    picks to those ids (the rules are still learnt from every customer); `sequence`, the
    shop's ranked rules (`Shop.sequence_rules`), saves learning them again. A purchase day is
    the shop's (`tz`, `[shop] timezone`): a customer's first and latest days, like the rules'."""
    names = (
        product_lines(lines)
        .group_by("sku")
        .agg(pl.col("product_name").sort_by("ordered_at").drop_nulls().last())
        .collect()
    )  # only names are read from the catalogue: no prices needed here
    picks = sequence_next(lines, names, MIN_CUSTOMERS, customers, sequence, tz)
    after = names.select(pl.col("sku").alias("_first"), pl.col("product_name").alias("next_after"))
    return (
        picks.with_columns(pl.col("antecedent").list.first().alias("_first"))
        .join(after, on="_first", how="left")
        .select(
            pl.col("customer_id").cast(pl.Utf8),
            pl.col("product_name").alias("next_product"),
            pl.col("next_after").fill_null(pl.col("_first")),
            pl.col("confidence").alias("next_share"),
        )
    )


BECAUSE = "_because"
"""Why the next product is suggested, worked out on the journey picks alone (a few of the
customers) before they are joined to the table: two rules read it."""


def _because() -> pl.Expr:
    """The words naming a journey pick (next_product, next_share, next_after)."""
    return pl.format(
        "suggest {} — {}% of customers who first bought {} and came back bought it next",
        spoken_name(pl.col("next_product")),
        (100 * pl.col("next_share")).round(0).cast(pl.Int64),
        spoken_name(pl.col("next_after")),
    )


def _action_rules(has_next: pl.Expr) -> tuple[list[tuple[pl.Expr, pl.Expr]], list[bool]]:
    """The action rules, first match wins, and which of them name the next product; `has_next`
    says the customer has a journey pick (those rules read BECAUSE)."""
    because = pl.col(BECAUSE)

    def tag(name: str) -> pl.Expr:  # with_favorite's flag
        return pl.col(_tag_flag(name))

    fav = pl.col(FAVORITE)  # what a note would call it (with_favorite)
    has_fav = fav.is_not_null()
    status = pl.col("status")
    one_time = status.is_in(ONE_TIME_STATUSES)
    reminder = status.is_in(REMINDER_STATUSES)
    full_price = tag("full_price_loyal").fill_null(False)
    nudge = (one_time & has_next, pl.format("second-order nudge: {}", because))
    remind = (reminder & has_next, pl.format("reminder: {}", because))
    rules: list[tuple[pl.Expr, pl.Expr]] = [
        (pl.col("in_season_wait"), pl.lit("nothing until the season: a reminder when it opens")),
        (pl.col("last_refunded") == 1,
         pl.lit("personal note asking what went wrong with the last order")),
        (tag("high_returner"), pl.lit("personal note (no offer: many returns)")),
        (full_price & has_fav,
         pl.format("personal note mentioning their favourite, {} (no discount: they pay full "
                   "price)", fav)),
        (full_price, pl.lit("personal note (no discount: they pay full price)")),
        ((pl.col("segment").is_in(TOP_SEGMENTS).fill_null(False) | tag("vip_spend")) & has_fav,
         pl.format("personal note from the owner, mentioning {}", fav)),
        (pl.col("segment").is_in(TOP_SEGMENTS).fill_null(False) | tag("vip_spend"),
         pl.lit("personal note from the owner")),
        (tag("holiday_only") & has_fav, pl.format("seasonal reminder: {} for this year", fav)),
        nudge,
        (one_time & has_fav, pl.format("second-order nudge: something that goes with {}", fav)),
        (one_time, pl.lit("second-order nudge: a welcome-back note")),
        (tag("discount_hunter"), pl.lit("win-back offer: a discount code")),
        (status.is_in(["lapsed", "one_and_done"]), pl.lit("win-back offer")),
        remind,
        (reminder & has_fav, pl.format("favourite-product reminder: {}", fav)),
        (reminder, pl.lit("friendly reminder")),
    ]  # fmt: skip
    return rules, [rule is nudge or rule is remind for rule in rules]


def wants_next() -> pl.Expr:
    """Whose action would name a next product should they have one: the first rule matching
    them with a pick is a nudge or reminder naming it. Only they need a pick (an action before
    those rules does not depend on it), so only their journeys are worked out. Reads FAVORITE
    (with_favorite)."""
    rules, names_next = _action_rules(pl.lit(True))
    flags = [(cond, pl.lit(flag)) for (cond, _), flag in zip(rules, names_next, strict=True)]
    return _first_match(flags, pl.lit(False))


def _first_match(rules: list[tuple[pl.Expr, pl.Expr]], otherwise: pl.Expr) -> pl.Expr:
    """The value of the first rule whose condition holds (a null condition does not)."""
    expr: Then | ChainedThen = pl.when(rules[0][0].fill_null(False)).then(rules[0][1])
    for cond, value in rules[1:]:
        expr = expr.when(cond.fill_null(False)).then(value)
    return expr.otherwise(otherwise)


def actions(
    table: pl.DataFrame,
    lines: pl.LazyFrame | None = None,
    customers: pl.Series | None = None,
    sequence: pl.DataFrame | None = None,
    tz: str = UTC,
) -> pl.DataFrame:
    """Add `action`: one suggestion keyed to season, refunds, tags, segment and status.

    With `lines` (as of the day), nudges and reminders name the next product of the customer's
    journey (`journey_next`, purchase days on the shop's clock `tz`), for `customers` only when
    given (the alerted ones); without one they say what they said before.
    """
    nexts = journey_next(lines, customers, sequence, tz=tz) if lines is not None else None
    added = FAVORITE not in table.columns
    table = with_favorite(table)
    if nexts is not None and nexts.height:
        table = table.join(
            nexts.with_columns(
                pl.col("customer_id").cast(table.schema["customer_id"]), _because().alias(BECAUSE)
            ),
            on="customer_id",
            how="left",
        )
    else:
        table = table.with_columns(
            pl.lit(None, pl.Utf8).alias("next_product"),
            pl.lit(None, pl.Utf8).alias("next_after"),
            pl.lit(None, pl.Float64).alias("next_share"),
            pl.lit(None, pl.Utf8).alias(BECAUSE),
        )
    rules, _ = _action_rules(pl.col("next_product").is_not_null())
    action = _first_match(rules, pl.lit("no action needed yet")).alias("action")
    drop = ["next_product", "next_after", "next_share", BECAUSE, *(RULE_INPUTS if added else [])]
    return table.with_columns(action).drop(drop)
