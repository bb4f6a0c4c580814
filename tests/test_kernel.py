"""The compiled SGD kernel (skcosine/_kernel.pyx), attacked from four sides.

1. Parity: on a flat schedule, the cosine estimators are scikit-learn's
   constant-rate SGD, loss by loss and penalty by penalty, with every option;
   the kernel's nine losses and their derivatives are the numpy losses of
   ``skcosine._data`` and their finite differences.
2. Per-sample annealing: ``anneal_per="sample"`` is a plain SGD loop whose
   ``i``-th update of epoch ``e`` runs at ``schedule_(e + i / n)``.
3. Refusal: the kernel (and the estimators in front of it) raise ValueError on
   arrays it cannot use, and never crash.
4. Determinism: an int ``random_state`` fixes the result bit for bit, in
   threads too.
"""

import re
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from skcosine._kernel import (
    LOSSES,
    RATE_COLUMNS,
    Kernel,
    _loss_and_dloss,
    check_csr,
    seed_state,
    zero_model_loss,
)
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDClassifier, CosineSGDRegressor
from skcosine._data import loss_values
from skcosine._training import mean_losses, model_arrays

from .conftest import child_report, child_reports, unaligned

REGRESSION_LOSSES = [
    "squared_error",
    "huber",
    "epsilon_insensitive",
    "squared_epsilon_insensitive",
]
CLASSIFICATION_LOSSES = [
    "hinge",
    "log_loss",
    "modified_huber",
    "squared_hinge",
    "perceptron",
    *REGRESSION_LOSSES,
]
PENALTIES = [None, "l2", "l1", "elasticnet"]
PENALIZED = {"alpha": 0.01, "l1_ratio": 0.3}


# --- data ----------------------------------------------------------------------


def sparsified(X, threshold=0.8):
    """CSR ``X`` with its small entries (over half of them) set to 0."""
    return sp.csr_matrix(np.where(np.abs(X) < threshold, 0.0, X))


@pytest.fixture(scope="module")
def small():
    """60 rows x 4 features of diabetes, standardized, float64."""
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X[:60, :4])
    return np.ascontiguousarray(X), y[:60]


# --- 1. parity with scikit-learn on a flat schedule ------------------------------


def penalty_params(penalty):
    return {"penalty": penalty, **({} if penalty is None else PENALIZED)}


def as_input(X, layout, dtype):
    """``X`` dense or CSR, in ``dtype``."""
    X = sparsified(X) if layout == "csr" else X
    return X.astype(dtype)


def fit_flat_pair(kind, X, y, *, eta0, max_iter, fit_params=None, **params):
    """Ours on a flat schedule and scikit-learn's constant rate, both fitted."""
    common = dict(eta0=eta0, tol=None, shuffle=False, max_iter=max_iter, **params)
    common["random_state"] = 0
    if kind == "regressor":
        ours, theirs = CosineSGDRegressor, SGDRegressor
    else:
        ours, theirs = CosineSGDClassifier, SGDClassifier
    ours = ours(lr_min=eta0, **common).fit(X, y, **(fit_params or {}))
    theirs = theirs(learning_rate="constant", **common).fit(X, y, **(fit_params or {}))
    return ours, theirs


def assert_same_model(ours, theirs, dtype):
    """Coefficients and intercepts equal to 1e-8 (float64) / 2e-4 (float32)."""
    assert ours.coef_.shape == theirs.coef_.shape
    assert np.any(theirs.coef_ != 0), "a trivial case: nothing was learned"
    assert ours.coef_.dtype == theirs.coef_.dtype == dtype
    scale = max(1.0, float(np.max(np.abs(theirs.coef_))))
    if dtype == np.float64:
        rtol, atol = 1e-8, 1e-10 * scale
    else:
        rtol, atol = 2e-4, 2e-5 * scale
    assert_allclose(ours.coef_, theirs.coef_, rtol=rtol, atol=atol)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=rtol, atol=atol)
    assert ours.t_ == theirs.t_


def assert_same_zeros(ours, theirs):
    """The weights scikit-learn's L1 truncation clips to 0 are 0 in ours too."""
    assert_array_equal(ours.coef_ == 0, theirs.coef_ == 0)


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("loss", REGRESSION_LOSSES)
def test_flat_regressor_is_constant_sgd_regressor_for_every_loss_and_penalty(
    diabetes_scaled_target, loss, penalty
):
    """Every regression loss x penalty: same weights as SGDRegressor(constant)."""
    X, y = diabetes_scaled_target
    ours, theirs = fit_flat_pair(
        "regressor", X, y, eta0=0.01, max_iter=10, loss=loss, **penalty_params(penalty)
    )
    assert_same_model(ours, theirs, np.float64)
    assert_same_zeros(ours, theirs)


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("loss", CLASSIFICATION_LOSSES)
@pytest.mark.parametrize("data", ["cancer_250_rows", "wine"])
def test_flat_classifier_is_constant_sgd_classifier_for_every_loss_and_penalty(
    data, loss, penalty, request
):
    """Every classification loss x penalty, binary and 3 classes: SGDClassifier."""
    X, y = request.getfixturevalue(data)
    ours, theirs = fit_flat_pair(
        "classifier", X, y, eta0=0.01, max_iter=8, loss=loss, **penalty_params(penalty)
    )
    assert_same_model(ours, theirs, np.float64)
    assert_same_zeros(ours, theirs)
    assert_array_equal(ours.predict(X), theirs.predict(X))


def sample_weights(n):
    return np.random.RandomState(1).uniform(0.2, 3.0, n)


# (estimator parameters, fit gets sample weights, layout, dtype)
REGRESSOR_OPTIONS = {
    "average=True": ({"average": True}, False, "dense", np.float64),
    "average=50": ({"average": 50}, False, "dense", np.float64),
    # (averaging with an L1 penalty is exact, unlike scikit-learn's: see
    # test_the_average_is_the_mean_of_the_iterates_under_l1_truncation)
    "average=50,l2": (
        {"average": 50, **penalty_params("l2")},
        False,
        "dense",
        np.float64,
    ),
    "sample_weight": ({}, True, "dense", np.float64),
    "sample_weight,l2": ({**penalty_params("l2")}, True, "dense", np.float64),
    "csr": ({}, False, "csr", np.float64),
    "csr,l1": (penalty_params("l1"), False, "csr", np.float64),
    "csr,average=True,sample_weight": ({"average": True}, True, "csr", np.float64),
    "float32": ({}, False, "dense", np.float32),
    "float32,l2,average=50": (
        {"average": 50, **penalty_params("l2")},
        False,
        "dense",
        np.float32,
    ),
    "float32,csr": ({}, False, "csr", np.float32),
    "float32,csr,l2,sample_weight": (penalty_params("l2"), True, "csr", np.float32),
}


@pytest.mark.parametrize("option", REGRESSOR_OPTIONS)
@pytest.mark.parametrize("loss", ["squared_error", "huber", "epsilon_insensitive"])
def test_flat_regressor_is_constant_sgd_regressor_with_every_option(
    diabetes_scaled_target, loss, option
):
    """Averaging, sample weights, CSR and float32 keep the parity."""
    X, y = diabetes_scaled_target
    params, weighted, layout, dtype = REGRESSOR_OPTIONS[option]
    fit_params = {"sample_weight": sample_weights(len(y))} if weighted else {}
    ours, theirs = fit_flat_pair(
        "regressor",
        as_input(X, layout, dtype),
        y,
        eta0=0.01,
        max_iter=10,
        fit_params=fit_params,
        loss=loss,
        **params,
    )
    assert_same_model(ours, theirs, dtype)


