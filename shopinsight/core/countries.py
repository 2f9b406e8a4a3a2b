"""Country names to ISO 3166-1 alpha-2 codes, and the telephone calling code of each.

Ad platforms match on 2-letter country codes and on phone numbers in E.164 (`+` country code
national number); exports hold "United Kingdom", "EIRE" or "US", and phones written the
national way ("07700 900123"). These tables cover the countries small shops sell to most; a
country not listed stays unknown (its phones are left out rather than guessed).
"""

from __future__ import annotations

import polars as pl

__all__ = ["CALLING_CODES", "COUNTRY_NAMES", "KEEP_TRUNK_ZERO", "country_code"]

CALLING_CODES: dict[str, str] = {
    "US": "1", "CA": "1", "PR": "1", "DO": "1", "JM": "1", "TT": "1", "BS": "1", "BB": "1",
    "GB": "44", "GG": "44", "JE": "44", "IM": "44", "IE": "353", "FR": "33", "DE": "49",
    "NL": "31", "BE": "32", "LU": "352", "CH": "41", "LI": "423", "AT": "43", "IT": "39",
    "SM": "378", "VA": "39", "ES": "34", "PT": "351", "AD": "376", "MC": "377", "DK": "45",
    "SE": "46", "NO": "47", "FI": "358", "IS": "354", "PL": "48", "CZ": "420", "SK": "421",
    "HU": "36", "RO": "40", "BG": "359", "GR": "30", "CY": "357", "MT": "356", "SI": "386",
    "HR": "385", "RS": "381", "BA": "387", "ME": "382", "MK": "389", "AL": "355", "EE": "372",
    "LV": "371", "LT": "370", "UA": "380", "MD": "373", "TR": "90", "IL": "972", "AE": "971",
    "SA": "966", "QA": "974", "KW": "965", "BH": "973", "OM": "968", "JO": "962", "LB": "961",
    "EG": "20", "MA": "212", "TN": "216", "ZA": "27", "NG": "234", "KE": "254", "GH": "233",
    "IN": "91", "PK": "92", "BD": "880", "LK": "94", "NP": "977", "CN": "86", "HK": "852",
    "MO": "853", "TW": "886", "JP": "81", "KR": "82", "SG": "65", "MY": "60", "TH": "66",
    "VN": "84", "PH": "63", "ID": "62", "AU": "61", "NZ": "64", "MX": "52", "BR": "55",
    "AR": "54", "CL": "56", "CO": "57", "PE": "51", "UY": "598", "VE": "58", "EC": "593",
    "CR": "506", "PA": "507", "GT": "502",
}  # fmt: skip
"""ISO code -> ITU calling code (E.164 country code) for the countries above."""

KEEP_TRUNK_ZERO = frozenset({"IT", "SM", "VA"})
"""Countries whose national numbers keep their leading 0 after the country code (+39 06…)."""

_ALIASES: dict[str, str] = {
    "united states": "US", "united states of america": "US", "usa": "US", "america": "US",
    "canada": "CA", "puerto rico": "PR", "dominican republic": "DO", "jamaica": "JM",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "guernsey": "GG", "jersey": "JE", "isle of man": "IM", "ireland": "IE", "eire": "IE",
    "republic of ireland": "IE", "france": "FR", "germany": "DE", "deutschland": "DE",
    "netherlands": "NL", "the netherlands": "NL", "holland": "NL", "belgium": "BE",
    "luxembourg": "LU", "switzerland": "CH", "schweiz": "CH", "suisse": "CH",
    "liechtenstein": "LI", "austria": "AT", "österreich": "AT", "italy": "IT", "italia": "IT",
    "san marino": "SM", "spain": "ES", "españa": "ES", "portugal": "PT", "andorra": "AD",
    "monaco": "MC", "denmark": "DK", "sweden": "SE", "norway": "NO", "finland": "FI",
    "iceland": "IS", "poland": "PL", "czech republic": "CZ", "czechia": "CZ",
    "slovakia": "SK", "hungary": "HU", "romania": "RO", "bulgaria": "BG", "greece": "GR",
    "cyprus": "CY", "malta": "MT", "slovenia": "SI", "croatia": "HR", "serbia": "RS",
    "estonia": "EE", "latvia": "LV", "lithuania": "LT", "ukraine": "UA", "turkey": "TR",
    "türkiye": "TR", "israel": "IL", "united arab emirates": "AE", "uae": "AE",
    "saudi arabia": "SA", "qatar": "QA", "kuwait": "KW", "bahrain": "BH", "oman": "OM",
    "jordan": "JO", "lebanon": "LB", "egypt": "EG", "morocco": "MA", "tunisia": "TN",
    "south africa": "ZA", "rsa": "ZA", "nigeria": "NG", "kenya": "KE", "ghana": "GH",
    "india": "IN", "pakistan": "PK", "bangladesh": "BD", "sri lanka": "LK", "nepal": "NP",
    "china": "CN", "中国": "CN", "hong kong": "HK", "macau": "MO", "macao": "MO",
    "taiwan": "TW", "japan": "JP", "日本": "JP", "south korea": "KR", "korea": "KR",
    "republic of korea": "KR", "singapore": "SG", "malaysia": "MY", "thailand": "TH",
    "vietnam": "VN", "viet nam": "VN", "philippines": "PH", "indonesia": "ID",
    "australia": "AU", "new zealand": "NZ", "mexico": "MX", "méxico": "MX", "brazil": "BR",
    "brasil": "BR", "argentina": "AR", "chile": "CL", "colombia": "CO", "peru": "PE",
    "uruguay": "UY", "venezuela": "VE", "ecuador": "EC", "costa rica": "CR", "panama": "PA",
    "guatemala": "GT",
}  # fmt: skip

COUNTRY_NAMES: dict[str, str] = {**{c.lower(): c for c in CALLING_CODES}, **_ALIASES}
"""Lower-cased name, alias or code -> ISO 3166-1 alpha-2 code."""


def country_code(expr: pl.Expr) -> pl.Expr:
    """ISO 3166-1 alpha-2 (upper case) from a code or an English/local name; null if unknown.

    Dots and extra spaces are ignored ("U.S.A.", "United  Kingdom"); an unlisted 2-letter
    value is taken to be a code already."""
    key = (
        expr.cast(pl.Utf8)
        .str.to_lowercase()
        .str.replace_all(r"[.\u2019']", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    named = key.replace_strict(COUNTRY_NAMES, default=None, return_dtype=pl.Utf8)
    two = pl.when(key.str.contains(r"^[a-z]{2}$")).then(key.str.to_uppercase())
    return pl.coalesce(named, two)
