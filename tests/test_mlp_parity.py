"""The MLP estimators' oracle: on a flat schedule they are scikit-learn's MLPs.

With ``lr_min = learning_rate_init`` the cosine schedule is a constant rate,
and the package's own loop (:mod:`skcosine._network`) must then give the
coefficients of scikit-learn's ``MLPRegressor`` / ``MLPClassifier`` with
``learning_rate='constant'``, for every solver, activation and kind of target.
One ``random_state`` draws the same starting weights, the same early-stopping
split and the same shuffles in both, so the whole fit is compared, not only
one epoch; the public ``warm_start`` oracle (any starting weights, a fresh
optimizer) is checked too. The tolerance is the issue's 1e-10; the loop
follows scikit-learn's operations one by one, and the coefficients are in
fact equal bit for bit on this machine.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import (
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skcosine import CosineMLPClassifier, CosineMLPRegressor

ATOL = 1e-10

SOLVERS = {
    "adam": {"solver": "adam"},
    "nesterov": {"solver": "sgd", "nesterovs_momentum": True},
    "momentum": {"solver": "sgd", "nesterovs_momentum": False},
}
ACTIVATIONS = ["relu", "tanh", "logistic", "identity"]


def _tasks():
    X, y = make_regression(120, 6, n_targets=2, noise=5.0, random_state=0)
    y = y / 100
    Xc, yc = make_classification(
        120, 6, n_informative=4, n_classes=3, n_clusters_per_class=1, random_state=0
    )
    Xb, yb = make_classification(120, 6, random_state=1)
    Xm, ym = make_multilabel_classification(120, 6, n_classes=3, random_state=0)
    return {
        "regression": (MLPRegressor, CosineMLPRegressor, X, y[:, 0]),
        "multi-output": (MLPRegressor, CosineMLPRegressor, X, y),
        "binary": (MLPClassifier, CosineMLPClassifier, Xb, yb),
        "multiclass": (MLPClassifier, CosineMLPClassifier, Xc, yc),
        "multilabel": (MLPClassifier, CosineMLPClassifier, Xm, ym),
    }


TASKS = _tasks()


def _pair(task, epochs=3, X=None, **params):
    """scikit-learn's constant-rate MLP and ours on a flat schedule, fitted
    with the same parameters (every epoch run: sklearn's ``tol`` never
    stops it), on the task's data (or on ``X``, the task's in another form)."""
    Parent, Ours, X_task, y = TASKS[task]
    X = X_task if X is None else X
    common = {
        "hidden_layer_sizes": (7, 5),
        "learning_rate_init": 0.02,
        "alpha": 1e-3,
        "batch_size": 32,
        "random_state": 0,
        "max_iter": epochs,
        **params,
    }
    sk_stop = {} if "tol" in params else {"tol": 0.0, "n_iter_no_change": 10**6}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = Parent(learning_rate="constant", **sk_stop, **common)
        reference.fit(X, y)
        ours = Ours(lr_min=common["learning_rate_init"], **common).fit(X, y)
    return reference, ours


def assert_same_network(reference, ours):
    assert len(ours.coefs_) == len(reference.coefs_)
    for mine, theirs in zip(
        ours.coefs_ + ours.intercepts_, reference.coefs_ + reference.intercepts_
    ):
        assert mine.dtype == theirs.dtype
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=ATOL)
    np.testing.assert_allclose(
        ours.loss_curve_, reference.loss_curve_, rtol=1e-12, atol=0
    )
    assert ours.n_iter_ == reference.n_iter_
    assert ours.t_ == reference.t_
    assert ours.out_activation_ == reference.out_activation_
    assert ours.n_layers_ == reference.n_layers_


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_flat_schedule_is_scikit_learns_mlp(task, solver, activation):
    reference, ours = _pair(
        task, activation=activation, shuffle=False, **SOLVERS[solver]
    )
    assert_same_network(reference, ours)
    X = TASKS[task][2]
    np.testing.assert_array_equal(ours.predict(X), reference.predict(X))


@pytest.mark.parametrize("task", list(TASKS))
def test_shuffled_fits_draw_scikit_learns_orders(task):
    reference, ours = _pair(task, epochs=4, shuffle=True)
    assert_same_network(reference, ours)


@pytest.mark.parametrize(
    "task,solver",
    [("regression", "adam"), ("multiclass", "nesterov"), ("binary", "momentum")],
)
def test_sample_weights_follow_scikit_learn(task, solver):
    Parent, Ours, X, y = TASKS[task]
    weights = np.random.RandomState(0).uniform(0.1, 3.0, X.shape[0])
    params = dict(
        hidden_layer_sizes=(6,),
        learning_rate_init=0.01,
        batch_size=25,
        random_state=1,
        max_iter=3,
        **SOLVERS[solver],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = Parent(
            learning_rate="constant", tol=0.0, n_iter_no_change=10**6, **params
        ).fit(X, y, sample_weight=weights)
    ours = Ours(lr_min=0.01, **params).fit(X, y, sample_weight=weights)
    assert_same_network(reference, ours)


@pytest.mark.parametrize("task", ["regression", "multiclass", "binary"])
def test_stopping_rules_follow_scikit_learn(task):
    """``tol`` on the training loss, and ``early_stopping`` (the same split,
    the same validation scores, the best weights restored)."""
    reference, ours = _pair(task, epochs=60, tol=1e-2, n_iter_no_change=3)
    assert reference.n_iter_ < 60  # it did stop early
    assert_same_network(reference, ours)
    reference, ours = _pair(
        task, epochs=60, tol=1e-2, n_iter_no_change=3, early_stopping=True
    )
    assert reference.n_iter_ < 60
    assert_same_network(reference, ours)
    np.testing.assert_allclose(
        ours.validation_scores_, reference.validation_scores_, rtol=0, atol=1e-12
    )
    assert ours.best_validation_score_ == reference.best_validation_score_


def test_sparse_input_follows_scikit_learn():
    Parent, Ours, X, y = TASKS["multiclass"]
    reference, ours = _pair("multiclass", X=sp.csr_matrix(X))
    assert_same_network(reference, ours)


@pytest.mark.parametrize("solver", list(SOLVERS))
def test_float32_stays_float32_and_follows_scikit_learn(solver):
    """float32 data train a float32 network. Adam's update differs from
    scikit-learn's in the last bit: scikit-learn's rate is a NumPy float64,
    which (NumPy 2's promotion) computes its step in float64 before adding it
    to the float32 weights; skcosine computes the step in float32."""
    reference, ours = _pair(
        "multiclass", X=TASKS["multiclass"][2].astype(np.float32), **SOLVERS[solver]
    )
    for mine, theirs in zip(
        ours.coefs_ + ours.intercepts_, reference.coefs_ + reference.intercepts_
    ):
        assert mine.dtype == theirs.dtype == np.float32
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


def test_warm_start_oracle_from_any_weights():
    """The guide's public oracle: scikit-learn continues from assigned
    weights with a fresh optimizer, and so does ours."""
    Parent, Ours, X, y = TASKS["multi-output"]
    rng = np.random.RandomState(3)
    shapes = [(6, 9), (9, 2)]
    coefs = [rng.normal(scale=0.3, size=s) for s in shapes]
    intercepts = [rng.normal(size=s[1]) for s in shapes]
    params = dict(
        hidden_layer_sizes=(9,),
        activation="tanh",
        learning_rate_init=0.005,
        shuffle=False,
        random_state=0,
        max_iter=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = Parent(
            learning_rate="constant", tol=0.0, n_iter_no_change=10**6, **params
        ).fit(X, y)
        reference.coefs_ = [c.copy() for c in coefs]
        reference.intercepts_ = [b.copy() for b in intercepts]
        reference.set_params(warm_start=True, max_iter=4).fit(X, y)
    ours = Ours(lr_min=0.005, **params).fit(X, y)
    ours.coefs_ = [c.copy() for c in coefs]
    ours.intercepts_ = [b.copy() for b in intercepts]
    ours.set_params(warm_start=True, max_iter=4).fit(X, y)
    for mine, theirs in zip(
        ours.coefs_ + ours.intercepts_, reference.coefs_ + reference.intercepts_
    ):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=ATOL)


def test_partial_fit_follows_scikit_learn():
    """One pass per call, the optimizer's moments kept between calls."""
    Parent, Ours, X, y = TASKS["multiclass"]
    params = dict(hidden_layer_sizes=(6,), learning_rate_init=0.01, random_state=0)
    reference = Parent(learning_rate="constant", **params)
    ours = Ours(lr_min=0.01, max_iter=10, **params)
    classes = np.unique(y)
    for start in (0, 40, 80, 0):
        block = slice(start, start + 40)
        reference.partial_fit(X[block], y[block], classes=classes)
        ours.partial_fit(X[block], y[block], classes=classes)
    for mine, theirs in zip(
        ours.coefs_ + ours.intercepts_, reference.coefs_ + reference.intercepts_
    ):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=ATOL)
