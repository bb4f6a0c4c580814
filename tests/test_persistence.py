"""A saved model: pickle and joblib round trips resume bit for bit, saved
models name public types only and skops files load in another process;
whatever a loaded file puts into a model is checked before compiled code reads
it, so a tampered model gets a ValueError, never a crash (those cases run in
the file's child process). (The skops round trip of a DataFrame-fitted model
is in test_dataframes.py.)"""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from sklearn.datasets import load_diabetes, load_iris
from sklearn.preprocessing import StandardScaler

from skcosine import (
    CosineAnnealingLR,
    CosineMLPClassifier,
    CosineMLPRegressor,
    CosineSGDClassifier,
    CosineSGDClassifierCV,
    CosineSGDRegressor,
    CosineSGDRegressorCV,
)

from .conftest import child_report, child_reports

# --- a saved model resumes bit for bit ------------------------------------------

RATE_ZERO = "partial_fit now trains at learning rate 0"
"""The start of the warning of a partial_fit call after the end of the cycle."""


# the cycle of 4 epochs ends before the 6 calls: those after it train at rate 0
@pytest.mark.filterwarnings(f"ignore:{RATE_ZERO}:UserWarning")
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


@pytest.mark.parametrize("store", ["pickle", "joblib"])
@pytest.mark.parametrize("Estimator", [CosineMLPRegressor, CosineMLPClassifier])
def test_an_mlp_resumes_between_partial_fit_calls_bit_for_bit(Estimator, store):
    """The optimizer's moments, its step count and the schedule's position are
    the saved state: a model saved and loaded between every call ends as one
    that was never saved."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    extra = {"classes": [0, 1, 2]} if Estimator is CosineMLPClassifier else {}
    if Estimator is CosineMLPRegressor:
        y = X[:, 0] * 2.0 + y
    params = dict(
        hidden_layer_sizes=(8,),
        learning_rate_init=0.01,
        max_iter=6,
        T_max=2,
        T_mult=2,
        batches_per_epoch=2,
        random_state=0,
    )
    straight = Estimator(**params)
    resumed = Estimator(**params)
    for _ in range(6):
        straight.partial_fit(X, y, **extra)
        resumed.partial_fit(X, y, **extra)
        buffer = io.BytesIO()
        (pickle if store == "pickle" else joblib).dump(resumed, buffer)
        buffer.seek(0)
        resumed = (pickle if store == "pickle" else joblib).load(buffer)
    for name in ("coefs_", "intercepts_"):
        for a, b in zip(getattr(resumed, name), getattr(straight, name)):
            assert_array_equal(a, b)
    assert_array_equal(resumed.learning_rates_, straight.learning_rates_)
    assert resumed.n_epochs_ == straight.n_epochs_ == 3.0


# --- a saved model names public types only ---------------------------------------


def fitted_public_estimators(diabetes, iris):
    """One fitted model of each public estimator (the first on warm restarts)."""
    X, y = diabetes
    Xc, yc = iris
    with warnings.catch_warnings():  # T_max=2, T_mult=2: the budget ends mid-cycle
        warnings.filterwarnings("ignore", "The budget ends mid-cycle", UserWarning)
        regressor = CosineSGDRegressor(max_iter=5, T_max=2, T_mult=2, random_state=0)
        regressor.fit(X, y)
    net = dict(hidden_layer_sizes=(8,), max_iter=4, random_state=0)
    with warnings.catch_warnings():  # T_max=1, T_mult=2: the budget ends mid-cycle
        warnings.filterwarnings("ignore", "The budget ends mid-cycle", UserWarning)
        mlp_classifier = CosineMLPClassifier(T_max=1, T_mult=2, **net).fit(Xc, yc)
    return [
        regressor,
        CosineSGDClassifier(max_iter=5, average=True, random_state=0).fit(Xc, yc),
        CosineSGDRegressorCV(alphas=[1e-4, 1e-3], max_iter=3, cv=3).fit(X, y),
        CosineSGDClassifierCV(alphas=[1e-4], max_iter=3, cv=3).fit(Xc, yc),
        CosineMLPRegressor(**net).fit(X, y),
        mlp_classifier,
    ]


def test_a_pickled_model_names_no_private_skcosine_module(diabetes, iris):
    """A saved model refers to skcosine.<PublicName> only: the modules behind
    it can move, and a loader trusting public types trusts enough."""
    for model in fitted_public_estimators(diabetes, iris):
        blob = pickle.dumps(model)
        assert b"skcosine._" not in blob, type(model).__name__
        assert b"skcosine" in blob


def test_schedule_of_the_fit_is_a_public_schedule(diabetes):
    """What a skops user has to trust: public classes only."""
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=3, random_state=0).fit(X, y)
    assert isinstance(model.schedule_, CosineAnnealingLR)
    modules = {type(value).__module__ for value in vars(model).values()} | {
        type(v).__module__ for v in model._state.values()
    }
    assert not any(
        m.startswith("skcosine._") for m in modules - {"skcosine._schedules"}
    )


SKOPS_FILES = {
    "skops file of a CosineSGDRegressor": CosineSGDRegressor,
    "skops file of a CosineSGDClassifier": CosineSGDClassifier,
    "skops file of a CosineMLPRegressor": CosineMLPRegressor,
    "skops file of a CosineMLPClassifier": CosineMLPClassifier,
}
"""The :func:`fitted_public_estimators` of these classes, saved by
:func:`skops_directory` and loaded in the child."""


@pytest.fixture(scope="module")
def skops_directory(tmp_path_factory, diabetes, iris):
    """A directory holding the :data:`SKOPS_FILES` (empty without skops)."""
    directory = tmp_path_factory.mktemp("skops")
    try:
        import skops.io as sio
    except ImportError:
        return directory
    for model in fitted_public_estimators(diabetes, iris):
        if type(model) in SKOPS_FILES.values():
            sio.dump(model, directory / f"{type(model).__name__}.skops")
    return directory


def load_skops_file(path):
    """Child side: load ``path`` trusting the types skops lists as untrusted;
    the class of what it loaded, as ``"module name"``, once it predicted
    (finite numbers) and, for a network, trained one more ``partial_fit``."""
    import skops.io as sio

    model = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    if hasattr(model, "coefs_"):
        X, y = load_iris(return_X_y=True) if hasattr(model, "classes_") else (None, 0)
        if X is None:
            X, y = load_diabetes(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        assert np.all(np.isfinite(model.predict(X)))
        model.partial_fit(X, y)
    return f"{type(model).__module__} {type(model).__name__}"


@pytest.mark.parametrize("case", SKOPS_FILES)
def test_a_skops_file_loads_in_another_process_trusting_public_types(
    skops_directory, child_outcomes, case
):
    """A skops file lists public skcosine types only, and another process (the
    file's child) loads it trusting exactly those."""
    sio = pytest.importorskip("skops.io")
    name = SKOPS_FILES[case].__name__
    untrusted = sio.get_untrusted_types(file=skops_directory / f"{name}.skops")
    assert all(not name.startswith("skcosine._") for name in untrusted)
    assert f"skcosine.{name}" in untrusted
    report = child_report(child_outcomes, case)
    assert report["error"] is None, report
    assert report["value"].split() == ["skcosine", name]


# --- a tampered model gets a ValueError, never a crash (in the child) --------------

TAMPERING = [
    "state['coef'] = np.zeros((2, 1))",
    "state['coef'] = np.zeros((10, 1), dtype=np.int64)",
    "state['wscale'] = np.zeros(1)",
    "state['updates'] = np.zeros(1)",
    "state['rng'] = np.zeros(4, dtype=np.uint64)",
    "state['intercept'] = np.zeros(7)",
    "del state['coef']",
    "model._state = [1, 2, 3]",
    "model.n_features_in_ = 10**9",
]
"""Statements changing a fitted model's state (``state``) or the ``model``
itself, before it is saved with skops."""


def tampered_skops_model(case):
    """Child side: fit, apply the ``case`` of :data:`TAMPERING`, save with
    skops, load trusting what skops lists, and call partial_fit."""
    import skops.io as sio

    X, y = load_diabetes(return_X_y=True)
    model = CosineSGDRegressor(max_iter=3, random_state=0).fit(X, y)
    namespace = {"np": np, "model": model, "state": model._state}
    exec(case, namespace)
    blob = sio.dumps(model)
    loaded = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    loaded.partial_fit(X, y)


@pytest.mark.parametrize("case", range(len(TAMPERING)), ids=TAMPERING)
def test_a_tampered_skops_model_gets_a_value_error_not_a_crash(child_outcomes, case):
    """The fitted state is checked before compiled code reads it."""
    pytest.importorskip("skops.io")
    report = child_report(child_outcomes, TAMPERING[case])
    assert report["value_error"] and "invalid" in report["message"], report


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


# a reference loss of 1e308 times the divergence factor overflows in numpy
@pytest.mark.filterwarnings("ignore:overflow encountered in multiply:RuntimeWarning")
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


# --- a loaded model's fitted attributes are checked before use (in the child) -----


def _sparse_coef(part, where, value):
    def tamper(model):
        model.sparsify()
        getattr(model.coef_, part)[where] = value

    return tamper


def _set(name, make):
    return lambda model: setattr(model, name, make(getattr(model, name)))


def _drop_state_key(key):
    return lambda model: model._state.pop(key)


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


def tampered_attribute_calls():
    """Child side: a classifier (and, where the attribute exists, a
    regressor) tampered with, pickled and loaded, then every method."""
    X, y = load_iris(return_X_y=True)
    calls = {}
    for case in TAMPERED_ATTRIBUTES:
        _, tamper = TAMPERED_ATTRIBUTES[case]
        estimators = {"classifier": CosineSGDClassifier(loss="log_loss")}
        if not case.startswith("classes_"):
            estimators["regressor"] = CosineSGDRegressor()
        for kind, estimator in estimators.items():
            model = estimator.set_params(max_iter=3, random_state=0).fit(X, y)
            tamper(model)
            model = pickle.loads(pickle.dumps(model))
            methods = {
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
                    calls[f"{case} | {kind}.{method}"] = methods[method]
    return calls


@pytest.mark.parametrize("case", TAMPERED_ATTRIBUTES)
def test_a_loaded_model_with_tampered_attributes_is_refused(child_outcomes, case):
    """Every method that uses the attribute raises a ValueError naming it;
    never a crash, an IndexError, a KeyError, a UFuncTypeError or NaN
    predictions. (The training state is used by partial_fit only.)"""
    child, reports = child_outcomes
    attribute = TAMPERED_ATTRIBUTES[case][0]
    mine = {key: r for key, r in reports.items() if key.startswith(f"{case} |")}
    assert mine, (
        f"the child died (exit code {child.returncode}) before {case!r}:\n"
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


def _set_item(name, index, make):
    def tamper(model):
        values = getattr(model, name)
        values[index] = make(values[index])

    return tamper


TAMPERED_MLP_ATTRIBUTES = {
    "coefs_ NaN": ("coefs_", _set_item("coefs_", 0, lambda c: c * np.nan)),
    "coefs_ one unit short": ("coefs_", _set_item("coefs_", 0, lambda c: c[:, :-1])),
    "coefs_ one feature short": ("coefs_", _set_item("coefs_", 0, lambda c: c[:-1])),
    "coefs_ strings": ("coefs_", _set_item("coefs_", 1, lambda c: c.astype(str))),
    "coefs_ a tuple": ("coefs_", _set("coefs_", tuple)),
    "coefs_ empty": ("coefs_", _set("coefs_", lambda c: [])),
    "intercepts_ of 7": (
        "intercepts_",
        _set_item("intercepts_", 0, lambda b: np.zeros(7)),
    ),
    "intercepts_ inf": (
        "intercepts_",
        _set_item("intercepts_", 1, lambda b: b + np.inf),
    ),
    "intercepts_ float32": (
        "intercepts_",
        _set_item("intercepts_", 1, lambda b: b.astype(np.float32)),
    ),
    "n_features_in_ 3": ("n_features_in_", _set("n_features_in_", lambda n: 3)),
    "n_layers_ 7": ("n_layers_", _set("n_layers_", lambda n: 7)),
    "n_outputs_ 7": ("n_outputs_", _set("n_outputs_", lambda n: 7)),
    "out_activation_ unknown": ("out_activation_", _set("out_activation_", str.upper)),
    "out_activation_ None": (
        "out_activation_",
        _set("out_activation_", lambda a: None),
    ),
    "_optimizer_state moments NaN": (
        "optimizer state",
        lambda m: m._optimizer_state["moments"][0].fill(np.nan),
    ),
    "_optimizer_state moments short": (
        "optimizer state",
        lambda m: m._optimizer_state["moments"].pop(),
    ),
    "_optimizer_state t negative": (
        "optimizer state",
        lambda m: m._optimizer_state.update(t=-1),
    ),
    "_optimizer_state a list": ("optimizer state", _set("_optimizer_state", list)),
    "schedule_ a string": ("schedule_", _set("schedule_", str)),
    "n_epochs_ NaN": ("n_epochs_", _set("n_epochs_", lambda n: np.nan)),
    "n_epochs_ a string": ("n_epochs_", _set("n_epochs_", str)),
    "t_ negative": ("t_", _set("t_", lambda t: -5)),
    "loss_curve_ an int": ("loss_curve_", _set("loss_curve_", len)),
    "learning_rates_ a list": ("learning_rates_", _set("learning_rates_", list)),
    "_max_iter a string": ("_max_iter", _set("_max_iter", str)),
}
"""A fitted MLP's attributes as a tampered file could bring them: the
network's (read by every method) and the training state (read by
``partial_fit`` only; the optimizer state's message says "optimizer state")."""

MLP_METHODS = ["predict", "predict_proba", "score", "partial_fit"]
TRAINING_STATE = (
    "optimizer state",
    "schedule_",
    "n_epochs_",
    "t_",
    "loss_curve_",
    "learning_rates_",
    "_max_iter",
)


def tampered_mlp_calls():
    """Child side: an MLP classifier and regressor tampered with, pickled and
    loaded, then every method."""
    X, y = load_iris(return_X_y=True)
    calls = {}
    for case, (_, tamper) in TAMPERED_MLP_ATTRIBUTES.items():
        for Estimator in (CosineMLPClassifier, CosineMLPRegressor):
            model = Estimator(hidden_layer_sizes=(5, 4), max_iter=2, random_state=0)
            model.fit(X, y)
            tamper(model)
            model = pickle.loads(pickle.dumps(model))
            methods = {
                "predict": lambda m=model: m.predict(X),
                "predict_proba": lambda m=model: m.predict_proba(X),
                "score": lambda m=model: m.score(X, y),
                "partial_fit": lambda m=model: m.partial_fit(X, y).coefs_[0],
            }
            for method in MLP_METHODS:
                if hasattr(model, method):
                    calls[f"{case} | {Estimator.__name__}.{method}"] = methods[method]
    return calls


@pytest.mark.parametrize("case", TAMPERED_MLP_ATTRIBUTES)
def test_a_loaded_mlp_with_tampered_attributes_is_refused(child_outcomes, case):
    """Every method that uses the attribute raises a ValueError naming it;
    never a crash, a KeyError, an IndexError, an AttributeError or NaN
    predictions. (The training state is used by partial_fit only.)"""
    child, reports = child_outcomes
    attribute = TAMPERED_MLP_ATTRIBUTES[case][0]
    mine = {key: r for key, r in reports.items() if key.startswith(f"{case} |")}
    assert mine, (
        f"the child died (exit code {child.returncode}) before {case!r}:\n"
        f"{child.stderr[-2000:]}"
    )
    for key, report in mine.items():
        if attribute in TRAINING_STATE and not key.endswith(".partial_fit"):
            assert report["error"] is None and report["finite"], (key, report)
        else:
            assert report["value_error"], (key, report)
            assert attribute in report["message"], (key, report)
    # predict, predict_proba, score, partial_fit; the regressor has no
    # predict_proba
    assert len(mine) == 7, sorted(mine)


# --- the file's child process -----------------------------------------------------


def child_cases(skops_directory):
    """Child side: every case of this file that could crash the process
    running it (a bad sparse ``coef_`` crashed 0.2.0), by name."""
    warnings.simplefilter("ignore")
    cases = {
        case: lambda path=f"{skops_directory}/{Estimator.__name__}.skops": (
            load_skops_file(path)
        )
        for case, Estimator in SKOPS_FILES.items()
    }
    for case in TAMPERING:
        cases[case] = lambda case=case: tampered_skops_model(case)
    return {**cases, **tampered_attribute_calls(), **tampered_mlp_calls()}


@pytest.fixture(scope="module")
def child_outcomes(skops_directory):
    """Every case of :func:`child_cases`, in one child."""
    return child_reports("tests.test_persistence.child_cases", skops_directory)
