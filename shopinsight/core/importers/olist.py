"""Olist (the Brazilian marketplace's public e-commerce dataset): orders and order items.

The dataset is a set of related files. `olist_orders_dataset.csv` has one row per order (status,
purchase time, the buyer's `customer_id`) and no money or products; `olist_order_items_dataset.csv`
has one row per item (`order_item_id` 1, 2, … within the order, `product_id`, `price`,
`freight_value`) and no date or buyer. Import both: like Taobao's two reports (see reconcile.py),
the items take the date, buyer and status from the orders file, together or later.

Olist's `customer_id` is new on every order; the person is `customer_unique_id` in
`olist_customers_dataset.csv`. That file, and `olist_products_dataset.csv` (category, with
`product_category_name_translation.csv` for its English name), are read from beside the
imported file when there: without the customers file, every order would be a new customer.

Money: an item's line total is its price plus its freight (what the buyer paid for it, as
`olist_order_payments_dataset.csv` sums it); BRL. Times are Brazil's (America/Sao_Paulo).
Status: canceled / unavailable → cancelled; created → pending; approved, invoiced,
processing, shipped, delivered → paid (fulfilled once shipped or delivered).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopinsight.core.importers.base import (
    BUYER,
    REASON,
    UNDATED,
    BuildContext,
    Format,
    col,
)
from shopinsight.core.importers.values import (
    datetime_utc,
    money,
    reasons,
    sniff_date_formats,
    unparsed,
)

TIMEZONE = "America/Sao_Paulo"
CURRENCY = "BRL"
SOURCE = "olist"

CUSTOMERS_FILE = "olist_customers_dataset.csv"
PRODUCTS_FILE = "olist_products_dataset.csv"
CATEGORY_NAMES_FILE = "product_category_name_translation.csv"

COMPANIONS = {
    "olist_order_payments_dataset.csv": "payments (the items already give the money)",
    "olist_order_reviews_dataset.csv": "reviews",
    "olist_sellers_dataset.csv": "sellers",
    "olist_geolocation_dataset.csv": "ZIP-code coordinates",
    CUSTOMERS_FILE: "customers (read from beside the orders file)",
    PRODUCTS_FILE: "products (read from beside the items file)",
    CATEGORY_NAMES_FILE: "category names (read from beside the items file)",
}
"""The dataset's other files, not imported themselves (named in the unknown-layout error)."""


def _stem(file_name: str) -> str:
    """A file's name without folder, `.csv`, `olist_` and `_dataset` (`olist_customers_dataset.csv`
    and a subset's `customers.csv` are both `customers`)."""
    stem = Path(file_name).name.lower().removesuffix(".csv")
    return stem.removeprefix("olist_").removesuffix("_dataset")


DISTINCT_STEMS = ("order_payments", "order_reviews", "geolocation")
"""Companion names that are Olist's even without the `olist_…_dataset` wrapping; a bare
`customers.csv` or `products.csv` may be anyone's (Complete Journey's products)."""


def companion_name(file_name: str) -> str | None:
    """What Olist companion file this is by its name (`customers (read from beside the orders
    file)`), or None; see `companion_hint`."""
    name = Path(file_name).name.lower()
    stem = _stem(name)
    what = COMPANIONS.get(name)
    if what is None and ("olist" in name or stem in DISTINCT_STEMS):
        what = {_stem(n): w for n, w in COMPANIONS.items()}.get(stem)
    return what


def companion_hint(file_name: str) -> str | None:
    """What to do instead of importing one of Olist's companion files (None: not one). Copies of
    the dataset may drop the `olist_…_dataset` wrapping: `olist_customers.csv` and
    `order_payments.csv` are matched too, a bare `customers.csv` is not."""
    what = companion_name(file_name)
    if what is None:
        return None
    return (
        f"It is Olist's {what} file, which is not imported itself. Import "
        "olist_orders_dataset.csv and olist_order_items_dataset.csv, with "
        f"{CUSTOMERS_FILE} and {PRODUCTS_FILE} in the same folder."
    )


def _header(path: Path) -> set[str]:
    """The column names on a CSV file's first line (empty where it cannot be read)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            line = fh.readline(65536)
    except OSError:
        return set()
    return {c.strip().strip('"').strip() for c in line.rstrip("\r\n").split(",")}


def _companion_path(folder: Path, name: str, columns: list[str], own: Path) -> Path | None:
    """The companion file in `folder`: by its dataset name, else the one CSV whose header has
    `columns` (copies of the dataset rename the files, e.g. `customers.csv`)."""
    if (folder / name).is_file():
        return folder / name
    try:
        candidates = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")
    except OSError:
        return None
    found = [p for p in candidates[:500] if p != own and set(columns) <= _header(p)]
    return found[0] if len(found) == 1 else None


def _beside(ctx: BuildContext, name: str, columns: list[str]) -> pl.DataFrame | None:
    """A companion file from the imported file's folder (these columns, as text), or None."""
    if ctx.path is None:
        return None
    path = _companion_path(ctx.path.parent, name, columns, ctx.path)
    if path is None:
        return None
    name = path.name
    ctx.read_beside.append(path)
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (OSError, pl.exceptions.PolarsError):
        ctx.warnings.append(f"{name} beside {ctx.file_name} could not be read; it was left out.")
        return None
    if not set(columns) <= set(frame.columns):
        ctx.warnings.append(f"{name} beside {ctx.file_name} lacks {', '.join(columns)}; left out.")
        return None
    return frame.select(columns).unique(columns[0], keep="first")


