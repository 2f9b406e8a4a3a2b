"""`shopinsight report`: one self-contained HTML file whose numbers are the CLI's, with every
piece of exported text escaped; opened in headless Chromium (Playwright) with no request but the
file itself and no console message."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from tests.cli.test_changes_cli import FIRST_HALF, SECOND_HALF

runner = CliRunner()
HEADER = (
    "order_id,customer_id,customer_name,ordered_at,sku,product_name,quantity,line_total,currency"
)
EVIL = "<script>alert(1)</script>"


def _with_names(rows: list[str]) -> list[str]:
    out = []
    for row in rows:
        cells = row.split(",")
        name = EVIL if cells[1] == "dan" else f"{cells[1].title()} Doe"
        out.append(",".join([cells[0], cells[1], name, *cells[2:]]))
    return out


def invoke(ws, *args: str):
    return runner.invoke(app, ["--workspace", str(ws), *args], env={"COLUMNS": "100"})


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    half, whole = tmp / "half.csv", tmp / "whole.csv"
    extra = ['10,gil,Gil Doe,2024-04-20 10:00,"<img src=http://x.test/a.png>",Odd,1,4.00,USD']
    half.write_text("\n".join([HEADER, *_with_names(FIRST_HALF)]) + "\n")
    whole.write_text("\n".join([HEADER, *_with_names(FIRST_HALF + SECOND_HALF), *extra]) + "\n")
    ws = tmp / "ws"
    for f in (half, whole):
        assert invoke(ws, "import", str(f)).exit_code == 0
    out = tmp / "shop report.html"
    result = invoke(ws, "report", "-o", str(out))
    assert result.exit_code == 0, result.output
    return ws, out, out.read_text(encoding="utf-8")


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_numbers_equal_the_cli_json(report):
    ws, _, html = report
    status = json.loads(invoke(ws, "status", "--json").stdout)

    def kpi(key: str) -> str:
        return re.search(rf'data-kpi="{key}"><b>([^<]*)</b>', html).group(1)

    assert kpi("customers") == f"{status['customers']:,}"
    assert kpi("counted_orders") == f"{status['counted_orders']:,}"
    assert kpi("net_revenue") == f"{status['net_revenue']['USD']:,.2f}"
    cohorts = json.loads(invoke(ws, "cohorts", "--json").stdout)
    sizes = dict(re.findall(r'data-cohort="([^"]+)">([^<]*)<', html))
    assert sizes == {c["cohort"]: f"{c['customers']:,}" for c in cohorts}
    alerts = json.loads(invoke(ws, "churn", "--json").stdout)
    assert re.search(r'data-count="alerts">([^<]*)<', html).group(1) == f"{len(alerts):,}"
    changes = json.loads(invoke(ws, "changes", "--json").stdout)
    shown = re.search(r'data-change="new_customers">[^<]*<b>([^<]*)<', html).group(1)
    assert shown == f"{len(changes['new_customers']):,}" and shown == "4"


def test_self_contained_and_escaped(report):
    _, out, html = report
    parsed = Tags()
    parsed.feed(html)
    assert "<script" not in html.lower()
    assert not {"script", "img", "link", "iframe", "object", "embed"} & set(parsed.tags)
    assert not [a for a, _ in parsed.attrs if a in ("src", "href") or a.startswith("on")]
    assert "http" not in html  # not even in the SVG: no namespace URL needed inline
    text = "".join(parsed.text)
    assert EVIL in text  # the name is there, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "@page" in html and "A4" in html and "@media print" in html
    assert "<svg" in html and "<title>ShopInsight report as of 2024-04-20</title>" in html
    assert (out.stat().st_mode & 0o777) == 0o600  # names customers: private like the exports


def test_rewrite_says_so_and_bad_folder(report, tmp_path):
    ws, out, _ = report

    def wide(*args: str):  # a long temporary path (pytest-xdist) must not wrap the words
        return runner.invoke(app, ["--workspace", str(ws), *args], env={"COLUMNS": "400"})

    again = wide("report", "-o", str(out))
    assert again.exit_code == 0 and "Replaced the existing file" in again.output
    bad = wide("report", "-o", str(tmp_path / "missing" / "r.html"))
    assert bad.exit_code == 2 and "does not exist" in bad.output


CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


class Visit:
    """One page load in headless Chromium, with every request and console line it caused."""

    def __init__(self, context, path: Path) -> None:
        self.requests: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []
        self.page = context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def text(self, selector: str) -> str:
        return self.page.locator(selector).inner_text()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's chromium driven by Playwright (never its own download): `.ci/run` installs both;
    where either is missing the browser tests skip and say which."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("no chromium on PATH (.ci/run installs Debian's chromium with apt-get)")
    with sync_api.sync_playwright() as pw:
        try:
            context = pw.chromium.launch_persistent_context(
                str(tmp_path_factory.mktemp("profile")), executable_path=exe, headless=True,
                args=CHROMIUM_ARGS, offline=True,
            )  # fmt: skip
        except sync_api.Error as err:
            pytest.skip(f"{exe} did not start headless: {str(err).splitlines()[0]}")
        # Anything but a file: URL is refused at once rather than left to time out; it is still
        # recorded as a request by the Visit, which is what the tests look at.
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith("file:") else route.abort()
            ),
        )
        yield lambda path: Visit(context, path)
        context.close()


def test_opens_in_a_headless_browser_offline_and_quiet(report, browser):
    ws, out, _ = report
    visit = browser(out)
    assert visit.requests == [out.resolve().as_uri()]  # the file itself, nothing else
    assert visit.console == [] and visit.errors == []
    page = visit.page
    assert page.title() == "ShopInsight report as of 2024-04-20"
    status = json.loads(invoke(ws, "status", "--json").stdout)
    assert visit.text('[data-kpi="customers"] b') == f"{status['customers']:,}"
    assert visit.text('[data-kpi="counted_orders"] b') == f"{status['counted_orders']:,}"
    assert visit.text('[data-kpi="net_revenue"] b') == f"{status['net_revenue']['USD']:,.2f}"
    cohorts = json.loads(invoke(ws, "cohorts", "--json").stdout)
    shown = page.eval_on_selector_all(
        "[data-cohort]", "cells => cells.map(c => [c.dataset.cohort, c.innerText])"
    )
    assert dict(shown) == {c["cohort"]: f"{c['customers']:,}" for c in cohorts}
    alerts = json.loads(invoke(ws, "churn", "--json").stdout)
    assert visit.text('[data-count="alerts"]') == f"{len(alerts):,}"
    changes = json.loads(invoke(ws, "changes", "--json").stdout)
    assert visit.text('[data-change="new_customers"] b') == f"{len(changes['new_customers']):,}"
    # the hostile name is rendered as text, and nothing it spells became an element
    assert EVIL in page.locator("body").inner_text()
    assert page.locator("script, img, iframe, object, embed, link").count() == 0
    # it prints: Chromium lays it out on A4 pages
    assert page.pdf(format="A4", prefer_css_page_size=True)[:5] == b"%PDF-"
    page.close()


def test_the_browser_check_sees_a_fetch_and_an_error(report, browser, tmp_path):
    """The harness itself can fail: a report that fetched an image would be caught."""
    _, _, html = report
    bad = tmp_path / "bad.html"
    bad.write_text(html.replace("</body>", '<img src="https://x.test/a.png"></body>'))
    visit = browser(bad)
    assert "https://x.test/a.png" in visit.requests
    assert visit.console  # the refused load is logged as an error
    visit.page.close()


def test_sample_shop_alerts_and_cohorts_equal_the_cli(tmp_path):
    from pathlib import Path

    samples = Path(__file__).resolve().parents[2] / "sample_exports"
    if not samples.is_dir():
        pytest.skip("sample_exports/ is missing")
    files = sorted(str(p) for p in samples.iterdir() if p.suffix in (".csv", ".txt", ".tsv"))
    ws = tmp_path / "ws"
    assert invoke(ws, "import", *files).exit_code == 0
    out = tmp_path / "r.html"
    assert invoke(ws, "report", "-o", str(out), "--as-of", "2026-11-20").exit_code == 0
    html = out.read_text(encoding="utf-8")
    alerts = json.loads(invoke(ws, "churn", "--json", "--as-of", "2026-11-20").stdout)
    assert len(alerts) > 0
    assert re.search(r'data-count="alerts">([^<]*)<', html).group(1) == f"{len(alerts):,}"
    cohorts = json.loads(invoke(ws, "cohorts", "--json", "--as-of", "2026-11-20").stdout)
    sizes = dict(re.findall(r'data-cohort="([^"]+)">([^<]*)<', html))
    assert sizes == {c["cohort"]: f"{c['customers']:,}" for c in cohorts} and len(sizes) > 12
    status = json.loads(invoke(ws, "status", "--json", "--as-of", "2026-11-20").stdout)
    assert f'data-kpi="customers"><b>{status["customers"]:,}</b>' in html
