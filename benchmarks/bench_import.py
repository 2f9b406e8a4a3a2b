"""Import speed on a 1,000,000-line Shopify orders export, against Polars reading it alone.

    python benchmarks/bench_import.py [--lines 1000000] [--regen] [--repeat 1] [--no-append]

Generates the export with gen_shopify.py into benchmarks/out/ (kept between runs; --regen
rewrites it), then times, each in a fresh process so each peak memory (max RSS) is its own:

  (a) the floor: Polars read_csv of the 11 columns an analysis needs (typed, as Polars infers);
      for reference also the importer's columns as text, and every column as text;
  (b) shopinsight.core.importers.import_files into a fresh workspace (sniff, read, parse,
      validate, merge, write the lines part and the manifest), with the time of each stage;
  (c) a later, overlapping export: the export's newest 2% of lines again (some orders now
      refunded) plus 10% new lines (later orders); imported after (b) in the same process.

`--lines 5000000` builds its export from five renumbered copies of the 1M one (streamed); run
it with --no-append (the later export is made in memory).

Goals (issue 13): (b) CPU ≤ 2× (a) CPU, peak ≤ 1 GB at 1M lines (≤ 2 GB at 5M); (c) ≤ 20%
of (b)'s time. Also printed: (b) against what any import keeping every canonical column pays
before parsing a value (reading the importer's columns as text + the file's SHA-256), and with
--profile each stage run alone, one after the other, so its CPU is its own (in (b) Polars'
reader threads run during the parse and their CPU lands in whichever stage is running).
"""

from __future__ import annotations

import argparse
import contextlib
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
GOAL_APPEND = 0.20
NEEDED_11 = [
    "Name", "Email", "Created at", "Financial Status", "Currency", "Total", "Refunded Amount",
    "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku",
]  # fmt: skip
"""What the customer table, churn and bundles read from an orders export."""


def goal_peak_mb(lines: int) -> float:
    return 1024 if lines <= 1_000_000 else 2048


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the
    parent across fork + exec, which would report the parent's peak)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB


