"""Which customer the merchant means when they type one: the id as ShopInsight shows it, or the
id as their own export wrote it, an email, or a name.

Stored ids carry their marketplace (`generic:12347`, `etsy:katiekim40`) so two platforms'
numbers never merge; a merchant copies `12347` from their spreadsheet. The first way of reading
the text that finds anyone decides: the exact id, the id in any case, the email, the export's own
id (the part after the marketplace), the name. Two different customers found the same way is
never guessed between: the error lists them.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.errors import InputError
from shopinsight.core.schema import normalise_email

SHOWN = 5
"""Candidates named in the error when the text fits several customers."""


def _spaced(expr: pl.Expr) -> pl.Expr:
    """Lower case, runs of white space as one space, trimmed: how two spellings of a name match."""
    return expr.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


def _ways(key: str, columns: list[str]) -> list[tuple[str, pl.Expr]]:
    """(what was matched, condition) in the order they are tried."""
    lower = key.lower()
    ways = [
        ("id", pl.col("customer_id") == key),
        ("id", pl.col("customer_id").str.to_lowercase() == lower),
    ]
    email = pl.select(normalise_email(pl.lit(key))).item()
    if email:
        cond = pl.col("customer_id") == email
        if "email" in columns:
            cond = cond | (normalise_email(pl.col("email")) == email)
        ways.append(("email", cond))
    own = pl.col("customer_id").str.to_lowercase().str.ends_with(f":{lower}")
    ways.append(("id in your export", own))
    if "customer_name" in columns and " ".join(lower.split()):
        ways.append(("name", _spaced(pl.col("customer_name")) == " ".join(lower.split())))
    return ways


def customer_candidates(customers: pl.DataFrame | pl.LazyFrame, key: str) -> tuple[list[str], str]:
    """The distinct customer ids `key` names at the first way that finds any, and that way's
    name ("id", "email", "id in your export", "name"); ([], "") when nothing fits.

    `customers` holds customer_id and, when known, email and customer_name (several rows per
    customer are fine: order lines can be passed as they are)."""
    key = key.strip()
    if not key:
        return [], ""
    frame = customers.lazy().filter(pl.col("customer_id").is_not_null())
    columns = frame.collect_schema().names()
    wanted = ["customer_id", *(c for c in ("email", "customer_name") if c in columns)]
    frame = frame.select(wanted)
    ways = _ways(key, wanted)
    # every way in one pass over the rows: which way first fits each row
    first = pl.coalesce(
        *(pl.when(cond.fill_null(False)).then(pl.lit(i)) for i, (_, cond) in enumerate(ways))
    ).alias("_way")
    hits = (
        frame.select("customer_id", first)
        .filter(pl.col("_way").is_not_null())
        .group_by("customer_id")
        .agg(pl.col("_way").min())
        .collect()
    )
    if hits.height == 0:
        return [], ""
    best = int(hits["_way"].min())  # type: ignore[arg-type]
    found = hits.filter(pl.col("_way") == best)["customer_id"].sort().to_list()
    return found, ways[best][0]


def find_customer_key(customers: pl.DataFrame | pl.LazyFrame, key: str, none_hint: str) -> str:
    """The one customer_id `key` names; InputError when none (with `none_hint`) or several."""
    return only_one(*customer_candidates(customers, key), key, none_hint)


def only_one(found: list[str], way: str, key: str, none_hint: str) -> str:
    """The one customer of `customer_candidates`' answer (`found`, `way`) for `key`;
    InputError when none (with `none_hint`) or several (naming them)."""
    shown = key.strip()
    if not found:
        raise InputError(f"No customer '{shown}'", none_hint)
    if len(found) > 1:
        names = ", ".join(found[:SHOWN]) + (
            f" and {len(found) - SHOWN:,} more" if len(found) > SHOWN else ""
        )
        raise InputError(
            f"'{shown}' fits {len(found):,} customers",
            f"Their {way} is '{shown}': {names}. Use the customer id as `shopinsight customers` "
            "shows it.",
        )
    return found[0]
