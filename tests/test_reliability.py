"""Hostile input, divergence, faults, determinism and resumability."""

import copy
import io
import pickle
import re
import sys
import threading
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import SGDRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skcosine import (
    CosineAnnealingLR,
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
    model.partial_fit(X, y)  # and it still trains
    assert model.n_iter_ == 6


def test_divergence_in_a_refit_keeps_the_previous_model(raw_diabetes):
    X, y = raw_diabetes
    model = CosineSGDRegressor(max_iter=5, random_state=0).fit(X, y)
    model.set_params(eta0=1e3)
    before = snapshot(model)
    with pytest.raises(ValueError, match="diverged"):
        model.fit(X, y)
    assert snapshot(model) == before


# --- determinism and resumability -----------------------------------------------


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


@pytest.mark.parametrize("store", ["pickle", "joblib"])
@pytest.mark.parametrize("Estimator", [CosineSGDRegressor, CosineSGDClassifier])
def test_resuming_between_partial_fit_calls_is_bitwise_identical(Estimator, store):
    X, y = load_iris(return_X_y=True)
    if Estimator is CosineSGDRegressor:
        y = X[:, 0] * 2.0 + y
        extra = {}
    else:
        extra = {"classes": [0, 1, 2]}
    X = StandardScaler().fit_transform(X)
    params = dict(max_iter=6, T_max=4, random_state=0, average=True)
    straight = Estimator(**params)
    for _ in range(6):
        straight.partial_fit(X, y, **extra)
    resumed = Estimator(**params)
    for _ in range(6):
        resumed.partial_fit(X, y, **extra)
        buffer = io.BytesIO()
        if store == "pickle":
            pickle.dump(resumed, buffer)
            buffer.seek(0)
            resumed = pickle.load(buffer)
        else:
            joblib.dump(resumed, buffer)
            buffer.seek(0)
            resumed = joblib.load(buffer)
    assert_array_equal(resumed.coef_, straight.coef_)
    assert_array_equal(resumed.intercept_, straight.intercept_)
    assert_array_equal(resumed.learning_rates_, straight.learning_rates_)


# --- hostile inputs of the compiled kernel's era ------------------------------

WEIGHTS = st.lists(
    st.sampled_from([0.0, 1e-6, 1e-3, 1.0, 50.0, 1e3, 1e6]), min_size=40, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(
    WEIGHTS,
    st.sampled_from(CLASSIFICATION_LOSSES),
    st.sampled_from([None, "balanced", {0: 1e-3, 1: 1e3}]),
)
def test_auto_rate_trains_finite_models_under_any_weights(weights, loss, class_weight):
    """eta0='auto' bounds every weighted step: never a false divergence."""
    rng = np.random.RandomState(len(weights))
    X = rng.randn(40, 3)
    y = (X[:, 0] + 0.3 * rng.randn(40) > 0).astype(int)
    weights = np.array(weights)
    if not np.any(weights > 0):
        return
    model = CosineSGDClassifier(
        loss=loss, class_weight=class_weight, max_iter=5, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y, sample_weight=weights)
    assert np.all(np.isfinite(model.decision_function(X)))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=4000), st.booleans())
def test_any_file_at_the_checkpoint_path_is_a_value_error(
    tmp_path_factory, blob, zipped
):
    """Random bytes, or random bytes inside a zip archive: refused, naming the
    file, and left in place."""
    directory = tmp_path_factory.mktemp("planted")
    path = directory / "fit.ckpt"
    if zipped:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("header.npy", blob)
    else:
        path.write_bytes(blob)
    before = path.read_bytes()
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match="fit.ckpt"):
        CosineSGDRegressor(checkpoint_path=path, max_iter=3).fit(X[:50], y[:50])
    assert path.read_bytes() == before


STATE_KEYS = [
    "coef",
    "intercept",
    "wscale",
    "updates",
    "rng",
    "average_coef",
    "average_b",
    "l1_q",
    "l1_u",
    "reference_loss",
]
VALUES = st.sampled_from([np.nan, np.inf, -1.0, 0.0, 1e308, 2.0])


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(STATE_KEYS),
    st.sampled_from(["shape", "dtype", "value", "type", "missing"]),
    VALUES,
)
def test_a_tampered_state_is_a_value_error_or_harmless(diabetes, key, how, value):
    """Whatever a loaded file puts into the fitted state, partial_fit raises
    ValueError or trains a finite model; the kernel never reads a bad array."""
    X, y = diabetes[0][:80], diabetes[1][:80]
    model = CosineSGDRegressor(
        max_iter=4, T_mult=1, penalty="elasticnet", average=True, random_state=0
    ).fit(X, y)
    state = model._state
    original = state[key]
    if how == "shape":
        state[key] = np.zeros(tuple(s + 1 for s in original.shape), original.dtype)
    elif how == "dtype":
        state[key] = original.astype(
            np.float32 if original.dtype != np.float32 else np.int64
        )
    elif how == "value":
        state[key] = (
            np.full_like(original, value, dtype=original.dtype)
            if original.dtype.kind == "f"
            else np.zeros_like(original)
        )
    elif how == "type":
        state[key] = original.tolist()
    else:
        del state[key]
    try:
        model.partial_fit(X, y)
    except ValueError as exc:
        assert str(exc)
    else:
        assert np.all(np.isfinite(model.coef_)) and np.all(
            np.isfinite(model.intercept_)
        )


