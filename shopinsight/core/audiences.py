"""Customer lists for ad platforms: Meta custom audiences and Google Customer Match.

The file layouts and normalisation rules are the platforms' own (docs/audiences.md cites
them). Normalisation happens before the optional SHA-256 hashing, since a hash only matches
when both sides normalised the same way:

- email: trimmed, lower case, must look like `name@domain.tld`;
- phone: E.164 (country code + national number, trunk 0 dropped), from `+`/`00` numbers or
  the customer's country; Meta gets digits only, Google `+digits` when hashed;
- names: Meta `fn`/`ln` lower-case letters only (no punctuation or spaces), Google lower case
  with single spaces; city/state the Meta way; country as ISO 3166-1 alpha-2.

Who is left out follows the tag exports: Amazon relay addresses never (Amazon forbids using
them for marketing), customers without marketing consent unless `include_unsubscribed`, and
customers with nothing a platform can match on; each count is said. Cells are spreadsheet-safe.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import polars as pl

from shopinsight.core.countries import CALLING_CODES, KEEP_TRUNK_ZERO, country_code
from shopinsight.core.errors import InputError
from shopinsight.core.exporters import TagExport, safe_cell, select_customers
from shopinsight.core.schema import normalise_email
from shopinsight.core.words import plural

if TYPE_CHECKING:
    from shopinsight.core.customers.profiles import CustomerProfiles

__all__ = [
    "AUDIENCE_TARGETS",
    "GOOGLE_HEADER",
    "META_HEADER",
    "build_audience",
    "customer_addresses",
    "e164_digits",
    "sha256_hex",
]

AUDIENCE_TARGETS = ("meta", "google")
META_HEADER = ["email", "phone", "fn", "ln", "ct", "st", "zip", "country"]
"""Meta customer-list column headers (Business Help Centre 2082575038703844)."""
GOOGLE_HEADER = ["Email", "Phone", "First Name", "Last Name", "Country", "Zip"]
"""Google Customer Match headers, in Google's template order (Google Ads Help 7659867)."""
GOOGLE_PLAIN = ("Country", "Zip")
"""Google wants these unhashed even in a hashed file."""
META_MIN_PEOPLE = 100

_EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_RELAY = r"@marketplace\.amazon\."


def sha256_hex(expr: pl.Expr) -> pl.Expr:
    """Lower-case hex SHA-256 of each UTF-8 value (null stays null).

    SHA-256 is not a Polars expression: each distinct value is hashed once by hashlib (C), so
    the Python work is per distinct value, not per row."""
    return expr.map_batches(_sha256_series, return_dtype=pl.Utf8)


def _sha256_series(values: pl.Series) -> pl.Series:
    distinct = values.drop_nulls().unique().to_list()
    table = {v: hashlib.sha256(v.encode("utf-8")).hexdigest() for v in distinct}
    return values.replace_strict(table, default=None, return_dtype=pl.Utf8)


def e164_digits(phone: pl.Expr, country: pl.Expr) -> pl.Expr:
    """The E.164 number without its `+` (country code + national number), or null.

    `+44 …`, `0044 …` and `'+1 617…` (Shopify's apostrophe) are international already; a
    national number gets the calling code of `country` (ISO alpha-2) with its trunk 0 dropped
    (kept for Italy). A number that already starts with the calling code and has 11+ digits is
    taken as written. No country code and no known country: null, never a guess."""
    raw = phone.cast(pl.Utf8).str.strip_chars().str.strip_chars_start("'")
    raw = raw.str.replace_all(r"\(0\)", "")
    digits = raw.str.replace_all(r"\D", "")
    intl = raw.str.contains(r"^(\+|00)")
    intl_digits = pl.when(raw.str.starts_with("00")).then(digits.str.slice(2)).otherwise(digits)
    cc = country.replace_strict(CALLING_CODES, default=None, return_dtype=pl.Utf8)
    national = (
        pl.when(country.is_in(list(KEEP_TRUNK_ZERO)))
        .then(digits)
        .otherwise(digits.str.strip_chars_start("0"))
    )
    has_cc = national.str.starts_with(cc) & (national.str.len_chars() >= 11)
    full = (
        pl.when(intl)
        .then(intl_digits)
        .when(cc.is_not_null() & (national != ""))
        .then(pl.when(has_cc).then(national).otherwise(cc + national))
    )
    ok = full.str.contains(r"^[1-9]\d{7,14}$")
    return pl.when(ok).then(full)


