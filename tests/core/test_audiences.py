"""Ad-platform audiences: Meta and Google layouts, normalisation, hashing, who is left out."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.audiences import (
    GOOGLE_HEADER,
    META_HEADER,
    build_audience,
    customer_addresses,
    e164_digits,
    sha256_hex,
)
from shopinsight.core.config import defaults
from shopinsight.core.countries import country_code
from shopinsight.core.customers.profiles import CustomerProfiles, customer_profiles
from shopinsight.core.errors import InputError
from shopinsight.core.exporters import write_export
from shopinsight.core.schema import CUSTOMER_ATTR_SCHEMA
from tests.factories import make_lines

AS_OF = dt.date(2024, 6, 30)
TEST_SHA = "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b"


def _lines() -> pl.DataFrame:
    def o(oid: str, cid: str, day: str, **kw: object) -> dict:
        return dict(order_id=oid, customer_id=cid, ordered_at=day, **kw)

    return make_lines(
        [
            o("1", "anna@x.com", "2024-05-01", customer_name="Anna Rossi", country="IT",
              city="Roma", region="RM", postal_code="00184"),
            o("2", "anna@x.com", "2024-06-01", customer_name="Anna Rossi", country="IT",
              city="Roma", region="RM", postal_code="00184"),
            o("3", "carl@x.com", "2024-06-02", customer_name="Carl Jung", accepts_marketing=False),
            o("4", "amz1", "2024-06-03", email="qz81@marketplace.amazon.co.uk", source="amazon"),
            o("5", "etsy:9", "2024-06-04", source="etsy", email=None, customer_name="nine9"),
            o("6", "etsy:dee", "2024-06-05", source="etsy", email=None,
              customer_name="Dee O'Neil-Smith", country="United Kingdom", city="London",
              postal_code="SW1A 1AA"),
            o("7", "TEST@example.com", "2024-06-06", email=" Test@Example.COM ",
              customer_name="Tess Ter", country="US", region="OR", city="Portland",
              postal_code="97213-1234"),
        ]
    )  # fmt: skip


def shop() -> tuple[CustomerProfiles, pl.DataFrame]:
    attrs = pl.DataFrame(
        [
            dict(customer_id="anna@x.com", email="anna@x.com", first_name="Anna",
                 last_name="Rossi", phone="+39 333 1234567", accepts_marketing=True,
                 existing_tags=[]),
        ],
        schema=CUSTOMER_ATTR_SCHEMA,
    )  # fmt: skip
    lines = _lines()
    prof = customer_profiles(lines.lazy(), AS_OF, defaults(), attrs.lazy())
    return prof, customer_addresses(lines.lazy())


def _csv(frame: pl.DataFrame) -> str:
    return frame.write_csv(line_terminator="\n")


def test_meta_layout_and_normalisation() -> None:
    prof, addresses = shop()
    export = build_audience(prof, "meta", addresses=addresses)
    assert export.frame.columns == META_HEADER
    assert _csv(export.frame) == (
        "email,phone,fn,ln,ct,st,zip,country\n"
        "test@example.com,,tess,ter,portland,or,97213,us\n"
        "anna@x.com,393331234567,anna,rossi,roma,rm,00184,it\n"
        ",,dee,oneilsmith,london,,sw1a1aa,gb\n"
    )


def test_google_layout_and_normalisation() -> None:
    prof, addresses = shop()
    export = build_audience(prof, "google", addresses=addresses)
    assert export.frame.columns == GOOGLE_HEADER
    assert _csv(export.frame) == (
        "Email,Phone,First Name,Last Name,Country,Zip\n"
        "test@example.com,,tess,ter,US,97213-1234\n"
        "anna@x.com,393331234567,anna,rossi,IT,00184\n"
        ",,dee,o'neil-smith,GB,SW1A 1AA\n"
    )


def test_hashing_after_normalisation() -> None:
    prof, addresses = shop()
    meta = build_audience(prof, "meta", addresses=addresses, hashed=True).frame
    row = meta.filter(pl.col("email") == TEST_SHA)
    assert row.height == 1  # " Test@Example.COM " -> "test@example.com" -> its SHA-256
    assert row["country"].item() == hashlib.sha256(b"us").hexdigest()  # Meta hashes all
    assert row["phone"].item() is None  # nothing is never hashed into something
    google = build_audience(prof, "google", addresses=addresses, hashed=True).frame
    anna = google.filter(pl.col("Country") == "IT")  # Country and Zip stay plain for Google
    assert anna["Phone"].item() == hashlib.sha256(b"+393331234567").hexdigest()  # E.164 with +
    assert anna["First Name"].item() == hashlib.sha256(b"anna").hexdigest()
    assert anna["Zip"].item() == "00184"
    assert pl.select(sha256_hex(pl.lit("test@example.com"))).item() == TEST_SHA


def test_left_out_counts_relay_consent_and_unmatchable() -> None:
    prof, addresses = shop()
    export = build_audience(prof, "meta", addresses=addresses)
    assert export.selected == 6
    assert export.left_out == {
        "Amazon relay address (never sent to ad platforms)": 1,
        "no marketing consent": 1,
        "nothing to match on (no email, phone, or name with country and postcode)": 1,
    }
    assert "1 customer left out: no marketing consent." in export.notes
    everyone = build_audience(prof, "google", addresses=addresses, include_unsubscribed=True)
    emails = everyone.frame["Email"].to_list()
    assert "carl@x.com" in emails  # kept on request
    assert not any("amazon" in (e or "") for e in emails)  # relay addresses never
    assert "no marketing consent" not in everyone.left_out


def test_segment_filter_and_unknown_platform() -> None:
    prof, addresses = shop()
    with pytest.raises(InputError, match="tiktok"):
        build_audience(prof, "tiktok", addresses=addresses)
    with pytest.raises(InputError, match="No segment"):
        build_audience(prof, "meta", addresses=addresses, segments=["Nope"])


def test_e164_phones() -> None:
    cases = [
        ("07700 900123", "GB", "447700900123"),
        ("+44 (0)20 7946 0000", "GB", "442079460000"),
        ("0044 20 7946 0000", "FR", "442079460000"),  # international wins over the country
        ("'03145415648", "PK", "923145415648"),  # Shopify's apostrophe, trunk 0 dropped
        ("617-555-0182", "US", "16175550182"),
        ("1 (617) 555-0182", "US", "16175550182"),  # country code already there
        ("06 1234 5678", "IT", "390612345678"),  # Italy keeps its 0
        ("617-555-0182", None, None),  # no country: never guessed
        ("123", "US", None),  # too short to be a number
    ]
    schema = {"p": pl.Utf8, "c": pl.Utf8}
    frame = pl.DataFrame({"p": [c[0] for c in cases], "c": [c[1] for c in cases]}, schema=schema)
    got = frame.select(e164_digits(pl.col("p"), pl.col("c"))).to_series().to_list()
    assert got == [c[2] for c in cases]


def test_country_codes() -> None:
    names = ["United Kingdom", "EIRE", "usa", "U.S.A.", "de", "Deutschland", "Unspecified", None]
    got = pl.select(country_code(pl.Series(names, dtype=pl.Utf8))).to_series().to_list()
    assert got == ["GB", "IE", "US", "US", "DE", "DE", None, None]


def test_written_file_is_spreadsheet_safe(tmp_path: Path) -> None:
    lines = make_lines(
        [dict(order_id="1", customer_id="=cmd@x.com", ordered_at="2024-06-01",
              customer_name="=SUM(A1) Evil", postal_code="@1", city="x")]
    )  # fmt: skip
    prof = customer_profiles(lines.lazy(), AS_OF, defaults())
    export = build_audience(prof, "google", addresses=customer_addresses(lines.lazy()))
    path = tmp_path / "g.csv"
    write_export(export, path)
    text = path.read_text(encoding="utf-8")
    for cell in text.splitlines()[1].split(","):
        assert not cell.startswith(("=", "+", "-", "@")), text
