"""Hostile input, divergence (none false, none missed), faults, determinism
and concurrency, resources."""

import copy
import io
import pickle
import re
import sys
import threading
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skcosine import (
    CosineAnnealingLR,
    CosineMLPClassifier,
    CosineMLPRegressor,
    CosineSGDClassifier,
    CosineSGDClassifierCV,
    CosineSGDRegressor,
)

# --- hostile parameters and data, generated -----------------------------------

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 1e-300, 1e300, -1e300, 1e12, np.nan, np.inf]),
)
FINITE = st.floats(-1e6, 1e6, allow_nan=False, width=64)

PARAMETERS = st.fixed_dictionaries(
    {},
    optional={
        "eta0": st.one_of(
            st.just("auto"),
            st.sampled_from([1e-12, 1e-3, 0.1, 10.0, 1e6, 1e300, 0.0, -1.0, np.nan]),
        ),
        "lr_min": st.sampled_from([0.0, 1e-6, 0.01, 0.5, 1e9, -1.0, np.nan, np.inf]),
        "T_max": st.sampled_from([None, 1, 3, 1000, 0, -2, 2.5]),
        "T_mult": st.sampled_from([None, 1, 2, 0, 1.5]),
        "warmup_epochs": st.sampled_from([0, 1, 3, -1, 10]),
        "max_iter": st.sampled_from([1, 2, 5, 0]),
        "alpha": st.sampled_from([0.0, 1e-4, 10.0, 1e300, -1.0]),
        "penalty": st.sampled_from(["l2", "l1", "elasticnet", None, "bad"]),
        "average": st.sampled_from([False, True, 3]),
        "fit_intercept": st.booleans(),
        "shuffle": st.booleans(),
        "tol": st.sampled_from([None, 1e-3, 0.0, -1.0]),
        "early_stopping": st.booleans(),
        "validation_fraction": st.sampled_from([0.1, 0.5, 0.99, 0.0]),
        "n_iter_no_change": st.sampled_from([1, 5, 0]),
        "random_state": st.sampled_from([0, 1, None]),
        "anneal_per": st.sampled_from(["epoch", "sample", "batch"]),
    },
)
REGRESSION_LOSSES = [
    "squared_error",
    "huber",
    "epsilon_insensitive",
    "squared_epsilon_insensitive",
    "hinge",
]
CLASSIFICATION_LOSSES = [
    "hinge",
    "log_loss",
    "modified_huber",
    "squared_error",
    "perceptron",
    "squared_hinge",
]


@st.composite
def datasets(draw, classification):
    n_samples = draw(st.integers(0, 12))
    n_features = draw(st.integers(0, 4))
    values = NUMBERS if draw(st.booleans()) else FINITE
    X = draw(
        st.lists(
            st.lists(values, min_size=n_features, max_size=n_features),
            min_size=n_samples,
            max_size=n_samples,
        )
    )
    X = np.array(X, dtype=float).reshape(n_samples, n_features)
    if classification:
        labels = st.sampled_from([0, 1, 2]) if draw(st.booleans()) else st.just(1)
        y = np.array(draw(st.lists(labels, min_size=n_samples, max_size=n_samples)))
    else:
        target = NUMBERS if draw(st.booleans()) else FINITE
        y = np.array(
            draw(st.lists(target, min_size=n_samples, max_size=n_samples)),
            dtype=float,
        )
    if draw(st.booleans()):  # a wrong length, sometimes
        y = y[: draw(st.integers(0, max(n_samples - 1, 0)))]
    weights = None
    if draw(st.booleans()):
        weights = np.array(
            draw(st.lists(NUMBERS, min_size=len(y), max_size=len(y))), dtype=float
        )
    return X, y, weights


def check_guarantees(Estimator, losses, params, data, loss_index):
    """Fit either gives finite predictions or raises a ValueError; nothing
    else escapes, the inputs and the parameters are left as they were."""
    X, y, weights = data
    saved = [None if a is None else a.copy() for a in (X, y, weights)]
    model = Estimator(loss=losses[loss_index % len(losses)], **params)
    before = model.get_params()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(X, y, sample_weight=weights)
        except ValueError as exc:
            assert str(exc)
            assert not hasattr(model, "coef_")
        else:
            assert np.all(np.isfinite(model.coef_))
            assert np.all(np.isfinite(model.intercept_))
            if np.all(np.isfinite(X)):
                decision = (
                    model.decision_function(X)
                    if hasattr(model, "decision_function")
                    else model.predict(X)
                )
                assert np.all(np.isfinite(decision))
    for original, now in zip(saved, (X, y, weights)):
        if original is not None:
            assert_array_equal(original, now)
    after = model.get_params()
    assert all(after[key] is before[key] for key in before)


