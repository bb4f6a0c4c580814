"""The MLPs' max_iter='auto': ceil(MLP_AUTO_SAMPLES / n) epochs within
[MLP_MIN_AUTO_EPOCHS, MLP_MAX_AUTO_EPOCHS], as documented (the values were
measured by ``benchmarks/quality_mlp.py --defaults-only``)."""

import re

import numpy as np
import pytest

from skcosine import CosineMLPClassifier, CosineMLPRegressor
from skcosine._mlp import (
    MLP_AUTO_SAMPLES,
    MLP_MAX_AUTO_EPOCHS,
    MLP_MIN_AUTO_EPOCHS,
    PARAMETERS,
)


def data(n_samples, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_samples, 3))
    return X, X @ rng.standard_normal(3)


@pytest.mark.parametrize(
    "estimator, n_samples, epochs",
    [
        (CosineMLPRegressor, 100, 200),  # small data: the ceiling
        (CosineMLPRegressor, 2_000, 125),
        (CosineMLPRegressor, 2_001, 125),  # 124.94, rounded up
        (CosineMLPRegressor, 12_000, 30),  # 21: the floor
        (CosineMLPClassifier, 4_000, 63),  # 62.5
    ],
)
def test_auto_budget_follows_the_number_of_rows(estimator, n_samples, epochs):
    X, y = data(n_samples)
    if estimator is CosineMLPClassifier:
        y = (y > 0).astype(int)
    model = estimator(hidden_layer_sizes=(2,), random_state=0).fit(X, y)
    assert model.n_iter_ == epochs == len(model.learning_rates_)
    assert model.schedule_.T_max == epochs  # one cycle over the budget


def test_the_documented_auto_budget_is_the_one_fit_uses():
    text = " ".join(PARAMETERS["max_iter"].split())
    samples = re.search(r"ceil\(([\d,]+) / n_samples\)", text).group(1)
    bounds = re.search(r"at least (\d+) and at most (\d+)", text).groups()
    assert int(samples.replace(",", "")) == MLP_AUTO_SAMPLES
    assert (int(bounds[0]), int(bounds[1])) == (
        MLP_MIN_AUTO_EPOCHS,
        MLP_MAX_AUTO_EPOCHS,
    )