def unequal_class_weights(y):
    return dict(zip(np.unique(y).tolist(), [2.0, 0.5, 1.5]))


CLASSIFIER_OPTIONS = {
    "average=True": ({"average": True}, False, "dense", np.float64),
    "average=50": ({"average": 50}, False, "dense", np.float64),
    "average=50,l2": (
        {"average": 50, **penalty_params("l2")},
        False,
        "dense",
        np.float64,
    ),
    "sample_weight": ({}, True, "dense", np.float64),
    "class_weight=balanced": ({"class_weight": "balanced"}, False, "dense", np.float64),
    "class_weight=dict": ({"class_weight": "dict"}, False, "dense", np.float64),
    "class_weight=dict,sample_weight,l2": (
        {"class_weight": "dict", **penalty_params("l2")},
        True,
        "dense",
        np.float64,
    ),
    "csr": ({}, False, "csr", np.float64),
    "csr,elasticnet,class_weight=balanced": (
        {"class_weight": "balanced", **penalty_params("elasticnet")},
        False,
        "csr",
        np.float64,
    ),
    "csr,average=True,sample_weight": ({"average": True}, True, "csr", np.float64),
    "float32": ({}, False, "dense", np.float32),
    "float32,average=50,class_weight=dict": (
        {"average": 50, "class_weight": "dict"},
        False,
        "dense",
        np.float32,
    ),
    "float32,csr": ({}, False, "csr", np.float32),
    "float32,csr,l2,sample_weight": (penalty_params("l2"), True, "csr", np.float32),
}


@pytest.mark.parametrize("option", CLASSIFIER_OPTIONS)
@pytest.mark.parametrize("loss", ["hinge", "log_loss", "modified_huber"])
@pytest.mark.parametrize("data", ["cancer_250_rows", "iris"])
def test_flat_classifier_is_constant_sgd_classifier_with_every_option(
    data, loss, option, request
):
    """Averaging, sample and class weights, CSR and float32 keep the parity."""
    X, y = request.getfixturevalue(data)
    params, weighted, layout, dtype = CLASSIFIER_OPTIONS[option]
    params = dict(params)
    if params.get("class_weight") == "dict":
        params["class_weight"] = unequal_class_weights(y)
    fit_params = {"sample_weight": sample_weights(len(y))} if weighted else {}
    X = as_input(X, layout, dtype)
    ours, theirs = fit_flat_pair(
        "classifier",
        X,
        y,
        eta0=0.05,
        max_iter=8,
        fit_params=fit_params,
        loss=loss,
        **params,
    )
    assert_same_model(ours, theirs, dtype)
    if dtype == np.float64:
        assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize(
    "kind, data, alpha",
    [
        ("regressor", "diabetes_scaled_target", 0.1),
        ("classifier", "cancer_250_rows", 0.02),
    ],
)
@pytest.mark.parametrize("penalty, l1_ratio", [("l1", 1.0), ("elasticnet", 0.7)])
def test_weights_clipped_to_zero_by_l1_truncation_are_exactly_zero(
    kind, data, alpha, penalty, l1_ratio, layout, request
):
    """A strong L1 penalty zeroes the same weights, exactly, as scikit-learn's."""
    X, y = request.getfixturevalue(data)
    ours, theirs = fit_flat_pair(
        kind,
        as_input(X, layout, np.float64),
        y,
        eta0=0.01,
        max_iter=10,
        penalty=penalty,
        alpha=alpha,
        l1_ratio=l1_ratio,
    )
    zeros = theirs.coef_ == 0
    assert zeros.any() and not zeros.all(), "the case must clip some weights only"
    assert_same_zeros(ours, theirs)
    assert_same_model(ours, theirs, np.float64)


def averaging_data(kind, layout, dtype):
    """Small standardized data for ``kind``; with ``csr``, the small entries
    dropped (every row keeps its largest)."""
    if kind == "regressor":
        X, y = load_diabetes(return_X_y=True)
        X, y = X[:50], (y[:50] - 150.0) / 80.0
    else:
        X, y = load_iris(return_X_y=True)
        X, y = X[::3], y[::3]
        y = (y == 2).astype(int) if kind == "binary" else y
    X = StandardScaler().fit_transform(X)
    if layout == "csr":
        keep = (np.abs(X) >= 0.5) | (np.abs(X) == np.abs(X).max(1, keepdims=True))
        X = sp.csr_matrix(np.where(keep, X, 0.0))
    return X.astype(dtype), y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
@pytest.mark.parametrize("kind", ["regressor", "binary", "multiclass"])
def test_the_average_is_the_mean_of_the_iterates_under_l1_truncation(
    kind, penalty, layout, dtype
):
    """With ``average`` and an L1 penalty the published model is the mean of
    the iterates from the ``average``-th on, truncation included, after every
    update (one row per ``partial_fit`` call): to 1e-8 in float64. (The lazy
    average of scikit-learn, and of skcosine before, missed the truncation:
    off by 8 to 30% here.)"""
    X, y = averaging_data(kind, layout, dtype)
    start = 10
    Estimator = CosineSGDRegressor if kind == "regressor" else CosineSGDClassifier
    model = Estimator(
        penalty=penalty,
        l1_ratio=0.6,
        alpha=0.05,
        eta0=0.05,
        average=start,
        shuffle=False,
        batches_per_epoch=X.shape[0],
        random_state=0,
    )
    classes = {} if kind == "regressor" else {"classes": np.unique(y)}
    iterates, worst, clipped = [], 0.0, 0
    for _ in range(2):
        for i in range(X.shape[0]):
            model.partial_fit(X[i : i + 1], y[i : i + 1], **classes)
            coef, intercept = model_arrays(model._state, averaged=False)
            clipped += np.sum(coef == 0)
            iterates.append(np.c_[coef, intercept])
            if len(iterates) >= start:
                mean = np.mean(iterates[start - 1 :], axis=0)
                published = np.c_[np.atleast_2d(model.coef_), model.intercept_]
                error = np.max(np.abs(published - mean)) / max(1.0, np.abs(mean).max())
                worst = max(worst, error)
    assert clipped > 0, "a trivial case: the truncation never clipped a weight"
    assert worst <= (1e-8 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_averaging_with_l1_keeps_the_k_models_of_the_vector_path_exact(penalty):
    """Models trained side by side (the K > 1 vector path of the CV
    estimators) and one at a time (the scalar path) average alike, bit for
    bit: a one-versus-all model equals the binary model of its class."""
    X, y = averaging_data("multiclass", "dense", np.float64)
    params = dict(penalty=penalty, l1_ratio=0.6, alpha=0.05, eta0=0.05)
    params.update(average=10, max_iter=5, random_state=0)
    together = CosineSGDClassifier(**params).fit(X, y)
    for k, label in enumerate(together.classes_):
        alone = CosineSGDClassifier(**params).fit(X, np.where(y == label, 1, -1))
        assert_array_equal(together.coef_[k], alone.coef_[0])
        assert_array_equal(together.intercept_[k], alone.intercept_[0])


# --- 1b. the kernel's losses are the numpy losses ---------------------------------

EPSILON = 0.1
KINKS = {  # where a loss has no derivative (the others are continuously
    # differentiable): the decisions p at which it bends, for targets y
    "hinge": lambda y: [1.0 / y],
    "perceptron": lambda y: [0.0 * y],
    "epsilon_insensitive": lambda y: [y - EPSILON, y + EPSILON],
}


def loss_grid(loss):
    """Decisions ``p`` and targets ``y`` (2-d, one row per target) through every
    branch of ``loss``: a fine grid, the thresholds of the log loss's branches
    (+-18, +-33.3, +-37) and overflow (+-800), and each kink or branch boundary
    (the hinges at p * y = 1 or 0, modified Huber at +-1, the epsilons at
    |y - p| = epsilon), exactly and one ulp either side."""
    if loss == "log_loss":
        targets = [0.0, 1.0]
    elif loss in REGRESSION_LOSSES:
        targets = [-2.5, -0.3, 0.0, 0.7, 3.0]
    else:
        targets = [-1.0, 1.0]
    y = np.array(targets)[:, None]
    large = [17.9, 18.0, 18.1, 33.2, 33.3, 33.4, 36.9, 37.0, 37.1, 40.0, 700.0, 800.0]
    edges = np.concatenate(
        [
            np.broadcast_to([-1.0, 0.0, 1.0], (len(targets), 3)),
            y - EPSILON,
            y + EPSILON,
            y,
        ],
        axis=1,
    )
    edges = np.concatenate(
        [edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf)], axis=1
    )
    common = np.concatenate([np.linspace(-4.0, 4.0, 161), large, np.negative(large)])
    p = np.concatenate([np.broadcast_to(common, (len(targets), common.size)), edges], 1)
    return p, np.broadcast_to(y, p.shape)


