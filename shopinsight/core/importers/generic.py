"""Generic order lines: any CSV with recognisable columns, or columns named with `--map`.

Recognises the classic Online Retail layout (InvoiceNo, InvoiceDate, StockCode, Description,
Quantity, UnitPrice, CustomerID, Country) and common order_id/date/customer/sku/qty/price
variants, and its own canonical field names (`order_id, ordered_at, line_total`…) without
`--map`. Where there is no order id, a customer's lines at one timestamp form one order.

Returns: an order whose lines all have a negative quantity (a credit note, such as Online
Retail's `C…` invoices) is a return document: status `returned`, negative quantities and money,
so its net revenue takes the returned amount off the shop's and the customer's totals (see
`schema`). An order mixing sold and returned lines nets them in its total.

Fees: stock codes that are not products (postage, marketplace fees, manual adjustments; see
`PSEUDO_CODES`) become non-product lines: they count in revenue, never in product analytics.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.errors import InputError
from shopinsight.core.importers.base import (
    BUYER,
    NULL_TEXT,
    REASON,
    BuildContext,
    Format,
    run_starts,
)
from shopinsight.core.importers.ebay import currency_of
from shopinsight.core.importers.sniff import normalise_name
from shopinsight.core.importers.values import (
    boolean,
    clean,
    datetime_utc,
    either_way,
    integer,
    money,
    money_series,
    reasons,
    sniff_date_formats,
    unparsed_clean,
)
from shopinsight.core.orders import add_offset_note
from shopinsight.core.words import plural

ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("invoiceno", "invoice", "invoice no", "invoice_no", "order_id", "order id",
                 "order", "order number", "order_number", "orderid", "order no", "order_no",
                 "transaction", "transaction_id", "transaction id", "receipt", "basket_id",
                 "ordernumber", "invoice id", "invoice_id", "ticket_number", "ticket number"),
    "ordered_at": ("invoicedate", "invoice date", "order_date", "order date", "date",
                   "created_at", "created at", "timestamp", "datetime", "purchase_date",
                   "purchase date", "order_purchase_timestamp", "time", "day", "orderdate",
                   "transaction_timestamp", "transaction_date", "transaction date", "date_time",
                   "visit_date"),
    "customer_id": ("customerid", "customer_id", "customer id", "customer", "buyer", "user_id",
                    "user id", "member_number", "member number", "client_id", "client",
                    "customer_unique_id", "household_key", "household_id"),
    "email": ("email", "e-mail", "customer_email", "customer email", "email address"),
    "customer_name": ("customer_name", "customer name", "name", "full name", "customername"),
    "sku": ("stockcode", "stock code", "sku", "product_id", "product id", "item_id", "item id",
            "itemid", "product code", "product_code", "article", "item code", "productcode"),
    "product_name": ("description", "product", "product_name", "product name", "item",
                     "item_name", "item name", "itemdescription", "title", "product title"),
    "category": ("category", "product_category", "product category", "product type", "type",
                 "department", "productline", "product line"),
    "quantity": ("quantity", "qty", "units", "count", "amount_units", "quantityordered",
                 "quantity ordered", "quantity_ordered", "qty ordered", "number_of_items",
                 "number of items", "num_items", "number_of_cds", "cds_bought", "cds",
                 "items_bought", "transaction_qty"),
    "unit_price": ("unitprice", "unit price", "unit_price", "price", "item price", "priceeach",
                   "price each", "price_each", "price per unit", "price_per_unit"),
    "line_total": ("line_total", "line total", "sales", "revenue", "sales_value", "subtotal",
                   "amount", "total", "total price", "total_price", "item total",
                   "dollar_value", "dollar value", "spent", "amount_spent", "amount spent",
                   "visit_spend", "total amount", "total_amount"),
    "order_total": ("order_total", "order total"),
    "currency": ("currency", "currency_code"),
    "country": ("country", "ship_country", "shipping country", "customer_state"),
    "status": ("status", "order_status", "order status"),
    "discount_code": ("discount_code", "coupon", "coupon_code", "discount code", "promo code",
                      "promo_code", "promotion code", "promotion-ids", "promotion_ids",
                      "voucher", "voucher code", "voucher_code"),
    "discount": ("discount", "discount_amount", "discount amount", "discounts", "line_discount",
                 "line discount", "discount rate", "discount_rate", "discount %"),
    "city": ("city", "ship_city", "ship-city", "shipping city", "ship city", "customer_city"),
    "region": ("state", "province", "ship_state", "ship-state", "shipping state", "ship state",
               "shipping province", "state/province"),
    "postal_code": ("postal_code", "postal code", "postcode", "zip", "zip code", "zipcode",
                    "zip_code", "ship_postal_code", "ship-postal-code", "shipping zip"),
    "refunded": ("refunded", "refund", "refund_amount"),
    "shipping_name": ("shipping_name", "ship to", "recipient"),
    "order_note": ("note", "notes", "order_note"),
    "accepts_marketing": ("accepts_marketing", "accepts marketing", "marketing_consent"),
    "store": ("store", "store name", "shop", "shop name", "seller id", "seller_id"),
}  # fmt: skip
ALIASES = {k: (k, *(n for n in v if n != k)) for k, v in ALIASES.items()}
ALIASES["region"] = (*ALIASES["region"][1:], "region")  # Superstore's Region is a sales area
"""Canonical column → source column names recognised without `--map` (normalised); each
canonical name is first, so a file written with ShopInsight's own field names needs no map."""