def customer_addresses(lines: pl.LazyFrame) -> pl.DataFrame:
    """customer_id, city, region, postal_code, address_country: each customer's latest
    order that has a postcode or a city (ad platforms match postal addresses on them)."""
    cols = ["city", "region", "postal_code", "country"]
    return (
        lines.filter(
            pl.col("customer_id").is_not_null()
            & (pl.col("postal_code").is_not_null() | pl.col("city").is_not_null())
        )
        .select("customer_id", "ordered_at", *cols)
        .group_by("customer_id")
        .agg(pl.col(c).sort_by("ordered_at").last() for c in cols)
        .rename({"country": "address_country"})
        .collect()
    )


def _letters(expr: pl.Expr) -> pl.Expr:
    """Meta's rule for names, city and state: lower case, letters only (accents kept, as
    UTF-8), no punctuation, no spaces."""
    out = expr.str.normalize("NFC").str.to_lowercase().str.replace_all(r"[^\p{L}]", "")
    return pl.when(out != "").then(out)


def _spaced(expr: pl.Expr) -> pl.Expr:
    """Google's rule for names: lower case, no extra spaces (nor a leading formula sign)."""
    out = (
        expr.str.normalize("NFC")
        .str.to_lowercase()
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.strip_chars_start("=+-@")
        .str.strip_chars()
    )
    return pl.when(out != "").then(out)


def _contacts(rows: pl.DataFrame, addresses: pl.DataFrame | None) -> pl.DataFrame:
    """One row per customer with each identifier normalised but not yet platform-shaped."""
    if addresses is not None and addresses.height:
        rows = rows.join(addresses, on="customer_id", how="left", maintain_order="left")
    else:
        rows = rows.with_columns(
            pl.lit(None, pl.Utf8).alias(c)
            for c in ("city", "region", "postal_code", "address_country")
        )
    name = pl.col("customer_name").str.strip_chars()
    first_token = name.str.extract(r"^(\S+)")
    rest = name.str.extract(r"^\S+\s+(.+)$")
    email = normalise_email(pl.col("email"))
    country = pl.coalesce(country_code(pl.col("address_country")), country_code(pl.col("country")))
    zip_raw = pl.col("postal_code").cast(pl.Utf8).str.strip_chars().str.strip_chars_start("'")
    return rows.select(
        pl.when(email.str.contains(_EMAIL_SHAPE)).then(email).alias("email"),
        e164_digits(pl.col("phone"), country).alias("phone"),
        pl.col("phone").is_not_null().alias("_had_phone"),
        pl.coalesce(pl.col("first_name"), first_token).alias("first"),
        pl.coalesce(pl.col("last_name"), rest).alias("last"),
        pl.col("city"),
        pl.col("region"),
        pl.when(zip_raw != "").then(zip_raw).alias("zip"),
        country.alias("country"),
    )


def _meta(c: pl.DataFrame, hashed: bool) -> pl.DataFrame:
    zip_ = pl.col("zip").str.to_lowercase().str.replace_all(r"\s", "")
    us_zip = zip_.str.extract(r"^(\d{5})")
    out = c.select(
        pl.col("email"),
        pl.col("phone"),
        _letters(pl.col("first")).alias("fn"),
        _letters(pl.col("last")).alias("ln"),
        _letters(pl.col("city")).alias("ct"),
        _letters(pl.col("region")).alias("st"),
        pl.when(pl.col("country") == "US").then(us_zip).otherwise(zip_).alias("zip"),
        pl.col("country").str.to_lowercase().alias("country"),
    )
    if hashed:  # Meta hashes every identifier, country and postcode included
        out = out.with_columns(sha256_hex(pl.col(h)) for h in META_HEADER)
    return out