@pytest.mark.parametrize("loss", LOSSES)
def test_the_kernel_loss_is_the_numpy_loss(loss):
    p, y = loss_grid(loss)
    values, _ = _loss_and_dloss(loss, p, y, EPSILON)
    expected = loss_values(loss, EPSILON, y, p)
    # The log loss is log(1 + exp(p)) - y p: for large p both sides subtract
    # nearly equal numbers, each in its own way, so the difference is only
    # known to a few ulps of p.
    atol = 4 * np.finfo(float).eps * np.abs(p) if loss == "log_loss" else 0.0
    assert np.all(np.abs(values - expected) <= 1e-12 * np.abs(expected) + atol)


@pytest.mark.parametrize("loss", LOSSES)
def test_the_kernel_dloss_is_the_derivative_of_the_numpy_loss(loss):
    """Where the loss is differentiable, ``dloss`` is its central difference;
    everywhere (kinks included), as all nine losses are convex in ``p``, it is
    a subgradient: between the backward and forward differences."""
    p, y = loss_grid(loss)
    _, dloss = _loss_and_dloss(loss, p, y, EPSILON)
    h = 1e-6 * (1.0 + np.abs(p))
    f = lambda q: loss_values(loss, EPSILON, y, q)  # noqa: E731
    value = f(p)
    backward, forward = (value - f(p - h)) / h, (f(p + h) - value) / h
    central = (f(p + h) - f(p - h)) / (2 * h)
    # rounding of the differences, and the O(h) error of a central difference
    # where a second derivative jumps (Huber's epsilon, modified Huber's -1)
    tol = 1e-5 * (1.0 + np.abs(dloss)) + 4 * np.finfo(float).eps * np.abs(value) / h
    assert np.all(backward - tol <= dloss), loss
    assert np.all(dloss <= forward + tol), loss
    smooth = np.ones(p.shape, dtype=bool)
    for kink in KINKS.get(loss, lambda y: [])(y):
        smooth &= np.abs(p - kink) > 2 * h
    assert smooth.sum() > p.size // 2
    assert_allclose(dloss[smooth], central[smooth], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("task", ["regression", "classification"])
@pytest.mark.parametrize("loss", LOSSES)
def test_the_kernel_mean_loss_is_the_numpy_mean_loss(loss, task, layout, dtype):
    """The final check's compiled mean loss (``Kernel.mean_losses``) is
    ``_training.mean_losses`` (numpy) over the same rows: sample weights,
    class weights, the ``row_cap`` rows left out of the capped models, a
    subset of rows, non-finite models."""
    rng = np.random.RandomState(0)
    n, d, k = 60, 7, 3
    X = rng.standard_normal((n, d)) * (rng.uniform(size=(n, d)) < 0.6)
    X = as_input(X, layout, dtype)
    sample_weight = rng.uniform(0.0, 2.0, n).astype(dtype)
    classification = task == "classification"
    targets = (
        rng.randint(0, 3, n).astype(np.int32)
        if classification
        else rng.standard_normal(n).astype(dtype)
    )
    positive = np.arange(k, dtype=np.int32) if classification else None
    weight_pos, weight_neg = rng.uniform(0.5, 2.0, (2, k))
    row_cap = np.where(rng.uniform(size=n) < 0.2, 0.5, np.inf)
    capped = np.array([1, 0, 1], dtype=np.uint8)
    kernel = Kernel(
        X, targets, sample_weight, None,
        coef=np.zeros((d, k), dtype), intercept=np.zeros(k), wscale=np.ones(k),
        updates=np.ones(k), alpha=np.zeros(k), weight_pos=weight_pos,
        weight_neg=weight_neg, active=np.ones(k, np.uint8), losses=np.zeros(k),
        positive=positive, loss=loss, epsilon=EPSILON,
        negative=0.0 if loss == "log_loss" else -1.0,
        row_cap=row_cap, capped=capped,
    )  # fmt: skip
    coef = (3.0 * rng.standard_normal((k, d))).astype(dtype)
    intercept = rng.standard_normal(k)
    coef[2, 1] = np.nan if dtype == np.float64 else np.inf  # model 2 overflowed
    rows = np.sort(rng.choice(n, 40, replace=False)).astype(np.int32)

    def numpy_targets(block):
        if not classification:
            return targets[block, None]
        return np.where(targets[block, None] == positive, 1.0, kernel_negative)

    def numpy_weights(block):
        cw = np.where(numpy_targets(block) > 0, weight_pos, weight_neg)
        w = sample_weight[block, None] * (cw if classification else 1.0)
        w = np.broadcast_to(w, (len(w), k)).copy()
        w[np.ix_(np.isfinite(row_cap[block]), capped.astype(bool))] = 0.0
        return w

    kernel_negative = 0.0 if loss == "log_loss" else -1.0
    for subset in (None, rows):
        means, finite = kernel.mean_losses(
            np.ascontiguousarray(coef.T), intercept, subset
        )
        with np.errstate(all="ignore"):
            expected, expected_finite = mean_losses(
                loss, EPSILON, X, coef, intercept, numpy_targets, numpy_weights, subset
            )
        expected_finite &= np.isfinite(coef).all(axis=1)
        assert_array_equal(finite, expected_finite)
        assert_array_equal(finite, [True, True, False])
        rtol = 1e-5 if dtype == np.float32 else 1e-12
        assert_allclose(means[:2], expected[:2], rtol=rtol)
    with pytest.raises(ValueError, match="sample_rows must be in"):
        kernel.mean_losses(np.ascontiguousarray(coef.T), intercept, rows + 30)
    with pytest.raises(ValueError, match="coef"):
        kernel.mean_losses(np.ascontiguousarray(coef), intercept)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss", REGRESSION_LOSSES)
def test_the_kernel_zero_model_loss_is_the_numpy_one(loss, dtype):
    """The divergence rule's reference of a regression (``zero_model_loss``)
    is the numpy weighted mean of ``loss(y, 0)``, over every row or a subset;
    0 when the weights sum to 0."""
    rng = np.random.RandomState(1)
    y = (3.0 * rng.standard_normal(50)).astype(dtype)
    w = rng.uniform(0.0, 2.0, 50).astype(dtype)
    rows = np.sort(rng.choice(50, 20, replace=False)).astype(np.int32)
    for subset in (None, rows):
        chosen = slice(None) if subset is None else subset
        values = loss_values(loss, EPSILON, y[chosen].astype(float), 0.0)
        expected = np.average(values, weights=w[chosen].astype(float))
        mean = zero_model_loss(loss, EPSILON, y, w, subset)
        assert mean == pytest.approx(expected, rel=1e-12)
    assert zero_model_loss(loss, EPSILON, y, np.zeros(50, dtype)) == 0.0
    with pytest.raises(ValueError, match="rows must be in"):
        zero_model_loss(loss, EPSILON, y, w, rows + 40)
    with pytest.raises(ValueError, match="sample_weight"):
        zero_model_loss(loss, EPSILON, y, w[:10])


# --- 2. per-sample annealing is a plain SGD loop ------------------------------------


def plain_sgd(X, y, max_iter, rate):
    """Squared-error SGD, no penalty, rows in order; ``rate(e, i)`` per update."""
    n, d = X.shape
    coef, intercept = np.zeros(d), 0.0
    for epoch in range(max_iter):
        for i in range(n):
            update = -rate(epoch, i) * (X[i] @ coef + intercept - y[i])
            coef += update * X[i]
            intercept += update
    return coef, intercept


SCHEDULES = {
    "cosine": dict(eta0=0.05, lr_min=0.001, max_iter=4),
    "warmup": dict(eta0=0.05, lr_min=0.001, max_iter=6, warmup_epochs=2),
    "warm restarts": dict(eta0=0.05, lr_min=0.001, max_iter=6, T_max=2, T_mult=2),
    "T_max < max_iter": dict(eta0=0.05, lr_min=0.002, max_iter=6, T_max=3),
}


def fit_unpenalized(X, y, anneal_per, schedule):
    return CosineSGDRegressor(
        penalty=None, shuffle=False, anneal_per=anneal_per, random_state=0, **schedule
    ).fit(X, y)


def assert_matches_plain_sgd(model, X, y, rate):
    coef, intercept = plain_sgd(X, y, model.max_iter, rate)
    atol = 1e-9 * max(1.0, np.max(np.abs(coef)))
    assert_allclose(model.coef_, coef, rtol=1e-9, atol=atol)
    assert_allclose(model.intercept_, [intercept], rtol=1e-9, atol=atol)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_sample_annealing_updates_row_i_of_epoch_e_at_rate_schedule_e_plus_i_over_n(
    small, schedule
):
    """anneal_per='sample' is plain SGD with the rate schedule_(e + i / n)."""
    X, y = small
    n = len(y)
    model = fit_unpenalized(X, y, "sample", SCHEDULES[schedule])
    within = [
        model.schedule_(e + i / n) for e in range(model.max_iter) for i in (0, 30)
    ]
    assert len(set(within)) > model.max_iter, "the rate must vary within epochs"
    assert_matches_plain_sgd(model, X, y, lambda e, i: model.schedule_(e + i / n))


def test_explicit_t_max_holds_lr_min_within_the_epochs_after_it(small):
    """After T_max, every per-sample rate is lr_min, not the cosine's continuation."""
    X, y = small
    model = fit_unpenalized(X, y, "sample", SCHEDULES["T_max < max_iter"])
    late = [model.schedule_(e + i / 60) for e in (3, 4, 5) for i in range(0, 60, 7)]
    assert late == [0.002] * len(late)
    assert_matches_plain_sgd(model, X, y, lambda e, i: model.schedule_(e + i / 60))


@pytest.mark.parametrize("anneal_per", ["epoch", "sample"])
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_learning_rates_record_the_schedule_at_the_start_of_every_pass(
    small, schedule, anneal_per
):
    """learning_rates_[e] == schedule_(e), exactly, for every epoch."""
    X, y = small
    model = fit_unpenalized(X, y, anneal_per, SCHEDULES[schedule])
    assert len(model.learning_rates_) == model.max_iter
    for epoch, rate in enumerate(model.learning_rates_):
        assert rate == model.schedule_(epoch), epoch


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_epoch_annealing_runs_each_epoch_at_the_constant_rate_schedule_e(
    small, schedule
):
    """anneal_per='epoch' (the default) is plain SGD at schedule_(e) all epoch."""
    X, y = small
    model = fit_unpenalized(X, y, "epoch", SCHEDULES[schedule])
    assert_matches_plain_sgd(model, X, y, lambda e, i: model.schedule_(e))


# --- 3. the kernel refuses what it cannot use ---------------------------------------

N_SAMPLES, N_FEATURES, N_MODELS = 6, 3, 2


def kernel_inputs(*, sparse=False, classification=False, averaging=False, l1=False):
    """Valid arguments of Kernel: ``(X, targets, sample_weight, rows), kwargs``."""
    X = np.random.RandomState(0).randn(N_SAMPLES, N_FEATURES)
    X[X < 0] = 0.0
    if sparse:
        X = sp.csr_matrix(X)
    if classification:
        targets = np.array([0, 1, 0, 1, 1, 0], dtype=np.int32)
    else:
        targets = np.linspace(-1.0, 1.0, N_SAMPLES)
    args = [X, targets, np.ones(N_SAMPLES), np.arange(N_SAMPLES, dtype=np.int32)]
    k = N_MODELS
    kwargs = dict(
        coef=np.zeros((N_FEATURES, k)),
        intercept=np.zeros(k),
        wscale=np.ones(k),
        updates=np.ones(k),
        alpha=np.full(k, 1e-4),
        weight_pos=np.ones(k),
        weight_neg=np.ones(k),
        active=np.ones(k, dtype=np.uint8),
        losses=np.zeros(k),
    )
    if classification:
        kwargs.update(positive=np.arange(k, dtype=np.int32), loss="hinge")
    if averaging:
        kwargs.update(
            average_coef=np.zeros((N_FEATURES, k)),
            average_intercept=np.zeros(k),
            average_a=np.zeros(k),
            average_b=np.ones(k),
            average=1.0,
        )
    if l1:
        kwargs.update(
            l1_q=np.zeros((N_FEATURES, k)),
            l1_u=np.zeros(k),
            l1_ratio=1.0,
            penalized=True,
        )
    return args, kwargs


def read_only(array):
    array = array.copy()
    array.flags.writeable = False
    return array


def strided(array):
    """A non-contiguous view with the values (and shape) of ``array``."""
    wide = np.zeros(array.shape[:-1] + (2 * array.shape[-1],), dtype=array.dtype)
    wide[..., ::2] = array
    return wide[..., ::2]


@pytest.mark.parametrize("options", [{}, {"sparse": True}, {"classification": True}])
def test_the_valid_kernel_inputs_train(options):
    """The baseline of the hostile cases below is accepted and trains."""
    args, kwargs = kernel_inputs(averaging=True, l1=True, **options)
    kernel = Kernel(*args, **kwargs)
    assert kernel.run(np.array([[0.1, 0, 0, 0, 0]] * N_MODELS), 0.0, 1.0 / N_SAMPLES)
    assert np.any(kwargs["coef"] != 0) and np.all(kwargs["updates"] == 1 + N_SAMPLES)


def unaligned_csr_data(X):
    """``X`` with its values at an odd byte offset (``X`` itself unchanged)."""
    return sp.csr_matrix((unaligned(X.data), X.indices, X.indptr), shape=X.shape)


def test_an_overflowed_l1_penalty_clips_every_weight_it_touches_to_zero():
    """``l1_u = +inf`` (the accumulated L1 penalty overflowed) is a valid
    state: the truncation clips every weight to exactly 0, nothing turns NaN."""
    for options in ({}, {"sparse": True}, {"classification": True}):
        args, kwargs = kernel_inputs(averaging=True, l1=True, **options)
        kwargs["l1_u"] = np.full(N_MODELS, np.inf)
        kernel = Kernel(*args, **kwargs)
        assert kernel.run(np.array([[0.1, 0, 0, 0, 0]] * N_MODELS), 0.0, 0.1)
        assert np.all(kwargs["coef"] == 0) and np.all(np.isfinite(kwargs["l1_q"]))
        assert np.all(np.isposinf(kwargs["l1_u"]))


K, D = N_MODELS, N_FEATURES
# name -> (options of kernel_inputs, arguments replaced, by name); the message
# names the argument that opens the case's name, unless NAMED_IN_MESSAGE says
HOSTILE_ARRAYS = {
    "coef float32": ({}, {"coef": np.zeros((D, K), np.float32)}),
    "coef int64": ({}, {"coef": np.zeros((D, K), np.int64)}),
    "coef one row too many": ({}, {"coef": np.zeros((D + 1, K))}),
    "coef one row short": ({}, {"coef": np.zeros((D - 1, K))}),
    "coef 1-d": ({}, {"coef": np.zeros(D)}),
    "coef 3-d": ({}, {"coef": np.zeros((D, K, 1))}),
    "coef no models": ({}, {"coef": np.zeros((D, 0))}),
    "coef Fortran order": ({}, {"coef": np.asfortranarray(np.zeros((D, K)))}),
    "coef strided": ({}, {"coef": strided(np.zeros((D, K)))}),
    "coef transposed": ({}, {"coef": np.zeros((K, D)).T}),
    "coef read-only": ({}, {"coef": read_only(np.zeros((D, K)))}),
    "coef float64 with float32 X": (
        {},
        {
            "X": np.zeros((N_SAMPLES, D), np.float32),
            "targets": np.zeros(N_SAMPLES, np.float32),
            "sample_weight": np.ones(N_SAMPLES, np.float32),
        },
    ),
    "coef list": ({}, {"coef": [[0.0] * K] * D}),
    "intercept float32": ({}, {"intercept": np.zeros(K, np.float32)}),
    "intercept too long": ({}, {"intercept": np.zeros(K + 1)}),
    "intercept too short": ({}, {"intercept": np.zeros(K - 1)}),
    "intercept 2-d": ({}, {"intercept": np.zeros((K, 1))}),
    "intercept strided": ({}, {"intercept": strided(np.zeros(K))}),
    "intercept read-only": ({}, {"intercept": read_only(np.zeros(K))}),
    "intercept None": ({}, {"intercept": None}),
    "wscale 0": ({}, {"wscale": np.array([1.0, 0.0])}),
    "wscale negative": ({}, {"wscale": np.array([-0.5, 1.0])}),
    "wscale above 1": ({}, {"wscale": np.array([1.0, 1.5])}),
    "wscale nan": ({}, {"wscale": np.array([np.nan, 1.0])}),
    "wscale inf": ({}, {"wscale": np.array([np.inf, 1.0])}),
    "wscale float32": ({}, {"wscale": np.ones(K, np.float32)}),
    "updates 0": ({}, {"updates": np.array([1.0, 0.0])}),
    "updates 0.5": ({}, {"updates": np.array([0.5, 1.0])}),
    "updates -inf": ({}, {"updates": np.array([1.0, -np.inf])}),
    "updates nan": ({}, {"updates": np.array([np.nan, 1.0])}),
    "updates wrong shape": ({}, {"updates": np.ones(K + 1)}),
    "alpha int64": ({}, {"alpha": np.zeros(K, np.int64)}),
    "alpha wrong shape": ({}, {"alpha": np.zeros(K + 3)}),
    "weight_pos wrong shape": ({}, {"weight_pos": np.ones(1)}),
    "weight_neg float32": ({}, {"weight_neg": np.ones(K, np.float32)}),
    "active bool": ({}, {"active": np.ones(K, bool)}),
    "active int64": ({}, {"active": np.ones(K, np.int64)}),
    "active wrong shape": ({}, {"active": np.ones(K + 1, np.uint8)}),
    "losses float32": ({}, {"losses": np.zeros(K, np.float32)}),
    "losses wrong shape": ({}, {"losses": np.zeros(K - 1)}),
    "losses read-only": ({}, {"losses": read_only(np.zeros(K))}),
    "rows n_samples": ({}, {"rows": np.array([0, N_SAMPLES], np.int32)}),
    "rows 10**9": ({}, {"rows": np.array([10**9, 0], np.int32)}),
    "rows negative": ({}, {"rows": np.array([0, -1, 2], np.int32)}),
    "rows int64": ({}, {"rows": np.arange(N_SAMPLES, dtype=np.int64)}),
    "rows float": ({}, {"rows": np.arange(N_SAMPLES, dtype=np.float64)}),
    "rows 2-d": ({}, {"rows": np.zeros((2, 2), np.int32)}),
    "rows strided": ({}, {"rows": strided(np.arange(N_SAMPLES, dtype=np.int32))}),
    "targets short": ({}, {"targets": np.zeros(N_SAMPLES - 1)}),
    "targets float32": ({}, {"targets": np.zeros(N_SAMPLES, np.float32)}),
    "targets 2-d": ({}, {"targets": np.zeros((N_SAMPLES, 1))}),
    "sample_weight long": ({}, {"sample_weight": np.ones(N_SAMPLES + 1)}),
    "sample_weight float32": ({}, {"sample_weight": np.ones(N_SAMPLES, np.float32)}),
    "labels float64": (
        {"classification": True},
        {"targets": np.zeros(N_SAMPLES)},
    ),
    "labels int64": (
        {"classification": True},
        {"targets": np.zeros(N_SAMPLES, np.int64)},
    ),
    "positive int64": ({"classification": True}, {"positive": np.zeros(K, np.int64)}),
    "positive wrong shape": (
        {"classification": True},
        {"positive": np.zeros(K + 1, np.int32)},
    ),
    "X float16": ({}, {"X": np.zeros((N_SAMPLES, D), np.float16)}),
    "X int64": ({}, {"X": np.zeros((N_SAMPLES, D), np.int64)}),
    "X Fortran order": ({}, {"X": np.asfortranarray(np.ones((N_SAMPLES, D)))}),
    "X 1-d": ({}, {"X": np.ones(N_SAMPLES)}),
    "X 3-d": ({}, {"X": np.ones((N_SAMPLES, D, 1))}),
    "X no features": ({}, {"X": np.ones((N_SAMPLES, 0)), "coef": np.zeros((0, K))}),
    "X list": ({}, {"X": [[0.0] * D] * N_SAMPLES}),
    "average_coef without average_intercept": (
        {"averaging": True},
        {"average_intercept": None},
    ),
    "average_coef wrong shape": (
        {"averaging": True},
        {"average_coef": np.zeros((D, K + 1))},
    ),
    "average_coef float32": (
        {"averaging": True},
        {"average_coef": np.zeros((D, K), np.float32)},
    ),
    "average_coef Fortran order": (
        {"averaging": True},
        {"average_coef": np.asfortranarray(np.zeros((D, K)))},
    ),
    "X unaligned": ({}, {"X": unaligned(np.ones((N_SAMPLES, D)))}),
    "CSR data unaligned": (
        {},
        {"X": unaligned_csr_data(sp.csr_matrix(np.eye(N_SAMPLES, D)))},
    ),
    "targets unaligned": ({}, {"targets": unaligned(np.zeros(N_SAMPLES))}),
    "sample_weight unaligned": ({}, {"sample_weight": unaligned(np.ones(N_SAMPLES))}),
    "rows unaligned": ({}, {"rows": unaligned(np.arange(N_SAMPLES, dtype=np.int32))}),
    "coef unaligned": ({}, {"coef": unaligned(np.zeros((D, K)))}),
    "intercept unaligned": ({}, {"intercept": unaligned(np.zeros(K))}),
    "average_b below 1": ({"averaging": True}, {"average_b": np.array([1.0, 0.5])}),
    "average_a nan": ({"averaging": True}, {"average_a": np.array([np.nan, 0.0])}),
    "average_a None": ({"averaging": True}, {"average_a": None}),
    "l1_q without l1_u": ({"l1": True}, {"l1_u": None}),
    "l1_q wrong shape": ({"l1": True}, {"l1_q": np.zeros((D + 1, K))}),
    "l1_q float32": ({"l1": True}, {"l1_q": np.zeros((D, K), np.float32)}),
    "l1_u wrong shape": ({"l1": True}, {"l1_u": np.zeros(K + 1)}),
    "l1_u nan": ({"l1": True}, {"l1_u": np.array([np.nan, 0.0])}),
    "l1_u negative": ({"l1": True}, {"l1_u": np.array([0.0, -np.inf])}),
    "l1_q inf": ({"l1": True}, {"l1_q": np.full((D, K), np.inf)}),
    "unknown loss": ({}, {"loss": "squared_errors"}),
    "l1_ratio above 1": ({}, {"l1_ratio": 1.5}),
    "max_dloss 0": ({}, {"max_dloss": 0.0}),
    "average negative": ({}, {"average": -1.0}),
    "row_cap short": ({}, {"row_cap": np.ones(N_SAMPLES - 1)}),
    "row_cap zero": ({}, {"row_cap": np.zeros(N_SAMPLES)}),
    "row_cap nan": ({}, {"row_cap": np.full(N_SAMPLES, np.nan)}),
    "row_cap float32": ({}, {"row_cap": np.ones(N_SAMPLES, np.float32)}),
    "capped wrong shape": (
        {},
        {"row_cap": np.ones(N_SAMPLES), "capped": np.ones(N_MODELS + 1, np.uint8)},
    ),
}
NAMED_IN_MESSAGE = {
    "CSR data unaligned": "CSR data",
    "coef no models": "one model",
    "labels float64": "targets",
    "labels int64": "targets",
    "average_coef without average_intercept": "average_intercept",
    "l1_q without l1_u": "l1_u",
}
POSITIONAL = ("X", "targets", "sample_weight", "rows")


def hostile_kernel(options, changes):
    args, kwargs = kernel_inputs(**options)
    for name, value in changes.items():
        if name in POSITIONAL:
            args[POSITIONAL.index(name)] = value
        else:
            kwargs[name] = value
    return Kernel(*args, **kwargs)


@pytest.mark.parametrize("case", HOSTILE_ARRAYS)
def test_kernel_refuses_hostile_arrays_with_value_error(case):
    """Wrong dtype, shape, layout or range: a ValueError naming the argument."""
    options, changes = HOSTILE_ARRAYS[case]
    named = NAMED_IN_MESSAGE.get(case, case.split()[0])
    with pytest.raises(ValueError, match=re.escape(named)):
        hostile_kernel(options, changes)


def fake_csr(
    indices,
    indptr,
    *,
    shape=(3, 4),
    data=None,
    index_dtype=np.int32,
    offset_dtype=np.int32,
):
    """An object with a CSR matrix's attributes, unchecked by scipy."""
    indices = np.asarray(indices, index_dtype)
    data = np.ones(len(indices)) if data is None else data
    indptr = np.asarray(indptr, offset_dtype)
    return SimpleNamespace(
        format="csr", shape=shape, data=data, indices=indices, indptr=indptr
    )


def mutated_csr(where, value, part="indices"):
    """A valid 3 x 4 csr_matrix of 6 entries with one of its arrays changed."""
    X = sp.csr_matrix(np.array([[1.0, 0, 2, 0], [0, 3, 0, 4], [5, 0, 0, 6]]))
    getattr(X, part)[where] = value
    return X


# name -> (X, what the message says)
HOSTILE_CSR = {
    "column index 10**9": (mutated_csr(1, 10**9), "malformed"),
    "column index n_features": (mutated_csr(5, 4), "malformed"),
    "column index -1": (mutated_csr(0, -1), "malformed"),
    "column index int32 min": (mutated_csr(3, np.iinfo(np.int32).min), "malformed"),
    "indptr decreases": (mutated_csr(1, 5, "indptr"), "malformed"),  # 0, 5, 4, 6
    "indptr ends beyond nnz": (mutated_csr(3, 7, "indptr"), "malformed"),
    "indptr starts above 0": (mutated_csr(0, 1, "indptr"), "malformed"),
    "indptr negative": (mutated_csr(1, -2, "indptr"), "malformed"),
    "indptr too short": (fake_csr([0, 1, 2], [0, 1, 3]), "malformed"),
    "indptr too long": (fake_csr([0, 1, 2], [0, 1, 2, 3, 3]), "malformed"),
    "data shorter than indices": (
        fake_csr([0, 1, 2], [0, 1, 2, 3], data=np.ones(2)),
        "malformed",
    ),
    "data float16": (
        fake_csr([0, 1, 2], [0, 1, 2, 3], data=np.ones(3, np.float16)),
        "float32 or float64",
    ),
    "data 2-d": (fake_csr([0, 1, 2], [0, 1, 2, 3], data=np.ones((3, 1))), "1-d"),
    "indices int64": (
        fake_csr([0, 1, 2], [0, 1, 2, 3], index_dtype=np.int64),
        "indices must be int32",
    ),
    "indptr int64": (
        fake_csr([0, 1, 2], [0, 1, 2, 3], offset_dtype=np.int64),
        "indptr",
    ),
    "CSC matrix": (sp.csc_matrix(np.eye(3, 4)), "CSR"),
    "no columns": (fake_csr([], [0, 0, 0, 0], shape=(3, 0)), "feature"),
}


@pytest.mark.parametrize("case", HOSTILE_CSR)
def test_kernel_refuses_malformed_csr_matrices(case):
    """Out-of-range indices and inconsistent offsets raise ValueError."""
    X, message = HOSTILE_CSR[case]
    args, kwargs = kernel_inputs()
    n, d = X.shape
    args[:4] = [X, np.zeros(n), np.ones(n), np.arange(n, dtype=np.int32)]
    kwargs["coef"] = np.zeros((d, N_MODELS))
    with pytest.raises(ValueError, match=message):
        Kernel(*args, **kwargs)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda k: k.run(np.zeros((N_MODELS + 1, 5)), 0.0, 0.1), "rates"),
        (lambda k: k.run(np.zeros((N_MODELS, 4)), 0.0, 0.1), "rates"),
        (lambda k: k.run(np.zeros((N_MODELS, 5)), np.nan, 0.1), "finite"),
        (lambda k: k.run(np.zeros((N_MODELS, 5)), 0.0, np.inf), "finite"),
        (lambda k: k.shuffle(np.zeros(3, np.uint64)), "4 words"),
        (lambda k: k.shuffle(np.zeros(4, np.int64)), None),
    ],
)
def test_kernel_passes_refuse_bad_plans_and_generator_states(call, message):
    """run() and shuffle() check their arguments before releasing the GIL."""
    args, kwargs = kernel_inputs()
    with pytest.raises(ValueError, match=message):
        call(Kernel(*args, **kwargs))


