"""Versions of a workspace: one commit point, snapshot reads, appends, cleanup, old layouts."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core import store
from shopinsight.core.importers import import_files
from shopinsight.core.workspace import MAX_PARTS, Workspace
from tests.factories import make_lines

HEADER = "order_id,date,customer,sku,qty,price\n"
CUSTOMERS = "First Name,Last Name,Email,Accepts Email Marketing,Tags\n"


def orders_csv(path: Path, first: int, n: int, price: str = "9.99", day: int = 1) -> Path:
    """A generic export of `n` two-line orders numbered from `first`, one a minute."""
    ids = [i for i in range(first, first + n) for _ in (0, 1)]
    stamp = [f"2024-03-{day + m // 1440:02d} {m // 60 % 24:02d}:{m % 60:02d}:00" for m in ids]
    pl.DataFrame(
        {
            "order_id": [str(i) for i in ids],
            "date": stamp,
            "customer": [f"c{i % 997}@x.com" for i in ids],
            "sku": ["A", "B"] * n,
            "qty": ["1"] * (2 * n),
            "price": [price] * (2 * n),
        }
    ).write_csv(path)
    return path


def state(ws: Workspace) -> tuple:
    """What a reader sees: lines, customer attributes and ledger (without timestamps)."""
    snap = ws.snapshot()
    ledger = [(r.get("file"), r.get("sha256"), r.get("accepted")) for r in snap.ledger()]
    return (
        snap.lines().collect(),
        snap.customer_attrs().collect().sort("customer_id"),
        json.dumps(ledger),
    )


def same(a: tuple, b: tuple) -> bool:
    return a[0].equals(b[0]) and a[1].equals(b[1]) and a[2] == b[2]


def test_old_layout_opens_and_migrates_on_first_write(tmp_path):
    root = tmp_path / "ws"
    ws = Workspace.open(root)
    make_lines(
        [{"order_id": 1, "customer_id": "z@x.com", "ordered_at": "2023-05-01"}]
    ).write_parquet(root / "order_lines.parquet")
    (root / "imports.jsonl").write_text('{"file": "old.csv", "sha256": "x"}\n', "utf-8")
    (root / ".order_lines.parquet.tmp-999999999").write_bytes(b"left by a killed import")
    assert ws.lines().collect().height == 1 and len(ws.ledger()) == 1
    import_files(ws, [orders_csv(tmp_path / "new.csv", 100, 3)])
    assert ws.lines().collect().height == 1 + 6 and len(ws.ledger()) == 2
    assert (root / store.MANIFEST).exists()
    import_files(ws, [orders_csv(tmp_path / "more.csv", 200, 3)])  # the next write cleans up
    assert not list(root.glob(".*.tmp-*"))
    assert ws.lines().collect().height == 1 + 12


def test_reader_keeps_its_version_while_an_import_commits(ws, tmp_path):
    import_files(ws, [orders_csv(tmp_path / "a.csv", 1, 50)])
    before = state(ws)
    snap = ws.snapshot()
    pending = ws.lines()  # a lazy scan opened before the import
    key = snap.fingerprint()
    import_files(ws, [orders_csv(tmp_path / "b.csv", 40, 50, price="12.50")])
    assert pending.collect().equals(before[0])
    assert same(state(snap), before) and snap.fingerprint() == key
    assert ws.fingerprint() != key and not same(state(ws), before)
    snap.cache_put("result", pl.DataFrame({"x": [1]}))
    assert ws.cache_get("result") is None  # cached under the version it was computed from


def test_overlapping_export_appends_a_part_and_stays_idempotent(ws, tmp_path):
    first = orders_csv(tmp_path / "a.csv", 1, 200)
    import_files(ws, [first])
    later = orders_csv(tmp_path / "b.csv", 181, 40, price="10.99")  # 20 updated, 20 new orders
    report = import_files(ws, [later])[0]
    assert (report.new_lines, report.updated, report.duplicates) == (40, 40, 0)
    manifest = ws.manifest()
    assert len(manifest["lines"]) == 2 and manifest["lines"][0]["dropped"] == 40
    lines = ws.lines().collect()
    assert lines.height == 440 and lines.select(store.line_order()).is_duplicated().sum() == 0
    assert lines.filter(pl.col("order_id").cast(pl.Int64) > 180)[
        "unit_price"
    ].unique().to_list() == [10.99]
    again = import_files(ws, [later])[0]
    assert (again.new_lines, again.updated, again.duplicates) == (0, 0, 80)
    assert ws.lines().collect().equals(lines)
    assert len(ws.manifest()["lines"]) == 2  # nothing rewritten


def test_parts_are_compacted_when_they_pile_up(ws, tmp_path):
    for i in range(MAX_PARTS + 1):
        import_files(ws, [orders_csv(tmp_path / f"{i}.csv", 1000 * i, 5, day=1 + i)])
    manifest = ws.manifest()
    assert len(manifest["lines"]) == 1 and manifest["ordered"]
    lines = ws.lines().collect()
    assert lines.height == (MAX_PARTS + 1) * 10
    files = {f"{store.LINES_DIR}/{p.name}" for p in (ws.root / store.LINES_DIR).iterdir()}
    import_files(ws, [orders_csv(tmp_path / "last.csv", 99_000, 1, day=20)])
    kept = {f"{store.LINES_DIR}/{p.name}" for p in (ws.root / store.LINES_DIR).iterdir()}
    assert kept == store.referenced(ws.manifest()) | (files & store.referenced(manifest))


def test_rejects_of_two_files_with_one_name_are_both_kept(ws, tmp_path):
    paths = []
    for folder, bad in (("a", "x1"), ("b", "x2")):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "orders.csv"
        path.write_text(HEADER + f"1{folder},2024-01-01,a@x.com,A,1,5\n{bad},,b@x.com,A,1,5\n")
        paths.append(path)
    reports = import_files(ws, paths)
    saved = [pl.read_csv(r.rejects_path, infer_schema=False) for r in reports]
    assert len({r.rejects_path for r in reports}) == 2
    assert sorted(f["order_id"][0] for f in saved) == ["x1", "x2"]


# -- kill -9 / SIGTERM at random moments --------------------------------------------------------

CHILD = (
    "import sys\nfrom pathlib import Path\nfrom shopinsight.core.workspace import Workspace\n"
    "from shopinsight.core.importers import import_files\n"
    "import_files(Workspace.open(sys.argv[1]), [Path(p) for p in sys.argv[2:]])\n"
)


def _start(root: Path, files: list[Path]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(root), *map(str, files)])


def test_killed_import_leaves_the_workspace_before_or_after(tmp_path):
    """SIGKILL and SIGTERM at seeded random moments of an import that drops rows from the
    stored part, appends a part, replaces the customers file and grows the ledger."""
    template = Workspace.open(tmp_path / "template")
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS + "Ann,Lee,c1@x.com,yes,vip\nBo,Ng,c2@x.com,no,\n", "utf-8")
    import_files(template, [orders_csv(tmp_path / "a.csv", 1, 6000)])
    later = [orders_csv(tmp_path / "b.csv", 5000, 6000, price="11.00"), customers]
    before = state(template)
    done = tmp_path / "done"
    shutil.copytree(template.root, done)
    t = time.monotonic()
    _start(done, later).wait()
    full = time.monotonic() - t
    after = state(Workspace.open(done))
    assert not same(before, after)
    rng = random.Random(14)
    outcomes = []
    for trial in range(24):
        root = tmp_path / f"trial{trial}"
        shutil.copytree(template.root, root)
        proc = _start(root, later)
        # up to twice the undisturbed run: on a loaded machine an import takes longer than
        # the timed one, and some kills must still land after its commit
        time.sleep(rng.uniform(0.25, 2.0) * full)
        proc.send_signal(signal.SIGKILL if trial % 2 else signal.SIGTERM)
        proc.wait()
        seen = state(Workspace.open(root))
        assert same(seen, before) or same(seen, after), f"trial {trial}: half-written"
        outcomes.append(same(seen, after))
    assert 0 < sum(outcomes) < len(outcomes)  # kills landed both before and after the commit
    # the next write clears what the killed imports left behind
    ws = Workspace.open(root)
    import_files(ws, [orders_csv(tmp_path / "c.csv", 90_000, 2)])
    left = [p for p in ws.root.rglob("*") if ".tmp-" in p.name]
    folders = [d for d in (root / store.LINES_DIR, root / store.CUSTOMERS_DIR) if d.is_dir()]
    data = {f"{p.parent.name}/{p.name}" for d in folders for p in d.iterdir()}
    assert not left and data == store.referenced(ws.manifest())


def test_reader_across_an_import_gets_a_consistent_answer(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    import_files(ws, [orders_csv(tmp_path / "a.csv", 1, 6000)])
    total = pl.col("unit_price").sum()
    before = ws.lines().select(pl.len(), total).collect().row(0)
    proc = _start(ws.root, [orders_csv(tmp_path / "b.csv", 3000, 6000, price="11.00")])
    answers = set()
    while proc.poll() is None:
        answers.add(ws.snapshot().lines().select(pl.len(), total).collect().row(0))
    assert proc.returncode == 0
    after = ws.lines().select(pl.len(), total).collect().row(0)
    assert answers <= {before, after} and before != after


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
def test_manifest_is_the_only_commit_point(ws, tmp_path, monkeypatch):
    import_files(ws, [orders_csv(tmp_path / "a.csv", 1, 5)])
    before = state(ws)
    import shopinsight.core.workspace as workspace

    real = workspace.atomic_write_bytes

    def fail_on_manifest(path, data):
        if path.name == store.MANIFEST:
            raise OSError("disk full")
        real(path, data)

    monkeypatch.setattr(workspace, "atomic_write_bytes", fail_on_manifest)
    with pytest.raises(OSError):
        import_files(ws, [orders_csv(tmp_path / "b.csv", 3, 5, price="1.00")])
    assert same(state(ws), before)  # lines, customers and ledger written, none of it visible
