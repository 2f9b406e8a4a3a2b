"""Custom tag conditions are data: they name columns and a few functions, never a file, a URL,
SQL or Python; hostile or huge ones are refused with the rule's name and no file content."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.config import parse_config
from shopinsight.core.customers.condition import MAX_DEPTH, MAX_LENGTH, ConditionError, parse
from shopinsight.core.customers.profiles import customer_profiles
from shopinsight.core.errors import ConfigError
from tests.factories import make_lines

AS_OF = dt.date(2024, 6, 30)
ROWS = [
    dict(order_id=f"o{i}", customer_id=cid, ordered_at=f"2024-05-0{i + 1}", unit_price=price,
         country=country, customer_name=name)
    for i, (cid, price, country, name) in enumerate([
        ("big@x.com", 300.0, "Italy", "Anna Big"), ("big@x.com", 300.0, "Italy", "Anna Big"),
        ("big@x.com", 300.0, "Italy", "Anna Big"), ("small@y.org", 10.0, None, "Bo Small"),
    ])
]  # fmt: skip

COLUMNS = {
    "monetary": pl.Float64,
    "frequency": pl.Int64,
    "orders": pl.Int64,
    "email": pl.Utf8,
    "country": pl.Utf8,
    "marketplaces": pl.List(pl.Utf8),
    "first_order": pl.Datetime("us"),
}
FRAME = pl.DataFrame(
    {
        "monetary": [600.0, 10.0, None],
        "frequency": [3, 1, 2],
        "orders": [3, 1, 1],
        "email": ["a@x.com", "b@y.com", None],
        "country": ["Italy", None, "DE"],
        "marketplaces": [["amazon"], ["shopify"], []],
        "first_order": [dt.datetime(2024, 1, 5), dt.datetime(2023, 1, 1), None],
    },
    schema=COLUMNS,
)


def tags_for(condition: str) -> set[str]:
    cfg = parse_config(f"[tags.custom]\nmine = '''{condition}'''\n")
    prof = customer_profiles(make_lines(ROWS).lazy(), AS_OF, cfg)
    return set(prof.tags.filter(pl.col("tag") == "mine").get_column("customer_id"))


def refused(condition: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        tags_for(condition)
    assert "[tags.custom] mine" in info.value.title
    return info.value


def evaluate(condition: str) -> list:
    return FRAME.select(parse(condition, COLUMNS).expr.alias("x"))["x"].to_list()


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("monetary > 500 and frequency >= 3", [True, False, False]),
        ("recency_like = 1 or orders = 1", None),  # unknown column: checked below
        ("monetary >= 10 AND NOT (orders <> 1)", [False, True, None]),
        ("upper(country) in ['ITALY', 'DE'] or country is null", [True, True, True]),
        ("email not in ('a@x.com')", [False, True, None]),
        ("'amazon' in marketplaces", [True, False, False]),
        ("contains(email, '@y.') or starts_with(lower(country), 'it')", [True, True, None]),
        ("len(marketplaces) >= 1 and coalesce(country, 'none') != 'DE'", [True, True, False]),
        ("round(monetary / orders, 1) > 100 and abs(-frequency) % 2 = 1", [True, False, False]),
        ("first_order >= '2024-01-01'", [True, False, None]),
        ("first_order < date('2024-01-01') or max(orders, frequency) = 2", [False, True, True]),
        ("ends_with(email, '.com') = true and monetary * 2 - 1 > 1e2", [True, False, None]),
    ],
)
def test_the_language(condition: str, expected: list | None) -> None:
    if expected is None:
        with pytest.raises(ConditionError, match="unknown column 'recency_like'"):
            parse(condition, COLUMNS)
    else:
        assert evaluate(condition) == expected


def test_existing_conditions_keep_working() -> None:
    assert tags_for("monetary > 500 and frequency >= 3") == {"big@x.com"}
    assert tags_for("recency_days <= 60 and orders = 1") == {"small@y.org"}
    assert tags_for("contains(customer_name, 'Anna')") == {"big@x.com"}


@pytest.mark.parametrize(
    ("condition", "says"),
    [
        ("monetary >> 3", "expected a value"),
        ("frequency = 3 or", "end of the condition"),
        ("orders in [1, 'x']", "one kind"),
        ("monetary > 1e999", "too large"),
        ("orders > 99999999999999999999999", "too large"),
        ("lower(orders) = 'x'", "lower() needs"),
        ("contains(email)", "takes 2"),
        ("monetary; DROP TABLE x", "';' is not allowed"),
        ("__import__('os').system('true')", "'.' is not allowed"),
        ("eval('1')", "unknown function 'eval'"),
        ("orders = 1 --", "expected a value"),
    ],
)
def test_mistakes_name_the_rule_and_the_place(condition: str, says: str) -> None:
    error = refused(condition)
    assert says in error.detail
    assert "at character" in error.detail


def test_no_file_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("TOPSECRET-LINE-1\nTOPSECRET-LINE-2\n", encoding="utf-8")
    for condition in (
        f"email IN (SELECT column_1 FROM read_csv('{secret}'))",
        f"customer_id IN (SELECT * FROM read_csv('{secret}'))",
        f"read_csv('{secret}') is not null",
        f"email = (SELECT column_1 FROM read_parquet('{secret}') LIMIT 1)",
        f"contains(email, read_csv('{secret}'))",
        f"email in (select column_1 from '{secret}')",
    ):
        error = refused(condition)
        assert "TOPSECRET" not in f"{error.title} {error.detail}"


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Recorder.hits.append(self.path)
        body = b"column_1\nLEAKED\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _refuse(condition: str, refusals: list[ConfigError]) -> None:
    try:
        tags_for(condition)
    except ConfigError as error:
        refusals.append(error)


def test_no_url_is_opened() -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/x.csv"
    try:
        for condition in (
            f"email IN (SELECT column_1 FROM read_csv('{url}'))",
            f"read_csv('{url}') is null",
            f"email = '{url}' or starts_with(email, read_csv('{url}'))",
        ):
            refusals: list[ConfigError] = []
            attempt = threading.Thread(target=_refuse, args=(condition, refusals), daemon=True)
            attempt.start()
            attempt.join(30)  # a reader that did go out may wait on the socket: never hang
            assert _Recorder.hits == [], "a setting opened a URL"
            assert len(refusals) == 1
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.hits == []


def test_huge_and_deep_conditions_are_refused_quickly() -> None:
    assert "longer than" in refused("orders = 1 or " * 1_000 + "orders = 2").detail
    deep = "(" * (MAX_DEPTH + 1) + "orders = 1" + ")" * (MAX_DEPTH + 1)
    assert "nested more than" in refused(deep).detail
    assert "nested more than" in refused("not " * 400 + "true").detail
    assert "nested more than" in refused("-" * 1_500 + "1 = 1").detail
    long_list = "orders in [" + ", ".join("1" for _ in range(600)) + "]"
    assert len(long_list) < MAX_LENGTH and "at most" in refused(long_list).detail


def test_a_huge_condition_is_not_echoed() -> None:
    error = refused("email = 'x' or " + "z" * 5_000)
    assert len(error.detail) < 1_000


def test_control_characters_in_a_condition_are_shown_visibly() -> None:
    hostile = "orders = 1 and \\u001b]0;pwned\\u0007 = 1 " + "x" * 40
    cfg = parse_config(f'[tags.custom]\nmine = "{hostile}"')
    with pytest.raises(ConfigError) as info:
        customer_profiles(make_lines(ROWS).lazy(), AS_OF, cfg)
    assert "\x1b" not in info.value.detail and "\x07" not in info.value.detail
    assert "\\x1b" in info.value.detail