def shuffle_from_the_zero_state():
    """Child side: shuffle from the all-zero generator state."""
    args, kwargs = kernel_inputs()
    Kernel(*args, **kwargs).shuffle(np.zeros(4, np.uint64))


def test_kernel_shuffle_refuses_an_all_zero_generator_state(child_outcomes):
    """xoshiro256** is stuck at 0 from the zero state: refuse it, never hang
    (in the child: a hang fails the test instead of the suite)."""
    report = child_report(child_outcomes, "shuffle from the all-zero state")
    assert report["value_error"], report


def test_seed_state_is_never_all_zero_and_depends_on_the_seed():
    """seed_state gives distinct, non-zero xoshiro states for every seed."""
    seeds = [0, 1, 2, 2**63 - 1, 2**64 - 1]
    states = [seed_state(seed) for seed in seeds]
    assert all(state.dtype == np.uint64 and state.shape == (4,) for state in states)
    assert all(np.any(state) for state in states)
    assert len({state.tobytes() for state in states}) == len(seeds)
    assert_array_equal(seed_state(7), seed_state(7))


# check_csr(n_rows, n_columns, data, indices, indptr) on a 3 x 4 matrix
MALFORMED_CSR_ARRAYS = {
    "column index 10**9": ([0, 10**9, 2], [0, 1, 2, 3]),
    "column index n_columns": ([0, 4, 2], [0, 1, 2, 3]),
    "column index -1": ([0, -1, 2], [0, 1, 2, 3]),
    "indptr decreases": ([0, 1, 2], [0, 2, 1, 3]),
    "indptr ends beyond nnz": ([0, 1, 2], [0, 1, 2, 4]),
    "indptr starts at 1": ([0, 1, 2], [1, 1, 2, 3]),
    "indptr starts negative": ([0, 1, 2], [-1, 1, 2, 3]),
    "indptr too short": ([0, 1, 2], [0, 1, 3]),
    "indptr too long": ([0, 1, 2], [0, 1, 2, 3, 3]),
}


