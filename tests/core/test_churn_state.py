"""Alert states in the workspace: contacted, snoozed, dismissed, and the reset on a new order."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from shopinsight.core.churn.alerts import churn_alerts, load_alert_states, mark_alert
from shopinsight.core.errors import InputError
from shopinsight.core.workspace import Workspace
from tests.core.test_churn import AS_OF, orders
from tests.factories import make_lines

ROWS = orders("ann@x.com", [200, 170, 140, 110]) + orders("bob@x.com", [300, 250, 200])


def whole_list(ws: Workspace) -> None:
    """Every flagged customer fits the to-act list (its size has tests of its own)."""
    text = ws.config_path.read_text()
    ws.config_path.write_text(text.replace("list_share = 0.1", "list_share = 1.0"))


@pytest.fixture
def ws(tmp_path):
    ws = Workspace.open(tmp_path / "shop")
    ws.commit(make_lines(ROWS), [])
    whole_list(ws)
    return ws


def alerts(ws: Workspace, as_of: dt.date = AS_OF) -> dict[str, dict]:
    result = churn_alerts(ws.lines(), as_of, ws.config(), states=load_alert_states(ws))
    return {r["customer_id"]: r for r in result.alerts.iter_rows(named=True)}


def test_unmarked_alerts_are_new(ws):
    ann = alerts(ws)["ann@x.com"]
    assert ann["is_alert"] and ann["state"] == "new"
    assert load_alert_states(ws).height == 0


def test_contacted_leaves_the_list_until_their_date(ws):
    mark_alert(ws, "ann@x.com", "contacted", until=AS_OF + dt.timedelta(days=14))
    ann = alerts(ws)["ann@x.com"]
    assert ann["state"] == "contacted" and not ann["is_alert"]
    assert ann["list"] is not None  # still a churn case, just not to act on now
    later = alerts(ws, AS_OF + dt.timedelta(days=15))["ann@x.com"]
    assert later["state"] == "contacted" and later["is_alert"]


def test_contacted_without_a_date_waits_thirty_days_from_the_mark(ws):
    now = dt.datetime.combine(AS_OF, dt.time(9), dt.UTC)
    row = mark_alert(ws, "ann@x.com", "contacted", now=now)
    assert row["until"] == (AS_OF + dt.timedelta(days=30)).isoformat()
    assert not alerts(ws, AS_OF + dt.timedelta(days=30))["ann@x.com"]["is_alert"]
    assert alerts(ws, AS_OF + dt.timedelta(days=31))["ann@x.com"]["is_alert"]


def test_snoozed_hides_until_the_day_then_comes_back_new(ws):
    mark_alert(ws, "ann@x.com", "snoozed", until=AS_OF + dt.timedelta(days=7))
    assert load_alert_states(ws)["until"].to_list() == [AS_OF + dt.timedelta(days=7)]
    ann = alerts(ws)["ann@x.com"]
    assert ann["state"] == "snoozed" and not ann["is_alert"]
    later = alerts(ws, AS_OF + dt.timedelta(days=8))["ann@x.com"]
    assert later["state"] == "new" and later["is_alert"]


def test_dismissed_hides_for_good(ws):
    mark_alert(ws, "bob@x.com", "dismissed")
    bob = alerts(ws, AS_OF + dt.timedelta(days=200))["bob@x.com"]
    assert bob["state"] == "dismissed" and not bob["is_alert"]


def test_an_order_after_the_mark_resets_the_state(ws):
    mark_alert(ws, "ann@x.com", "dismissed")
    came_back = orders("ann@x.com", [-5])  # five days after AS_OF
    ws.commit(make_lines(ROWS + came_back), [])
    assert alerts(ws)["ann@x.com"]["state"] == "dismissed"  # as of AS_OF: not yet
    ann = alerts(ws, AS_OF + dt.timedelta(days=10))["ann@x.com"]
    assert ann["state"] == "new" and not ann["is_alert"]  # back, and no longer at risk


def test_states_survive_a_reimport(ws):
    mark_alert(ws, "ann@x.com", "contacted")
    ws.commit(make_lines(ROWS), [])
    assert alerts(Workspace.open(ws.root))["ann@x.com"]["state"] == "contacted"


def test_customer_is_matched_case_insensitively_and_new_clears(ws):
    row = mark_alert(ws, "ANN@X.COM", "contacted")
    assert row["customer_id"] == "ann@x.com"
    mark_alert(ws, "ann@x.com", "new")
    assert load_alert_states(ws).height == 0


@pytest.mark.parametrize(
    ("customer", "state", "until", "title"),
    [
        ("nobody@x.com", "contacted", None, "No customer"),
        ("ann@x.com", "archived", None, "Unknown alert state"),
        ("ann@x.com", "snoozed", None, "Snooze until when?"),
    ],
    ids=["unknown-customer", "unknown-state", "snooze-without-date"],
)
def test_bad_marks_are_input_errors(ws, customer, state, until, title):
    with pytest.raises(InputError) as err:
        mark_alert(ws, customer, state, until)
    assert err.value.title.startswith(title)


def test_states_frame_has_its_schema(ws):
    mark_alert(ws, "bob@x.com", "snoozed", until=dt.date(2024, 8, 1))
    states = load_alert_states(ws)
    assert states.schema["until"] == pl.Date
    assert states.schema["last_order_at"] == pl.Datetime("us", "UTC")
    assert states["last_order_at"][0].date() == AS_OF - dt.timedelta(days=200)
