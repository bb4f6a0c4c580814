"""The native epoch and the public ``partial_fit`` path agree bit for bit."""

import importlib

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_array_equal
from sklearn.datasets import load_diabetes, load_wine
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDClassifier, CosineSGDRegressor
from skcosine import _sklearn_compat as compat
from skcosine._engine import StoppingRule

pytestmark = pytest.mark.skipif(
    not compat.NATIVE, reason="the native engine is off for this scikit-learn"
)


def standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def sparsified(X):
    return sp.csr_matrix(np.where(np.abs(X) < 0.6, 0.0, X))


def fit_both(monkeypatch, make_model, X, y, **fit_params):
    """Fit a fresh model natively, then through the public path."""
    results = []
    for native in (True, False):
        monkeypatch.setattr(compat, "NATIVE", native)
        results.append(make_model().fit(X, y, **fit_params))
    return results


def assert_same_model(a, b):
    assert_array_equal(a.coef_, b.coef_)
    assert_array_equal(a.intercept_, b.intercept_)
    assert a.t_ == b.t_
    assert_array_equal(a.learning_rates_, b.learning_rates_)


REGRESSION_CASES = {
    "dense": ({}, {}),
    "weighted": ({}, {"sample_weight": "weights"}),
    "averaged": ({"average": True}, {}),
    "averaged-late": ({"average": 500, "penalty": "elasticnet"}, {}),
    "coef-init": ({"loss": "huber"}, {"coef_init": "coef", "intercept_init": 2.0}),
    "restarts-warmup": ({"T_max": 4, "T_mult": 2, "warmup_epochs": 3}, {}),
}


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("case", REGRESSION_CASES)
def test_regressor_paths_agree(monkeypatch, case, sparse):
    X, y = standardized(load_diabetes)
    X = sparsified(X) if sparse else X
    params, fit_params = REGRESSION_CASES[case]
    values = {
        "weights": np.random.RandomState(0).uniform(0, 2, len(y)),
        "coef": np.ones(X.shape[1]),
        2.0: 2.0,
    }
    fit_params = {key: values[name] for key, name in fit_params.items()}
    native, public = fit_both(
        monkeypatch,
        lambda: CosineSGDRegressor(max_iter=12, random_state=7, **params),
        X,
        y,
        **fit_params,
    )
    assert_same_model(native, public)


CLASSIFICATION_CASES = {
    "multiclass": {},
    "multiclass-log-loss": {"loss": "log_loss"},
    "balanced": {"class_weight": "balanced", "loss": "modified_huber"},
    "weights-dict": {"class_weight": {0: 2.0, 1: 0.5, 2: 1.0}},
    "float32": {"alpha": 0.01},
}


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("case", CLASSIFICATION_CASES)
def test_classifier_paths_agree(monkeypatch, case, sparse):
    X, y = standardized(load_wine)
    X = X.astype(np.float32) if case == "float32" else X
    X = sparsified(X) if sparse else X
    weights = np.random.RandomState(1).uniform(0.5, 2, len(y))
    native, public = fit_both(
        monkeypatch,
        lambda: CosineSGDClassifier(
            max_iter=10, random_state=3, **CLASSIFICATION_CASES[case]
        ),
        X,
        y,
        sample_weight=weights,
    )
    assert_same_model(native, public)


def test_binary_paths_agree_through_partial_fit(monkeypatch):
    X, y = standardized(load_wine)
    X, y = X[y < 2], y[y < 2]
    models = []
    for native in (True, False):
        monkeypatch.setattr(compat, "NATIVE", native)
        model = CosineSGDClassifier(max_iter=6, random_state=0)
        for _ in range(4):
            model.partial_fit(X, y, classes=[0, 1])
        models.append(model)
    assert_same_model(*models)


def test_paths_can_take_turns_on_one_model(monkeypatch):
    """A model pickled on one path continues identically on the other."""
    X, y = standardized(load_diabetes)
    reference = CosineSGDRegressor(max_iter=8, average=True, random_state=0).fit(X, y)
    model = CosineSGDRegressor(max_iter=8, average=True, random_state=0)
    for epoch in range(8):
        monkeypatch.setattr(compat, "NATIVE", epoch % 2 == 0)
        model.partial_fit(X, y)
    assert_same_model(model, reference)