# --- a loaded model's fitted attributes are checked before use (in a child) -----


def _sparse_coef(part, where, value):
    def tamper(model):
        model.sparsify()
        getattr(model.coef_, part)[where] = value

    return tamper


def _set(name, make):
    return lambda model: setattr(model, name, make(getattr(model, name)))


def _drop_state_key(key):
    return lambda model: model._state.pop(key)


# name -> (the attribute the error names, how a file changed it)
TAMPERED_ATTRIBUTES = {
    "coef_ NaN": ("coef_", _set("coef_", lambda c: np.full_like(c, np.nan))),
    "coef_ strings": ("coef_", _set("coef_", lambda c: c.astype(str))),
    "coef_ objects": ("coef_", _set("coef_", lambda c: c.astype(object))),
    "coef_ a list": ("coef_", _set("coef_", lambda c: c.tolist())),
    "coef_ one feature short": ("coef_", _set("coef_", lambda c: c[..., :-1])),
    "intercept_ NaN": ("intercept_", _set("intercept_", lambda i: i * np.nan)),
    "intercept_ strings": ("intercept_", _set("intercept_", lambda i: i.astype(str))),
    "intercept_ of 7": ("intercept_", _set("intercept_", lambda i: np.zeros(7))),
    "classes_ of 2 for 3 models": ("classes_", _set("classes_", lambda c: c[:2])),
    "classes_ of 5": ("classes_", _set("classes_", lambda c: np.arange(5))),
    "classes_ an int": ("classes_", _set("classes_", lambda c: 3)),
    "n_features_in_ a string": ("n_features_in_", _set("n_features_in_", str)),
    "n_features_in_ 0": ("n_features_in_", _set("n_features_in_", lambda n: 0)),
    "sparse coef_ column index 10**8": ("coef_", _sparse_coef("indices", 0, 10**8)),
    "sparse coef_ indptr beyond nnz": ("coef_", _sparse_coef("indptr", -1, 10**8)),
    "sparse coef_ NaN": ("coef_", _sparse_coef("data", 0, np.nan)),
    "_state without lr_initial": ("_state", _drop_state_key("lr_initial")),
    "_state without epochs": ("_state", _drop_state_key("epochs")),
    "_state without rng": ("_state", _drop_state_key("rng")),
}
MODEL_METHODS = [
    "predict",
    "decision_function",
    "predict_proba",
    "score",
    "densify",
    "sparsify",
    "partial_fit",
]


def report_tampered_attributes(cases):
    """Child side: a classifier (and, where the attribute exists, a
    regressor) tampered with, pickled and loaded, then every method."""
    from .conftest import report_outcome

    warnings.simplefilter("ignore")
    X, y = load_iris(return_X_y=True)
    for case in cases:
        _, tamper = TAMPERED_ATTRIBUTES[case]
        estimators = {"classifier": CosineSGDClassifier(loss="log_loss")}
        if not case.startswith("classes_"):
            estimators["regressor"] = CosineSGDRegressor()
        for kind, estimator in estimators.items():
            model = estimator.set_params(max_iter=3, random_state=0).fit(X, y)
            tamper(model)
            model = pickle.loads(pickle.dumps(model))
            calls = {
                "predict": lambda m=model: m.predict(X),
                "decision_function": lambda m=model: m.decision_function(X),
                "predict_proba": lambda m=model: m.predict_proba(X),
                "score": lambda m=model: m.score(X, y),
                "densify": lambda m=model: m.densify(),
                "sparsify": lambda m=model: m.sparsify(),
                "partial_fit": lambda m=model: m.partial_fit(X, y).coef_,
            }
            for method in MODEL_METHODS:
                if hasattr(model, method):
                    report_outcome(f"{case} | {kind}.{method}", calls[method])


@pytest.fixture(scope="module")
def tampered_attribute_reports():
    """Every tampered model in one child (a bad sparse coef_ crashed 0.2.0)."""
    from .conftest import child_reports

    return child_reports(
        "tests.test_reliability.report_tampered_attributes", TAMPERED_ATTRIBUTES
    )


@pytest.mark.parametrize("case", TAMPERED_ATTRIBUTES)
def test_a_loaded_model_with_tampered_attributes_is_refused(
    tampered_attribute_reports, case
):
    """Every method that uses the attribute raises a ValueError naming it;
    never a crash, an IndexError, a KeyError, a UFuncTypeError or NaN
    predictions. (The training state is used by partial_fit only.)"""
    child, reports = tampered_attribute_reports
    attribute = TAMPERED_ATTRIBUTES[case][0]
    mine = {key: r for key, r in reports.items() if key.startswith(f"{case} |")}
    assert mine, (
        f"the child died (exit code {child.returncode}) before this case:\n"
        f"{child.stderr[-2000:]}"
    )
    for key, report in mine.items():
        if attribute == "_state" and not key.endswith(".partial_fit"):
            assert report["error"] is None and report["finite"], (key, report)
        else:
            assert report["value_error"], (key, report)
            assert attribute in report["message"], (key, report)
    # every method of the classifier (7), and of the regressor (5) but for classes_
    assert len(mine) == (7 if case.startswith("classes_") else 12), sorted(mine)