HYPOTHESIS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@HYPOTHESIS
@given(PARAMETERS, datasets(classification=False), st.integers(0, 4))
def test_regressor_survives_hostile_input(params, data, loss_index):
    check_guarantees(CosineSGDRegressor, REGRESSION_LOSSES, params, data, loss_index)


@HYPOTHESIS
@given(PARAMETERS, datasets(classification=True), st.integers(0, 5))
def test_classifier_survives_hostile_input(params, data, loss_index):
    check_guarantees(
        CosineSGDClassifier, CLASSIFICATION_LOSSES, params, data, loss_index
    )


MLP_PARAMETERS = st.fixed_dictionaries(
    {"hidden_layer_sizes": st.sampled_from([(3,), (2, 2), (0,), (), (3, -1)])},
    optional={
        "learning_rate_init": st.sampled_from(
            [1e-12, 1e-3, 0.1, 10.0, 1e6, 1e300, 0.0, -1.0, np.nan]
        ),
        "lr_min": st.sampled_from([0.0, 1e-6, 0.01, 1e9, -1.0, np.nan]),
        "T_max": st.sampled_from([None, 1, 3, 0, 2.5]),
        "T_mult": st.sampled_from([None, 1, 2, 0]),
        "warmup_epochs": st.sampled_from([0, 1, 3, -1, 10]),
        "max_iter": st.sampled_from([1, 2, 3, 0, "auto"]),
        "alpha": st.sampled_from([0.0, 1e-4, 10.0, 1e300, -1.0]),
        "solver": st.sampled_from(["adam", "sgd", "lbfgs"]),
        "activation": st.sampled_from(["relu", "tanh", "logistic", "identity"]),
        "batch_size": st.sampled_from(["auto", 1, 3, 0]),
        "momentum": st.sampled_from([0.0, 0.9, 1.5]),
        "shuffle": st.booleans(),
        "tol": st.sampled_from([None, 1e-3, 0.0, -1.0]),
        "early_stopping": st.booleans(),
        "validation_fraction": st.sampled_from([0.1, 0.5, 0.0]),
        "random_state": st.sampled_from([0, 1, None]),
        "anneal_per": st.sampled_from(["batch", "epoch", "sample"]),
    },
)