PEOPLE = ["customer_id", "customer_unique_id", "customer_zip_code_prefix", "customer_city",
          "customer_state"]  # fmt: skip
ITEM_FIELDS = ("order_item_id", "product_id", "price", "freight_value")
"""Item columns: a file with them besides the order's (a merged Olist table) is item lines."""


def _with_people(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """The rows with the buyer's `customer_unique_id` and place: from the file itself (a merged
    table), else from the customers file beside it (else a warning)."""
    if "customer_unique_id" in frame.columns:
        return frame
    people = _beside(ctx, CUSTOMERS_FILE, PEOPLE)
    if people is None:
        ctx.warnings.append(
            f"Olist gives every order a new customer_id; the person is customer_unique_id in "
            f"{CUSTOMERS_FILE}, which was not found beside {ctx.file_name}. Without it every "
            "order counts as a new customer: put it in the same folder and import again."
        )
        return frame
    return frame.join(people, on="customer_id", how="left", maintain_order="left")


def _with_categories(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """The rows with `product_category_name` (English where known): from the file itself,
    else from the products file (and the names' translation) beside it."""
    if "product_category_name" not in frame.columns:
        products = _beside(ctx, PRODUCTS_FILE, ["product_id", "product_category_name"])
        if products is None:
            return frame
        frame = frame.join(products, on="product_id", how="left", maintain_order="left")
    if "product_category_name_english" not in frame.columns:
        names = _beside(
            ctx, CATEGORY_NAMES_FILE, ["product_category_name", "product_category_name_english"]
        )
        if names is None:
            return frame
        frame = frame.join(names, on="product_category_name", how="left", maintain_order="left")
    return frame


def _status(raw: pl.Expr) -> pl.Expr:
    return (
        pl.when(raw.is_in(["canceled", "cancelled", "unavailable"]))
        .then(pl.lit("cancelled"))
        .when(raw == "created")
        .then(pl.lit("pending"))
        .otherwise(pl.lit("paid"))
    )


def _order_fields(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[pl.Expr]]:
    """The orders file's fields (date, buyer, place, status) as canonical columns."""
    fmt = sniff_date_formats(frame["order_purchase_timestamp"])
    raw_status = col(frame, "order_status").str.to_lowercase()
    frame = frame.with_columns(
        __at=datetime_utc(col(frame, "order_purchase_timestamp"), fmt, TIMEZONE)
    )
    at = pl.col("__at")
    fields = [
        at.alias("ordered_at"),
        pl.coalesce(col(frame, "customer_unique_id"), col(frame, "customer_id")).alias(BUYER),
        pl.when(col(frame, "customer_state").is_not_null()).then(pl.lit("BR")).alias("country"),
        col(frame, "customer_state").alias("region"),
        col(frame, "customer_city").alias("city"),
        col(frame, "customer_zip_code_prefix").alias("postal_code"),
        _status(raw_status).alias("status"),
        raw_status.is_in(["shipped", "delivered"]).fill_null(False).alias("fulfilled"),
    ]
    check = unparsed(pl.col("order_purchase_timestamp"), at, "date", "order_purchase_timestamp")
    return frame, [*fields, check.alias("__date_reason")]


def build_orders(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """olist_orders_dataset → one order-level line per order (buyer, date, status); a merged
    Olist table (orders joined to their items) → one product line per item, dated."""
    frame, fields = _order_fields(_with_people(frame, ctx))
    if all(c in frame.columns for c in ITEM_FIELDS):
        order = frame.select(fields)  # the same rows, in the same order
        lines = _items(_with_categories(frame, ctx)).drop("ordered_at", "status", UNDATED)
        lines = pl.concat([lines, order], how="horizontal")
        reason = reasons(pl.col(REASON), pl.col("__date_reason"))
        return lines.with_columns(reason.alias(REASON)).drop("__date_reason")
    return frame.select(
        "__row",
        col(frame, "order_id").alias("order_id"),
        *fields,
        pl.lit(CURRENCY).alias("currency"),
        pl.lit(0.0).alias("refunded"),
        pl.lit(False).alias("is_gift"),
        pl.lit("order").alias("line_kind"),
    ).rename({"__date_reason": REASON})


ITEMS_NOTE = (
    "olist_order_items_dataset has no order dates or buyers: its items take them from "
    "olist_orders_dataset.csv (import it too, now or later); until then they stay out of "
    "the analyses."
)
"""Said of an items file imported without its orders file (dropped when the same command has it)."""


def build_items(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """olist_order_items_dataset → one product line per item, dated by its order at merge."""
    ctx.warnings.append(ITEMS_NOTE)
    return _items(_with_categories(frame, ctx))


def _items(frame: pl.DataFrame) -> pl.DataFrame:
    """Item rows → product lines (undated: `UNDATED` set; a merged table adds the order's)."""
    category = col(frame, "product_category_name_english", "product_category_name")
    category = category.str.replace_all("_", " ")
    item = col(frame, "order_item_id")
    number = item.cast(pl.Int32, strict=False)
    price, freight = money(col(frame, "price")), money(col(frame, "freight_value"))
    frame = frame.with_columns(
        __order=col(frame, "order_id"),
        __product=col(frame, "product_id"),
        __number=number,
        __price=price,
        __freight=freight.fill_null(0.0),
        __total=price + freight.fill_null(0.0),
    )
    number = pl.col("__number")
    # a merged table repeats an item on each of its order's payments: counted once
    first = pl.col("__row").min().over("__order", "__number") == pl.col("__row")
    total = pl.when(first | number.is_null()).then(pl.col("__total")).otherwise(0.0)
    freight_once = pl.when(first | number.is_null()).then(pl.col("__freight")).otherwise(0.0)
    return frame.select(
        "__row",
        pl.col("__order").alias("order_id"),
        pl.coalesce(number, pl.int_range(pl.len()).over("__order", order_by="__row") + 1)
        .cast(pl.Int32)
        .alias("line_no"),
        pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("ordered_at"),
        pl.lit(True).alias(UNDATED),
        pl.col("__product").alias("sku"),
        pl.coalesce(
            pl.concat_str(category, pl.lit(" "), pl.col("__product").str.slice(0, 6)),
            pl.col("__product"),
        ).alias("product_name"),
        category.alias("category"),
        pl.lit(1, dtype=pl.Int32).alias("quantity"),
        pl.col("__price").alias("unit_price"),
        pl.col("__total").alias("line_total"),
        total.sum().over("__order").alias("order_total"),
        freight_once.sum().over("__order").alias("shipping"),
        pl.lit(0.0).alias("refunded"),
        pl.lit(CURRENCY).alias("currency"),
        pl.lit("paid").alias("status"),
        pl.lit(False).alias("is_gift"),
        # a merged table's order without items (unavailable, canceled) is the order alone
        pl.when(pl.col("__product").is_null() & pl.col("__price").is_null())
        .then(pl.lit("order"))
        .otherwise(pl.lit("product"))
        .alias("line_kind"),
        reasons(
            unparsed(col(frame, "price"), pl.col("__price"), "amount", "price"),
            unparsed(col(frame, "freight_value"), freight, "amount", "freight_value"),
            unparsed(item, number, "number", "order_item_id"),
        ).alias(REASON),
    )


ORDERS = Format(
    name="olist-orders",
    title="Olist orders (olist_orders_dataset)",
    description="Olist's public dataset, orders file: buyer, purchase time and status per "
    "order; import it with olist_order_items_dataset.csv (money and products), "
    "olist_customers_dataset.csv beside it.",
    signature=("order_id", "customer_id", "order_status", "order_purchase_timestamp"),
    required=("order_id", "customer_id", "order_status", "order_purchase_timestamp"),
    build=build_orders,
    source=SOURCE,
    columns=(
        "order_id",
        "customer_id",
        "order_status",
        "order_purchase_timestamp",
        *PEOPLE[1:],
        *ITEM_FIELDS,
        "product_category_name",
        "product_category_name_english",
    ),  # fmt: skip
)

ITEMS = Format(
    name="olist-items",
    title="Olist order items (olist_order_items_dataset)",
    description="Olist's public dataset, items file: product, price and freight per item; "
    "dated by the orders file (olist_products_dataset.csv beside it names the categories).",
    signature=("order_id", "order_item_id", "product_id", "seller_id", "price", "freight_value"),
    required=("order_id", "order_item_id", "product_id", "price", "freight_value"),
    build=build_items,
    source=SOURCE,
    waits_for=("olist-orders", ITEMS_NOTE),
    columns=(
        *ITEM_FIELDS,
        "order_id",
        "seller_id",
        "product_category_name",
        "product_category_name_english",
    ),  # fmt: skip
)

MERGED = Format(
    name="olist-merged",
    title="Olist orders joined to their items (one table)",
    description="The Olist dataset's orders and items files joined into one table (as "
    "notebooks save it; customers, products and payments columns may be joined in too).",
    signature=ORDERS.signature + ITEM_FIELDS,
    required=ORDERS.required + ITEM_FIELDS,
    build=build_orders,
    source=SOURCE,
    columns=ORDERS.columns,
)

FORMATS = [ORDERS, ITEMS, MERGED]
