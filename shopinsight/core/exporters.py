"""Import-ready tag lists: Shopify customer import, Klaviyo, Mailchimp, plain CSV and JSON.

Layouts follow FORMATS.md §1.3 and §8. Shopify gets the customer's full tag set (the tags they
already had in the customers export, minus shopinsight's own earlier tags, plus today's), so an
import never drops a merchant's tags. Email tools only get customers with an email and marketing
consent (unless include_unsubscribed); the export says how many were left out and why. Every
text cell is spreadsheet-safe (`safe_cell`).

When the exports carry no amounts (`segments.no_amounts`: no customer has any spend), the plain
CSV and JSON give `monetary` empty (null), not 0.00: spend is not known, not nothing. The
Shopify, Klaviyo and Mailchimp files carry no money field at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import polars as pl

from shopinsight.core.countries import country_code
from shopinsight.core.customers.segment_schemes import SCHEMES, segment_slug
from shopinsight.core.customers.segments import no_amounts
from shopinsight.core.errors import InputError
from shopinsight.core.orders import UTC, local_day
from shopinsight.core.shop_data import money_str
from shopinsight.core.words import plural

if TYPE_CHECKING:
    from shopinsight.core.customers.profiles import CustomerProfiles

__all__ = [
    "SHOPIFY_HEADER",
    "TARGETS",
    "TagExport",
    "export_tags",
    "safe_cell",
    "select_customers",
    "write_export",
]

SHOPIFY_HEADER = [
    "First Name", "Last Name", "Email", "Accepts Email Marketing", "Default Address Company",
    "Default Address Address1", "Default Address Address2", "Default Address City",
    "Default Address Province Code", "Default Address Country Code", "Default Address Zip",
    "Default Address Phone", "Phone", "Accepts SMS Marketing", "Tags", "Note", "Tax Exempt",
]  # fmt: skip
"""Shopify's customer import template (FORMATS.md §1.3); headers are case-sensitive."""
TARGETS = ("shopify", "klaviyo", "mailchimp", "csv", "json")
EMAIL_TOOLS = ("klaviyo", "mailchimp")


PLAIN_EMAIL = r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+$"
"""An email address made only of letters, digits and . _ % + -: no parenthesis, pipe, quote
or space, so even when it starts with + or - a spreadsheet cannot run it as a formula."""


def safe_cell(expr: pl.Expr) -> pl.Expr:
    """Text a spreadsheet will not run as a formula: a value starting with =, +, -, @, tab or
    carriage return gets a leading apostrophe (the convention Shopify's own exports use).
    A plain email address (`+alice@x.com`, `-bob@x.com`) is left whole: a quote would break
    the address, and nothing in it can be evaluated."""
    risky = expr.str.contains(r"^[=+\-@\t\r]") & ~expr.str.contains(PLAIN_EMAIL)
    return pl.when(risky).then(pl.lit("'") + expr).otherwise(expr)


@dataclass
class TagExport:
    """Rows ready to write, and what was left out and why."""

    target: str
    frame: pl.DataFrame
    selected: int
    lists: dict[str, pl.DataFrame] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return sum(f.height for f in self.lists.values()) if self.lists else self.frame.height


def _known_segments(prof: CustomerProfiles) -> dict[str, str]:
    names = {s.name for s in SCHEMES[prof.segments.scheme].segments}
    out = {n.lower(): n for n in names}
    out.update({segment_slug(n): n for n in names})
    return out