@pytest.mark.parametrize("offset_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("case", MALFORMED_CSR_ARRAYS)
def test_check_csr_refuses_malformed_arrays(case, index_dtype, offset_dtype):
    """check_csr raises a ValueError saying the matrix is malformed."""
    indices, indptr = MALFORMED_CSR_ARRAYS[case]
    indices = np.array(indices, dtype=index_dtype)
    indptr = np.array(indptr, dtype=offset_dtype)
    with pytest.raises(ValueError, match="malformed"):
        check_csr(3, 4, np.ones(len(indices)), indices, indptr)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_check_csr_refuses_data_and_indices_of_different_lengths(dtype):
    """One value per column index, or the matrix is malformed."""
    indices, indptr = np.array([0, 1, 2], dtype), np.array([0, 1, 2, 3], dtype)
    with pytest.raises(ValueError, match="malformed"):
        check_csr(3, 4, np.ones(4), indices, indptr)


def test_check_csr_refuses_an_index_beyond_int32_in_int64_indices():
    """An int64 index of 2**40 is not silently truncated to a valid int32."""
    indices = np.array([0, 2**40, 2], np.int64)  # 2**40 % 2**32 == 0
    with pytest.raises(ValueError, match="malformed"):
        check_csr(3, 4, np.ones(3), indices, np.array([0, 1, 2, 3], np.int64))


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_check_csr_refuses_a_negative_row_count(dtype):
    """n_rows = -1 with an empty indptr: refused, not read around the array.

    The empty indptr is a view into zeros, so that reading outside it finds a
    plausible 0 rather than garbage.
    """
    zeros = np.zeros(8, dtype)
    with pytest.raises(ValueError, match="malformed"):
        check_csr(-1, 4, np.ones(0), np.zeros(0, dtype), zeros[4:4])


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("offset_dtype", [np.int32, np.int64])
def test_check_csr_accepts_valid_matrices(index_dtype, offset_dtype):
    """Empty rows, trailing unused entries and an empty matrix are valid."""
    data = np.ones(4)
    indices = np.array([3, 0, 3, 1], index_dtype)  # the 4th entry is unused
    for n_rows, indptr in [(3, [0, 1, 1, 3]), (0, [0]), (2, [0, 0, 0])]:
        assert (
            check_csr(n_rows, 4, data, indices, np.array(indptr, offset_dtype)) is None
        )


# --- the kernel reads its own copy of what it checked (in a child process) -------

BAD_INDEX = 2**30
"""A column index far outside every coef here: a write through it faults."""
HAMMERED = 16
"""Entries of X the writing thread breaks at a time."""
HAMMER_SPIN = 1000
"""Iterations of an empty loop the broken entries stay in place."""


def kernel_pair(X):
    """Two kernels with their own coef on the CSR matrix ``X``: one built on
    ``X``, one on a copy of it."""
    kernels = []
    for matrix in (X, X.copy()):
        args, kwargs = kernel_inputs()
        args[0] = matrix
        kernels.append((Kernel(*args, **kwargs), kwargs))
    return kernels


def pass_after_the_structure_changed():
    """Change X.indices and X.indptr after the kernel checked them: the pass
    equals the pass of a kernel on an unchanged copy, bit for bit."""
    X = kernel_inputs(sparse=True)[0][0]
    (changed, ours), (pristine, theirs) = kernel_pair(X)
    X.indices[:] = BAD_INDEX
    X.indptr[1:] = X.indptr[-1] + 10**6
    rates = np.array([[0.1, 0, 0, 0, 0]] * N_MODELS)
    for kernel in (changed, pristine):
        assert kernel.run(rates, 0.0, 1.0 / N_SAMPLES)
    assert ours["coef"].tobytes() == theirs["coef"].tobytes()
    assert np.any(ours["coef"] != 0)


def pass_with_no_stored_values():
    """A CSR matrix with nnz == 0: only the intercepts learn (0.2.0 read its
    NULL data pointer as a dense row)."""
    args, kwargs = kernel_inputs()
    args[0] = sp.csr_matrix((N_SAMPLES, N_FEATURES))
    kernel = Kernel(*args, **kwargs)
    assert kernel.run(np.array([[0.1, 0, 0, 0, 0]] * N_MODELS), 0.0, 0.1)
    assert np.all(kwargs["coef"] == 0) and np.all(kwargs["intercept"] != 0)


def fits_while_a_thread_writes_the_input(n_fits=20):
    """Fit again and again while another thread, from the moment ``X`` passed
    validation until the fit returns, writes indices far out of range into the
    caller's ``X.indices`` and ``X.indptr`` and puts the old values back, as
    fast as it can. Every fit trains the model of an untouched copy of ``X``,
    bit for bit: training reads only its checked copy. On 0.2.0 the kernel
    read the caller's indices and wrote through the bad ones."""
    import sys
    import threading

    import skcosine._base as base

    X = sp.random(20_000, 50, density=0.1, format="csr", random_state=0)
    y = np.random.RandomState(0).randn(20_000)
    expected = CosineSGDRegressor(max_iter=5, random_state=0).fit(X.copy(), y)
    training, stop, cycles = threading.Event(), threading.Event(), []
    breaking = threading.Lock()  # held while X holds broken entries

    def hammer():
        rng = np.random.RandomState(1)
        indices, indptr = X.indices, X.indptr
        while not stop.is_set():
            if not training.wait(timeout=0.01):
                continue
            with breaking:
                if not training.is_set():  # the fit returned meanwhile
                    continue
                cycles.append(None)
                k = rng.randint(len(indices), size=HAMMERED)
                r = rng.randint(1, len(indptr), size=HAMMERED)
                index, offset = indices[k], indptr[r]
                indices[k], indptr[r] = BAD_INDEX, BAD_INDEX
                for _ in range(HAMMER_SPIN):  # the fit runs meanwhile
                    pass
                indices[k], indptr[r] = index, offset

    validate = base.validate_training_data

    def validated_then_hammered(*args, **kwargs):
        result = validate(*args, **kwargs)
        training.set()  # X passed its checks: from now on, break it
        return result

    base.validate_training_data = validated_then_hammered
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # the GIL changes hands often: both progress
    thread = threading.Thread(target=hammer)
    thread.start()
    try:
        for _ in range(n_fits):
            model = CosineSGDRegressor(max_iter=5, random_state=0)
            try:
                model.fit(X, y)
            finally:
                training.clear()
                with breaking:  # X is whole again before the next validation
                    cycles.append("fit")
            assert model.coef_.tobytes() == expected.coef_.tobytes()
            assert model.intercept_.tobytes() == expected.intercept_.tobytes()
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)
        base.validate_training_data = validate
    writes = cycles.count(None)
    # the test can fail: the writes did go on while the fits trained
    assert writes > n_fits, writes
    return {"fits": n_fits, "writes": writes}