def test_public_epoch_is_sklearn_partial_fit():
    """Epoch e of a problem is SGDRegressor.partial_fit with eta0=schedule(e)
    and the problem's generator as random_state."""
    X, y = standardized(load_diabetes)
    model = CosineSGDRegressor(max_iter=5, random_state=11).fit(X, y)
    reference = SGDRegressor(
        learning_rate="constant", random_state=np.random.RandomState([11, 0])
    )
    for lr in model.learning_rates_:
        reference.set_params(eta0=lr).partial_fit(X, y)
    assert_array_equal(model.coef_, reference.coef_)


def test_public_path_refuses_averaged_classification(monkeypatch):
    X, y = standardized(load_wine)
    monkeypatch.setattr(compat, "NATIVE", False)
    with pytest.raises(ValueError, match="average=True needs skcosine's native"):
        CosineSGDClassifier(average=True).fit(X, y)


def test_sklearn_partial_fit_loses_the_averaged_intercept():
    """Why the public path refuses average=True for classifiers (see above)."""
    X, y = standardized(load_wine)
    X, y = X[y < 2], y[y < 2]
    model = SGDClassifier(average=True, learning_rate="constant", eta0=0.1)
    for _ in range(3):
        model.partial_fit(X, y, classes=[0, 1])
    assert_array_equal(model._standard_intercept, 0.0)


@pytest.mark.parametrize("version", ["1.7.2", "1.10.0", "2.0.0", "nightly"])
def test_version_guard_fails_closed_to_the_public_path(monkeypatch, version):
    monkeypatch.setattr(sklearn, "__version__", version)
    try:
        reloaded = importlib.reload(compat)
        assert reloaded.NATIVE is False
    finally:
        monkeypatch.undo()
        importlib.reload(compat)
    assert compat.NATIVE is True


def test_environment_variable_selects_the_public_path(monkeypatch):
    monkeypatch.setenv("SKCOSINE_ENGINE", "public")
    try:
        assert importlib.reload(compat).NATIVE is False
    finally:
        monkeypatch.delenv("SKCOSINE_ENGINE")
        importlib.reload(compat)


@pytest.mark.parametrize(
    "values, greater, stop_at",
    [
        ([1.0, 0.9, 0.8, 0.8, 0.8], False, 5),  # lower is better, stalls
        ([1.0, 0.9, 0.8, 0.7, 0.6], False, None),
        ([0.1, 0.2, 0.2, 0.2, 0.9], True, 4),  # higher is better, stalls
        ([0.5, 0.5005, 0.501, 0.5015, 0.502], True, 3),  # improves < tol
    ],
)
def test_stopping_rule_is_sklearns(values, greater, stop_at):
    rule = StoppingRule(tol=1e-2, n_iter_no_change=2, greater_is_better=greater)
    stops = [rule.update(v) for v in values]
    first = stops.index(True) + 1 if True in stops else None
    assert first == stop_at


@pytest.mark.parametrize("Estimator", [CosineSGDRegressor, CosineSGDClassifier])
def test_native_fit_validates_the_data_once(monkeypatch, Estimator):
    """The native engine validates X and y once per fit, never per epoch, and
    never goes through the workers' public (validating) methods."""
    from skcosine import _base

    X, y = standardized(load_wine)
    calls = []
    original = _base.validate_data

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("a worker validated data")

    monkeypatch.setattr(_base, "validate_data", counting)
    for Worker in (SGDRegressor, SGDClassifier):
        monkeypatch.setattr(Worker, "partial_fit", forbidden)
        monkeypatch.setattr(Worker, "fit", forbidden)
    Estimator(max_iter=30, random_state=0).fit(X, y)
    assert len(calls) == 1


def test_public_path_reports_bad_input_like_the_native_path(monkeypatch):
    X, y = standardized(load_diabetes)
    X = X.copy()
    X[3, 2] = np.nan
    messages = []
    for native in (True, False):
        monkeypatch.setattr(compat, "NATIVE", native)
        with pytest.raises(ValueError) as info:
            CosineSGDRegressor().fit(X, y)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "NaN" in messages[0]