def select_customers(
    prof: CustomerProfiles, segments: list[str] | None = None, tags: list[str] | None = None
) -> pl.DataFrame:
    """Customers in any of `segments` and with any of `tags` (both optional)."""
    table = prof.table
    if segments:
        known = _known_segments(prof)
        chosen = []
        for seg in segments:
            hit = known.get(seg.strip().lower()) or known.get(segment_slug(seg))
            if hit is None:
                names = ", ".join(s.name for s in SCHEMES[prof.segments.scheme].segments)
                raise InputError(f"No segment '{seg}'", f"Segments: {names}.")
            chosen.append(hit)
        table = table.filter(pl.col("segment").is_in(chosen))
    if tags:
        known_tags = set(prof.tags.get_column("tag").unique().to_list()) | {
            r.name for r in prof.rules
        }
        unknown = [t for t in tags if t not in known_tags]
        if unknown:
            raise InputError(
                f"No tag '{unknown[0]}'",
                "Known tags: " + ", ".join(sorted(known_tags)) + ".",
            )
        table = table.filter(pl.col("tags").list.eval(pl.element().is_in(tags)).list.any())
    return table


def _vocabulary(prof: CustomerProfiles) -> list[str]:
    """Every tag name shopinsight writes, so a re-export can replace its own earlier tags."""
    names = {r.name for r in prof.rules} | set(prof.tags.get_column("tag").unique().to_list())
    for scheme in SCHEMES.values():
        names |= {segment_slug(s.name) for s in scheme.segments}
    return sorted(names)


def _with_tag_cells(
    frame: pl.DataFrame, prof: CustomerProfiles, prefix: str, merge_existing: bool, sep: str
) -> pl.DataFrame:
    slugs = {s.name: segment_slug(s.name) for s in SCHEMES[prof.segments.scheme].segments}
    frame = frame.with_columns(
        pl.col("segment")
        .replace_strict(slugs, default=None, return_dtype=pl.Utf8)
        .alias("_seg_tag")
    )
    ours = (
        pl.concat_list(pl.col("_seg_tag").fill_null(""), pl.col("tags"))
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.eval(pl.lit(prefix) + pl.element())
    )
    if merge_existing:
        own = (
            pl.element().str.starts_with(prefix)
            if prefix
            else pl.element().is_in(_vocabulary(prof))
        )
        existing = pl.col("existing_tags").list.eval(
            pl.element().str.strip_chars().filter((pl.element().str.strip_chars() != "") & ~own)
        )
        all_tags = pl.concat_list(existing, ours).list.unique(maintain_order=True)
    else:
        all_tags = ours
    return frame.with_columns(all_tags.list.join(sep).alias("_tag_cell"))


def _has_email() -> pl.Expr:
    """A real, reachable address: Amazon's anonymised relay addresses may not be used for
    marketing (Amazon policy), so they never count as an email here."""
    email = pl.col("email")
    return (email.str.contains("@") & ~_is_relay()).fill_null(False)


def _is_relay() -> pl.Expr:
    return pl.col("email").str.contains(r"@marketplace\.amazon\.").fill_null(False)