def check_mlp_guarantees(Estimator, params, data, method):
    """As :func:`check_guarantees`, for a network: finite predictions or a
    ValueError; inputs, parameters untouched; a failed model unfitted."""
    X, y, weights = data
    saved = [None if a is None else a.copy() for a in (X, y, weights)]
    model = Estimator(**params)
    before = model.get_params()
    extra = {}
    if method == "partial_fit" and Estimator is CosineMLPClassifier:
        extra = {"classes": [0, 1, 2]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            getattr(model, method)(X, y, sample_weight=weights, **extra)
        except ValueError as exc:
            assert str(exc)
            assert not hasattr(model, "coefs_")
        else:
            for array in model.coefs_ + model.intercepts_:
                assert np.all(np.isfinite(array))
            if np.all(np.isfinite(X)):
                assert np.all(np.isfinite(model.predict(X)))
    for original, now in zip(saved, (X, y, weights)):
        if original is not None:
            assert_array_equal(original, now)
    after = model.get_params()
    assert all(after[key] is before[key] for key in before)


MLP_HYPOTHESIS = settings(HYPOTHESIS, max_examples=150)


@MLP_HYPOTHESIS
@given(
    MLP_PARAMETERS,
    datasets(classification=False),
    st.sampled_from(["fit", "partial_fit"]),
)
def test_mlp_regressor_survives_hostile_input(params, data, method):
    check_mlp_guarantees(CosineMLPRegressor, params, data, method)


@MLP_HYPOTHESIS
@given(
    MLP_PARAMETERS,
    datasets(classification=True),
    st.sampled_from(["fit", "partial_fit"]),
)
def test_mlp_classifier_survives_hostile_input(params, data, method):
    check_mlp_guarantees(CosineMLPClassifier, params, data, method)


# --- divergence ----------------------------------------------------------------


@pytest.fixture(scope="module")
def raw_diabetes():
    """Unscaled features (ages, blood pressures ... in original units)."""
    X, y = load_diabetes(return_X_y=True, scaled=False)
    return X, y


def test_sklearn_returns_exploded_coefficients_without_error(raw_diabetes):
    X, y = raw_diabetes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SGDRegressor(eta0=0.1, learning_rate="constant", random_state=0)
        model.fit(X, y)
    assert np.all(np.isfinite(model.coef_)) and np.abs(model.coef_).max() > 1e9


@pytest.mark.parametrize("eta0", [0.1, 1.0, 1e3])
def test_divergence_raises_naming_eta0_epoch_and_rate(raw_diabetes, eta0):
    X, y = raw_diabetes
    model = CosineSGDRegressor(eta0=eta0, max_iter=20, random_state=0)
    with pytest.raises(ValueError) as info:
        model.fit(X, y)
    message = str(info.value)
    assert f"eta0={eta0!r}" in message
    assert "SGD diverged at epoch 0 (learning rate" in message
    assert "StandardScaler" in message and "smaller eta0" in message
    assert not hasattr(model, "coef_")


def test_divergence_during_warmup_names_the_epoch_and_its_rate():
    """The warmup raises the rate past the stable step (1 for a constant
    feature and an intercept) only after several stable epochs."""
    rng = np.random.RandomState(0)
    X, y = np.ones((50, 1)), rng.randn(50)
    model = CosineSGDRegressor(
        eta0=10.0, max_iter=200, warmup_epochs=100, random_state=0
    )
    with pytest.raises(ValueError, match="diverged") as info:
        model.fit(X, y)
    found = re.search(r"epoch (\d+) \(learning rate ([0-9.e+-]+),", str(info.value))
    epoch, rate = int(found.group(1)), float(found.group(2))
    schedule = CosineAnnealingLR(lr_initial=10.0, T_max=100, warmup_epochs=100)
    assert epoch >= 9 and schedule(epoch - 1) < 1.0  # stable before this epoch
    assert rate == pytest.approx(schedule(epoch), rel=1e-2) and rate > 1.0


def test_auto_eta0_trains_on_the_same_unscaled_data(raw_diabetes):
    X, y = raw_diabetes
    model = CosineSGDRegressor(random_state=0).fit(X, y)
    assert np.all(np.isfinite(model.predict(X)))
    assert model.score(X, y) > 0.0


def test_divergent_candidates_get_the_error_score(raw_diabetes):
    X, y = raw_diabetes
    search = GridSearchCV(
        CosineSGDRegressor(max_iter=10, random_state=0),
        {"eta0": ["auto", 10.0]},
        cv=3,
        error_score=np.nan,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.warns(FitFailedWarning, match="SGD diverged at epoch"):
            search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores[0]) and np.isnan(scores[1])
    assert search.best_params_ == {"eta0": "auto"}


def test_partial_fit_detects_divergence_at_its_epoch(raw_diabetes):
    X, y = raw_diabetes
    model = CosineSGDRegressor(eta0=1e-7, max_iter=10, random_state=0)
    model.partial_fit(X, y)
    model.set_params(eta0=1.0)  # the schedule is fixed at the first call
    with pytest.raises(ValueError, match=r"eta0 changed .* \(1e-07 -> 1.0\)"):
        model.partial_fit(X, y)
    assert model.n_iter_ == 1
    diverging = CosineSGDRegressor(eta0=1.0, max_iter=10, random_state=0)
    with pytest.raises(ValueError, match="diverged at epoch 0"):
        diverging.partial_fit(X, y)


# --- no false divergence, and none missed ------------------------------------


def test_the_perceptron_trains(iris):
    """Its loss is 0 for the zero model; only finiteness counts."""
    X, y = iris
    ours = CosineSGDClassifier(loss="perceptron", random_state=0).fit(X, y)
    theirs = SGDClassifier(loss="perceptron", random_state=0).fit(X, y)
    assert ours.score(X, y) >= theirs.score(X, y) - 0.1


@pytest.mark.parametrize("seed", range(20))
def test_zero_inflated_targets_do_not_look_diverged(seed):
    """3% of non-zero claims; the reference loss uses every row."""
    rng = np.random.RandomState(seed)
    X = rng.randn(300, 5)
    y = np.where(rng.rand(300) < 0.03, rng.gamma(2.0, 1000.0, 300), 0.0)
    model = CosineSGDRegressor(random_state=seed).fit(X, y)
    assert np.all(np.isfinite(model.predict(X)))


def test_a_blow_up_on_rows_the_old_32_row_check_skipped_is_caught():
    """Every row counts, through the loss of every update. Feature 2 is
    30 on 32 rows off the old stride and 0 elsewhere, too large for the rate:
    its coefficient used to reach 1e11 while the watched rows looked fine."""
    rng = np.random.RandomState(0)
    X = rng.randn(3200, 3) * 0.01
    y = rng.randn(3200) * 0.01
    X[:, 2] = 0.0
    X[1::100] = [0.0, 0.0, 30.0]
    model = CosineSGDRegressor(
        eta0=0.01, lr_min=0.01, fit_intercept=False, max_iter=5, random_state=0
    )
    with pytest.raises(ValueError, match="SGD diverged at epoch 0"):
        model.fit(X, y)


def test_a_margin_model_with_infinite_decisions_is_refused():
    """Decisions of +-inf on rows the old check did not watch used to
    pass; every row's loss is checked now."""
    X = np.zeros((3200, 2))
    y = np.arange(3200) % 2
    X[1::100] = [1e200, -1e200]
    X[51::100] = [-1e200, 1e200]
    model = CosineSGDClassifier(
        eta0=1e100, penalty=None, fit_intercept=False, max_iter=3, random_state=0
    )
    with pytest.raises(ValueError, match="diverged"):
        model.fit(X, y)


def test_huge_targets_train_as_well_as_scaled_ones(diabetes):
    """The gradient clip follows the scale of y."""
    X, y = diabetes
    scaled = CosineSGDRegressor(random_state=0).fit(X, y).score(X, y)
    huge = CosineSGDRegressor(random_state=0).fit(X, y * 1e13).score(X, y * 1e13)
    assert huge == pytest.approx(scaled, abs=1e-6)
    with pytest.raises(ValueError, match="scale y"):
        CosineSGDRegressor().fit(X, y * 1e200)


# --- faults: exceptions and interrupts mid-fit ----------------------------------


class Boom(RuntimeError):
    pass


class FailingOutput(io.StringIO):
    """Standard output that raises ``exception`` when the ``n``-th epoch line
    of ``verbose`` is written: an interrupt (or an error) arriving between two
    epochs, through nothing but the documented verbose output."""

    def __init__(self, n, exception):
        super().__init__()
        self.n, self.exception, self.epochs = n, exception, 0

    def write(self, text):
        if text.startswith("-- "):
            self.epochs += 1
            if self.epochs == self.n:
                raise self.exception
        return super().write(text)


@pytest.fixture
def fail_at_epoch(monkeypatch):
    """Make the ``n``-th epoch of the next fit (with ``verbose=1``) raise
    ``exception``."""

    def arm(n, exception):
        monkeypatch.setattr(sys, "stdout", FailingOutput(n, exception))

    return arm


def snapshot(model):
    return {key: pickle.dumps(value) for key, value in vars(model).items()}


@pytest.mark.parametrize("exception", [Boom("injected"), KeyboardInterrupt()])
def test_interrupted_first_fit_leaves_the_model_unfitted(fail_at_epoch, exception):
    X, y = load_diabetes(return_X_y=True)
    model = CosineSGDRegressor(max_iter=10, verbose=1, random_state=0)
    params = {key: id(value) for key, value in model.get_params().items()}
    fail_at_epoch(4, exception)
    with pytest.raises(type(exception)):
        model.fit(X, y)
    assert not hasattr(model, "coef_") and not hasattr(model, "n_features_in_")
    assert {key: id(value) for key, value in model.get_params().items()} == params


@pytest.mark.parametrize("exception", [Boom("injected"), KeyboardInterrupt()])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_interrupted_refit_keeps_the_previous_model(fail_at_epoch, exception, method):
    X, y = load_diabetes(return_X_y=True)
    model = CosineSGDRegressor(max_iter=5, warm_start=True, verbose=1, random_state=0)
    model.fit(X, y)
    before = snapshot(model)
    fail_at_epoch(2 if method == "fit" else 1, exception)
    with pytest.raises(type(exception)):
        getattr(model, method)(X[:100], y[:100])
    assert snapshot(model) == before
    with pytest.warns(UserWarning, match="partial_fit now trains at learning rate 0"):
        model.partial_fit(X, y)  # and it still trains (the cycle had ended)
    assert model.n_iter_ == 6


def test_divergence_in_a_refit_keeps_the_previous_model(raw_diabetes):
    X, y = raw_diabetes
    model = CosineSGDRegressor(max_iter=5, random_state=0).fit(X, y)
    model.set_params(eta0=1e3)
    before = snapshot(model)
    with pytest.raises(ValueError, match="diverged"):
        model.fit(X, y)
    assert snapshot(model) == before


@pytest.mark.parametrize("learning_rate_init", [1.0, 1e3])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_an_mlp_divergence_names_the_epoch_and_its_rate(
    diabetes, learning_rate_init, method
):
    """Momentum SGD at a huge peak rate: a ValueError naming the epoch, counted
    from 0 as ``schedule_`` counts it, and the rate the epoch started at; the
    model stays as it was (unfitted)."""
    X, y = diabetes
    model = CosineMLPRegressor(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate_init=learning_rate_init,
        max_iter=5,
        batches_per_epoch=2,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflows
        with pytest.raises(ValueError) as error:
            for _ in range(1 if method == "fit" else 10):
                getattr(model, method)(X, y)
    match = re.fullmatch(
        r"Training diverged at epoch ([\d.]+) \(learning rate ([^)]+)\): the "
        r"training loss is \S+\. Lower learning_rate_init, or scale the features "
        r"\(StandardScaler\)\.",
        str(error.value),
    )
    assert match, str(error.value)
    epoch, rate = float(match[1]), float(match[2])
    schedule = CosineAnnealingLR(lr_initial=learning_rate_init, T_max=5)
    assert rate == pytest.approx(schedule(epoch), rel=1e-5)
    if method == "fit":
        assert epoch == int(epoch) and not hasattr(model, "coefs_")
    else:  # the call that diverged changed nothing
        assert epoch == model.n_epochs_


def test_an_mlp_divergence_in_a_refit_keeps_the_previous_model(raw_diabetes):
    X, y = raw_diabetes
    X = StandardScaler().fit_transform(X)
    model = CosineMLPRegressor(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate_init=1e-3,
        max_iter=3,
        random_state=0,
    ).fit(X, y / 100)
    before = snapshot(model)
    model.set_params(learning_rate_init=1e4, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflows
        with pytest.raises(ValueError, match="Training diverged at epoch"):
            model.fit(X, y)
    model.set_params(learning_rate_init=1e-3, warm_start=False)
    assert snapshot(model) == before


# --- determinism and concurrency -----------------------------------------------


def test_same_seed_gives_bitwise_identical_models_across_threads():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)

    def fit(_):
        return CosineSGDClassifier(max_iter=30, random_state=42).fit(X, y).coef_

    reference = fit(None)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(fit, range(8)))
    for coef in results:
        assert_array_equal(coef, reference)


FITTED = ("classes_", "coef_", "intercept_", "n_iter_", "t_", "learning_rates_")


def _fitted(model):
    """The fitted attributes of ``model`` (those it has)."""
    return {name: getattr(model, name) for name in FITTED if hasattr(model, name)}


def _same_model(model, reference):
    mine, theirs = _fitted(model), _fitted(reference)
    return mine.keys() == theirs.keys() and all(
        np.shape(mine[name]) == np.shape(theirs[name])
        and np.array_equal(mine[name], theirs[name])
        for name in theirs
    )


def _race(calls):
    """Run ``calls`` in threads started together: ``'done'``, ``'refused'``
    (the concurrent-fit ``RuntimeError``) or the unexpected exception, each."""
    barrier, outcomes = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i):
        barrier.wait()
        try:
            calls[i]()
            outcomes[i] = "done"
        except RuntimeError as error:
            outcomes[i] = (
                "refused" if "is being fitted already" in str(error) else error
            )
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.parametrize("second", ["fit", "partial_fit"])
def test_two_threads_fitting_one_object_never_mix_their_models(second):
    """Two threads call ``fit`` / ``partial_fit`` on the same object at once
    (iris with 3 classes, and 2 other labels): the object ends as the complete
    model of one call, and a call that overlaps another is refused with a
    ``RuntimeError`` saying so (on the old main: ``classes_`` of one fit with
    ``coef_`` of the other, or no model at all, in most trials)."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    data = [(X, y, {}), (X[:100], np.where(y[:100] == 0, "x", "y"), {})]
    if second == "partial_fit":
        data[1][2]["classes"] = ["x", "y"]
    params = {"max_iter": 100, "random_state": 0}
    references = [
        CosineSGDClassifier(**params).fit(*data[0][:2]),
        getattr(CosineSGDClassifier(**params), second)(*data[1][:2], **data[1][2]),
    ]
    refused = 0
    for _ in range(30):
        model = CosineSGDClassifier(**params)
        outcomes = _race(
            [
                lambda: model.fit(*data[0][:2]),  # noqa: B023 - joined below
                lambda: getattr(model, second)(*data[1][:2], **data[1][2]),  # noqa: B023
            ]
        )
        assert set(outcomes) <= {"done", "refused"} and "done" in outcomes, outcomes
        refused += "refused" in outcomes
        finished = [r for r, o in zip(references, outcomes) if o == "done"]
        assert any(_same_model(model, r) for r in finished), outcomes
    assert refused  # the calls did overlap (else the test proves nothing)


def test_two_threads_searching_with_one_cv_object_never_mix(iris):
    X, y = iris
    labels = np.where(y == 0, "x", "y")
    params = {"cv": 3, "max_iter": 20, "random_state": 0}
    references = [
        CosineSGDClassifierCV(**params).fit(X, y),
        CosineSGDClassifierCV(**params).fit(X, labels),
    ]
    for _ in range(10):
        model = CosineSGDClassifierCV(**params)
        outcomes = _race([lambda: model.fit(X, y), lambda: model.fit(X, labels)])  # noqa: B023
        assert set(outcomes) <= {"done", "refused"} and "done" in outcomes, outcomes
        finished = [r for r, o in zip(references, outcomes) if o == "done"]
        assert any(
            _same_model(model, r)
            and np.array_equal(
                model.cv_results_["mean_test_score"], r.cv_results_["mean_test_score"]
            )
            for r in finished
        )


def test_a_refused_concurrent_fit_leaves_nothing_behind(iris, monkeypatch):
    """The guard lives outside the estimator: pickling, clone and deepcopy of
    an estimator during (and after) a fit work, and the refusal of a nested
    call (here made from inside the fit itself) releases nothing it did not
    take."""
    X, y = iris
    model = CosineSGDClassifier(max_iter=3, random_state=0)
    seen = []
    original = CosineSGDClassifier._budget

    def nested(self, *args, **kwargs):
        with pytest.raises(RuntimeError, match="is being fitted already"):
            self.fit(X, y)
        seen.extend([pickle.loads(pickle.dumps(self)), copy.deepcopy(self)])
        seen.append(clone(self))
        return original(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(CosineSGDClassifier, "_budget", nested)
        model.fit(X, y)
    assert len(seen) == 3
    assert all(set(vars(m)) <= set(vars(model)) for m in seen)
    assert {name for name in vars(model) if not name.endswith("_")} == set(
        CosineSGDClassifier().get_params()
    ) | {"_state"}
    reference = CosineSGDClassifier(max_iter=3, random_state=0).fit(X, y)
    assert _same_model(pickle.loads(pickle.dumps(model)), reference)
    model.fit(X, y)  # released: fits again
    assert _same_model(model, reference)


# grids whose T_max ends a single cycle before the budget, on purpose
@pytest.mark.filterwarnings("ignore:The schedule reaches learning rate 0:UserWarning")
def test_grid_search_is_identical_with_one_or_two_jobs():
    X, y = load_diabetes(return_X_y=True)
    grid = {"lr_min": [0.0, 1e-3], "T_max": [5, None]}
    searches = [
        GridSearchCV(
            CosineSGDRegressor(max_iter=10, random_state=0), grid, cv=3, n_jobs=n_jobs
        ).fit(X, y)  # fmt: skip
        for n_jobs in (1, 2)
    ]
    assert_array_equal(*(s.cv_results_["mean_test_score"] for s in searches))
    assert_array_equal(*(s.best_estimator_.coef_ for s in searches))


# --- resources ---------------------------------------------------------------


def test_memory_grows_with_the_epochs_run_not_with_max_iter(diabetes):
    """Max_iter=10**7 used to allocate 490 MB up front."""
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=10**7, tol=1e-3, n_iter_no_change=3)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert model.n_iter_ < 100
    assert peak < 5 * 2**20