STRUCTURE_CASES = {
    "pass after the structure changed": pass_after_the_structure_changed,
    "pass with no stored values": pass_with_no_stored_values,
    "fits while a thread writes the input": fits_while_a_thread_writes_the_input,
}


def child_cases():
    """Child side: every case of this file that would crash (or hang) the
    process running it on 0.2.0, by name."""
    return {
        "shuffle from the all-zero state": shuffle_from_the_zero_state,
        **STRUCTURE_CASES,
    }


@pytest.fixture(scope="module")
def child_outcomes():
    """Every case of :func:`child_cases`, in one child."""
    return child_reports("tests.test_kernel.child_cases")


@pytest.mark.parametrize("case", STRUCTURE_CASES)
def test_the_kernel_reads_its_own_checked_copy_of_the_structure(child_outcomes, case):
    """A sparse X changed after the check (or, from another thread, during the
    fit) never makes the kernel read or write outside its arrays."""
    report = child_report(child_outcomes, case)
    assert report["error"] is None, report


# --- 4. determinism ------------------------------------------------------------------


def determinism_configs():
    return {
        "dense regressor": (
            CosineSGDRegressor,
            dict(penalty="elasticnet", average=20),
            "diabetes_scaled_target",
            "dense",
        ),
        "csr regressor": (
            CosineSGDRegressor,
            dict(loss="huber"),
            "diabetes_scaled_target",
            "csr",
        ),
        "multiclass classifier, per-sample": (
            CosineSGDClassifier,
            dict(loss="log_loss", anneal_per="sample"),
            "wine",
            "dense",
        ),
    }


