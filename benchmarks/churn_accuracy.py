"""How well churn risk ranks who does NOT come back, and how well value predicts spend: on every
real data set in ../shared/data and on synthetic shops whose truth is known.

    python benchmarks/churn_accuracy.py [--data DIR] [--only real|synthetic]

For each data set the shop is replayed as of a day one horizon (91 days) before its last order:
churn_alerts sees only orders up to that day, and its risk is compared with who then bought
again. Printed next to it: the references (recency alone, frequency alone, BG/NBD expected
purchases and P(alive) fitted here with scipy, log-RFM logistic regression trained by the same
time split), the cadence rule and the model alone. AUC uses "did not buy again" as the positive
class; each reference is oriented so that higher means "buys again" and scored with its sign
flipped, as in the task's table. Data sets without customer ids are reported as such.

Synthetic shops are simulated from a known BG/NBD + Gamma-Gamma process (core.churn.btyd.simulate)
with histories from two months to three years and horizons from 30 to 273 days. `btyd_orders`
is ShopInsight's own BG/NBD fit (expected orders over the horizon). Value: each customer's
predicted spend over the same horizon (core.churn.value) against what they then spent: Spearman
rank correlation, share of the spend made by the predicted top 10%, and predicted/actual total.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from shopinsight.core.churn import btyd
from shopinsight.core.churn.alerts import churn_alerts
from shopinsight.core.churn.features import customer_features, labels, prepare_history
from shopinsight.core.churn.value import customer_value
from shopinsight.core.orders import lines_as_of
from shopinsight.core.schema import conform

HORIZON = 91
DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
ONLINE_RETAIL_REFERENCE = {
    "recency": 0.683, "frequency": 0.723, "bgnbd_expected": 0.729, "bgnbd_p_alive": 0.359,
    "log_rfm_lr": 0.736,
}  # fmt: skip


# -- loaders: each real data set as canonical order lines ---------------------------------------
def online_retail(root: Path) -> pl.DataFrame:
    """UCI Online Retail without cancellations (C…), returns (Quantity <= 0) or customer."""
    raw = pl.read_csv(
        root / "online_retail" / "online_retail.csv.gz",
        schema_overrides={"InvoiceNo": pl.Utf8, "StockCode": pl.Utf8, "CustomerID": pl.Utf8},
    )
    keep = (
        pl.col("CustomerID").is_not_null()
        & ~pl.col("InvoiceNo").str.starts_with("C")
        & (pl.col("Quantity") > 0)
    )
    return _canonical(
        raw.filter(keep).select(
            pl.lit("online_retail").alias("source"),
            pl.col("InvoiceNo").alias("order_id"),
            pl.col("InvoiceDate").str.to_datetime("%Y-%m-%d %H:%M:%S").alias("ordered_at"),
            pl.col("CustomerID").alias("customer_id"),
            pl.col("Country").alias("country"),
            pl.col("StockCode").alias("sku"),
            pl.col("Description").alias("product_name"),
            pl.col("Quantity").alias("quantity"),
            pl.col("UnitPrice").alias("unit_price"),
            pl.lit("GBP").alias("currency"),
        )
    )


def olist(root: Path) -> pl.DataFrame:
    """Olist 10k orders: customer = customer_unique_id, canceled/unavailable are cancelled."""
    base = root / "olist_subset"
    orders = pl.read_csv(base / "orders.csv.gz")
    customers = pl.read_csv(base / "customers.csv.gz").select("customer_id", "customer_unique_id")
    items = pl.read_csv(base / "order_items.csv.gz")
    freight = items.group_by("order_id").agg(pl.col("freight_value").sum().alias("shipping"))
    frame = (
        items.join(orders, on="order_id")
        .join(customers, on="customer_id")
        .join(freight, on="order_id")
        .select(
            pl.lit("olist").alias("source"),
            pl.col("order_id"),
            pl.col("order_purchase_timestamp").str.to_datetime().alias("ordered_at"),
            pl.col("customer_unique_id").alias("customer_id"),
            pl.lit("BR").alias("country"),
            pl.col("product_id").alias("sku"),
            pl.col("product_id").alias("product_name"),
            pl.lit(1).alias("quantity"),
            pl.col("price").alias("unit_price"),
            pl.col("shipping"),
            pl.lit("BRL").alias("currency"),
            pl.when(pl.col("order_status").is_in(["canceled", "unavailable"]))
            .then(pl.lit("cancelled"))
            .otherwise(pl.lit("paid"))
            .alias("status"),
        )
    )
    return _canonical(frame, extra_total="shipping")


def complete_journey(root: Path) -> pl.DataFrame:
    """Complete Journey sample: household = customer, basket = order, coupons = discount."""
    raw = pl.read_csv(
        root / "completejourney_sample" / "transactions_sample.csv.gz",
        schema_overrides={"household_id": pl.Utf8, "basket_id": pl.Utf8, "product_id": pl.Utf8},
    )
    frame = raw.filter(pl.col("sales_value") > 0).select(
        pl.lit("completejourney").alias("source"),
        pl.col("basket_id").alias("order_id"),
        pl.col("transaction_timestamp").str.to_datetime().alias("ordered_at"),
        pl.col("household_id").alias("customer_id"),
        pl.lit("US").alias("country"),
        pl.col("product_id").alias("sku"),
        pl.col("product_id").alias("product_name"),
        pl.col("quantity").round(0).cast(pl.Int32).clip(1, None).alias("quantity"),
        (pl.col("sales_value") / pl.col("quantity").clip(1, None)).alias("unit_price"),
        pl.col("sales_value").alias("line_total"),
        (-(pl.col("coupon_disc") + pl.col("coupon_match_disc")))
        .sum()
        .over("basket_id")
        .abs()
        .alias("order_discount"),
        pl.lit("USD").alias("currency"),
    )
    return _canonical(frame)


def groceries_members(root: Path) -> pl.DataFrame:
    """Kaggle Groceries with member ids (unverified): member-day = order, 1.0 per item."""
    raw = pl.read_csv(root / "groceries_members" / "Groceries_dataset.csv.gz")
    frame = raw.select(
        pl.lit("groceries").alias("source"),
        pl.concat_str(pl.col("Member_number"), pl.col("Date"), separator="-").alias("order_id"),
        pl.col("Date").str.to_datetime("%d-%m-%Y").alias("ordered_at"),
        pl.col("Member_number").cast(pl.Utf8).alias("customer_id"),
        pl.col("itemDescription").alias("sku"),
        pl.col("itemDescription").alias("product_name"),
        pl.lit(1).alias("quantity"),
        pl.lit(1.0).alias("unit_price"),
        pl.lit("EUR").alias("currency"),
    )
    return _canonical(frame)


def _canonical(frame: pl.DataFrame, extra_total: str | None = None) -> pl.DataFrame:
    """Fill the canonical columns every loader shares (line numbers, totals, paid, product)."""
    if "line_total" not in frame.columns:
        frame = frame.with_columns((pl.col("quantity") * pl.col("unit_price")).alias("line_total"))
    total = pl.col("line_total").sum().over("source", "order_id")
    if extra_total:
        total = total + pl.col(extra_total).fill_null(0.0)
    frame = frame.with_columns(
        pl.int_range(pl.len()).over("source", "order_id").add(1).alias("line_no"),
        pl.lit("product").alias("line_kind"),
        pl.col("ordered_at").dt.replace_time_zone("UTC"),
        total.alias("order_total"),
        pl.lit(0.0).alias("refunded"),
    )
    if "status" not in frame.columns:
        frame = frame.with_columns(pl.lit("paid").alias("status"))
    return conform(frame).collect()


DATASETS: dict[str, tuple[Callable[[Path], pl.DataFrame], dt.date | None]] = {
    "online_retail": (online_retail, dt.date(2011, 9, 9)),
    "olist_subset": (olist, None),
    "completejourney_sample": (complete_journey, None),
    "groceries_members": (groceries_members, None),
}


# -- references -----------------------------------------------------------------------------------
def _bgnbd_nll(logp: np.ndarray, x: np.ndarray, tx: np.ndarray, t: np.ndarray) -> float:
    r, alpha, a, b = np.exp(logp)
    part = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    alive = -(r + x) * np.log(alpha + t)
    with np.errstate(divide="ignore", invalid="ignore"):
        dead = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + tx),
            -np.inf,
        )
    return float(-(part + np.logaddexp(alive, dead)).mean())


def bgnbd(x: np.ndarray, tx: np.ndarray, t: np.ndarray, horizon: float) -> tuple[np.ndarray, ...]:
    """BG/NBD (Fader, Hardie & Lee 2005) by maximum likelihood: E[purchases], P(alive)."""
    fit = minimize(_bgnbd_nll, np.zeros(4), args=(x, tx, t), method="Nelder-Mead",
                   options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-9})  # fmt: skip
    r, alpha, a, b = np.exp(fit.x)
    with np.errstate(all="ignore"):
        ratio = np.where(
            x > 0, a / np.maximum(b + x - 1, 1e-12) * ((alpha + t) / (alpha + tx)) ** (r + x), 0.0
        )
        p_alive = 1.0 / (1.0 + ratio)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, horizon / (alpha + t + horizon))
        expected = (
            (a + b + x - 1) / (a - 1) * (1 - ((alpha + t) / (alpha + t + horizon)) ** (r + x) * hyp)
        )
    return np.nan_to_num(expected * p_alive), p_alive


def _log_rfm(frame: pl.DataFrame) -> np.ndarray:
    return frame.select(
        pl.col("recency").cast(pl.Float64).log1p(),
        pl.col("frequency").cast(pl.Float64).log1p(),
        pl.col("monetary").clip(0, None).log1p(),
    ).to_numpy()


def references(
    lines: pl.DataFrame, as_of: dt.date, horizon: int = HORIZON
) -> tuple[pl.DataFrame, dict[str, float]]:
    """Outcome per customer at as_of and the reference AUCs (higher score = buys again)."""
    history = prepare_history(lines_as_of(lines.lazy(), as_of), {})
    full = prepare_history(lines.lazy(), {})
    now = customer_features(history, as_of, horizon).join(
        labels(full, as_of, horizon), on="customer_id", how="left"
    )
    now = now.with_columns((1 - pl.col("returned").fill_null(0)).alias("lost"))
    lost = now["lost"].to_numpy()
    # the regression learns one horizon back (a shorter one when the history is short)
    learn = min(horizon, (as_of - history.first_day).days // 2)
    train_at = as_of - dt.timedelta(days=learn)
    train = customer_features(history, train_at, learn).join(
        labels(history, train_at, learn), on="customer_id", how="left"
    )
    came = train["returned"].fill_null(0).to_numpy()
    lr = LogisticRegression(max_iter=1000).fit(_log_rfm(train), came)
    x = (now["frequency"] - 1).to_numpy().astype(float)
    t = now["tenure"].to_numpy().astype(float)
    expected, p_alive = bgnbd(x, t - now["recency"].to_numpy(), t, horizon)
    buys_again = {
        "recency": -now["recency"].to_numpy(),
        "frequency": now["frequency"].to_numpy(),
        "bgnbd_expected": expected,
        "bgnbd_p_alive": p_alive,
        "log_rfm_lr": lr.predict_proba(_log_rfm(now))[:, 1],
    }
    aucs = {k: _auc(1 - lost, v) for k, v in buys_again.items()}
    return now.select("customer_id", "lost"), aucs


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    return float(roc_auc_score(y, score)) if len(np.unique(y)) == 2 else float("nan")


def evaluate(
    name: str, lines: pl.DataFrame, as_of: dt.date, horizon: int = HORIZON
) -> dict[str, object]:
    outcome, refs = references(lines, as_of, horizon)
    row: dict[str, object] = {"data": name, "as_of": as_of, "customers": outcome.height}
    row["horizon"] = horizon
    row["lost_share"] = float(outcome["lost"].mean())
    row.update(refs)
    started = time.perf_counter()
    result = churn_alerts(lines.lazy(), as_of, {}, horizon_days=horizon)
    row["seconds"] = time.perf_counter() - started
    scored = result.alerts.join(outcome, on="customer_id")
    lost = scored["lost"].to_numpy()
    row["rule"] = _auc(lost, scored["rule_risk"].to_numpy())
    model = scored["model_risk"]
    row["model"] = _auc(lost, model.to_numpy()) if model.null_count() == 0 else float("nan")
    orders = scored["btyd_orders"]
    row["btyd_orders"] = (
        _auc(1 - lost, orders.to_numpy()) if orders.null_count() == 0 else float("nan")
    )
    row["churn_risk"] = _auc(lost, scored["risk"].to_numpy())
    row["method"] = result.method
    row["why"] = result.method_reason
    row["to_act"] = int(result.alerts["is_alert"].sum())
    started = time.perf_counter()
    row.update(value_scores(lines, as_of, horizon))
    row["seconds"] += time.perf_counter() - started
    return row


def value_scores(lines: pl.DataFrame, as_of: dt.date, horizon: int) -> dict[str, float]:
    """Predicted spend over the horizon vs what each customer then spent."""
    value = customer_value(lines.lazy(), as_of, {}, horizon).table
    end = dt.datetime.combine(as_of + dt.timedelta(days=horizon + 1), dt.time(), dt.UTC)
    start = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), dt.UTC)
    full = prepare_history(lines.lazy(), {})
    spent = (
        full.days.filter((pl.col("day") >= start.date()) & (pl.col("day") < end.date()))
        .group_by("customer_id")
        .agg(pl.col("spend").sum().alias("actual"))
    )
    both = value.join(spent, on="customer_id", how="left").with_columns(
        pl.col("actual").fill_null(0.0)
    )
    p, a = both["expected_value"].to_numpy(), both["actual"].to_numpy()
    top = np.argsort(-p, kind="stable")[: max(1, int(np.ceil(0.1 * len(p))))]
    total = a.sum()
    return {
        "value_spearman": float(spearmanr(p, a).statistic) if total > 0 else float("nan"),
        "value_top10": float(a[top].sum() / total) if total > 0 else float("nan"),
        "value_total": float(p.sum() / total) if total > 0 else float("nan"),
    }


# -- synthetic shops: a known BG/NBD + Gamma-Gamma process ---------------------------------------
SYNTHETIC_START = dt.date(2021, 1, 4)
SYNTHETIC = [
    # name, customers, history days, horizon days, BG/NBD (r, alpha, a, b) in weeks
    ("sim 2 months / 59d", 4000, 61, 59, (0.8, 3.0, 0.6, 3.0)),
    ("sim 9 months / 273d", 3000, 273, 273, (0.5, 5.0, 0.8, 2.5)),
    ("sim 1 year / 30d", 3000, 365, 30, (0.4, 3.0, 0.7, 3.0)),
    ("sim 2 years / 91d", 3000, 730, 91, (0.25, 4.0, 0.8, 2.5)),
    ("sim 3 years / 182d", 3000, 1095, 182, (0.3, 6.0, 1.2, 4.0)),
]


def synthetic_lines(customers: int, days: int, horizon: int, params, seed: int) -> pl.DataFrame:
    """Canonical lines of a simulated shop: arrivals over the history, purchases beyond it."""
    r, alpha, a, b = params
    weeks = (days + horizon) / 7.0
    sim = btyd.simulate(
        customers, weeks, r=r, alpha=alpha, a=a, b=b, seed=seed, arrivals=days / 7.0
    )
    day = np.floor(sim["time"] * 7).astype(np.int64)
    keep = day < days + horizon
    frame = pl.DataFrame(
        {
            "order_id": np.arange(keep.sum()).astype(str),
            "customer_id": np.char.add("c", sim["customer"][keep].astype(str)),
            "day": day[keep],
            "unit_price": np.round(sim["value"][keep], 2),
        }
    ).select(
        pl.lit("synthetic").alias("source"),
        "order_id",
        (pl.lit(SYNTHETIC_START) + pl.duration(days=pl.col("day")))
        .cast(pl.Datetime("us"))
        .dt.offset_by("12h")
        .alias("ordered_at"),
        "customer_id",
        pl.lit("MUG").alias("sku"),
        pl.lit("Mug").alias("product_name"),
        pl.lit(1).alias("quantity"),
        "unit_price",
        pl.lit("USD").alias("currency"),
    )
    return _canonical(frame)


COLS = ["recency", "frequency", "bgnbd_expected", "log_rfm_lr", "btyd_orders", "rule", "model",
        "churn_risk", "value_spearman", "value_top10", "value_total"]  # fmt: skip
SHORT = ["recency", "freq", "bgnbd_ref", "log_rfm", "btyd_ord", "rule", "model", "CHURN",
         "v_rho", "v_top10", "v_total"]  # fmt: skip


def _print_row(row: dict[str, object]) -> None:
    print(f"{row['data']:24s} {row['as_of']!s:10s} {row['horizon']:>4d} {row['customers']:>6d} "
          f"{row['lost_share']:>5.2f} " + " ".join(f"{row[c]:>8.3f}" for c in COLS)
          + f"  {row['method']:7s} {row['to_act']:>4d} {row['seconds']:5.1f}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--only", choices=["real", "synthetic"], default=None)
    args = parser.parse_args()
    print("ROC-AUC of churn risk ('did not buy again' = positive); value vs actual spend\n")
    print(f"{'data set':24s} {'as of':10s} {'h':>4s} {'cust':>6s} {'lost':>5s} "
          + " ".join(f"{c:>8s}" for c in SHORT) + "  method  act  secs")  # fmt: skip
    rows = []
    if args.only != "synthetic":
        for name, (loader, as_of) in DATASETS.items():
            try:
                lines = loader(args.data)
            except FileNotFoundError:
                print(f"{name:24s} (absent)")
                continue
            as_of = as_of or (lines["ordered_at"].max().date() - dt.timedelta(days=HORIZON))
            rows.append(evaluate(name, lines, as_of))
            _print_row(rows[-1])
        print(f"{'breadbasket':24s} (no customer ids: one row per till transaction)")
    if args.only != "real":
        for i, (name, n, days, horizon, params) in enumerate(SYNTHETIC):
            lines = synthetic_lines(n, days, horizon, params, seed=100 + i)
            as_of = SYNTHETIC_START + dt.timedelta(days=days - 1)
            rows.append(evaluate(name, lines, as_of, horizon))
            _print_row(rows[-1])
    print("\nOnline Retail task references: "
          + ", ".join(f"{k} {v:.3f}" for k, v in ONLINE_RETAIL_REFERENCE.items()))  # fmt: skip
    for r in rows:
        print(f"- {r['data']}: {r['why']}")
    status = 0
    for reference, words in (("recency", "RECENCY ALONE"), ("btyd_orders", "BTYD EXPECTED ORDERS")):
        failed = [
            r["data"] for r in rows
            if r["churn_risk"] < r[reference] - 1e-9 and not np.isnan(r[reference])
        ]  # fmt: skip
        if failed:
            print(f"\nWORSE THAN {words}: {', '.join(failed)}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
