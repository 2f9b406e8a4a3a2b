"""Shopify: the orders export (73- and 79-column layouts) and the customers export.

Orders: one row per line item; order fields (status, totals, addresses, refunds) only on the
order's first row, so they are filled down within each order (`Name`). Refunds are order-level
only (`Refunded Amount`); `Tip` and gift-card lines are pseudo-lines. Customers: attributes
(names, consent, existing tags) matched to orders by email.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import polars as pl

from shopinsight.core.importers.base import (
    BUYER,
    CUSTOMER,
    REASON,
    BuildContext,
    Format,
    col,
    customer_key,
    run_starts,
)
from shopinsight.core.importers.values import (
    bad_values,
    boolean,
    boolean_series,
    clean_series,
    datetime_series,
    first_clean,
    join_reasons,
    kept_where,
    money_series,
    sniff_date_formats,
    words,
)
from shopinsight.core.orders import add_offset_note
from shopinsight.core.schema import LINE_KIND, STATUS

SOURCE = "shopify"

ORDER_FIELDS = [
    "email", "financial status", "fulfillment status", "accepts marketing", "currency",
    "shipping", "total", "discount code", "discount amount", "billing name", "billing address1",
    "billing city", "billing zip", "billing province", "billing country", "billing phone",
    "shipping name", "shipping address1", "shipping city", "shipping zip", "shipping province",
    "shipping country", "notes", "note attributes", "cancelled at", "refunded amount", "source",
    "phone",
]  # fmt: skip
"""The order-level columns used (only on each order's first row)."""

TEXT_AS_IS = [
    "email", "billing name", "shipping name", "discount code", "notes", "note attributes",
    "source",
]  # fmt: skip
"""Order-level text kept as written (cleaned), on every order."""

PLACES = [("country", "country"), ("province", "region"), ("city", "city"), ("zip", "postal_code")]
"""Where an order goes: the shipping address, else the billing one."""

STATUSES = [
    "paid", "pending", "authorized", "partially_paid", "partially_refunded", "refunded",
    "voided", "expired",
]  # fmt: skip
FULFILMENTS = ["fulfilled", "unfulfilled", "partial", "restocked"]
"""Financial and fulfilment statuses as Shopify writes them (others are cleaned first)."""

ADDRESSES = ("shipping address1", "billing address1")

GIFT_WORDS = r"(?i)gift|present|birthday|regalo|geschenk|cadeau|礼物|送|生日|贺卡"

LINE_FIELDS = [
    "name", "created at", "lineitem quantity", "lineitem name", "lineitem price",
    "lineitem sku", "lineitem requires shipping", "lineitem discount", "vendor",
]  # fmt: skip


HEAD_FIELDS = ("financial status", "total", "currency")
"""Order-level columns set on an order's first row in the export (and only there)."""


def _order_rows(
    order_id: pl.Series, heads_raw: pl.DataFrame
) -> tuple[pl.Series, pl.Series, bool, pl.Series | None]:
    """Each order's row holding its order fields (a mask), for every row the index of its
    order among them, whether each order's rows are one run, and the lines' numbers where
    the file does not give them by runs (None: `finish` numbers each run).

    Shopify lists an order's rows together, the order fields on the first: each run of one
    order id is one order, and its index is a running count (no hashing of a million ids).
    A file whose orders are apart (sorted in a spreadsheet, or exports pasted one after the
    other) is matched by id instead: an order's fields come from its row that has them (a
    row sorted above it has none), the last such row when the order is there more than once
    (a later export of it, say refunded since). Its lines are numbered within each copy of
    the order, so a copy repeats the first's line keys and the import keeps one of each.
    """
    first = run_starts(order_id)
    heads = order_id.filter(first)
    if heads.n_unique() == heads.len():
        return first, (first.cast(pl.UInt32).cum_sum() - 1).alias("__order"), True, None
    has_fields = heads_raw.select(
        pl.any_horizontal(pl.col(c).map_batches(clean_series).is_not_null() for c in HEAD_FIELDS)
    ).to_series()
    rows = pl.DataFrame({"o": order_id, "f": has_fields}).with_row_index("i")
    copy = (pl.col("f").cast(pl.Int32).cum_sum().over("o") - 1).clip(lower_bound=0)
    line_no = rows.select(
        (pl.int_range(pl.len(), dtype=pl.Int32).over("o", copy) + 1).alias("line_no")
    ).to_series()
    head = rows.group_by("o", maintain_order=True).agg(
        pl.coalesce(pl.col("i").filter("f").last(), pl.col("i").first()).alias("h")
    )
    first = rows["i"].is_in(head["h"].implode())
    index = head.sort("h").select("o").with_row_index("__order")
    of = rows.join(index, on="o", how="left", maintain_order="left", nulls_equal=True)
    return first, of["__order"], False, line_no


def _workspace_order(lines: pl.DataFrame, first: pl.Series, runs: bool) -> pl.Series:
    """Row positions that put lines in workspace order: time, order id, file row.

    When each order is one run of rows sharing one date (a Shopify export), only the orders
    are sorted (0.6 per line) and each brings its run along; otherwise every line is."""
    at = lines["ordered_at"]
    if runs:
        starts = first.arg_true()
        heads = pl.DataFrame(
            {
                "at": at.filter(first),
                "id": lines["order_id"].filter(first),
                "start": starts,
                "end": starts.shift(-1, fill_value=lines.height),
            }
        )
        of = lines["__order"]
        if not at.ne_missing(heads["at"].gather(of)).any():
            ranges = heads.sort("at", "id", nulls_last=True).select(
                pl.int_ranges("start", "end", dtype=pl.UInt32)
            )
            return ranges.to_series().explode()
    return lines.select(pl.arg_sort_by("ordered_at", "order_id", "__row", nulls_last=True))[:, 0]


def _differs_ignoring_case(a: pl.Series, b: pl.Series) -> pl.Series:
    """a != b ignoring case (null if either is null); only unequal pairs are lower-cased."""
    out = a != b
    rows = out.fill_null(False).arg_true()
    if rows.len():
        lower_a, lower_b = a.gather(rows).str.to_lowercase(), b.gather(rows).str.to_lowercase()
        out = out.scatter(rows, lower_a != lower_b)
    return out


def _ships_to_other(raw: pl.DataFrame, ship_name: pl.Series, bill_name: pl.Series) -> pl.Series:
    """Shipped to another person (a gift sign): other name and, if known, other address.
    Addresses are only cleaned and compared for the orders whose names differ."""
    other = _differs_ignoring_case(ship_name, bill_name).fill_null(False)
    rows = other.arg_true()
    if rows.len():
        ship, bill = (clean_series(raw[c].gather(rows)) for c in ADDRESSES)
        other = other.scatter(rows, (ship != bill).fill_null(True))
    return other


def _currency(values: pl.Series) -> pl.Series:
    """Upper-case currency code; codes already written so (all, usually) are kept as they are."""
    return kept_where(values, values.str.contains(r"^[A-Z]{3}$"), lambda c: c.str.to_uppercase())


def _order_fields(raw: pl.DataFrame) -> pl.DataFrame:
    """One row per order (its first export row) with the order-level fields parsed.

    Work is spent where it changes a value: a billing column is only cleaned where the
    shipping one is empty, the buyer fallback only for orders without an email, and so on.
    """
    text = pl.DataFrame([clean_series(raw[c]) for c in TEXT_AS_IS])
    bill_name, ship_name = text["billing name"], text["shipping name"]
    fin = words(raw["financial status"], STATUSES)
    cancelled = clean_series(raw["cancelled at"]).is_not_null()
    status = (
        pl.when(fin == "refunded")
        .then(pl.lit("refunded", STATUS))
        .when(fin == "partially_refunded")
        .then(pl.lit("partially_refunded", STATUS))
        .when((fin == "voided") | cancelled)
        .then(pl.lit("cancelled", STATUS))
        # authorized (the card held until the goods ship: manual capture) and partially paid
        # (a balance due) are sales and orders to pack; pending and expired: no payment yet
        .when(fin.is_in(["pending", "expired"]))
        .then(pl.lit("pending", STATUS))
        .otherwise(pl.lit("paid", STATUS))
    )
    c = pl.col
    notes = c("notes")
    gift_attr = c("note attributes").str.extract(r"(?im)^[^:\n]*gift[^:\n]*:\s*(.+)$", 1)
    gift_message = pl.coalesce(gift_attr, pl.when(notes.str.contains(GIFT_WORDS)).then(notes))
    order_total = money_series(raw["total"])
    orders = text.select(
        c("email"),
        c("billing name").alias("customer_name"),
        c("shipping name").alias("shipping_name"),
        c("billing name").alias("billing_name"),
        *(first_clean(raw[f"shipping {f}"], raw[f"billing {f}"]).alias(name) for f, name in PLACES),
        order_total.alias("order_total"),
        money_series(raw["discount amount"]).fill_null(0.0).alias("order_discount"),
        money_series(raw["shipping"]).fill_null(0.0).alias("shipping"),
        money_series(raw["refunded amount"]).fill_null(0.0).alias("refunded"),
        _currency(raw["currency"]).alias("currency"),
        status.alias("status"),
        (words(raw["fulfillment status"], FULFILMENTS) == "fulfilled")
        .fill_null(False)
        .alias("fulfilled"),
        c("discount code").alias("discount_code"),
        notes.alias("order_note"),
        gift_message.alias("gift_message"),
        (gift_message.is_not_null() | _ships_to_other(raw, ship_name, bill_name)).alias("is_gift"),
        boolean_series(raw["accepts marketing"]).alias("accepts_marketing"),
        c("source").alias("channel"),
    )
    key = customer_key(SOURCE, orders.select("email"))
    rows = key.is_null().arg_true()
    if rows.len():  # no email: the phone, else the billing name
        buyer = first_clean(raw["phone"].gather(rows), raw["billing phone"].gather(rows))
        buyer = buyer.fill_null(bill_name.gather(rows)).alias(BUYER)
        key = key.scatter(rows, customer_key(SOURCE, buyer.to_frame()))
    orders = orders.with_columns(key.alias(CUSTOMER))
    reason = bad_values(raw["total"], order_total, "amount", "Total")
    return orders if reason is None else orders.with_columns(reason.alias("__order_reason"))


def _order_dates(created: pl.Series, first: pl.Series, of: pl.Series, tz: str) -> pl.Series:
    """Each line's date, parsed once per order: an order's lines repeat its first row's date
    (about 0.6 orders per line); a line whose text differs is parsed on its own."""
    heads = created.filter(first)
    formats = sniff_date_formats(heads)
    at = datetime_series(heads, formats, tz).gather(of)
    odd = created.ne_missing(heads.gather(of)).arg_true()
    if odd.len():
        text = created.gather(odd)
        formats = list(dict.fromkeys([*formats, *sniff_date_formats(text)]))
        at = at.scatter(odd, datetime_series(text, formats, tz))
    return at


def _line_fields(
    frame: pl.DataFrame, ctx: BuildContext, first: pl.Series, of: pl.Series
) -> pl.DataFrame:
    """The per-line fields: date, product, quantity, price, kind (product, tip, gift card)."""
    created = frame["created at"]
    at = _order_dates(created, first, of, ctx.timezone)
    add_offset_note(ctx.warnings, created.filter(first), ctx.timezone)  # one text per order
    quantity = money_series(frame["lineitem quantity"]).round(0).cast(pl.Int32, strict=False)
    price = money_series(frame["lineitem price"])
    discount = money_series(frame["lineitem discount"]).fill_null(0.0)
    ships = boolean_series(frame["lineitem requires shipping"])
    name, sku = clean_series(frame["lineitem name"]), clean_series(frame["lineitem sku"])
    # gift cards are the items that do not ship; only those are searched for the words
    no_ship = (ships == False).arg_true()  # noqa: E712
    gift_card = pl.repeat(False, frame.height, eager=True).scatter(
        no_ship, name.gather(no_ship).str.contains("(?i)gift ?card").fill_null(False)
    )
    kind = (
        pl.when(name.str.contains("(?i)^tip$"))
        .then(pl.lit("tip", LINE_KIND))
        .when(gift_card)
        .then(pl.lit("gift_card", LINE_KIND))
        .otherwise(pl.lit("product", LINE_KIND))
    )
    no_sku = (sku.is_null() & name.is_not_null()).arg_true()
    if no_sku.len():
        sku = sku.scatter(no_sku, name.gather(no_sku).str.to_lowercase())
    lines = pl.DataFrame(
        {
            "__row": frame["__row"],
            "ordered_at": at,
            "sku": sku,
            "product_name": name,
            "category": clean_series(frame["vendor"]),
            "quantity": quantity,
            "unit_price": price,
            "line_total": quantity * price - discount,
        }
    ).with_columns(kind.alias("line_kind"))
    reason = join_reasons(
        bad_values(created, at, "date", "Created at"),
        bad_values(frame["lineitem quantity"], quantity, "number", "Lineitem quantity"),
        bad_values(frame["lineitem price"], price, "amount", "Lineitem price"),
    )
    return lines if reason is None else lines.with_columns(reason.alias("__line_reason"))


def build_orders(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """Shopify orders export → canonical lines, oldest order first.

    Order fields are only on an order's first row: they are parsed once per order (about
    0.6 rows per line) and copied onto each of its lines by position, not by a join. The
    lines are put in workspace order (time, order, file row) before that copy, while they
    are narrow: the workspace then has nothing to re-sort (Shopify exports newest first).
    Both threads stick to Series operations, which release the GIL (no Python callbacks
    from Polars' thread pool while another thread waits on it).
    """
    for missing in {*LINE_FIELDS, *ORDER_FIELDS} - set(frame.columns):
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(missing))
    # One chunk per column (the CSV reader hands over dozens): the many small operations
    # per column run 20% faster on it. Only the line columns and the orders' rows are copied
    # (a copy of the whole batch would add 10% to the peak memory of a big import).
    orders_raw = frame.select(ORDER_FIELDS)
    frame = frame.select("__row", *LINE_FIELDS).rechunk()
    order_id = clean_series(frame["name"]).alias("order_id")
    first, of, runs, line_no = _order_rows(order_id, orders_raw.select(HEAD_FIELDS))
    with ThreadPoolExecutor(1) as pool:  # order and line fields are parsed side by side
        parsed = pool.submit(_order_fields, orders_raw.filter(first).rechunk())
        del orders_raw
        lines = _line_fields(frame, ctx, first, of).with_columns(order_id, of)
        if line_no is not None:
            lines = lines.with_columns(line_no)
        order = _workspace_order(lines, first, runs)
        if not (order.diff() == 1).all():
            lines = lines.select(pl.all().gather(order))
        orders = parsed.result()
    out = pl.concat(
        [lines.drop("__order"), orders.select(pl.all().gather(lines["__order"]))],
        how="horizontal",
    )
    parts = [out[c] for c in ("__line_reason", "__order_reason") if c in out.columns]
    reason = join_reasons(*parts)
    out = out.drop("__line_reason", "__order_reason", strict=False)
    return out if reason is None else out.with_columns(reason.alias(REASON))


def build_customers(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """Shopify customers export → customer attributes (both layouts)."""
    tags = col(frame, "tags")
    consent = boolean(col(frame, "accepts email marketing", "accepts marketing"))
    return frame.select(
        "__row",
        col(frame, "email").alias("email"),
        pl.coalesce(
            col(frame, "phone", "default address phone"),
            pl.concat_str(pl.lit("id:"), col(frame, "customer id")),
        ).alias(BUYER),
        col(frame, "first name").alias("first_name"),
        col(frame, "last name").alias("last_name"),
        col(frame, "phone", "default address phone").alias("phone"),
        col(frame, "default address country code", "country code", "country").alias("country"),
        consent.alias("accepts_marketing"),
        pl.when(tags.is_not_null())
        .then(tags.str.split(",").list.eval(pl.element().str.strip_chars()).list.drop_nulls())
        .otherwise(pl.lit([], dtype=pl.List(pl.Utf8)))
        .alias("existing_tags"),
        col(frame, "note").alias("note"),
    )


ORDERS = Format(
    name="shopify",
    title="Shopify orders export",
    description="Orders → Export (orders_export.csv); 73- and 79-column layouts.",
    signature=("name", "financial status", "lineitem quantity", "lineitem name", "created at"),
    required=("Name", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price"),
    build=build_orders,
    columns=tuple(LINE_FIELDS + ORDER_FIELDS),
)

CUSTOMERS = Format(
    name="shopify-customers",
    title="Shopify customers export",
    description="Customers → Export (customers_export.csv): tags, consent and names by email.",
    signature=("first name", "last name", "email", "accepts email marketing", "tags"),
    required=("Email", "First Name", "Last Name", "Accepts Email Marketing", "Tags"),
    build=build_customers,
    kind="customers",
    source="shopify",
)

FORMATS = [ORDERS, CUSTOMERS]
