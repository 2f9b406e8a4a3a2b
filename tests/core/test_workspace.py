"""The workspace: settings with defaults, clear config errors, the write lock, the cache."""

from __future__ import annotations

import polars as pl
import pytest

from shopinsight.core.config import defaults, parse_config
from shopinsight.core.errors import ConfigError, WorkspaceError
from shopinsight.core.workspace import Workspace


def test_first_use_writes_commented_defaults(tmp_path):
    ws = Workspace.open(tmp_path / "shop")
    text = ws.config_path.read_text(encoding="utf-8")
    assert text.startswith("# ShopInsight settings")
    assert "[shop]" in text
    assert ws.config() == defaults()


def test_user_settings_merge_over_defaults(tmp_path):
    ws = Workspace.open(tmp_path / "shop")
    ws.config_path.write_text('[shop]\nname = "Tea & Co"\n', encoding="utf-8")
    config = ws.config()
    assert config["shop"]["name"] == "Tea & Co"
    assert config["shop"]["currency"] == defaults()["shop"]["currency"]


def test_bad_toml_names_the_line(tmp_path):
    with pytest.raises(ConfigError, match="line 2"):
        parse_config('[shop]\nname = "unterminated\n')


def test_second_writer_gets_a_clear_error(tmp_path):
    ws = Workspace.open(tmp_path / "shop")
    with ws.lock(), pytest.raises(WorkspaceError, match="busy"), ws.lock():
        pass


def test_workspace_path_that_is_a_file(tmp_path):
    path = tmp_path / "file.txt"
    path.write_text("x")
    with pytest.raises(WorkspaceError, match="not a folder"):
        Workspace.open(path)


def test_cache_is_keyed_by_data_and_settings(tmp_path):
    ws = Workspace.open(tmp_path / "shop")
    frame = pl.DataFrame({"a": [1, 2]})
    ws.cache_put("overview", frame)
    assert ws.cache_get("overview").equals(frame)
    ws.config_path.write_text('[shop]\nname = "Changed"\n', encoding="utf-8")
    assert ws.cache_get("overview") is None


def test_state_db_transactions_roll_back(tmp_path):
    ws = Workspace.open(tmp_path / "shop")
    with ws.db() as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError), ws.db() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("boom")
    with ws.db() as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)