def export_tags(
    prof: CustomerProfiles,
    target: str,
    *,
    segments: list[str] | None = None,
    tags: list[str] | None = None,
    include_unsubscribed: bool = False,
    namespace: str | None = None,
    klaviyo_lists: bool = False,
    tz: str | None = None,
) -> TagExport:
    """Build the rows of one tag-list export (see module doc); `namespace` prefixes our tags.
    `tz`: the shop's clock (`Shop.tz()`), the day `last_order` is written in (default: the
    profiles' `timezone` if they carry one, else UTC)."""
    target = target.strip().lower()
    if target not in TARGETS:
        raise InputError(
            f"Unknown export target '{target}'", f"Choose one of: {', '.join(TARGETS)}."
        )
    chosen = select_customers(prof, segments, tags).sort("customer_id")
    prefix = namespace or ""
    left_out: dict[str, int] = {}
    notes: list[str] = []
    rows = chosen
    relay = rows.filter(_is_relay()).height
    if relay and target != "json":
        left_out["Amazon relay address (not allowed for marketing)"] = relay
        rows = rows.filter(~_is_relay())
    if target in EMAIL_TOOLS:
        no_email = rows.filter(~_has_email()).height
        if no_email:
            left_out["no email address"] = no_email
        rows = rows.filter(_has_email())
        if not include_unsubscribed:
            no_consent = rows.filter(~pl.col("accepts_marketing").fill_null(False)).height
            if no_consent:
                left_out["no email-marketing consent"] = no_consent
            rows = rows.filter(pl.col("accepts_marketing").fill_null(False))
        else:
            notes.append(
                "Customers without marketing consent are included (--include-unsubscribed)."
            )
    elif target == "shopify":
        reachable = _has_email() | pl.col("phone").is_not_null()
        unreachable = rows.filter(~reachable).height
        if unreachable:
            left_out["no email or phone (Shopify matches customers by them)"] = unreachable
        rows = rows.filter(reachable)
    for reason, count in left_out.items():
        notes.append(f"{plural(count, 'customer')} left out: {reason}.")
    builder = {"shopify": _shopify, "klaviyo": _klaviyo, "mailchimp": _mailchimp, "csv": _plain}
    lists: dict[str, pl.DataFrame] = {}
    tz = tz or str(getattr(prof, "timezone", None) or UTC)
    rows = rows.with_columns(local_day(pl.col("last_order"), tz).alias("last_order"))
    if no_amounts(prof.table):  # exports without amounts: a spend of 0.00 is no figure
        rows = rows.with_columns(pl.lit(None, pl.Float64).alias("monetary"))
    if target == "json":
        frame = _json_rows(rows, prof)
    elif target == "klaviyo" and klaviyo_lists:
        frame = _klaviyo(rows, prof, prefix)
        for seg in SCHEMES[prof.segments.scheme].segments:
            part = frame.filter(pl.col("shopinsight_segment") == seg.name)
            if part.height:
                lists[segment_slug(seg.name)] = part.select("Email", "First Name", "Last Name")
    else:
        frame = builder[target](rows, prof, prefix)
    return TagExport(target, frame, chosen.height, lists, left_out, notes)


