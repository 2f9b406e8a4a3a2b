"""The import's warm-up (`core.after_import`): the day's alerts stored, every result the pass
reads cached, the same results on two lanes as on one, and a failing step never failing it."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import shopinsight.core.after_import as after_mod
from shopinsight.cli import app
from shopinsight.core.after_import import after_import
from shopinsight.core.churn.track import load_predictions
from shopinsight.core.shop import Shop
from shopinsight.core.shop_cache import ShopCache
from shopinsight.core.workspace import Workspace
from tests.factories import sample_shopify_workspace


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated shop's export, imported: no cached result, no stored alert yet."""
    return sample_shopify_workspace(tmp_path_factory.mktemp("after"), 3, 150).root


def _copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


def _cached(root: Path) -> dict[str, pl.DataFrame]:
    """Every cached frame, by its file name (the folder's path in a JSON result blanked)."""
    out = {}
    for path in sorted((root / "cache").glob("*.parquet")):
        frame = pl.read_parquet(path)
        if frame.columns == ["json"]:
            frame = frame.with_columns(pl.col("json").str.replace_all(str(root), "", literal=True))
        out[path.name] = frame
    return out


def test_alerts_stored_and_the_pass_cached(imported: Path, tmp_path: Path) -> None:
    root = _copy(imported, tmp_path / "ws")
    assert after_import(Shop.open(root)) is None
    stored = load_predictions(Workspace.open(root))
    assert stored.height > 0
    names = " ".join(_cached(root))
    for result in ("order-status", "profiles", "segment-summary", "churn-net", "churn-listed",
                   "bundles", "gifts", "status"):  # fmt: skip
        assert f"-{result}-" in names, result
    # what a later command shows is what it computes from scratch
    fresh = _copy(imported, tmp_path / "fresh")
    warm, cold = Shop.open(root), Shop.open(fresh)
    assert warm.churn().alerts.equals(cold.churn().alerts)
    assert warm.gifts("open").plan.equals(cold.gifts("open").plan)
    assert warm.status() | {"workspace": ""} == cold.status() | {"workspace": ""}


def test_two_lanes_cache_what_one_lane_does(
    imported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two = _copy(imported, tmp_path / "two")
    assert after_import(Shop.open(two)) is None
    monkeypatch.setattr(after_mod, "TWO_LANES_MAX_LINES", 0)  # the big shops' way
    one = _copy(imported, tmp_path / "one")
    assert after_import(Shop.open(one)) is None
    a, b = _cached(two), _cached(one)
    assert sorted(a) == sorted(b)
    for name, frame in a.items():
        assert frame.equals(b[name]), name
    keep = ["as_of", "customer_id", "risk", "is_alert", "list", "state", "value_at_risk"]
    rows = [load_predictions(Workspace.open(r)).select(keep) for r in (two, one)]
    assert rows[0].equals(rows[1])


def test_failing_churn_is_reported_and_the_rest_still_cached(
    imported: Path, tmp_path: Path
) -> None:
    root = _copy(imported, tmp_path / "ws")
    config = Workspace.open(root).config_path
    config.write_text(config.read_text().replace("horizon_days = 90", "horizon_days = 0"))
    problem = after_import(Shop.open(root))
    assert problem is not None and "horizon_days" in problem
    assert load_predictions(Workspace.open(root)).height == 0
    names = " ".join(_cached(root))
    assert "-profiles-" in names and "-status-" in names and "-churn-" not in names


def test_import_command_says_the_alerts_were_not_stored(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    config = Workspace.open(ws).config_path
    config.write_text(config.read_text().replace("horizon_days = 90", "horizon_days = 0"))
    export = Path(__file__).resolve().parents[2] / "sample_exports" / "orders_export_1.csv"
    result = CliRunner().invoke(app, ["--workspace", str(ws), "import", str(export)])
    assert result.exit_code == 0, result.output
    assert "Churn alerts not stored for the track record" in result.output
    assert "horizon_days" in result.output


def test_write_behind_reads_what_is_not_written_yet(ws: Workspace) -> None:
    cache = ShopCache(ws)
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    with cache.write_behind():
        out = cache.parts("thing-1", ["frame"], lambda: {"frame": frame, "meta": {"n": 2}}, "thing")
        assert out["frame"].equals(frame) and out["meta"] == {"n": 2}
        got = cache.columns("thing-1", "frame", ["b"])  # from disk or from the queue: the same
        assert got is not None and got.equals(frame.select("b"))
        assert cache.columns("thing-1", "frame", ["nope"]) is None
    parts = sorted(p.name.split("-")[-2] for p in ws.cache_dir.glob("*.parquet"))
    assert parts == ["frame", "meta"]
    again = ShopCache(ws).parts("thing-1", ["frame"], lambda: pytest.fail("recomputed"), "thing")
    assert again["frame"].equals(frame) and again["meta"] == {"n": 2}


def test_interrupted_stores_no_alerts(
    imported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in the main lane: it goes to the caller, and the second lane stops after its step
    under way instead of storing the alerts the command then says were not stored."""
    root = _copy(imported, tmp_path / "ws")

    def interrupted(self: Shop) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Shop, "segment_summary", interrupted)
    with pytest.raises(KeyboardInterrupt):
        after_import(Shop.open(root))
    assert load_predictions(Workspace.open(root)).height == 0


def test_a_broken_gift_plan_does_not_fail_the_import(
    imported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundles and the gift plan are warmed ahead of their commands: whatever goes wrong
    there is left for the command to show, and the alerts are stored all the same."""
    root = _copy(imported, tmp_path / "ws")

    def broken(self: Shop, orders: str = "open") -> None:
        raise RuntimeError("a bug in the gift plan")

    monkeypatch.setattr(Shop, "gifts", broken)
    assert after_import(Shop.open(root)) is None
    assert load_predictions(Workspace.open(root)).height > 0
    assert "-status-" in " ".join(_cached(root))