def shuffled_fit(config, data, seed, max_iter=6):
    Estimator, params, _, layout = config
    X, y = data
    X = sparsified(X) if layout == "csr" else X
    model = Estimator(shuffle=True, max_iter=max_iter, random_state=seed, **params)
    return model.fit(X, y)


def fingerprint(model):
    """The fitted weights, bit for bit."""
    return model.coef_.tobytes() + np.asarray(model.intercept_).tobytes()


@pytest.mark.parametrize("config", determinism_configs())
def test_same_random_state_gives_bitwise_identical_fits(config, request):
    """Two shuffled fits with one int seed agree bit for bit; seeds matter."""
    config = determinism_configs()[config]
    data = request.getfixturevalue(config[2])
    first, second = (shuffled_fit(config, data, 3) for _ in range(2))
    assert fingerprint(first) == fingerprint(second)
    other = shuffled_fit(config, data, 4)
    assert not np.allclose(other.coef_, first.coef_, rtol=1e-6, atol=0)


@pytest.mark.parametrize("config", determinism_configs())
def test_fits_in_threads_equal_serial_fits_bit_for_bit(config, request):
    """8 shuffled fits on 4 threads (2 per seed) equal the serial fits."""
    config = determinism_configs()[config]
    data = request.getfixturevalue(config[2])
    seeds = [0, 1, 2, 3] * 2

    def fit(seed):  # enough epochs for the passes of the threads to overlap
        return shuffled_fit(config, data, seed, max_iter=60)

    serial = {seed: fingerprint(fit(seed)) for seed in seeds}
    assert len(set(serial.values())) == 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        models = list(pool.map(fit, seeds))
    assert [fingerprint(model) for model in models] == [serial[s] for s in seeds]