CANONICAL = tuple(ALIASES)

AMOUNTS = ("unit_price", "line_total", "order_total")
"""The canonical columns that hold money."""

BOUGHT = frozenset({"sku", "product_name", *AMOUNTS})
"""The canonical columns that say what a row bought: a product or an amount."""

PUBLIC_LAYOUTS: tuple[tuple[str, frozenset[str], dict[str, str]], ...] = (
    (
        "Ta-Feng grocery",
        frozenset({"transaction_dt", "amount", "asset", "sales_price"}),
        {"ordered_at": "transaction_dt", "quantity": "amount", "line_total": "sales_price",
         "category": "product_subclass"},
    ),
    (
        "dunnhumby Let's Get Sort-of-Real",
        frozenset({"shop_date", "spend", "cust_code", "basket_id"}),
        {"ordered_at": "shop_date", "customer_id": "cust_code", "line_total": "spend",
         "sku": "prod_code", "category": "prod_code_10"},
    ),
    (
        "REES46 electronics store purchases",
        frozenset({"event_time", "order_id", "category_code", "price", "user_id"}),
        {"ordered_at": "event_time", "category": "category_code"},
    ),
    (
        "H&M transactions",
        frozenset({"t_dat", "customer_id", "article_id", "price", "sales_channel_id"}),
        {"ordered_at": "t_dat", "sku": "article_id"},
    ),
    (
        "Istanbul Customer Shopping",
        frozenset({"invoice_no", "invoice_date", "quantity", "price", "shopping_mall"}),
        {"ordered_at": "invoice_date", "line_total": "price"},
    ),
    (
        "Coffee Shop Sales",
        frozenset({"transaction_id", "transaction_qty", "product_detail"}),
        {"quantity": "transaction_qty", "product_name": "product_detail"},
    ),
)  # fmt: skip
"""Public data sets whose columns the alias table would miss or misread, recognised by all of
their signature columns at once (normalised names; a copy with a column left out still has
them) → canonical → source column where the file has it, used without `--map` (a `--map` still
wins). Ta-Feng's `AMOUNT` is the quantity and `SALES_PRICE` the line's
total (`ASSET` its cost), which only its own columns can say: a lone `amount` stays money.
dunnhumby's Let's Get Sort-of-Real dates baskets by `SHOP_DATE` (YYYYMMDD; `SHOP_HOUR` gives
the hour, `HOURS`) and names buyers `CUST_CODE` (often empty), `SPEND` the line's total.
REES46's electronics purchases are dated by `event_time` (`… UTC`); the Coffee Shop Sales'
`transaction_qty` is the quantity, `product_detail` the product. H&M's transactions are dated
`t_dat` and sell `article_id`s (one row per item; prices are scaled, not money). The Istanbul
malls' `price` is the line's total (5 Clothing at 1500.40, 1 at 300.08), not a unit price."""

HOURS = {"shop_date": "shop_hour"}
"""Date column → a column of its hour of day (0–23), joined onto dates written YYYYMMDD."""

PSEUDO_CODES: dict[str, tuple[str, str | None]] = {
    "POST": ("shipping", None), "DOT": ("shipping", None), "C2": ("shipping", "carriage"),
    "AMAZONFEE": ("fee", None), "BANK CHARGES": ("fee", None), "CRUK": ("fee", None),
    "M": ("adjustment", "manual"), "D": ("adjustment", "discount"),
    "S": ("adjustment", "sample"), "B": ("adjustment", "bad debt"), "PADS": ("adjustment", None),
    "ADJUST": ("adjustment", "adjust"), "ADJUST2": ("adjustment", "adjust"),
    "TEST001": ("adjustment", "test"), "TEST002": ("adjustment", "test"),
}  # fmt: skip
"""Stock code (any case) → (non-product line kind, word its description must contain, or None
when the code alone is distinctive). From Online Retail: POST/DOT postage, C2 carriage;
AMAZONFEE, BANK CHARGES and CRUK commission are charges; M manual, D discount, S samples,
B bad-debt write-off and PADS (a 0.001 placeholder) are adjustments, and so are Online Retail
II's ADJUST/ADJUST2 ("Adjustment by john on …") and TEST001/TEST002 ("This is a test
product."). One-letter codes need their word, so a shop whose product is SKU "B" keeps it.
These lines keep their money (revenue stays the books' figure) but are never products."""

PSEUDO_PREFIXES: dict[str, str] = {"GIFT_0001_": "gift_card"}
"""Stock-code prefix (upper-cased) → line kind: Online Retail's gift vouchers are sold gift
cards, not products."""

