"""Whatever bytes arrive, the importer either explains the problem or accounts for every row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopinsight.core.errors import ShopInsightError
from shopinsight.core.importers import import_files, load_file
from shopinsight.core.workspace import Workspace

GOOD = (
    "order_id,date,customer,sku,qty,price\n"
    "1,2024-01-01,a@x.com,A,1,5.00\n"
    "1,2024-01-01,a@x.com,B,2,3.50\n"
    "2,2024-01-03,b@x.com,A,1,5.00\n"
)

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _check(path: Path) -> None:
    try:
        loaded = load_file(path)
    except ShopInsightError as exc:
        assert exc.title and exc.detail
        return
    assert loaded.rows_read == loaded.lines.select(pl.len()).item() + loaded.rejects.height
    with tempfile.TemporaryDirectory() as tmp:  # into a workspace, twice: every row counted
        ws = Workspace.open(Path(tmp) / "ws")
        for _ in range(2):
            try:
                report = import_files(ws, [path])[0]
            except ShopInsightError as exc:  # explained; nothing imported
                assert exc.title and exc.detail and len(ws.ledger()) < 2
                return
            assert report.rows_read == report.accepted + report.rejected
            assert report.accepted == report.new_lines + report.updated + report.duplicates
        assert report.new_lines == report.updated == 0  # the same file again changes nothing


@SETTINGS
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_crash(tmp_path, data):
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    _check(path)


@st.composite
def mangled_csv(draw):
    text = GOOD
    for _ in range(draw(st.integers(0, 6))):
        pos = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "dup_line"]))
        if action == "insert":
            junk = draw(
                st.sampled_from(['"', ",", "\n", ";", "\t", "'", "=", "x", "-1", "é", "\x00"])
            )
            text = text[:pos] + junk + text[pos:]
        elif action == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 5)) :]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            text = "\n".join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "cp1252", "gb18030"]))
    return text.encode(encoding, errors="replace")


@SETTINGS
@given(data=mangled_csv())
def test_mangled_csv_rows_accounted(tmp_path, data):
    path = tmp_path / "mangled.csv"
    path.write_bytes(data)
    _check(path)


def test_mangled_import_into_workspace_never_half_written(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    import_files(ws, [good])
    before = ws.lines().collect()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\xff" * 50)
    try:
        import_files(ws, [good, bad])
    except ShopInsightError:
        pass
    after = ws.lines().collect()
    assert after.equals(before)  # the batch failed as a whole; nothing changed
    assert len(ws.ledger()) == 1


def test_killed_import_leaves_workspace_intact(tmp_path):
    """kill -9 in the middle of a big import: the previous workspace is still there and readable."""
    ws = Workspace.open(tmp_path / "ws")
    small = tmp_path / "small.csv"
    small.write_text(GOOD, encoding="utf-8")
    import_files(ws, [small])
    before = ws.lines().collect()
    big = tmp_path / "big.csv"
    n = 300_000
    pl.DataFrame(
        {
            "order_id": [str(i // 3) for i in range(n)],
            "date": ["2024-02-01 10:00:00"] * n,
            "customer": [f"c{i % 5000}@x.com" for i in range(n)],
            "sku": [f"S{i % 700}" for i in range(n)],
            "qty": ["1"] * n,
            "price": ["9.99"] * n,
        }
    ).write_csv(big)
    script = (
        "import sys\nfrom shopinsight.core.workspace import Workspace\n"
        "from shopinsight.core.importers import import_files\n"
        f"import_files(Workspace.open({str(ws.root)!r}), [{str(big)!r}])\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env=os.environ.copy())
    # Kill it while the new lines file is being written (its temp file exists).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if list(ws.root.glob("lines/.*.tmp-*")):
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reopened = Workspace.open(ws.root)
    after = reopened.lines().collect()
    # Either the kill came before the atomic rename (unchanged) or after it (complete).
    assert after.equals(before) or after.height == before.height + n
    assert after.height in (before.height, before.height + n)
    report = import_files(reopened, [small])[0]  # still importable afterwards
    assert report.rows_read == 3