# --- per-row caps of the rate (eta0='auto' and its extreme rows) ----------------


def one_row_pass(X, rate, **caps):
    """Two squared-error models, no penalty, one pass over the single row of
    ``X`` (target 2) at ``rate``: the decisions on that row after it, and the
    pass's losses."""
    coef, intercept, losses = np.zeros((X.shape[1], 2)), np.zeros(2), np.zeros(2)
    kernel = Kernel(
        X,
        np.array([2.0]),
        np.ones(1),
        None,
        coef=coef,
        intercept=intercept,
        wscale=np.ones(2),
        updates=np.ones(2),
        alpha=np.zeros(2),
        weight_pos=np.ones(2),
        weight_neg=np.ones(2),
        active=np.ones(2, dtype=np.uint8),
        losses=losses,
        **caps,
    )
    kernel.track_unweighted = True
    rates = np.zeros((2, RATE_COLUMNS))
    rates[:, 0] = rate
    assert kernel.run(rates, 0.0, 0.0)
    return np.asarray(X @ coef).ravel() + intercept, losses, kernel.unweighted_losses


@pytest.mark.parametrize("sparse", [False, True])
def test_a_capped_row_updates_at_its_cap_and_the_others_at_the_rate(sparse):
    """A row capped at its no-overshoot step ``1 / (||x||^2 + 1)`` lands on its
    target (squared error) at a rate 100 times larger; the model outside
    ``capped`` takes the full rate (and overshoots by 99 times the residual);
    a cap above the rate changes nothing. The loss of a row updated at its cap
    is left out of the pass's losses (it measures how far the other rows moved
    the model, not a divergence)."""
    x = np.array([[3.0, 0.0, 4.0, 0.0]])  # ||x||^2 = 25
    X = sp.csr_matrix(x) if sparse else x
    safe = 1.0 / 26.0
    first_only = np.array([1, 0], dtype=np.uint8)
    landed, losses, plain_losses = one_row_pass(
        X, 100 * safe, row_cap=np.array([safe]), capped=first_only
    )
    assert landed[0] == pytest.approx(2.0, rel=1e-12)
    assert landed[1] == pytest.approx(2.0 + 99 * 2.0, rel=1e-12)
    assert_array_equal(losses, [0.0, 2.0])  # 0.5 * 2^2 before the update
    assert_array_equal(plain_losses, [0.0, 2.0])
    below = one_row_pass(X, 0.5 * safe)
    above = one_row_pass(X, 0.5 * safe, row_cap=np.array([safe]))
    for ours, theirs in zip(above, below):
        assert_array_equal(ours, theirs)
    assert_array_equal(one_row_pass(X, 100 * safe)[0][1], landed[1])
