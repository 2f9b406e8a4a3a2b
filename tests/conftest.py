"""Shared fixtures: every test gets its own workspace; real data is read from ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
EXPORTS = SHARED_DATA / "exports"


def shared_file(*parts: str) -> Path:
    """A file from ../shared/data, or skip the test where it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture(autouse=True)
def _isolated_workspace(tmp_path, monkeypatch):
    """No test ever sees the developer's real workspace or data folder."""
    monkeypatch.setenv("SHOPINSIGHT_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def ws(tmp_path):
    from shopinsight.core.workspace import Workspace

    return Workspace.open(tmp_path / "ws")