def _cpu() -> float:
    """CPU seconds used so far (all threads): a load-independent measure next to wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_polars(path: Path, kind: str) -> dict:
    """Polars reading the export: the 11 needed columns typed (`needed11`), the importer's
    columns as text (`needed`) or every column as text (`all`)."""
    import polars as pl

    from shopinsight.core.importers import FORMATS
    from shopinsight.core.importers.sniff import normalise_name

    header = pl.read_csv(path, n_rows=0, infer_schema=False).columns
    wanted = set(FORMATS["shopify"].columns or ())
    columns = {
        "all": header,
        "needed": [c for c in header if normalise_name(c) in wanted],
        "needed11": [c for c in header if c in NEEDED_11],
    }[kind]
    t, cpu = time.perf_counter(), _cpu()
    frame = pl.read_csv(path, columns=columns, infer_schema=kind == "needed11")
    seconds, cpu = time.perf_counter() - t, _cpu() - cpu
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rows": frame.height,
        "columns": len(columns),
        "peak_mb": _peak_mb(),
    }


def child_import(path: Path, append: bool = False) -> dict:
    """import_files into a fresh workspace, with the time of each stage (wrapped, not changed)."""
    import shopinsight.core.importers as imp
    from shopinsight.core.workspace import Workspace

    stages: dict[str, float] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t, c = time.perf_counter(), _cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                stages[name] = stages.get(name, 0.0) + time.perf_counter() - t
                stages[name + " (CPU)"] = stages.get(name + " (CPU)", 0.0) + _cpu() - c

        return wrapper

    for name in ("sniff", "read_raw", "finish", "merge_into", "merge_import"):
        setattr(imp, name, timed(name, getattr(imp, name)))
    from shopinsight.core import store
    from shopinsight.core.importers import stream

    store.PartWriter.flush = timed("write parts while reading (big file)", store.PartWriter.flush)
    stream.merge_new = timed("merge batches (all new lines)", stream.merge_new)
    fmt = imp.FORMATS["shopify"]
    object.__setattr__(fmt, "build", timed("build (parse + canonical columns)", fmt.build))
    file_sha256 = imp.file_sha256

    def hashed(path: Path) -> str:  # in a thread of its own: its CPU is that thread's
        t, c = time.perf_counter(), time.thread_time()
        try:
            return file_sha256(path)
        finally:
            stages["sha256 of the file"] = time.perf_counter() - t
            stages["sha256 of the file (CPU)"] = time.thread_time() - c

    imp.file_sha256 = hashed
    Workspace.write_version = timed("commit (write part + manifest)", Workspace.write_version)
    Workspace.lines_of_orders = timed("read stored lines it touches", Workspace.lines_of_orders)
    later = {}
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ws")
        t, cpu = time.perf_counter(), _cpu()
        reports = imp.import_files(ws, [path])
        seconds, cpu = time.perf_counter() - t, _cpu() - cpu
        lines = ws.lines().select(imp.pl.len()).collect().item()
        peak = _peak_mb()
        if append:
            second = later_export_path(path)
            stages_first = dict(stages)
            stages.clear()
            t2, cpu2 = time.perf_counter(), _cpu()
            rep2 = imp.import_files(ws, [second])[0]
            later = {
                "seconds": time.perf_counter() - t2,
                "cpu": _cpu() - cpu2,
                "rows": rep2.rows_read,
                "new": rep2.new_lines,
                "updated": rep2.updated,
                "duplicates": rep2.duplicates,
                "lines": ws.lines().select(imp.pl.len()).collect().item(),
                "parts": len(ws.manifest()["lines"]),
                "stages": dict(stages),
            }
            stages = stages_first
    rep = reports[0]
    return {
        "later": later,
        "seconds": seconds,
        "cpu": cpu,
        "rows": rep.rows_read,
        "accepted": rep.accepted,
        "rejected": rep.rejected,
        "lines": lines,
        "format": rep.format,
        "stages": stages,
        "peak_mb": peak,
    }


def child_command(path: Path) -> dict:
    """What `shopinsight import FILE` does into a fresh workspace, in one process: import_files,
    then its warm-up (`cli.imports._record_track`: the churn alerts stored for the track
    record, the Overview's figures), each with its wall and CPU time and the peak memory so far."""
    from shopinsight.cli.imports import _record_track
    from shopinsight.core.importers import import_files
    from shopinsight.core.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ws")
        t, cpu = time.perf_counter(), _cpu()
        rep = import_files(ws, [path])[0]
        alone = {"seconds": time.perf_counter() - t, "cpu": _cpu() - cpu, "peak_mb": _peak_mb()}
        t, cpu = time.perf_counter(), _cpu()
        _record_track(ws.root)
        warm = {"seconds": time.perf_counter() - t, "cpu": _cpu() - cpu, "peak_mb": _peak_mb()}
    seconds = alone["seconds"] + warm["seconds"]
    return {"rows": rep.rows_read, "seconds": seconds, "import": alone, "warm_up": warm}


def child_profile(path: Path) -> dict:
    """The batched import's stages run alone, one after the other (CPU s each): what the
    import costs where, without the reader's threads overlapping the parse."""
    import hashlib

    from shopinsight.core import store
    from shopinsight.core.importers import FORMATS, KNOWN_COLUMNS, stream
    from shopinsight.core.importers.base import BuildContext, finish
    from shopinsight.core.importers.reconcile import _sorted, merge_new
    from shopinsight.core.importers.sniff import sniff

    fmt, cpu = FORMATS["shopify"], {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        c = _cpu()
        out = fn()
        cpu[name] = cpu.get(name, 0.0) + _cpu() - c
        return out

    sn = timed("sniff", lambda: sniff(path, KNOWN_COLUMNS))
    timed("SHA-256 of the file", lambda: hashlib.file_digest(path.open("rb"), "sha256"))
    batches = timed(
        "read the columns (batches of whole orders)",
        lambda: list(stream._whole_orders(stream._batches(path, sn, fmt.columns or ()), "name")),
    )
    ctx, kept = BuildContext(file_name=path.name), []
    for raw in batches:
        built = timed("parse (format build)", lambda raw=raw: fmt.build(raw, ctx))
        good, _ = timed(
            "check + canonical (finish)",
            lambda built=built, raw=raw: finish(built, raw, "shopify"),
        )
        timed("split-order check", lambda good=good: stream._order_hashes(good))
        kept.append(timed("merge (all new)", lambda good=good: merge_new(good)[0]))
    del batches
    with tempfile.TemporaryDirectory() as tmp:
        writer = store.PartWriter(Path(tmp), _sorted)
        for frame in kept:
            writer.pending.append(frame)
        timed("sort + write Parquet parts", writer.close)
    rows = sum(f.height for f in kept)
    return {"stages": cpu, "rows": rows, "columns": kept[0].width if kept else 0}


def later_export_path(path: Path) -> Path:
    return path.with_name(path.stem + "_later.csv")


def write_later_export(path: Path, new_frac: float = 0.10, overlap_frac: float = 0.02) -> Path:
    """The export a month later: its newest orders again (`overlap_frac` of the lines, one in
    five of those orders now refunded) and new orders (`new_frac`): copies of the newest
    orders, renumbered and dated 31 days later. Shopify writes newest first."""
    import polars as pl

    out = later_export_path(path)
    text = pl.read_csv(path, infer_schema=False)
    n = text.height
    first = text.select(pl.col("Name").is_first_distinct()).to_series()
    idx = text.with_row_index("i").filter(first).select("Name", "i")
    cut_new = idx.filter(pl.col("i") >= int(n * new_frac))["i"].first()
    cut_old = idx.filter(pl.col("i") >= int(n * overlap_frac))["i"].first()
    created = pl.col("Created at").str.to_datetime("%Y-%m-%d %H:%M:%S %z")
    fresh = text.head(cut_new).with_columns(
        pl.concat_str(pl.lit("#9"), pl.col("Name").str.slice(1)).alias("Name"),
        (created + pl.duration(days=31)).dt.strftime("%Y-%m-%d %H:%M:%S %z").alias("Created at"),
    )
    refund = pl.col("Name").str.slice(1).cast(pl.Int64) % 5 == 0
    overlap = text.head(cut_old).with_columns(
        pl.when(refund & pl.col("Total").is_not_null())
        .then(pl.lit("refunded"))
        .otherwise(pl.col("Financial Status"))
        .alias("Financial Status"),
        pl.when(refund & pl.col("Total").is_not_null())
        .then(pl.col("Total"))
        .otherwise(pl.col("Refunded Amount"))
        .alias("Refunded Amount"),
    )
    pl.concat([fresh, overlap]).write_csv(out)
    return out


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
    parser.add_argument("--no-append", action="store_true", help="Skip the later export (c).")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="Also run each import stage alone (CPU s); holds the file's text in memory.",
    )
    parser.add_argument(
        "--command",
        action="store_true",
        help="Also the whole import command in one process: import_files, then its warm-up "
        "(churn track record, status), each with its peak memory (goal at 5M lines: <= 2.5 GB).",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child[0], Path(args.child[1])
        if kind in ("import", "append"):
            result = child_import(path, append=kind == "append")
        elif kind == "profile":
            result = child_profile(path)
        elif kind == "command":
            result = child_command(path)
        else:
            result = child_polars(path, kind)
        print(json.dumps(result))
        return

    from gen_shopify import DEFAULT_PATH, OUT

    path = DEFAULT_PATH if args.lines == 1_000_000 else OUT / f"shopify_orders_{args.lines}.csv"
    meta = path.with_suffix(".json")
    if args.regen or not path.exists() or not meta.exists():
        if args.lines > 1_000_000 and args.lines % 1_000_000 == 0:  # copies of the 1M export
            if not DEFAULT_PATH.exists() or not DEFAULT_PATH.with_suffix(".json").exists():
                DEFAULT_PATH.with_suffix(".json").write_text(
                    json.dumps(_run_child_gen(DEFAULT_PATH, 1_000_000))
                )
            gen = replicate(DEFAULT_PATH, path, args.lines // 1_000_000)
        else:
            gen = _run_child_gen(path, args.lines)
        meta.write_text(json.dumps(gen))
    # the file's own size where its metadata does not say (made before the field existed)
    gen = {"bytes": path.stat().st_size, **json.loads(meta.read_text())}
    if not args.no_append and (args.regen or not later_export_path(path).exists()):
        write_later_export(path)
    floor = _best([_run_child("needed11", str(path)) for _ in range(args.repeat)])
    polars_needed = _best([_run_child("needed", str(path)) for _ in range(args.repeat)])
    polars_all = _best([_run_child("all", str(path)) for _ in range(args.repeat)])
    kind = "import" if args.no_append else "append"
    imported = _best([_run_child(kind, str(path)) for _ in range(args.repeat)])
    _report(path, gen, floor, polars_needed, polars_all, imported)
    if args.profile:
        _profile(_run_child("profile", str(path)), floor["cpu"])
    if args.command:
        _command(_best([_run_child("command", str(path)) for _ in range(args.repeat)]), gen)


GOAL_COMMAND_5M = 2560
"""Peak of the whole import command at 5M lines, MB (issue 13)."""


def _command(result: dict, gen: dict) -> None:
    """The import command's two steps, and its peak against the goal."""
    print(f"\nthe import command in one process ({result['rows']:,} rows)")
    print(f"{'step':<58}{'wall s':>8}{'CPU s':>8}{'peak RSS MB':>13}")
    for name, key in (("import_files", "import"), ("then its warm-up (track, status)", "warm_up")):
        r = result[key]
        print(f"{name:<58}{r['seconds']:>8.2f}{r['cpu']:>8.2f}{r['peak_mb']:>13,.0f}")
    peak = result["warm_up"]["peak_mb"]
    goal = ""
    if gen["lines"] >= 5_000_000:
        met = "met" if peak <= GOAL_COMMAND_5M else "NOT met"
        goal = f" (goal at 5M lines <= {GOAL_COMMAND_5M:,} MB: {met})"
    print(f"command peak {peak:,.0f} MB{goal}; load average now {os.getloadavg()[0]:.1f}")


def replicate(one: Path, out: Path, copies: int) -> dict:
    """A bigger export from copies of the 1M one, streamed (never all in memory): copy k's
    orders renumbered and dated 2 years × k earlier, newest copy first like Shopify."""
    import polars as pl

    t = time.perf_counter()
    created = pl.col("Created at").str.to_datetime("%Y-%m-%d %H:%M:%S %z")
    frames = [
        pl.scan_csv(one, infer_schema=False).with_columns(
            pl.concat_str(pl.lit(f"#{k}"), pl.col("Name").str.slice(1)).alias("Name"),
            (created - pl.duration(days=730 * k)).dt.strftime("%Y-%m-%d %H:%M:%S %z"),
        )
        for k in range(copies)
    ]
    pl.concat(frames).sink_csv(out)
    gen = json.loads(one.with_suffix(".json").read_text())
    return {
        **{k: gen[k] * copies for k in ("lines", "orders")},
        "customers": gen["customers"],
        "bytes": out.stat().st_size,
        "seconds": time.perf_counter() - t,
    }


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


def _report(path: Path, gen: dict, floor: dict, needed: dict, every: dict, imported: dict) -> None:
    ratio = imported["seconds"] / floor["seconds"]
    cpu_ratio = imported["cpu"] / floor["cpu"]
    goal_peak = goal_peak_mb(gen["lines"])
    known = ", ".join(f"{gen[k]:,} {k}" for k in ("orders", "customers") if k in gen)
    print(
        f"\nShopify orders export: {path} ({gen['bytes'] / 1e6:,.0f} MB, {gen['lines']:,} line "
        f"rows{', ' + known if known else ''})\n"
    )
    rows = [
        ("generate the export (gen_shopify.py)", gen.get("seconds"), None, gen.get("peak_mb"),
         gen["lines"]),
        (f"(a) Polars read_csv, the {floor['columns']} needed columns, typed", floor["seconds"],
         floor["cpu"], floor["peak_mb"], floor["rows"]),
        (f"    Polars read_csv, the importer's {needed['columns']} columns as text",
         needed["seconds"], needed["cpu"], needed["peak_mb"], needed["rows"]),
        (f"    Polars read_csv, all {every['columns']} columns as text", every["seconds"],
         every["cpu"], every["peak_mb"], every["rows"]),
        ("(b) import_files into a fresh workspace", imported["seconds"], imported["cpu"],
         imported["peak_mb"], imported["rows"]),
    ]  # fmt: skip
    later = imported.get("later") or {}
    if later:
        rows.append(("(c) then the later overlapping export", later["seconds"], later["cpu"],
                     None, later["rows"]))  # fmt: skip
    print(f"{'step':<58}{'wall s':>8}{'CPU s':>8}{'peak RSS MB':>13}{'rows':>11}")
    for name, secs, cpu, peak, n in rows:
        secs_text = f"{secs:.2f}" if secs is not None else "-"
        cpu_text = f"{cpu:.2f}" if cpu is not None else "-"
        peak_text = f"{peak:,.0f}" if peak else "-"
        print(f"{name:<58}{secs_text:>8}{cpu_text:>8}{peak_text:>13}{n:>11,}")
    verdict = "met" if cpu_ratio <= GOAL_RATIO else "NOT met"
    print(
        f"\nimport / Polars floor: {cpu_ratio:.2f}x CPU, {ratio:.2f}x wall (goal CPU <= "
        f"{GOAL_RATIO:.0f}x: {verdict}); import peak {imported['peak_mb']:,.0f} MB (goal <= "
        f"{goal_peak:,.0f} MB: {'met' if imported['peak_mb'] <= goal_peak else 'NOT met'})"
    )
    sha = imported["stages"].get("sha256 of the file (CPU)", 0.0)
    fidelity = needed["cpu"] + sha
    print(
        f"import / (Polars reading the importer's {needed['columns']} columns as text + the "
        f"file's SHA-256, {fidelity:.2f} CPU s: what keeping every canonical column costs "
        f"before any parse): {imported['cpu'] / fidelity:.2f}x CPU"
    )
    if later:
        share, cpu_share = (later[k] / imported[k] for k in ("seconds", "cpu"))
        print(
            f"later export: {later['rows']:,} rows ({later['new']:,} new, {later['updated']:,} "
            f"updated, {later['duplicates']:,} duplicates) in {share:.0%} of the first "
            f"import's wall time, {cpu_share:.0%} of its CPU (goal <= {GOAL_APPEND:.0%}: "
            f"{'met' if max(share, cpu_share) <= GOAL_APPEND else 'NOT met'}); "
            f"{later['lines']:,} lines in {later['parts']} parts"
        )
    print(
        f"accepted {imported['accepted']:,}, rejected {imported['rejected']:,}, "
        f"lines in workspace {imported['lines']:,}, format {imported['format']}; "
        f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    _stages("import stages", imported["stages"], imported["seconds"], imported["cpu"])
    if later:
        _stages("later export stages", later["stages"], later["seconds"], later["cpu"])


FIXED_STAGES = (
    "read the columns (batches of whole orders)",
    "SHA-256 of the file",
    "sort + write Parquet parts",
)
"""What an import keeping every canonical column pays whatever its parsing costs: reading the
columns they come from, the file's identity in the ledger, and writing the lines."""


def _profile(result: dict, floor_cpu: float) -> None:
    stages, total = result["stages"], sum(result["stages"].values())
    print(f"\nimport stages run alone ({result['rows']:,} lines, {result['columns']} columns; "
          f"total {total:.2f} CPU s = {total / floor_cpu:.2f}x the floor):")  # fmt: skip
    for name, cpu in stages.items():
        print(f"  {name:<46}{cpu:>8.2f}{cpu / total:>7.0%}")
    fixed = sum(stages.get(name, 0.0) for name in FIXED_STAGES)
    print(
        f"before any value is parsed (read + SHA-256 + write, run alone): {fixed:.2f} CPU s = "
        f"{fixed / floor_cpu:.2f}x the floor's {floor_cpu:.2f}; the rest (parse, checks, "
        f"merge): {total - fixed:.2f} CPU s"
    )


def _stages(title: str, stages: dict, seconds: float, cpu: float) -> None:
    """Wall and CPU seconds per stage (stages nest: merge_into runs inside merge_import)."""
    print(f"\n{title} (nested stages overlap; total {seconds:.2f} s wall, {cpu:.2f} s CPU):")
    print(f"  {'stage':<40}{'wall s':>8}{'CPU s':>8}")
    walls = {k: v for k, v in stages.items() if not k.endswith(" (CPU)")}
    for name, secs in sorted(walls.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<40}{secs:>8.2f}{stages.get(name + ' (CPU)', 0.0):>8.2f}")


if __name__ == "__main__":
    main()
