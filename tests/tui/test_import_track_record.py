"""An import from the app stores the day's churn alerts for the track record, as the CLI's
import does (`core.after_import`): before, only CLI imports were ever scored in `churn track`."""

from __future__ import annotations

from shopinsight.core.churn.track import load_predictions
from tests.tui.conftest import SIZE, go, settle


async def test_an_import_in_the_app_stores_the_days_alerts(demo_ws, make_app, exports_dir):
    assert load_predictions(demo_ws).height == 0  # the demo was built without the warm-up
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "i")
        screen = app.screen
        screen.batch = [exports_dir / "more_orders.csv"]
        screen.action_run_import()
        await settle(pilot, timeout=60)
        assert "more_orders.csv" in str(screen.query_one("#import-report").render())
    stored = load_predictions(demo_ws)
    assert stored.height > 0
    assert stored["as_of"].n_unique() == 1
