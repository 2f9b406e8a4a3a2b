"""eBay Seller Hub → Orders → Download ("All orders" report), English and French (`;`) layouts.

The file opens with a bare-comma line, the header on line 2, then a padding row of empty cells,
and ends with `N record(s) downloaded, from … to …` and `Seller ID : …` lines. The sniffer finds
the header by its names; the padding row and the footer lines are not order rows and are dropped
here before counting (never rejected).

A multi-item order is one summary row (order number, buyer, address and the order's totals,
with no Item Number/Title; its `Sold For` is the sum of its items) plus one row per item (item,
quantity, `Sold For` per unit; totals empty). Summary rows are not lines: their order-level
fields go onto the order's item rows, then they are dropped (so they are not counted as rows
read). Rows are grouped by Sales Record Number (Order Number where it is missing).

Money carries symbols or codes (`$12.99`, `AU $3,000.00`, `EUR 90,00`, `1 234,50 €`); the
currency comes from them (the shop's currency where they say nothing). Dates are `Sep-30-26`,
`26-May-26`, `05-oct.-26` (French), with or without a time. The report has no status, refund or
fee columns: an order without `Paid On Date` is pending, with `Shipped On Date` fulfilled.
Buyer key: `Buyer Username`.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.importers.base import BUYER, NULL_TEXT, REASON, BuildContext, Format
from shopinsight.core.importers.values import (
    DATE_FORMATS,
    clean,
    datetime_utc,
    integer,
    money,
    reasons,
    sniff_date_formats,
    unparsed_clean,
)

DATES = list(
    dict.fromkeys(
        [
            "%b-%d-%y", "%b-%d-%Y", "%d-%b-%y", "%d-%b-%Y", "%b-%d-%y %H:%M:%S",
            "%b-%d-%Y %H:%M:%S", "%d-%b-%y %H:%M:%S", "%d-%b-%Y %H:%M:%S", *DATE_FORMATS,
        ]
    )
)  # fmt: skip

FRENCH_MONTHS = {
    "janv.": "Jan", "févr.": "Feb", "mars": "Mar", "avr.": "Apr", "mai": "May", "juin": "Jun",
    "juil.": "Jul", "août": "Aug", "sept.": "Sep", "oct.": "Oct", "nov.": "Nov", "déc.": "Dec",
}  # fmt: skip

FRENCH_COLUMNS = {
    "numéro de vente": "sales record number", "numéro de commande": "order number",
    "pseudo de l'acheteur": "buyer username", "nom de l'acheteur": "buyer name",
    "adresse e-mail de l'acheteur": "buyer email", "numéro de l'objet": "item number",
    "intitulé de l'objet": "item title", "titre de l'objet": "item title",
    "libellé personnalisé": "custom label", "quantité": "quantity", "vendu pour": "sold for",
    "livraison et manutention": "shipping and handling", "prix total": "total price",
    "date de vente": "sale date", "date de paiement": "paid on date",
    "date d'expédition": "shipped on date", "nom du destinataire": "ship to name",
    "ville de livraison": "ship to city", "code postal de livraison": "ship to zip",
    "pays de livraison": "ship to country", "détails de la variante": "variation details",
}  # fmt: skip
"""French site headers (2nd-hand evidence) → the English names the build reads."""

CURRENCIES = [
    (r"AU\s?\$|AUD", "AUD"), (r"C\s?\$|CAD", "CAD"), (r"NZ\s?\$|NZD", "NZD"),
    (r"HK\s?\$|HKD", "HKD"), (r"S\s?\$|SGD", "SGD"), (r"£|GBP", "GBP"), (r"€|EUR", "EUR"),
    (r"CHF", "CHF"), (r"PLN|zł", "PLN"), (r"US\s?\$|USD|\$", "USD"), (r"¥|JPY", "JPY"),
]  # fmt: skip
"""Currency symbols/codes as written in money cells, most specific first."""

GIFT_WORDS = r"(?i)\bgift|\bpresent\b|birthday|cadeau|anniversaire|geschenk|regalo"


ORDER_FIELDS: dict[str, tuple[str, ...]] = {
    "order number": ("order number",), "sale date": ("sale date",), "total": ("total price",),
    "shipping": ("shipping and handling", "postage and handling"), "buyer name": ("buyer name",),
    "ship name": ("ship to name", "post to name"), "note": ("buyer note",),
    "email": ("buyer email",), "username": ("buyer username",),
    "country": ("ship to country", "post to country", "buyer country"),
    "region": ("ship to state", "post to state", "post to county", "buyer state"),
    "city": ("ship to city", "post to city", "buyer city"),
    "zip": ("ship to zip", "post to postcode", "ship to postcode", "buyer zip"),
    "paid": ("paid on date",), "shipped": ("shipped on date",),
}  # fmt: skip
"""Order-level fields (key → source columns, first present wins per row): set on the
summary row of a multi-item order, copied onto its item rows."""


def first_present(column: str, group: str) -> pl.Expr:
    """The first non-null value of a column in each group, in row order, on every row.

    `drop_nulls().first().over()` gives the same but runs group by group (1000× slower on a
    file with many orders). Takes a column name, not an expression: in Polars 2.1 this
    sort_by-in-a-window over a computed string expression returns garbage or crashes.
    """
    return pl.col(column).sort_by(pl.col(column).is_null(), maintain_order=True).first().over(group)


def currency_of(text: pl.Expr) -> pl.Expr:
    """ISO code of the currency written in a money cell (`AU $3.00` → AUD), else null."""
    expr = pl.lit(None, dtype=pl.Utf8)
    for pattern, code in reversed(CURRENCIES):
        expr = pl.when(text.str.contains(pattern)).then(pl.lit(code)).otherwise(expr)
    return expr


def _english_dates(expr: pl.Expr) -> pl.Expr:
    low = clean(expr).str.to_lowercase()
    return low.str.replace_many(list(FRENCH_MONTHS), list(FRENCH_MONTHS.values()))


def build(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """Seller Hub Orders report → product lines (summary rows folded into their items)."""
    frame = frame.rename(
        {
            c: FRENCH_COLUMNS[k]
            for c in frame.columns
            if (k := c.replace("’", "'")) in FRENCH_COLUMNS
        }
    )
    data = [c for c in frame.columns if not c.startswith("__")]
    # Stage 1: clean every cell once; drop the padding row and the footer lines (not rows).
    frame = frame.with_columns(clean(pl.col(c)).alias(c) for c in data)
    first_cells = pl.concat_str([pl.col(c) for c in data[:3]], separator=" ", ignore_nulls=True)
    footer = first_cells.str.contains(r"(?i)record\(s\) downloaded|^\s*seller id\s*:")
    empty = pl.all_horizontal([pl.col(c).is_null() for c in data])
    frame = frame.filter(~footer.fill_null(False) & ~empty)

    def c(*names: str) -> pl.Expr:
        found = [pl.col(n) for n in names if n in frame.columns]
        return pl.coalesce(found) if found else NULL_TEXT

    # Stage 2: group rows into orders; order fields from the summary row, else the row itself.
    frame = frame.with_columns(
        pl.coalesce(c("sales record number"), c("order number")).alias("__group"),
        (c("item number").is_null() & c("item title").is_null()).alias("__no_item"),
    ).with_columns((pl.col("__no_item") & (pl.len().over("__group") > 1)).alias("__summary"))
    frame = frame.with_columns(c(*names).alias(f"__o_{key}") for key, names in ORDER_FIELDS.items())
    frame = frame.with_columns(
        first_present(f"__o_{key}", "__group").alias(f"__o_{key}") for key in ORDER_FIELDS
    )

    def o(key: str) -> pl.Expr:
        return pl.col(f"__o_{key}")

    fmt = sniff_date_formats(frame.select(_english_dates(c("sale date")).alias("d"))["d"], DATES)
    # Stage 3: parse once.
    frame = frame.with_columns(
        datetime_utc(_english_dates(o("sale date")), fmt, ctx.timezone).alias("__at"),
        integer(c("quantity")).alias("__qty"),
        money(c("sold for")).alias("__sold_for"),
        money(o("total")).alias("__total"),
        money(o("shipping")).alias("__shipping"),
        pl.coalesce(
            currency_of(o("total")), currency_of(c("sold for")), pl.lit(ctx.currency)
        ).alias("currency"),
    ).with_columns((pl.col("__qty") * pl.col("__sold_for")).alias("__line_total"))
    gift_note = o("note").str.contains(GIFT_WORDS).fill_null(False)
    ship_to_other = (
        o("ship name").str.to_lowercase() != o("buyer name").str.to_lowercase()
    ).fill_null(False)
    items_total = pl.col("__line_total").filter(~pl.col("__summary")).sum().over("__group")
    out = frame.select(
        "__row",
        "__summary",
        pl.coalesce(o("order number"), pl.col("__group")).alias("order_id"),
        pl.col("__at").alias("ordered_at"),
        o("email").alias("email"),
        o("username").alias(BUYER),
        pl.coalesce(o("buyer name"), o("username")).alias("customer_name"),
        o("ship name").alias("shipping_name"),
        o("country").alias("country"),
        o("region").alias("region"),
        o("city").alias("city"),
        o("zip").alias("postal_code"),
        pl.coalesce(c("custom label"), c("item number"), c("item title").str.to_lowercase())
        .alias("sku"),
        c("item title").alias("product_name"),
        c("variation details").alias("variant"),
        pl.col("__qty").alias("quantity"),
        pl.col("__sold_for").alias("unit_price"),
        pl.col("__line_total").alias("line_total"),
        pl.coalesce("__total", items_total + pl.col("__shipping").fill_null(0.0))
        .alias("order_total"),
        pl.col("__shipping").fill_null(0.0).alias("shipping"),
        pl.lit(0.0).alias("refunded"),
        "currency",
        pl.when(o("paid").is_null()).then(pl.lit("pending")).otherwise(pl.lit("paid"))
        .alias("status"),
        o("shipped").is_not_null().alias("fulfilled"),
        o("note").alias("order_note"),
        pl.when(gift_note).then(o("note")).alias("gift_message"),
        (gift_note | ship_to_other).alias("is_gift"),
        pl.when(pl.col("__no_item")).then(pl.lit("order")).otherwise(pl.lit("product"))
        .alias("line_kind"),
        reasons(
            unparsed_clean(o("sale date"), pl.col("__at"), "date", "Sale Date"),
            unparsed_clean(c("quantity"), pl.col("__qty"), "number", "Quantity"),
            unparsed_clean(c("sold for"), pl.col("__sold_for"), "amount", "Sold For"),
            unparsed_clean(o("total"), pl.col("__total"), "amount", "Total Price"),
        ).alias(REASON),
    )  # fmt: skip
    return out.filter(~pl.col("__summary")).drop("__summary")


ITEM_COLUMNS = ("sales record number", "item number", "item title", "quantity", "sold for",
                "custom label", "variation details")  # fmt: skip
COLUMNS = tuple(dict.fromkeys([*ITEM_COLUMNS, *(n for ns in ORDER_FIELDS.values() for n in ns)]))
FRENCH_READ = tuple(
    dict.fromkeys([*FRENCH_COLUMNS, *(k.replace("'", "’") for k in FRENCH_COLUMNS)])
)
"""The columns the build reads (only these are parsed from the file)."""

ORDERS = Format(
    name="ebay",
    title="eBay Seller Hub orders report",
    description="Seller Hub → Orders → Download (All orders CSV); summary rows of multi-item "
    "orders are folded into their items. No refunds in this report.",
    signature=("sales record number", "order number", "buyer username", "item title", "sold for"),
    required=("Sales Record Number", "Order Number", "Buyer Username", "Item Title", "Sold For"),
    build=build,
    source="ebay",
    columns=COLUMNS,
)

ORDERS_FR = Format(
    name="ebay-fr",
    title="eBay orders report (French site, `;`)",
    description="ebay.fr Seller Hub → Commandes → Télécharger: the same report with French "
    "headers, `;` separators and `1 234,50 €` amounts.",
    signature=("numéro de vente", "numéro de commande", "vendu pour", "date de vente"),
    required=("Numéro de vente", "Numéro de commande", "Vendu pour", "Date de vente"),
    build=build,
    source="ebay",
    columns=FRENCH_READ,
)

FORMATS = [ORDERS, ORDERS_FR]