PSEUDO_NAMES: dict[str, str] = {
    "postage": "shipping", "shipping": "shipping", "carriage": "shipping",
    "delivery": "shipping", "shipping fee": "shipping", "delivery charge": "shipping",
    "tip": "tip", "gratuity": "tip",
}  # fmt: skip
"""Whole product name (any case) → line kind, for files without such codes."""


PLACEHOLDERS = ("none", "null", "nan")
"""Product names (any case) that name no product: the Bread Basket bakery's 786 `NONE` rows.
A row with one of them, no SKU and no money is rejected (`N/A` and empty are already null)."""


def line_kinds(sku: pl.Series, name: pl.Series) -> pl.Series:
    """Each line's kind from the rules above (`name`: the description as written, `sku`: the
    code): a pseudo-line kind, else `product` (`order` when the line names no product).

    The rules are only evaluated on the few candidate lines (a known code in upper, lower or
    title case, a prefix, a short name), found with hash lookups and length checks: a million
    product lines are never upper- or lower-cased. Values arrive trimmed (`clean`).
    """
    kind = pl.select(
        pl.when(name.is_null() & sku.is_null()).then(pl.lit("order")).otherwise(pl.lit("product"))
    ).to_series()
    spellings = {v for k in PSEUDO_CODES for v in (k, k.lower(), k.title())}
    starts = [v for p in PSEUDO_PREFIXES for v in (p, p.lower())]
    longest = max(len(n.encode()) for n in PSEUDO_NAMES)
    maybe = pl.select(
        (
            sku.is_in(list(spellings))
            | pl.any_horizontal(sku.str.starts_with(p) for p in starts)
            | (name.str.len_bytes() <= longest)
        ).fill_null(False)
    ).to_series()
    rows = maybe.arg_true()
    if rows.len() == 0:
        return kind.alias("line_kind")
    few = pl.DataFrame(
        {
            "code": sku.gather(rows).str.to_uppercase(),
            "name": name.gather(rows).str.to_lowercase(),
        }
    )
    rules: list[tuple[pl.Expr, str]] = []
    for key, (k, word) in PSEUDO_CODES.items():
        said = pl.lit(True) if word is None else pl.col("name").str.contains(word, literal=True)
        # a row without a description takes the kind its code's other rows say (Online
        # Retail's C2 with no text, among hundreds of C2 CARRIAGE)
        said = said.fill_null(False) | (pl.col("name").is_null() & said.any().over("code"))
        rules.append(((pl.col("code") == key) & said.fill_null(False), k))
    rules += [(pl.col("code").str.starts_with(p), k) for p, k in PSEUDO_PREFIXES.items()]
    rules += [(pl.col("name") == n, k) for n, k in PSEUDO_NAMES.items()]
    found = few.select(
        pl.coalesce(*(pl.when(rule).then(pl.lit(k)) for rule, k in rules))
    ).to_series()
    return kind.scatter(rows, found.fill_null(kind.gather(rows))).alias("line_kind")


