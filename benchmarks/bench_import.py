"""Import speed on a 1,000,000-line Shopify orders export, against Polars reading it alone.

    python benchmarks/bench_import.py [--lines 1000000] [--regen] [--repeat 1]

Generates the export with gen_shopify.py into benchmarks/out/ (kept between runs; --regen
rewrites it), then times, each in a fresh process so each peak memory (max RSS) is its own:

  (a) Polars alone: pl.read_csv of just the columns the Shopify importer reads, as text;
  (b) shopinsight.core.importers.import_files into a fresh workspace (sniff, read, parse,
      validate, merge, write order_lines.parquet), with the time spent in each stage.

Goal: (b) at most 2× (a), peak memory under 3 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HERE = Path(__file__).resolve().parent
GOAL_RATIO = 2.0
GOAL_PEAK_MB = 3 * 1024


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB


def _cpu() -> float:
    """CPU seconds used so far (all threads): a load-independent measure next to wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_polars(path: Path, every: bool) -> dict:
    """Polars reading the export (only the importer's columns unless `every`), all as text."""
    import polars as pl

    from shopinsight.core.importers import FORMATS
    from shopinsight.core.importers.sniff import normalise_name

    header = pl.read_csv(path, n_rows=0, infer_schema=False).columns
    wanted = set(FORMATS["shopify"].columns or ())
    columns = header if every else [c for c in header if normalise_name(c) in wanted]
    t, cpu = time.perf_counter(), _cpu()
    frame = pl.read_csv(path, columns=columns, infer_schema=False)
    seconds, cpu = time.perf_counter() - t, _cpu() - cpu
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rows": frame.height,
        "columns": len(columns),
        "peak_mb": _peak_mb(),
    }


def child_import(path: Path) -> dict:
    """import_files into a fresh workspace, with the time of each stage (wrapped, not changed)."""
    import hashlib

    import shopinsight.core.importers as imp
    from shopinsight.core.workspace import Workspace

    stages: dict[str, float] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                stages[name] = stages.get(name, 0.0) + time.perf_counter() - t

        return wrapper

    for name in ("sniff", "read_raw", "finish", "merge_into", "supersede_order_lines"):
        setattr(imp, name, timed(name, getattr(imp, name)))
    fmt = imp.FORMATS["shopify"]
    object.__setattr__(fmt, "build", timed("build (parse + canonical columns)", fmt.build))
    hashlib.sha256 = timed("sha256 of the file", hashlib.sha256)
    Workspace.commit = timed("commit (write parquet + ledger)", Workspace.commit)
    Workspace.read_lines = timed("read existing lines", Workspace.read_lines)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ws")
        t, cpu = time.perf_counter(), _cpu()
        reports = imp.import_files(ws, [path])
        seconds, cpu = time.perf_counter() - t, _cpu() - cpu
        lines = ws.lines().select(imp.pl.len()).collect().item()
    rep = reports[0]
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rows": rep.rows_read,
        "accepted": rep.accepted,
        "rejected": rep.rejected,
        "lines": lines,
        "format": rep.format,
        "stages": stages,
        "peak_mb": _peak_mb(),
    }


def _run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _best(runs: list[dict]) -> dict:
    return min(runs, key=lambda r: r["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--regen", action="store_true", help="Rewrite the generated export.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per measurement (best kept).")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child[0], Path(args.child[1])
        result = child_import(path) if kind == "import" else child_polars(path, kind == "all")
        print(json.dumps(result))
        return

    from gen_shopify import DEFAULT_PATH, OUT

    path = DEFAULT_PATH if args.lines == 1_000_000 else OUT / f"shopify_orders_{args.lines}.csv"
    meta = path.with_suffix(".json")
    if args.regen or not path.exists() or not meta.exists():
        gen = _run_child_gen(path, args.lines)
        meta.write_text(json.dumps(gen))
    gen = json.loads(meta.read_text())
    polars_needed = _best([_run_child("needed", str(path)) for _ in range(args.repeat)])
    polars_all = _best([_run_child("all", str(path)) for _ in range(args.repeat)])
    imported = _best([_run_child("import", str(path)) for _ in range(args.repeat)])
    _report(path, gen, polars_needed, polars_all, imported)


def _run_child_gen(path: Path, lines: int) -> dict:
    code = (
        f"import json, resource, sys; sys.path.insert(0, {str(HERE)!r}); "
        f"from gen_shopify import generate; from pathlib import Path; "
        f"s = generate(Path({str(path)!r}), {lines}); "
        "s['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; "
        "print(json.dumps(s))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _report(path: Path, gen: dict, needed: dict, every: dict, imported: dict) -> None:
    ratio = imported["seconds"] / needed["seconds"]
    cpu_ratio = imported["cpu"] / needed["cpu"]
    print(
        f"\nShopify orders export: {path} ({gen['bytes'] / 1e6:,.0f} MB, {gen['lines']:,} line "
        f"rows, {gen['orders']:,} orders, {gen['customers']:,} customers)\n"
    )
    rows = [
        ("generate the export (gen_shopify.py)", gen["seconds"], None, gen.get("peak_mb"),
         gen["lines"]),
        (f"(a) Polars read_csv, {needed['columns']} needed columns as text", needed["seconds"],
         needed["cpu"], needed["peak_mb"], needed["rows"]),
        (f"    Polars read_csv, all {every['columns']} columns as text", every["seconds"],
         every["cpu"], every["peak_mb"], every["rows"]),
        ("(b) import_files into a fresh workspace", imported["seconds"], imported["cpu"],
         imported["peak_mb"], imported["rows"]),
    ]  # fmt: skip
    print(f"{'step':<58}{'wall s':>8}{'CPU s':>8}{'peak RSS MB':>13}{'rows':>11}")
    for name, secs, cpu, peak, n in rows:
        cpu_text = f"{cpu:.2f}" if cpu is not None else "-"
        peak_text = f"{peak:,.0f}" if peak else "-"
        print(f"{name:<58}{secs:>8.2f}{cpu_text:>8}{peak_text:>13}{n:>11,}")
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    print(
        f"\nimport / Polars-alone: {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (goal <= "
        f"{GOAL_RATIO:.0f}x: {verdict}); import peak {imported['peak_mb']:,.0f} MB (goal < "
        f"{GOAL_PEAK_MB:,} MB: {'met' if imported['peak_mb'] < GOAL_PEAK_MB else 'NOT met'})"
    )
    print(
        f"accepted {imported['accepted']:,}, rejected {imported['rejected']:,}, "
        f"lines in workspace {imported['lines']:,}, format {imported['format']}; "
        f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print("\nimport stages (wall seconds; 'other' is the glue between them):")
    accounted = 0.0
    for name, secs in sorted(imported["stages"].items(), key=lambda kv: -kv[1]):
        accounted += secs
        print(f"  {name:<40}{secs:>8.2f}  ({secs / imported['seconds']:.0%})")
    print(f"  {'other':<40}{imported['seconds'] - accounted:>8.2f}")


if __name__ == "__main__":
    main()
