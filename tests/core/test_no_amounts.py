"""Exports without any amounts (member visits, baskets): the churn model still fits when a
money feature is missing for every customer, and no tag reads spend, or an hour of the day,
that is not there."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.churn.features import CATEGORICAL
from shopinsight.core.churn.model import MODEL_FEATURES, fit_model
from shopinsight.core.churn.rule import ChurnSettings
from shopinsight.core.customers.profiles import CLOCK_TAGS, MONEY_TAGS
from tests.factories import import_file, member_visits

runner = CliRunner()


def test_model_fits_with_a_feature_no_customer_has():
    rng = np.random.default_rng(7)
    n = 400
    frame = pl.DataFrame(
        {f: rng.integers(0, 4, n) if f in CATEGORICAL else rng.random(n) for f in MODEL_FEATURES}
    ).with_columns(
        pl.lit(None, dtype=pl.Float64).alias(MODEL_FEATURES[-1]),
        pl.Series("lost", rng.random(n) < 0.4),
        pl.Series("rule_risk", rng.uniform(0.05, 0.95, n)),
        pl.lit(None, dtype=pl.Float64).alias("btyd_risk"),
    )
    model = fit_model(frame, [], ChurnSettings())  # raised ValueError inside scikit-learn
    assert model.rows == n


def test_no_spend_tags_without_amounts(tmp_path: Path):
    ws = import_file(tmp_path, "Groceries_dataset.csv", member_visits(last=1030))
    result = runner.invoke(app, ["-w", ws, "customers", "--json"])
    assert result.exit_code == 0, result.output
    customers = json.loads(result.output)
    rows_ = customers["customers"] if isinstance(customers, dict) else customers
    assert len(rows_) == 30
    tags = {t for c in rows_ for t in (c.get("tags") or [])}
    # every spend is 0.00: 'top 10% by spend', 'M score 1', 'none discounted' held for all;
    # every order at midnight (dates without times): 'placed at night' held for all
    assert not tags & (MONEY_TAGS | CLOCK_TAGS)