def resolve_columns(columns: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Canonical name → source column, from `--map` first, then the alias table.

    `columns`: the file's (normalised) column names in file order. A `--map` value that is a
    number and no column's name is a position, 1 for the first column (`--map ordered_at=3`),
    as a file without a header row must be mapped (its columns are `column_1`, `column_2`…,
    which can be named too). A file of exactly two columns, a date and one named `id`, is a
    log of who bought when (`BUYER_DATE_LOG`): `id` is its customer."""
    have = set(columns)
    out: dict[str, str] = {}
    for canonical, source in mapping.items():
        key = normalise_name(source)
        if canonical not in ALIASES:
            raise InputError(
                f"Unknown canonical column '{canonical}' in --map",
                f'Use one of: {", ".join(CANONICAL)} (as in `--map order_id="Order No"`).',
            )
        if key not in have and key.isdigit():
            if not 1 <= int(key) <= len(columns):
                raise InputError(
                    f"Column {key} (--map {canonical}={source}) is not in the file",
                    f"The file has {plural(len(columns), 'column')}: a position runs from 1 "
                    f"to {len(columns)}. Its columns are: {', '.join(columns)}.",
                )
            key = columns[int(key) - 1]
        if key not in have:
            raise InputError(
                f"Column '{source}' (--map {canonical}=…) is not in the file",
                f"The file's columns are: {', '.join(columns)}.",
            )
        out[canonical] = key
    used = set(out.values())
    for _, signature, named in PUBLIC_LAYOUTS:
        if signature <= have:
            for canonical, source in named.items():
                if canonical not in out and source in have and source not in used:
                    out[canonical] = source
                    used.add(source)
    for canonical, names in ALIASES.items():
        if canonical in out:
            continue
        for name in names:
            if name in have and name not in used:
                out[canonical] = name
                used.add(name)
                break
    if buyer_date_log(columns, out) and "customer_id" not in out:
        out["customer_id"] = "id"
    return out


def buyer_date_log(columns: list[str], found: dict[str, str]) -> bool:
    """Whether the file is only a log of who bought when: exactly two columns, a date and a
    customer id (any customer column name, or `id`), as lifetimes' `example_transactions.csv`
    (`date,id`). Such a file needs no product or amount column: its rows are purchases."""
    if len(columns) != 2 or "ordered_at" not in found:
        return False
    other = next(c for c in columns if c != found["ordered_at"])
    return other == "id" or found.get("customer_id") == other


def missing_for(found: dict[str, str], log: bool = False) -> list[str]:
    """What a generic file lacks to be imported (empty when it can be). `log`: rows that name
    only a buyer and a date are enough (a two-column log, or columns named with --map)."""
    missing = []
    if "ordered_at" not in found:
        missing.append("ordered_at")
    buyer = bool({"customer_id", "email", "customer_name"} & found.keys())
    if not (BOUGHT & found.keys()) and not (log and buyer):
        missing.append("sku or product_name (or line_total)")
    if not ({"order_id", "customer_id", "email"} & found.keys()):
        missing.append("order_id or customer_id")
    return missing


def pasted_copies(
    order_id: pl.Series, rows: pl.DataFrame
) -> tuple[pl.Series | None, pl.Series | None]:
    """Orders whose rows are in the file more than once, run for run (two exports with
    overlapping dates pasted into one, as Online Retail II's two years are joined into one
    CSV): the lines' numbers, counted within each run so that a copy repeats its first run's
    line keys and the import holds it once, and a mask of the copies' rows (whose money must
    not count twice in the order's total). (None, None) when no order is apart from itself
    or none of those that are is an exact copy: an order split otherwise (rows sorted, or
    really apart) keeps its lines numbered along the whole order. `rows`: the row values
    compared (the columns the build reads), in file order."""
    starts = run_starts(order_id)
    heads = order_id.filter(starts)
    if heads.n_unique() == heads.len():
        return None, None
    run = starts.cast(pl.UInt32).cum_sum()
    split = order_id.is_in(heads.filter(heads.is_duplicated()).implode()).fill_null(False)
    at = split.arg_true()
    runs = (
        pl.DataFrame({"o": order_id.gather(at), "run": run.gather(at), "h": rows[at].hash_rows()})
        .group_by("o", "run", maintain_order=True)
        .agg(pl.col("h").cast(pl.Utf8).str.join(",").alias("sig"))
        .with_columns(
            copies=pl.col("sig").n_unique().over("o") == 1,
            later=pl.col("run") != pl.col("run").min().over("o"),
        )
        .filter("copies")
    )
    if runs.height == 0:
        return None, None
    copied = run.is_in(runs["run"].implode()) & split
    frame = pl.DataFrame({"o": order_id, "run": run, "copied": copied})
    row = pl.int_range(pl.len(), dtype=pl.Int32)
    line_no = frame.select(
        pl.when("copied").then(row.over("run")).otherwise(row.over("o")).add(1).alias("line_no")
    ).to_series()
    copy = run.is_in(runs.filter("later")["run"].implode()) & split
    return line_no, copy.alias("__copy")


def _written_currency(frame: pl.DataFrame, found: dict[str, str]) -> str | None:
    """The one currency the amounts are written in (`£2.55`, `EUR 90,00`), for a file with no
    currency column; None when they say none, or more than one. Only amounts that are not
    plain numbers, among 20,000 spread over the file, are looked at."""
    seen: set[str] = set()
    for name in AMOUNTS:
        if name not in found:
            continue
        text = frame[found[name]].drop_nulls()
        text = text.gather_every(max(1, text.len() // 20_000))  # a file writes them throughout
        odd = text.filter(text.cast(pl.Float64, strict=False).is_null())
        if odd.len():
            codes = odd.to_frame("v").select(currency_of(pl.col("v")))[:, 0]
            seen |= set(codes.drop_nulls().unique().to_list())
    return seen.pop() if len(seen) == 1 else None


TIME_COLUMNS = ("time", "order time", "order_time", "transaction_time")
"""Names of a separate time-of-day column (Coffee Shop Sales' `transaction_time`)."""

TIME_OF_DAY = r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?( ?[AaPp]\.?[Mm]\.?)?$"


def _with_time_of_day(frame: pl.DataFrame, found: dict[str, str], used: set[str]) -> pl.DataFrame:
    """The date column with the file's separate time column joined on (`Date` 2016-10-30 and
    `Time` 09:58:11, as the Bread Basket and many till exports write them), so orders keep
    their time of day. Only when the dates have no time and every time is a clock time."""
    day = found["ordered_at"]
    if day in HOURS:
        return _with_hour(frame, day, HOURS[day], used)
    time = next((n for n in TIME_COLUMNS if n in frame.columns), None)
    if time is None or time in used or time == day:
        return frame
    sample = frame.select(pl.col(day), clean(pl.col(time)).alias("__t")).head(20_000)
    days, times = sample[day].drop_nulls(), sample["__t"].drop_nulls()
    if not times.len() or days.str.contains(":").any():
        return frame
    if not times.str.contains(TIME_OF_DAY).all():
        return frame
    joined = pl.concat_str(pl.col(day), pl.lit(" "), clean(pl.col(time)))
    return frame.with_columns(pl.coalesce(joined, pl.col(day)).alias(day))


def _with_hour(frame: pl.DataFrame, day: str, hour: str, used: set[str]) -> pl.DataFrame:
    """Dates written YYYYMMDD with the hour of day (0–23) from its own column (dunnhumby's
    `SHOP_DATE` 20060413 and `SHOP_HOUR` 20 are 2006-04-13 20:00). Only when every date of
    the sample is 8 digits and every hour a whole number from 0 to 23."""
    if hour not in frame.columns or hour in used:
        return frame
    h = clean(pl.col(hour))
    sample = frame.select(pl.col(day), h.alias("__h")).head(20_000)
    days, hours = sample[day].drop_nulls(), sample["__h"].drop_nulls()
    if not hours.len() or not days.str.contains(r"^\d{8}$").all():
        return frame
    if not hours.str.contains(r"^([01]?\d|2[0-3])$").all():
        return frame
    d = pl.col(day)
    joined = pl.format(
        "{}-{}-{} {}:00", d.str.slice(0, 4), d.str.slice(4, 2), d.str.slice(6, 2), h.str.zfill(2)
    )
    good = d.str.contains(r"^\d{8}$") & h.str.contains(r"^([01]?\d|2[0-3])$")
    return frame.with_columns(pl.when(good).then(joined).otherwise(d).alias(day))


def _day_first(frame: pl.DataFrame, found: dict[str, str], ctx: BuildContext) -> bool:
    """Whether the file comes from a day-first locale: `;`-separated, or amounts written
    with a decimal comma (`2,55`), as European spreadsheets save them."""
    if ctx.delimiter == ";":
        return True
    for name in AMOUNTS:
        if name in found:
            amounts = frame[found[name]].head(20_000).drop_nulls()
            comma = amounts.str.contains(r"^-?\d+,\d{1,2}$").any()
            if comma and not amounts.str.contains(r"\d\.\d").any():
                return True
    return False


NO_SALE = "cancel|fail|declin|fraud|reject|void"
"""Status words (lower case) of orders that never became a sale: cancelled, a payment that
failed or was declined, fraud, delivery refused ("Shipped - Rejected by Buyer"), voided."""

NOT_PAID_YET = "pending|processing|unpaid|on-hold|on hold|hold|in process|review|awaiting"
"""Status words of orders placed but not settled yet (still purchases)."""


def _order_discount(frame: pl.DataFrame, found: dict[str, str], once: pl.Expr) -> pl.Expr:
    """The order's discount, on each of its lines, from a `discount` column: amounts, or rates
    of the price before the discount (written `20%`, or every value from 0 to below 1, as
    Superstore's `Discount` 0.2 beside `Sales` after it). The amounts given are what was paid,
    so a rate r of a line that paid p took p·r/(1−r) off. Null without such a column.
    `once`: the line totals, each pasted copy of a line counted once."""
    if "discount" not in found:
        return pl.lit(None, pl.Float64)
    raw = frame[found["discount"]].drop_nulls()
    percent = bool(raw.str.ends_with("%").any())
    values = money_series(raw.str.strip_suffix("%")).drop_nulls().abs()
    rates = percent or (values.len() > 0 and bool((values < 1).all()) and bool((values > 0).any()))
    value = money(pl.col("__discount").str.strip_suffix("%")).abs()
    if rates:
        rate = (value / 100 if percent else value).clip(0.0, 0.99)
        amount = once * rate / (1 - rate)
    else:
        amount = pl.when(once.is_not_null()).then(value)
    return amount.fill_null(0.0).sum().over("order_id").round(2)


def _say_if_either_way(dates: pl.Series, fmt: str, ctx: BuildContext) -> None:
    """A warning when the file's dates read either way (no day past the 12th): which way they
    were taken, and the setting that takes them the other way."""
    found = either_way(dates, fmt)
    if found is None:
        return
    value, taken, other = found
    first, setting = ("day", "month-first") if fmt.index("%d") < fmt.index("%m") else (
        "month", "day-first"
    )  # fmt: skip
    ctx.warnings.append(
        f"Its dates read either way (no day after the 12th): they were taken {first} first, so "
        f"{value} is {taken:%-d %B %Y}, not {other:%-d %B %Y}. If that is wrong, set "
        f'date_order = "{setting}" under [shop] in shopinsight.toml and import the file again.'
    )


BUYER_KEYS = {"customer_id", "customer_name"}
"""The columns a file without order numbers makes its orders from (buyer + time), else the
email column."""


def build(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """Generic CSV → canonical lines."""
    columns = [c for c in frame.columns if not c.startswith("__")]
    found = resolve_columns(columns, ctx.mapping)
    _say_public_layout(columns, found, ctx)
    two_columns = buyer_date_log(columns, found)
    missing = missing_for(found, log=bool(ctx.mapping) or two_columns)
    if missing:
        raise InputError(
            f"Cannot import {ctx.file_name}: unknown layout",
            "It does not look like a supported marketplace export, and these columns were not "
            f"found: {', '.join(missing)}. Name them with --map, e.g. "
            '`--map ordered_at="Order Date" --map order_id="Order No"`. '
            f"The file's columns are: {', '.join(c for c in frame.columns if c != '__row')}.",
        )

    _not_an_event_log(frame, ctx.file_name)

    # Stage 1: clean each used column once, then parse each value once; later
    # expressions refer to these columns by name (fast on a million rows).
    used = sorted(set(found.values()))
    frame = frame.with_columns(clean(pl.col(v)).alias(v) for v in used)

    def c(name: str) -> pl.Expr:
        return pl.col(found[name]) if name in found else NULL_TEXT

    frame = _with_time_of_day(frame, found, set(used))
    dates = frame[found["ordered_at"]]
    day_first = ctx.date_order == "day-first" or (
        ctx.date_order == "auto" and _day_first(frame, found, ctx)
    )
    fmt = sniff_date_formats(dates, day_first=day_first)
    if ctx.date_order == "auto":
        _say_if_either_way(dates, fmt[0], ctx)
    add_offset_note(ctx.warnings, dates, ctx.timezone)
    frame = frame.with_columns(
        datetime_utc(c("ordered_at"), fmt, ctx.timezone).alias("__at"),
        integer(c("quantity")).alias("__qty"),
        money(c("unit_price")).alias("__price"),
        money(c("line_total")).alias("__total"),
        money(c("order_total")).alias("__order_total"),
        money(c("refunded")).alias("__refunded"),
        boolean(c("accepts_marketing")).alias("__consent"),
        pl.coalesce(c("customer_id").str.replace(r"\.0$", ""), c("customer_name")).alias(BUYER),
        pl.coalesce(c("product_name"), c("sku")).alias("__product"),
    )
    at, price, given_total = pl.col("__at"), pl.col("__price"), pl.col("__total")
    qty = pl.col("__qty").fill_null(1)
    buyer, product = pl.col(BUYER), pl.col("__product")
    # without order numbers an order is a buyer's rows at one time; the email when no other key
    by_email = "order_id" not in found and not BUYER_KEYS & found.keys()
    key = c("email") if by_email else buyer
    frame = frame.with_columns(
        pl.coalesce(
            c("order_id"), pl.concat_str(key, pl.lit("@"), at.dt.strftime("%Y%m%dT%H%M%S"))
        ).alias("order_id")
    )
    no_buyer = None  # the file has no order column: say what its order key lacks
    if "order_id" not in found:
        keys = ["email"] if by_email else [k for k in sorted(BUYER_KEYS) if k in found]
        named = " or ".join(found[k] for k in keys)
        no_buyer = pl.when(key.is_null()).then(
            pl.lit(f"no customer ({named}) to make its order from (the file has no order number)")
        )
        # such a row is rejected for that (or for its date) rather than for "no order id"
        frame = frame.with_columns(pl.col("order_id").fill_null(""))
    # a row naming no product (or a placeholder such as the Bread Basket's `NONE`) and no
    # money says nothing was sold: rejected, so it neither makes an order nor a product
    placeholder = c("product_name").str.to_lowercase().is_in(list(PLACEHOLDERS))
    priced = BOUGHT & found.keys()
    nothing = pl.lit(bool(priced)) & (
        c("sku").is_null()
        & (c("product_name").is_null() | placeholder)
        & price.is_null()
        & given_total.is_null()
        & pl.col("__order_total").is_null()
    ).fill_null(False)
    empty_row = pl.when(nothing).then(
        pl.when(placeholder.fill_null(False))
        .then(pl.format("no product ({} is a placeholder) and no amount", c("product_name")))
        .otherwise(pl.lit("no product and no amount"))
    )
    raw_status = c("status").str.to_lowercase()
    # a return document: no line sold, some line returned (credit notes have only returns)
    returned = (qty < 0).any().over("order_id") & (qty <= 0).all().over("order_id")
    if not (frame["__qty"] < 0).any():  # no returns at all: skip the two windows
        returned = pl.lit(False)
    status = (
        pl.when(raw_status.str.contains(NO_SALE))
        .then(pl.lit("cancelled"))
        .when(returned)
        .then(pl.lit("returned"))
        .when(raw_status.str.contains("partial"))
        .then(pl.lit("partially_refunded"))
        .when(raw_status.str.contains("refund|return"))
        .then(pl.lit("refunded"))
        .when(raw_status.str.contains(NOT_PAID_YET))
        .then(pl.lit("pending"))
        .otherwise(pl.lit("paid"))
    )
    written = None if "currency" in found or ctx.currency else _written_currency(frame, found)
    currency = pl.coalesce(c("currency").str.to_uppercase(), pl.lit(ctx.currency or written))
    out = frame.select(
        "__row",
        "order_id",
        at.alias("ordered_at"),
        pl.coalesce(c("email"), pl.when(buyer.str.contains("@")).then(buyer)).alias("email"),
        buyer,
        c("customer_name").alias("customer_name"),
        c("shipping_name").alias("shipping_name"),
        c("country").alias("country"),
        c("region").alias("region"),
        c("city").alias("city"),
        c("postal_code").alias("postal_code"),
        c("discount").alias("__discount"),
        pl.coalesce(c("sku"), product.str.to_lowercase()).alias("sku"),
        product.alias("product_name"),
        c("category").alias("category"),
        qty.alias("quantity"),
        pl.coalesce(price, given_total / qty).alias("unit_price"),
        pl.coalesce(given_total, qty * price).alias("line_total"),
        pl.col("__order_total"),
        currency.alias("currency"),
        status.alias("status"),
        pl.col("__refunded").alias("refunded"),
        c("discount_code").alias("discount_code"),
        c("order_note").alias("order_note"),
        pl.col("__consent").alias("accepts_marketing"),
        pl.lit(True).alias("fulfilled"),
        pl.lit(False).alias("is_gift"),
        c("store").alias("store"),
        reasons(
            unparsed_clean(c("ordered_at"), at, "date", found["ordered_at"]),
            unparsed_clean(c("quantity"), pl.col("__qty"), "number", found.get("quantity", "")),
            unparsed_clean(c("unit_price"), price, "amount", found.get("unit_price", "")),
            unparsed_clean(c("line_total"), given_total, "amount", found.get("line_total", "")),
            empty_row,
            pl.when(~(qty * price).is_finite()).then(pl.lit("amount too large")),
            *([] if no_buyer is None else [no_buyer]),
        ).alias(REASON),
    )
    line_no, copy = pasted_copies(out["order_id"], frame.select(used))
    once = pl.col("line_total")
    if line_no is not None and copy is not None:
        out = out.with_columns(line_no, copy)
        once = pl.when(~pl.col("__copy")).then(once)
    out = out.with_columns(
        # an order none of whose lines has an amount has an unknown total, not 0: it still
        # counts as a purchase (`orders.counted_expr`), without revenue
        pl.coalesce(
            pl.col("__order_total"),
            pl.when(once.is_not_null().any().over("order_id")).then(once.sum().over("order_id")),
        ).alias("order_total"),
        _order_discount(frame, found, once).alias("order_discount"),
    )
    # "refunded" with no amount: the whole order came back (a partial refund without its
    # amount cannot be known, and keeps its money)
    whole = pl.col("refunded").is_null() & (pl.col("status") == "refunded")
    n_whole = out.filter(whole)["order_id"].n_unique()
    out = out.with_columns(
        pl.when(whole)
        .then(pl.col("order_total"))
        .otherwise(pl.col("refunded").fill_null(0.0))
        .alias("refunded"),
        line_kinds(*frame.select(c("sku").alias("s"), c("product_name").alias("n")).get_columns()),
    ).drop("__order_total", "__discount")
    products = bool({"sku", "product_name"} & found.keys())
    if not products:
        out, folded = _one_line_per_order(out, once)
        if folded:
            _say_folded(folded, found, ctx)
    if line_no is not None and copy is not None:
        n = out.filter(copy)["order_id"].n_unique()
        if n:
            ctx.warnings.append(
                f"{plural(n, 'order')} {'is' if n == 1 else 'are'} in the file twice or more, "
                "row for row (exports pasted together?): each is held once."
            )
    if n_whole:
        ctx.warnings.append(
            f"{plural(n_whole, 'order')} marked refunded or returned without a refund amount: "
            "taken as refunded in full (no revenue, not a purchase)."
        )
    if written:
        ctx.warnings.append(
            f"The file has no currency column; its amounts are written in {written}, so they are "
            f"taken as {written}. Set `currency` under [shop] in shopinsight.toml if that is wrong."
        )
    elif not products and not found.keys() & set(AMOUNTS):
        ctx.warnings.append(
            f"The file names no products and no amounts: each row is a purchase by its customer "
            f"({found.get('customer_id') or found.get('email') or found.get('customer_name')}) "
            f"on its date ({found['ordered_at']}), imported as an order without products or "
            "money. Recency, frequency and churn use these orders; revenue, products and bundles "
            "get nothing from this file."
        )
        if two_columns and found["customer_id"] == "id" and "customer_id" not in ctx.mapping:
            ctx.warnings.append(
                "Its column `id` was taken as the customer: the file has only it and a date. "
                "If `id` numbers something else, this file names no buyer and says nothing "
                "per customer."
            )
    elif not found.keys() & set(AMOUNTS):
        ctx.warnings.append(
            "The file has no price or amount column: its orders and products are imported "
            "without money: they count as purchases, with no revenue."
        )
    elif "currency" not in found and not ctx.currency:
        ctx.warnings.append(
            "The file has no currency column and no [shop] currency is set, so its amounts have "
            "no currency. Set `currency` under [shop] in shopinsight.toml (`shopinsight where` "
            "shows it) and import the file again."
        )
    returns = out.filter((pl.col("status") == "returned") & pl.col(REASON).is_null())
    if "__copy" in out.columns:  # each pasted copy counted once
        returns = returns.filter(~pl.col("__copy"))
        out = out.drop("__copy")
    if returns.height:
        n = returns["order_id"].n_unique()
        amount = -float(returns["line_total"].sum() or 0.0)
        ctx.warnings.append(
            f"{n:,} credit notes/returns ({returns.height:,} lines, {amount:,.2f}) imported as "
            "returns: they take their money off revenue and never count as purchases."
        )
    return out


WORDS = {
    "ordered_at": "the date", "quantity": "the quantity", "line_total": "the line's total",
    "customer_id": "the customer", "sku": "the product code", "product_name": "the product",
    "category": "the category",
}  # fmt: skip

LAYOUT_NOTES = {
    "H&M transactions": "Its prices are scaled by a factor H&M does not publish: revenue and "
    "spend are in those units, not in money.",
}
"""A public layout's further note, said with how its columns were read."""


def _say_public_layout(columns: list[str], found: dict[str, str], ctx: BuildContext) -> None:
    """Say how a public data set's columns were read (`PUBLIC_LAYOUTS`) when its signature
    decided them, so a number that looks wrong can be traced to a column and remapped."""
    have = set(columns)
    for name, signature, named in PUBLIC_LAYOUTS:
        if not signature <= have:
            continue
        taken = [
            f"{source} {WORDS.get(canonical, canonical)}"
            for canonical, source in named.items()
            if found.get(canonical) == source and canonical not in ctx.mapping
        ]
        if taken:
            ctx.warnings.append(
                f"Read as the {name} data set's layout: {', '.join(taken)}. If that is wrong, "
                "name the columns with --map."
                + (f" {LAYOUT_NOTES[name]}" if name in LAYOUT_NOTES else "")
            )


def _not_an_event_log(frame: pl.DataFrame, file_name: str) -> None:
    """A file whose `event` column names several kinds of events is a clickstream (a buyer and
    a date alone, or REES46's events with their product and price): importing every view and
    cart as a purchase would be wrong. One kind (the purchases kept) is fine."""
    event = next((c for c in ("event", "event_name", "event_type") if c in frame.columns), None)
    if event is None:
        return
    kinds = frame[event].drop_nulls().str.strip_chars().unique().sort()
    if kinds.len() > 1:
        shown = ", ".join(kinds.head(6).to_list())
        raise InputError(
            f"Cannot import {file_name}: its rows are events, not purchases",
            f"Its column {event} names {kinds.len()} kinds of events ({shown}…): each row would "
            "be taken as a purchase. Keep only the purchase events, in a file of their own, and "
            "import that.",
        )


def _one_line_per_order(out: pl.DataFrame, once: pl.Expr) -> tuple[pl.DataFrame, int]:
    """A file naming no products has one order-level line per order (`schema`); where several
    accepted rows make one order (a buyer's records of one day in a file without order
    numbers, as CDNOW's), each of them carries the order's summed quantity and amount, so the
    one line the merge keeps of them (same line key) holds the whole order. The number of
    rows folded so (0: the frame as it was). `once`: line totals, pasted copies left out."""
    ok = pl.col(REASON).is_null()
    if "__copy" in out.columns:
        ok = ok & ~pl.col("__copy")
    kept = out.filter(ok)
    folded = kept.height - kept["order_id"].n_unique()
    if folded == 0:
        return out, 0
    qty = pl.when(ok).then(pl.col("quantity")).sum().over("order_id")
    amount = pl.when(ok).then(once)
    total = pl.when(amount.is_not_null().any().over("order_id")).then(amount.sum().over("order_id"))
    return out.with_columns(
        pl.when(ok).then(qty).otherwise(pl.col("quantity")).alias("quantity"),
        pl.when(ok).then(total).otherwise(pl.col("line_total")).alias("line_total"),
        pl.when(ok)
        .then(pl.when(qty != 0).then(total / qty))
        .otherwise(pl.col("unit_price"))
        .alias("unit_price"),
    ), folded


def _say_folded(n: int, found: dict[str, str], ctx: BuildContext) -> None:
    """The note for rows folded into an order's one line (`_one_line_per_order`)."""
    one = n == 1
    if "order_id" in found:
        why = (
            f"{'repeats' if one else 'repeat'} the order number ({found['order_id']}) of an "
            f"earlier row and {'names' if one else 'name'} no product"
        )
    else:
        why = (
            f"{'is' if one else 'are'} a customer's further purchase "
            f"{'record' if one else 'records'} at a date and time already in the file "
            "(it has no order number, so a customer's rows at one date and time are one order; "
            "dates without a time of day make it one order per customer and day)"
        )
    ctx.warnings.append(
        f"{n:,} {'row' if one else 'rows'} {why}: each order is held as one line with its "
        "rows' quantities and amounts added up, so the import table counts these rows as "
        "unchanged lines."
    )


FORMAT = Format(
    name="generic",
    title="Generic order lines",
    description="Any CSV with order/date/customer/product/quantity/price columns "
    "(e.g. Online Retail's InvoiceNo, InvoiceDate, StockCode…); name others with --map. "
    "Also text aligned with blanks (CDNOW_master.txt), a log of buyers and dates alone, and a "
    "file without a header row, mapped by position (--map ordered_at=3).",
    signature=(),
    required=(
        "a date column",
        "a product or amount column (a log of buyers and dates needs none)",
        "an order or customer column",
    ),
    build=build,
)

FORMATS = [FORMAT]