def _text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as spreadsheet-safe text (null stays an empty cell)."""
    return frame.with_columns(safe_cell(pl.col(c).cast(pl.Utf8)).alias(c) for c in frame.columns)


def _yes_if_known(col: str) -> pl.Expr:
    """ "yes" where the customer opted in, else empty: an explicit "no" in an overwriting
    Shopify import could unsubscribe someone whose consent we only failed to see."""
    return pl.when(pl.col(col).fill_null(False)).then(pl.lit("yes"))


def _shopify(rows: pl.DataFrame, prof: CustomerProfiles, prefix: str) -> pl.DataFrame:
    rows = _with_tag_cells(rows, prof, prefix, merge_existing=True, sep=", ")
    empty = pl.lit(None, pl.Utf8)
    out = rows.select(
        pl.col("first_name").alias("First Name"),
        pl.col("last_name").alias("Last Name"),
        pl.col("email").alias("Email"),
        _yes_if_known("accepts_marketing").alias("Accepts Email Marketing"),
        *[empty.alias(h) for h in SHOPIFY_HEADER[4:12]],
        _e164(pl.col("phone"), pl.col("country")).alias("Phone"),
        empty.alias("Accepts SMS Marketing"),
        pl.col("_tag_cell").alias("Tags"),
        empty.alias("Note"),
        empty.alias("Tax Exempt"),
    )
    return _text(out)


def _e164(phone: pl.Expr, country: pl.Expr) -> pl.Expr:
    """A phone as Shopify reads it: E.164 (`+` and digits), the national ones given the
    customer's country; as written when no country says which code it needs (a guessed code
    would reach a stranger). Shopify's customers export writes "(255) 379-6203" for a US
    customer, which an import file without a country cannot place."""
    from shopinsight.core.audiences import e164_digits  # audiences builds on this module

    return pl.coalesce(pl.lit("+") + e164_digits(phone, country_code(country)), phone)


def _klaviyo(rows: pl.DataFrame, prof: CustomerProfiles, prefix: str) -> pl.DataFrame:
    rows = _with_tag_cells(rows, prof, prefix, merge_existing=False, sep=", ")
    return _text(
        rows.select(
            pl.col("email").alias("Email"),
            pl.col("first_name").alias("First Name"),
            pl.col("last_name").alias("Last Name"),
            pl.col("segment").alias("shopinsight_segment"),
            pl.col("_tag_cell").alias("shopinsight_tags"),
        )
    )


def _mailchimp(rows: pl.DataFrame, prof: CustomerProfiles, prefix: str) -> pl.DataFrame:
    rows = _with_tag_cells(rows, prof, prefix, merge_existing=False, sep=",")
    return _text(
        rows.select(
            pl.col("email").alias("Email Address"),
            pl.col("first_name").alias("First Name"),
            pl.col("last_name").alias("Last Name"),
            pl.col("_tag_cell").alias("Tags"),
        )
    )


def _plain(rows: pl.DataFrame, prof: CustomerProfiles, prefix: str) -> pl.DataFrame:
    return _text(
        rows.select(
            "customer_id",
            "email",
            "first_name",
            "last_name",
            "customer_name",
            "segment",
            pl.col("tags").list.eval(pl.lit(prefix) + pl.element()).list.join(", ").alias("tags"),
            "r_score",
            "f_score",
            "m_score",
            "recency_days",
            "frequency",
            "orders",
            money_str(pl.col("monetary")).alias("monetary"),
            "currency",
            "accepts_marketing",
            "last_order",  # the shop's day (export_tags)
            "reason",
        )
    )


def _json_rows(rows: pl.DataFrame, prof: CustomerProfiles) -> pl.DataFrame:
    reasons = prof.tags.group_by("customer_id").agg(
        pl.struct("tag", "reason", "origin").sort_by("tag").alias("tag_reasons")
    )
    return rows.join(reasons, on="customer_id", how="left", maintain_order="left").select(
        "customer_id",
        "email",
        "first_name",
        "last_name",
        "customer_name",
        "segment",
        "segment_reason",
        "tags",
        "tag_reasons",
        "r_score",
        "f_score",
        "m_score",
        "recency_days",
        "frequency",
        "orders",
        pl.col("monetary").round(2),
        "currency",
        "accepts_marketing",
        "last_order",  # the shop's day (export_tags)
    )


def write_export(export: TagExport, path: Path | str) -> list[Path]:
    """Write the export (UTF-8 without BOM, \\n line ends, RFC-4180 quoting); Klaviyo lists
    become one file per segment next to `path` (name-<segment>.csv). Returns the files.

    Each file is written to a temporary file beside it and renamed over it in one step, so a
    reader never sees half a file and a symlink at `path` is replaced, never written through.
    Replacing an existing file is said in `export.notes`.
    """
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise InputError(
            f"Folder {path.parent} does not exist", "Create it or pick another -o path."
        )
    written: list[Path] = []
    try:
        if export.target == "json":
            payload = export.frame.to_dicts()
            text = json.dumps(payload, ensure_ascii=False, indent=2, default=_json_default)
            data = (text + "\n").encode("utf-8")
            _replace(export, path, lambda fh: fh.write(data))
            written.append(path)
        elif export.lists:
            for slug, frame in export.lists.items():
                target = path.with_name(f"{path.stem}-{slug}{path.suffix or '.csv'}")

                def write(fh: IO[bytes], f: pl.DataFrame = frame) -> None:
                    f.write_csv(fh, line_terminator="\n")

                _replace(export, target, write)
                written.append(target)
        else:
            _replace(export, path, lambda fh: export.frame.write_csv(fh, line_terminator="\n"))
            written.append(path)
    except OSError as exc:
        raise InputError(f"Cannot write {path}", exc.strerror or str(exc)) from None
    return written


def _replace(export: TagExport, path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write `path` atomically through a private temporary file (0600: customer data)."""
    if path.is_dir() and not path.is_symlink():
        raise InputError(f"Cannot write {path}", "It is a folder; give a file name.")
    existed = path.is_symlink() or path.exists()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if existed:
        export.notes.append(f"Replaced the existing file {path.name}.")


def _json_default(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
