"""What runs after an import was saved: the day's churn alerts stored for the track record, and
the results the first commands (and the app's first open) read, computed and cached while the
merchant waits for the import anyway.

    problem = after_import(Shop(ws))   # None, or why the alerts were not stored

The import is saved before this starts: nothing here may fail it. A failing step is reported
(the alerts) or left for the command that needs it to compute and show again (the rest).

On a shop of up to `TWO_LANES_MAX_LINES` lines the work is spread over both cores: churn's
inputs (the purchase history, the order-sequence rules, the backtest and today's scores) are
worked out in a second thread while the customer table, the bundles and the gift plan are
built, and the results are written to the cache by a third while the next is computed (Polars
and scikit-learn work without the GIL). A bigger shop is warmed one step after the other, each
step's working memory let go before the next: there, memory is the limit, not time.
"""

from __future__ import annotations

import contextlib
import importlib
import sqlite3
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from shopinsight.core.errors import ShopInsightError

if TYPE_CHECKING:
    from shopinsight.core.shop import Shop

EXPECTED = (ShopInsightError, sqlite3.Error, OSError)
"""What a warm-up step may raise and still leave the import as it was saved."""

TWO_LANES_MAX_LINES = 2_000_000
"""Up to this many lines the warm-up runs on two cores (as the customer table's own steps do,
`customers.profiles.BIG_SHOP_LINES`): beyond, the working memory of the two lanes would add
up (at 5M lines the churn steps alone peak at ~2.5 GB)."""

CHURN_MODULES = ("scipy.optimize", "shopinsight.core.churn.alerts")
"""What churn imports (~0.8 s, Python: it holds the GIL), imported in a thread of its own
while the first steps work in Polars (which releases it)."""


def after_import(shop: Shop) -> str | None:
    """Store the day's churn alerts (`churn track`) and warm the workspace cache: the view of
    the orders, the customer table and its segment summary, the bundles and the gift plan, the
    churn result, then the Overview's figures.

    Returns None when the alerts were stored, else why not. A KeyboardInterrupt before they
    are stored goes to the caller (the import is saved; the alerts are not); one during the
    Overview's figures, the last step, only ends it early."""
    from shopinsight.core.churn.track import record_shop

    problem = None
    try:
        with warnings.catch_warnings():  # a library warning must not mix into the import output
            warnings.simplefilter("ignore")
            with _lanes(shop) as side:
                if shop.has_orders():  # a step that fails here fails again below, and says so
                    with contextlib.suppress(*EXPECTED):
                        _orders_first(shop, side)
                side.wait()
            # stored by the second lane when it ran (the same rows again are not rewritten);
            # else, or when it failed, here, where a failure is reported
            record_shop(shop)
    except EXPECTED as exc:
        problem = str(exc)
    # the churn result and its purchase history are stored: let them go before the Overview's
    # figures are worked out (at 5M lines they held ~1.5 GB through them)
    shop.forget("churn:", "purchase_history")
    with contextlib.suppress(*EXPECTED, KeyboardInterrupt):
        shop.status()
    return problem


def _orders_first(shop: Shop, side: _Side) -> None:
    """The warm-up's steps that read every order, each while little else is in memory: the
    view (day, currency, what it leaves out), the churn marks' last orders and the Overview's
    order figures first; then the customer table and its summary, the bundles and the gift
    plan, and (in the second lane when there is one) the churn result, without every order
    held beside them (at 5M lines ~1.2 GB, read back from the cache only for the summary's
    count of customers)."""
    shop.lines()  # the view: every order flagged, the currency, the orders it leaves out
    side.start(_churn, shop)  # all churn needs of the orders is known now
    shop.order_status()
    shop.last_orders()
    shop.forget("all_orders", "orders")
    shop.segment_summary()
    # the customer table is cached: the bundles, the gift plan and churn read the few columns
    # they need back, not the whole table
    shop.forget("all_orders", "orders", "profiles")
    for step in (shop.bundles, shop.gifts):
        # warmed ahead of their commands, which compute again, and show, whatever failed here:
        # not even an unexpected error of theirs may fail the import (it never ran them before)
        with contextlib.suppress(Exception):
            step()
    shop.forget("bundles", "gifts")


def _churn(shop: Shop, stop: threading.Event) -> None:
    """The churn result and the day's alerts stored, in the second lane: churn's own inputs
    first (the purchase history, every customer's score as of the day, the order-sequence
    rules its actions name products from), which do not wait for the customer table the main
    lane builds meanwhile. The gift plan reads the same rules: it waits for them if it gets
    there first (the lanes are about as long: at 1M lines ~6 CPU s each). Ends after the step
    under way once `stop` is set (the main lane was interrupted: nothing more is stored)."""
    from shopinsight.core.churn.alerts import prepare_scores
    from shopinsight.core.churn.track import record_shop
    from shopinsight.core.results import purchase_history

    steps: list[Callable[[], object]] = [
        lambda: prepare_scores(purchase_history(shop), shop.as_of(), shop.config()),
        shop.sequence_rules,
        shop.churn,
        lambda: record_shop(shop),
    ]
    for step in steps:
        if stop.is_set():
            return
        step()


class _Side:
    """The second lane: one job at a time in a thread of its own, or nothing (one core)."""

    def __init__(self, pool: ThreadPoolExecutor | None) -> None:
        self.pool = pool
        self.jobs: list[Future[None]] = []
        self.stop = threading.Event()

    def start(self, job: Callable[[Shop, threading.Event], None], shop: Shop) -> None:
        if self.pool is not None:
            self.jobs.append(self.pool.submit(job, shop, self.stop))

    def wait(self) -> None:
        """Wait for the jobs started; what they raise is dropped (the step that needs their
        result computes it again, and reports the error)."""
        for job in self.jobs:
            with contextlib.suppress(Exception):
                job.result()
        self.jobs = []


@contextlib.contextmanager
def _lanes(shop: Shop) -> Iterator[_Side]:
    """Two lanes and a cache writer on a shop small enough (`TWO_LANES_MAX_LINES`), else none.
    The modules churn needs are imported meanwhile either way."""
    if shop.has_orders():
        threading.Thread(target=_import_quietly, args=(CHURN_MODULES,), daemon=True).start()
    if not _small(shop):
        yield _Side(None)
        return
    with shop.cache.write_behind(), ThreadPoolExecutor(1, "shopinsight-warm-up") as pool:
        side = _Side(pool)
        try:
            yield side
        except BaseException:  # interrupted (Ctrl-C): the other lane stops after its step
            side.stop.set()
            raise
        finally:
            side.wait()


def _small(shop: Shop) -> bool:
    """Whether the shop's stored lines fit the two lanes (their count is in the files' footers)."""
    import polars as pl

    if not shop.has_orders():
        return False
    try:
        lines = shop.ws.lines().select(pl.len()).collect().item()
    except Exception:  # noqa: BLE001 - unreadable lines: the steps say so, one at a time
        return False
    return int(lines) <= TWO_LANES_MAX_LINES


def _import_quietly(modules: tuple[str, ...]) -> None:
    """Import these (a failure is left for the step that imports them to report)."""
    for name in modules:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
