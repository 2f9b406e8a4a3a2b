"""The whole pass a merchant runs, on a big Shopify export: import → customers → churn →
bundles → gifts plan, cold and warm, each stage's wall time and peak memory.

    python benchmarks/bench_pipeline.py [--lines 1000000 | --quick] [--csv FILE]
                                        [--no-cli] [--no-inprocess]
                                        [--keep DIR [--warm-only [--repeat N]]]

- **cold**: a fresh workspace, one new process per command, as a merchant runs the CLI
  (`shopinsight -w W import FILE`, `customers --json`, `churn --json`,
  `bundles --max-size 3 --json`, `gifts plan --json`). The import command warms the cache
  once the import is saved (`core.after_import`: the day's churn alerts stored, and the
  customer table, churn, bundles and gift plan computed, on two cores up to 2M lines), so
  its row holds most of the cold pass and the commands after it read cached results;
- **warm**: nothing changed, the same analysis commands again: each should only read the
  results cached in the workspace (goal: the four together ≤ 2 s at 1M lines);
- **in one process** through `Shop` (the app's path), on the same data with the cache emptied:
  each stage's time, and how often the heavy functions ran (customer profiles must be computed
  once per pass).

The export is made by gen_shopify.py into benchmarks/out/ (kept between runs). Peak memory is
each child's max RSS from wait4; this parent imports nothing heavy, so a child's figure is its
own. Goals (issues 9 and 13): full pass ≤ 15 s cold and ≤ 2 s warm at 1M lines on 2 cores.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
GOAL_COLD_S = 15.0
GOAL_WARM_S = 2.0

STAGES: list[tuple[str, list[str]]] = [
    ("customers", ["customers", "--json"]),
    ("churn", ["churn", "--json"]),
    ("bundles", ["bundles", "--max-size", "3", "--json"]),
    ("gifts plan", ["gifts", "plan", "--json"]),
]


def run_child(argv: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a command; its wall time, peak RSS (MB) and CPU time from wait4, and its output."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    out, err = b"", b""
    # read the pipes before waiting, so a big --json output never blocks the child
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall": wall,
        "peak_mb": usage.ru_maxrss / 1024,  # Linux: KB
        "cpu": usage.ru_utime + usage.ru_stime,
        "rc": proc.returncode,
        "out": out,
        "err": err.decode(errors="replace")[-2000:],
    }


def compile_bytecode() -> None:
    """Write the package's bytecode first, as an installed package has it: with
    PYTHONDONTWRITEBYTECODE set (the team's shells), every module edited since its .pyc was
    written is compiled again by every command, ~0.1 CPU s each when all are stale."""
    compileall.compile_dir(ROOT / "shopinsight", quiet=2)


def cli(ws: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "shopinsight", "-w", str(ws), *args]


def ensure_export(lines: int, csv: Path | None, seed: int) -> Path:
    """The export to import: --csv, or gen_shopify.py output for this size (made once)."""
    if csv:
        return csv
    name = "shopify_orders_1m.csv" if lines == 1_000_000 else f"shopify_orders_{lines}.csv"
    path = OUT / name
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists() and json.loads(meta.read_text()).get("lines") == lines:
        return path
    print(f"generating {lines:,} lines into {path} …", flush=True)
    gen = [sys.executable, str(HERE / "gen_shopify.py"), "--lines", str(lines), "--seed"]
    subprocess.run([*gen, str(seed), "--out", str(path)], check=True, cwd=ROOT)
    if not meta.exists():  # older gen_shopify: note the size ourselves
        meta.write_text(json.dumps({"path": str(path), "lines": lines}))
    return path


def check(step: str, result: dict) -> None:
    if result["rc"] != 0:
        raise SystemExit(f"{step} failed (exit {result['rc']}):\n{result['err']}")


def cli_pass(ws: Path, export: Path, warm: bool) -> dict[str, dict]:
    """One pass of CLI commands, each a new process; `warm` skips the import."""
    env = {**os.environ, "SHOPINSIGHT_DEBUG": "1", "COLUMNS": "100"}
    rows: dict[str, dict] = {}
    if not warm:
        rows["import"] = run_child(cli(ws, "import", str(export)), env)
        check("import", rows["import"])
    for name, args in STAGES:
        rows[name] = run_child(cli(ws, *args), env)
        # not kept: a parent holding 120 MB of JSON makes the next child's fork look that big
        rows[name]["out"] = b""
        if rows[name]["rc"] != 0:  # report it and go on: the other stages still tell
            print(f"{name} failed (exit {rows[name]['rc']}):\n{rows[name]['err']}", flush=True)
    return rows


def median_pass(passes: list[dict[str, dict]]) -> dict[str, dict]:
    """Each stage's median wall and CPU time over several passes (and its largest peak)."""
    out = {}
    for name in passes[0]:
        runs = [p[name] for p in passes]
        out[name] = {
            "wall": statistics.median(r["wall"] for r in runs),
            "cpu": statistics.median(r["cpu"] for r in runs),
            "peak_mb": max(r["peak_mb"] for r in runs),
        }
    return out


# -- in one process, through Shop (run as a child of this script) --------------------------
def child_inprocess(ws_path: str) -> None:
    """Every analysis of the pass through one `Shop`, counting the heavy computations."""
    import resource

    import shopinsight.core.bundles as bundles_pkg
    import shopinsight.core.churn.alerts as alerts_mod
    import shopinsight.core.customers.profiles as profiles_mod
    import shopinsight.core.shop_data as shop_data_mod
    from shopinsight.core.shop import Shop

    calls: dict[str, int] = {}

    def counted(module: object, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            calls[name] = calls.get(name, 0) + 1
            return original(*args, **kwargs)

        setattr(module, name, wrapper)

    counted(profiles_mod, "customer_profiles")
    counted(shop_data_mod, "prepare")
    counted(alerts_mod, "churn_alerts")
    counted(bundles_pkg, "mine_itemsets")
    counted(bundles_pkg, "bundle_offers")
    if hasattr(profiles_mod, "prepare"):  # profiles imports prepare by name
        counted(profiles_mod, "prepare")

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
        return usage.ru_utime + usage.ru_stime

    stages: dict[str, float] = {}
    cpus: dict[str, float] = {}
    t0 = time.perf_counter()
    shop = Shop.open(ws_path)
    steps = [
        ("open + currency", lambda: (shop.as_of(), shop.currency())),
        ("customers", lambda: shop.profiles()),
        ("churn", lambda: shop.churn()),
        ("bundles", lambda: shop.bundles(max_size=3)),
        ("gifts plan", lambda: shop.gifts("open")),
    ]
    for name, step in steps:
        t, c = time.perf_counter(), cpu()
        step()
        stages[name] = time.perf_counter() - t
        cpus[name] = cpu() - c
    total = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"stages": stages, "cpu": cpus, "total": total, "calls": calls, "peak_mb": peak}
    print(json.dumps(out))


def inprocess(ws: Path) -> dict:
    """The in-process pass on the workspace with its cache emptied (so everything computes)."""
    cache = ws / "cache"
    for f in cache.glob("*"):
        f.unlink()
    result = run_child([sys.executable, __file__, "--_inprocess", str(ws)])
    check("in-process pass", result)
    data = json.loads(result["out"].decode().strip().splitlines()[-1])
    data["wall"] = result["wall"]
    data["rss_mb"] = result["peak_mb"]
    return data


# -- report ---------------------------------------------------------------------------------
def table(cold: dict[str, dict], warm: dict[str, dict]) -> str:
    rows = [f"{'stage':<12} {'cold s':>8} {'cold MB':>8} {'cold CPU':>9} {'warm s':>8} "
            f"{'warm MB':>8} {'warm CPU':>9}"]  # fmt: skip
    for name in cold:
        c, w = cold[name], warm.get(name)
        warm_s = (
            f"{w['wall']:8.2f} {w['peak_mb']:8.0f} {w['cpu']:9.2f}"
            if w
            else f"{'—':>8} {'—':>8} {'—':>9}"
        )
        rows.append(f"{name:<12} {c['wall']:8.2f} {c['peak_mb']:8.0f} {c['cpu']:9.2f} {warm_s}")
    cold_total = sum(r["wall"] for r in cold.values())
    warm_total = sum(r["wall"] for r in warm.values())
    cold_peak = max(r["peak_mb"] for r in cold.values())
    warm_peak = max((r["peak_mb"] for r in warm.values()), default=0)
    rows.append(
        f"{'total':<12} {cold_total:8.2f} {cold_peak:8.0f} "
        f"{sum(r['cpu'] for r in cold.values()):9.2f} {warm_total:8.2f} {warm_peak:8.0f} "
        f"{sum(r['cpu'] for r in warm.values()):9.2f}"
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 lines")
    parser.add_argument("--csv", type=Path, help="a Shopify orders export to use instead")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI passes")
    parser.add_argument("--no-inprocess", action="store_true", help="skip the Shop pass")
    parser.add_argument("--keep", type=Path, help="use (and keep) this workspace folder")
    parser.add_argument(
        "--warm-only",
        action="store_true",
        help="with --keep DIR holding an imported workspace: only the warm pass (no re-import)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="with --warm-only: passes to take the median of"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--_inprocess", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._inprocess:
        child_inprocess(args._inprocess)
        return
    lines = 100_000 if args.quick else args.lines
    export = ensure_export(lines, args.csv, args.seed)
    folder = None
    if args.keep:
        ws = args.keep
        if not (args.warm_only and (ws / "manifest.json").exists()):
            args.warm_only = False
            shutil.rmtree(ws, ignore_errors=True)
    else:
        folder = tempfile.TemporaryDirectory(prefix="bench-pipeline-")
        ws = Path(folder.name) / "ws"
    size = f"{export.stat().st_size / 1e6:,.0f} MB, {lines:,} lines"
    load = f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    print(f"export {export} ({size}); workspace {ws}; {load}", flush=True)
    compile_bytecode()
    report: dict = {"lines": lines, "export": str(export)}
    try:
        if args.warm_only:
            cli_pass(ws, export, warm=True)  # fills what is missing: the next pass is warm
            passes = [cli_pass(ws, export, warm=True) for _ in range(max(1, args.repeat))]
            warm = median_pass(passes)
            many = f", median of {len(passes)} passes" if len(passes) > 1 else ""
            print(f"\nCLI warm pass, one process per command (wall s, peak RSS MB, CPU s{many})")
            for name, r in warm.items():
                print(
                    f"  {name:<12} {r['wall']:8.2f} s {r['peak_mb']:8.0f} MB {r['cpu']:8.2f} CPU s"
                )
            total, cpu = sum(r["wall"] for r in warm.values()), sum(r["cpu"] for r in warm.values())
            print(f"  {'total':<12} {total:8.2f} s {'':>11} {cpu:8.2f} CPU s  (goal ≤ 2 s)")
            print(f"  load {os.getloadavg()[0]:.1f} at the end: on a busy machine compare CPU s")
            return
        if not args.no_cli:
            cold = cli_pass(ws, export, warm=False)
            warm = cli_pass(ws, export, warm=True)
            print("\nCLI, one process per command (wall s, peak RSS MB, CPU s of the process)")
            print(table(cold, warm))
            cold_total = sum(r["wall"] for r in cold.values())
            warm_total = sum(r["wall"] for r in warm.values())
            met = lambda ok: "met" if ok else "not met"  # noqa: E731
            print(
                f"goal: cold ≤ {GOAL_COLD_S:g} s ({met(cold_total <= GOAL_COLD_S)}), "
                f"warm ≤ {GOAL_WARM_S:g} s ({met(warm_total <= GOAL_WARM_S)}); on a busy "
                "machine compare the CPU columns"
            )
            print(f"load {os.getloadavg()[0]:.1f} at the end (on {os.cpu_count()} cores)")
            strip = lambda rows: {  # noqa: E731
                k: {m: v for m, v in r.items() if m not in ("out", "err")} for k, r in rows.items()
            }
            report["cold"], report["warm"] = strip(cold), strip(warm)
            report["load_end"] = os.getloadavg()[0]
        elif not (ws / "manifest.json").exists():
            check("import", run_child(cli(ws, "import", str(export))))
        if not args.no_inprocess:
            one = inprocess(ws)
            print("\nIn one process through Shop (cache emptied first)")
            for name, secs in one["stages"].items():
                print(f"  {name:<16} {secs:7.2f} s  CPU {one['cpu'][name]:7.2f} s")
            print(f"  {'total':<16} {one['total']:7.2f} s  (process {one['wall']:.2f} s, "
                  f"peak {one['rss_mb']:.0f} MB)")  # fmt: skip
            print("  calls: " + ", ".join(f"{k} ×{v}" for k, v in sorted(one["calls"].items())))
            n = one["calls"].get("customer_profiles", 0)
            print(f"  customer profiles computed {n}× in the pass (goal: 1)")
            report["inprocess"] = one
        if args.json:
            args.json.write_text(json.dumps(report, indent=2))
    finally:
        if folder is not None:
            folder.cleanup()


if __name__ == "__main__":
    main()
