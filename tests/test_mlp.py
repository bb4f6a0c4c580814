"""How the cosine MLP estimators follow their schedule, and what they keep.

The parity with scikit-learn at a flat schedule is in test_mlp_parity.py;
here the schedule itself: the rate of each update (against an independent
reference loop), ``partial_fit``'s positions, determinism, failures that
change nothing, persistence.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from skcosine import (
    CosineAnnealingLR,
    CosineMLPClassifier,
    CosineMLPRegressor,
)
from skcosine._network import Network


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(150, 5, noise=1.0, random_state=0)
    return X, y / 50


@pytest.fixture(scope="module")
def classification():
    return make_classification(150, 5, n_classes=3, n_informative=3, random_state=0)


def _reference_linear_sgd(X, y, coef, intercept, rates, batch_size, epochs):
    """Plain mini-batch gradient descent on half the mean squared error, one
    rate per update: what a network without hidden layers, SGD without
    momentum and no penalty must compute."""
    coef, intercept = coef.copy(), intercept.copy()
    n = X.shape[0]
    k = 0
    for _ in range(epochs):
        for start in range(0, n, batch_size):
            Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
            residual = Xb @ coef + intercept - yb[:, None]
            coef -= rates[k] * (Xb.T @ residual) / len(yb)
            intercept -= rates[k] * residual.sum(axis=0) / len(yb)
            k += 1
    return coef, intercept


@pytest.mark.parametrize("anneal_per", ["batch", "epoch"])
def test_every_update_runs_at_the_schedules_rate(regression, anneal_per):
    X, y = regression
    epochs, batch_size = 4, 40  # 4 batches per epoch, the last one short
    model = CosineMLPRegressor(
        hidden_layer_sizes=(),
        solver="sgd",
        momentum=0.0,
        alpha=0.0,
        learning_rate_init=0.05,
        lr_min=0.001,
        warmup_epochs=1,
        anneal_per=anneal_per,
        batch_size=batch_size,
        max_iter=epochs,
        shuffle=False,
        random_state=0,
    )
    start = clone(model).set_params(
        max_iter=1, learning_rate_init=1e-300, lr_min=0, warmup_epochs=0
    )
    start.fit(X, y)  # the starting weights of random_state=0
    model.fit(X, y)
    schedule = CosineAnnealingLR(
        lr_initial=0.05, lr_min=0.001, T_max=epochs - 1, warmup_epochs=1
    )
    positions = [
        e + (i / 4 if anneal_per == "batch" else 0)
        for e in range(epochs)
        for i in range(4)
    ]
    rates = schedule(np.array(positions))
    coef, intercept = _reference_linear_sgd(
        X, y, start.coefs_[0], start.intercepts_[0], rates, batch_size, epochs
    )
    np.testing.assert_allclose(model.coefs_[0], coef, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.intercepts_[0], intercept, rtol=1e-12)
    np.testing.assert_array_equal(model.learning_rates_, rates[::4])
    assert model.schedule_.get_params() == schedule.get_params()


def test_fit_equals_its_partial_fit_calls(regression):
    """One partial_fit per epoch walks the same schedule, with the same
    optimizer state, as fit: the same bits."""
    X, y = regression
    params = dict(
        hidden_layer_sizes=(6,),
        learning_rate_init=0.01,
        max_iter=5,
        shuffle=False,
        random_state=0,
    )
    fitted = CosineMLPRegressor(**params).fit(X, y)
    streamed = CosineMLPRegressor(**params)
    for _ in range(5):
        streamed.partial_fit(X, y)
    for a, b in zip(
        fitted.coefs_ + fitted.intercepts_, streamed.coefs_ + streamed.intercepts_
    ):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fitted.learning_rates_, streamed.learning_rates_)
    assert streamed.n_epochs_ == 5.0 and streamed.n_iter_ == 5


def test_batches_per_epoch_advances_the_schedule_by_fractions(classification):
    X, y = classification
    model = CosineMLPClassifier(
        hidden_layer_sizes=(4,), max_iter=2, batches_per_epoch=3, random_state=0
    )
    for k in range(6):
        block = slice(25 * k, 25 * (k + 1))
        model.partial_fit(X[block], y[block], classes=np.unique(y))
    np.testing.assert_allclose(model.n_epochs_, 2.0)
    np.testing.assert_allclose(
        model.learning_rates_, model.schedule_(np.arange(6) / 3), rtol=1e-15
    )


def test_partial_fit_refuses_a_changed_schedule(classification):
    X, y = classification
    model = CosineMLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    model.partial_fit(X, y, classes=np.unique(y))
    model.set_params(lr_min=0.0005)
    with pytest.raises(ValueError, match="lr_min=0.0005"):
        model.partial_fit(X, y)
    model.set_params(lr_min=0.0).partial_fit(X, y)  # back: fine
    assert model.n_iter_ == 2


def test_same_random_state_same_bits_and_restarts(classification):
    X, y = classification
    params = dict(
        hidden_layer_sizes=(8, 4),
        max_iter=6,
        T_max=2,
        T_mult=1,
        learning_rate_init=0.01,
        random_state=7,
    )
    a = CosineMLPClassifier(**params).fit(X, y)
    b = CosineMLPClassifier(**params).fit(X, y)
    for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(u, v)
    # warm restarts: back to the peak every 2 epochs
    np.testing.assert_allclose(a.learning_rates_[[0, 2, 4]], 0.01)
    assert np.all(a.learning_rates_[[1, 3, 5]] < 0.01)


def test_float32_data_train_a_float32_network(regression):
    X, y = regression
    model = CosineMLPRegressor(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    model.fit(X.astype(np.float32), y.astype(np.float32))
    assert all(c.dtype == np.float32 for c in model.coefs_ + model.intercepts_)
    assert model._optimizer_state["moments"][0].dtype == np.float32


def test_divergence_names_the_epoch_and_rate_and_changes_nothing(regression):
    X, y = regression
    model = CosineMLPRegressor(
        hidden_layer_sizes=(5,),
        activation="identity",
        max_iter=3,
        random_state=0,
        solver="sgd",
    ).fit(X, y)
    before = {k: v for k, v in vars(model).items()}
    coefs = [c.copy() for c in model.coefs_]
    model.set_params(learning_rate_init=1e6, warm_start=True, max_iter=20)
    with pytest.raises(ValueError, match=r"diverged at epoch \d+ \(learning rate "):
        model.fit(X * 1e3, y)
    assert vars(model).keys() == before.keys()
    for a, b in zip(model.coefs_, coefs):
        np.testing.assert_array_equal(a, b)


def test_convergence_warning_only_when_tol_could_stop(regression):
    X, y = regression
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CosineMLPRegressor(hidden_layer_sizes=(3,), max_iter=2).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        CosineMLPRegressor(hidden_layer_sizes=(3,), max_iter=2, tol=1e-12).fit(X, y)


def test_pickle_round_trip_continues_bit_for_bit(classification):
    X, y = classification
    model = CosineMLPClassifier(hidden_layer_sizes=(6,), max_iter=4, random_state=0)
    model.partial_fit(X, y, classes=np.unique(y))
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict_proba(X), model.predict_proba(X))
    model.partial_fit(X, y)
    copy.partial_fit(X, y)
    for a, b in zip(model.coefs_, copy.coefs_):
        np.testing.assert_array_equal(a, b)


def test_max_iter_auto_sizes_the_budget_from_the_rows(regression):
    X, y = regression
    model = CosineMLPRegressor(hidden_layer_sizes=(3,), random_state=0).fit(X, y)
    assert model.n_iter_ == 200  # 150 rows: the most epochs
    assert model.learning_rates_[-1] < 1e-4 * model.learning_rate_init


def test_dropped_parameters_are_named():
    with pytest.raises(ValueError, match="learning_rate"):
        CosineMLPRegressor().set_params(learning_rate="adaptive")
    with pytest.raises(ValueError, match="solver"):
        CosineMLPRegressor(solver="lbfgs").fit([[0.0], [1.0]], [0.0, 1.0])


@pytest.mark.parametrize(
    "attribute,value",
    [
        ("_position", (1, 0)),
        ("_position", "1/2"),
        ("schedule_", "cosine"),
        ("_max_iter", 0),
        ("learning_rates_", np.zeros(5)),
        ("coefs_", [np.zeros((5, 4)), np.zeros((3, 3))]),
        ("intercepts_", [np.full(4, np.nan), np.zeros(3)]),
        ("_optimizer_state", {"t": -1, "moments": []}),
    ],
)
def test_a_tampered_model_is_refused_before_use(classification, attribute, value):
    X, y = classification
    model = CosineMLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    model.partial_fit(X, y, classes=np.unique(y))
    setattr(model, attribute, value)
    with pytest.raises(ValueError, match="invalid|do not form|does not match"):
        model.partial_fit(X, y)


def test_predict_checks_sparse_structure_first(classification):
    import scipy.sparse as sp

    X, y = classification
    model = CosineMLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit(X, y)
    bad = sp.csr_matrix(X)
    bad.indices = bad.indices.copy()
    bad.indices[3] = 10**6  # a column far out of range
    for method in (model.predict, model.predict_proba):
        with pytest.raises(ValueError, match="malformed sparse"):
            method(bad)


def test_a_batch_of_zero_weight_is_skipped(regression):
    """No update and no loss from a batch whose weights are all zero (its
    gradient would divide by 0): the fit is the fit without those rows (on a
    per-epoch schedule: per batch, the positions count the skipped batch)."""
    X, y = regression
    weights = np.ones(len(y))
    weights[:50] = 0
    params = dict(
        hidden_layer_sizes=(4,),
        batch_size=50,
        shuffle=False,
        max_iter=3,
        anneal_per="epoch",
        random_state=0,
    )
    weighted = CosineMLPRegressor(**params).fit(X, y, sample_weight=weights)
    alone = CosineMLPRegressor(**params).fit(X[50:], y[50:])
    for a, b in zip(weighted.coefs_, alone.coefs_):
        np.testing.assert_array_equal(a, b)
    # the weighted loss is a weighted mean: equal up to its rounding
    np.testing.assert_allclose(weighted.loss_curve_, alone.loss_curve_, rtol=1e-14)


def test_batch_rows_are_the_same_gathered_or_taken_by_numpy(regression):
    """A batch's rows copied by the compiled gather (C-ordered data of the
    network's dtype) are the bits NumPy's take copies (the path of sparse or
    Fortran-ordered inputs, boolean targets), in a fit and batch by batch."""
    X, y = regression
    weights = np.random.default_rng(0).uniform(0.5, 2, len(y))
    params = dict(hidden_layer_sizes=(4,), batch_size=32, max_iter=3, random_state=0)
    fits = [
        CosineMLPRegressor(**params).fit(data, y, sample_weight=weights)
        for data in (X, np.asfortranarray(X))
    ]
    for a, b in zip(
        fits[0].coefs_ + fits[0].intercepts_, fits[1].coefs_ + fits[1].intercepts_
    ):
        np.testing.assert_array_equal(a, b)
    assert fits[0].loss_curve_ == fits[1].loss_curve_

    network = Network([5, 4, 2], "relu", "identity", "squared_error", 0.0, 32, X.dtype)
    Y = np.column_stack([y, -y])
    plan = network._gather_plan(X, Y, weights)
    assert plan[0] == [True, True, True]
    assert network._gather_plan(np.asfortranarray(X), Y > 0, None)[0] == [
        False,
        False,
        False,
    ]
    by_numpy = ([False] * 3, [], [])
    rng = np.random.default_rng(1)
    for index, m in [(np.int32, 32), (np.int64, 7)]:
        rows = rng.permutation(len(y))[:m].astype(index)
        gathered = [b.copy() for b in network._rows(X, Y, weights, rows, plan)]
        taken = network._rows(X, Y, weights, rows, by_numpy)
        for a, b in zip(gathered, taken):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