def _google(c: pl.DataFrame, hashed: bool) -> pl.DataFrame:
    phone = pl.col("phone")
    out = c.select(
        pl.col("email").alias("Email"),
        (pl.lit("+") + phone if hashed else phone).alias("Phone"),
        _spaced(pl.col("first")).alias("First Name"),
        _spaced(pl.col("last")).alias("Last Name"),
        pl.col("country").alias("Country"),
        pl.col("zip").str.replace_all(r"\s+", " ").alias("Zip"),
    )
    if hashed:
        out = out.with_columns(
            sha256_hex(pl.col(h)) for h in GOOGLE_HEADER if h not in GOOGLE_PLAIN
        )
    return out


def _matchable(c: pl.DataFrame) -> pl.Series:
    """Email, phone, or the postal-address set (first and last name, country, postcode)."""
    address = (
        pl.col("first").is_not_null()
        & pl.col("last").is_not_null()
        & pl.col("country").is_not_null()
        & pl.col("zip").is_not_null()
    )
    return c.select(
        (pl.col("email").is_not_null() | pl.col("phone").is_not_null() | address).fill_null(False)
    ).to_series()


def build_audience(
    prof: CustomerProfiles,
    target: str,
    *,
    addresses: pl.DataFrame | None = None,
    segments: list[str] | None = None,
    tags: list[str] | None = None,
    hashed: bool = False,
    include_unsubscribed: bool = False,
) -> TagExport:
    """The rows of one audience file for `target` ("meta" or "google"), with who was left
    out and why; `addresses` (from `customer_addresses`) adds city, state and postcode."""
    target = target.strip().lower()
    if target not in AUDIENCE_TARGETS:
        raise InputError(
            f"Unknown audience platform '{target}'",
            f"Choose one of: {', '.join(AUDIENCE_TARGETS)}.",
        )
    chosen = select_customers(prof, segments, tags).sort("customer_id")
    left_out: dict[str, int] = {}
    notes: list[str] = []
    relay = pl.col("email").str.contains(_RELAY).fill_null(False)
    rows = chosen.filter(~relay)
    if chosen.height - rows.height:
        left_out["Amazon relay address (never sent to ad platforms)"] = chosen.height - rows.height
    if include_unsubscribed:
        notes.append("Customers without marketing consent are included (--include-unsubscribed).")
    else:
        consent = pl.col("accepts_marketing").fill_null(False)
        if no_consent := rows.filter(~consent).height:
            left_out["no marketing consent"] = no_consent
        rows = rows.filter(consent)
    contacts = _contacts(rows, addresses)
    matchable = _matchable(contacts)
    if unmatchable := int((~matchable).sum()):
        left_out["nothing to match on (no email, phone, or name with country and postcode)"] = (
            unmatchable
        )
    contacts = contacts.filter(matchable)
    bad_phones = contacts.filter(pl.col("_had_phone") & pl.col("phone").is_null()).height
    frame = (_meta if target == "meta" else _google)(contacts, hashed)
    before = frame.height
    frame = frame.unique(maintain_order=True)
    for reason, count in left_out.items():
        notes.append(f"{plural(count, 'customer')} left out: {reason}.")
    if before > frame.height:
        notes.append(
            f"{plural(before - frame.height, 'duplicate row')} merged (the same person under "
            "two ids)."
        )
    if bad_phones:
        notes.append(
            f"{plural(bad_phones, 'phone number')} left empty: no country code and no known "
            "country, so they cannot be written in international (E.164) form."
        )
    if target == "meta" and 0 < frame.height < META_MIN_PEOPLE:
        notes.append(
            f"Meta advises lists of at least {META_MIN_PEOPLE} people; this one has {frame.height}."
        )
    if hashed:
        kept = "" if target == "meta" else " (Country and Zip stay plain, as Google requires)"
        notes.append(f"Identifiers are SHA-256 hashed after normalisation{kept}.")
    frame = frame.with_columns(safe_cell(pl.col(h)).alias(h) for h in frame.columns)
    return TagExport(target, frame, chosen.height, {}, left_out, notes)
