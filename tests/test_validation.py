"""Bad input, in one place: every mistake a user (or an attacker) can make
with the data or the parameters gets a ``ValueError`` naming it, at ``fit``,
and leaves the estimator as it was."""

from fractions import Fraction
from numbers import Integral

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from sklearn.datasets import load_diabetes
from sklearn.utils._param_validation import Interval

from skcosine import (
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CosineSGDClassifier,
    CosineSGDClassifierCV,
    CosineSGDRegressor,
    CosineSGDRegressorCV,
)
from skcosine._settings import REAL_PARAMETERS

FINITE = st.floats(-1e6, 1e6, allow_nan=False, width=64)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"T_max": 0}, "'T_max' parameter of CosineSGDRegressor"),
        ({"T_max": 2.5}, "Got 2.5"),
        ({"lr_min": -0.1}, "'lr_min' parameter"),
        ({"lr_min": np.nan}, "Got nan"),
        ({"lr_min": 0.5, "eta0": 0.01}, r"lr_min=0.5 must be <= eta0=0.01"),
        ({"T_mult": 0}, "'T_mult' parameter"),
        ({"T_mult": 1.5}, "Got 1.5"),
        ({"warmup_epochs": -1}, "'warmup_epochs' parameter"),
        ({"warmup_epochs": 10, "max_iter": 10}, "warmup_epochs=10 .* max_iter=10"),
        ({"eta0": 0.0}, "'eta0' parameter"),
        ({"penalty": "elasticnet", "l1_ratio": None}, "l1_ratio must be set"),
    ],
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_invalid_parameters_raise_at_fit_naming_them(params, message, method):
    X, y = np.random.RandomState(0).randn(20, 3), np.arange(20.0)
    model = CosineSGDRegressor(**params)  # __init__ never validates
    before = model.get_params()
    with pytest.raises(ValueError, match=message):
        getattr(model, method)(X, y)
    assert all(model.get_params()[k] is v for k, v in before.items())
    assert not hasattr(model, "coef_")


def test_partial_fit_refuses_what_the_parent_refuses(iris):
    X, y = iris
    with pytest.raises(ValueError, match="early_stopping should be False"):
        CosineSGDRegressor(early_stopping=True).partial_fit(X, y)
    with pytest.raises(ValueError, match="class_weight='balanced'"):
        CosineSGDClassifier(class_weight="balanced").partial_fit(
            X, y, classes=[0, 1, 2]
        )
    with pytest.raises(ValueError, match="classes must be passed"):
        CosineSGDClassifier().partial_fit(X, y)
    model = CosineSGDClassifier().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="not the same as on the first call"):
        model.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="not in classes"):
        model.partial_fit(X, y + 1)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda X, y: (np.where(X > 1, np.nan, X), y), "NaN"),
        (lambda X, y: (np.where(X > 1, np.inf, X), y), "infinity"),
        (lambda X, y: (X, np.where(y > 200, np.nan, y)), "NaN"),
        (lambda X, y: (X[:0], y[:0]), "0 sample"),
        (lambda X, y: (X, y[:-1]), "inconsistent numbers of samples"),
        (lambda X, y: (X[:, :0], y), "0 feature"),
    ],
)
@pytest.mark.parametrize("Estimator", [CosineSGDRegressor, CosineSGDClassifier])
def test_bad_data_raises_value_error(Estimator, change, message, diabetes):
    X, y = change(*diabetes)
    if Estimator is CosineSGDClassifier:
        y = np.where(np.isfinite(y), y > 150, y)
    with pytest.raises(ValueError, match=message):
        Estimator().fit(X, y)


@pytest.mark.parametrize(
    "sample_weight, message",
    [
        ("negative", "negative"),
        ("zeros", "at least one non-zero"),
        ("short", "sample_weight.shape"),
        ("nan", "NaN"),
    ],
)
def test_bad_sample_weight_raises_value_error(sample_weight, message, diabetes):
    X, y = diabetes
    n = len(y)
    weights = {
        "negative": -np.ones(n),
        "zeros": np.zeros(n),
        "short": np.ones(n - 1),
        "nan": np.r_[np.nan, np.ones(n - 1)],
    }[sample_weight]
    with pytest.raises(ValueError, match=message):
        CosineSGDRegressor().fit(X, y, sample_weight=weights)


@pytest.mark.parametrize(
    "coef_init, intercept_init, message",
    [
        (np.ones(3), None, r"coef_init has shape \(3,\), expected \(10,\)"),
        (None, np.ones(2), r"intercept_init has shape \(2,\), expected \(1,\)"),
        (np.full(10, np.nan), None, "coef_init"),
    ],
)
def test_bad_initial_coefficients(coef_init, intercept_init, message, diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match=message):
        CosineSGDRegressor().fit(
            X, y, coef_init=coef_init, intercept_init=intercept_init
        )


def test_multiclass_coef_init_shape_is_checked(iris):
    X, y = iris
    with pytest.raises(ValueError, match=r"expected \(3, 4\)"):
        CosineSGDClassifier().fit(X, y, coef_init=np.zeros(4))


def test_single_class_is_refused(iris):
    X, y = iris
    with pytest.raises(ValueError, match="greater than one"):
        CosineSGDClassifier().fit(X, np.zeros_like(y))


@pytest.mark.filterwarnings("ignore:R\\^2 score is not well-defined")
@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.lists(FINITE, min_size=3, max_size=3), min_size=1, max_size=6),
    st.sampled_from(["predict", "score"]),
)
def test_predict_and_score_raise_only_value_errors(rows, method):
    X, y = load_diabetes(return_X_y=True)
    model = CosineSGDRegressor(max_iter=2).fit(X[:, :3], y)
    queries = [np.array(rows), np.array(rows)[:, :2], [["a"] * 3], [[object()] * 3]]
    for query in queries:
        try:
            if method == "predict":
                assert np.all(np.isfinite(model.predict(query)))
            else:
                model.score(query, np.zeros(len(query)))
        except ValueError as exc:
            assert str(exc)


@st.composite
def compressed_arrays(draw):
    """CSR arrays, often malformed: indices or offsets anywhere."""
    n_rows = draw(st.integers(1, 6))
    nnz = draw(st.integers(0, 12))
    indices = draw(st.lists(st.integers(-3, 12), min_size=nnz, max_size=nnz))
    indptr = sorted(
        draw(st.lists(st.integers(0, nnz), min_size=n_rows - 1, max_size=n_rows - 1))
    )
    indptr = [0, *indptr, nnz]
    if draw(st.booleans()):  # break the offsets too, sometimes
        position = draw(st.integers(0, n_rows))
        indptr[position] = draw(st.integers(-2, nnz + 3))
    return n_rows, np.ones(nnz), np.array(indices, np.int32), np.array(indptr, np.int32)


@settings(max_examples=200, deadline=None)
@given(compressed_arrays(), st.sampled_from(["csr", "csc"]))
def test_malformed_sparse_matrices_are_value_errors(arrays, layout):
    """Fit and predict either work or raise ValueError; nothing else, never a
    write out of bounds (which would crash this process)."""
    n_rows, data, indices, indptr = arrays
    n_columns = 8
    shape = (n_rows, n_columns) if layout == "csr" else (n_columns, n_rows)
    Matrix = sp.csr_matrix if layout == "csr" else sp.csc_matrix
    try:
        X = Matrix((data, indices, indptr), shape=shape)
    except ValueError:
        return  # scipy refused it itself
    y = np.arange(X.shape[0], dtype=float)
    good = CosineSGDRegressor(max_iter=1).fit(np.ones((4, X.shape[1])), np.arange(4.0))
    for call in (
        lambda: CosineSGDRegressor(max_iter=2).fit(X, y),
        lambda: good.predict(X),
    ):
        try:
            call()
        except ValueError as exc:
            assert str(exc)


# --- real-valued parameters: any numbers.Real with a finite float value ------

ESTIMATORS = [
    CosineSGDRegressor,
    CosineSGDClassifier,
    CosineSGDRegressorCV,
    CosineSGDClassifierCV,
]
SCHEDULES = {
    CosineAnnealingLR: {"lr_initial": 0.1, "T_max": 5},
    CosineAnnealingWarmRestarts: {"lr_initial": 0.1, "T_0": 5, "T_mult": 2},
}
REAL_GRIDS = ("alphas", "eta0s", "lr_mins")
"""The searched lists of real values of the CV estimators."""


def real_parameters(cls):
    """The parameters ``cls`` constrains to an interval of reals."""
    return sorted(
        name
        for name, rules in cls._parameter_constraints.items()
        if any(isinstance(r, Interval) and r.type is not Integral for r in rules)
    )


def small_data(cls):
    X = np.random.RandomState(0).randn(30, 3)
    y = np.arange(30) % 2 if "Classifier" in cls.__name__ else X[:, 0]
    return X, y


def test_every_real_parameter_is_known_and_used_as_a_float():
    for cls in (CosineSGDRegressor, CosineSGDClassifier):
        assert set(real_parameters(cls)) == set(REAL_PARAMETERS)
    for cls in SCHEDULES:
        assert real_parameters(cls) == ["lr_initial", "lr_min"]


@pytest.mark.parametrize(
    "cls, name",
    [(cls, name) for cls in ESTIMATORS for name in real_parameters(cls)]
    + [(cls, name) for cls in ESTIMATORS[2:] for name in REAL_GRIDS]
    + [(cls, name) for cls in SCHEDULES for name in real_parameters(cls)],
)
@pytest.mark.parametrize("value", [10**400, -(10**400)], ids=["1e400", "-1e400"])
def test_an_int_beyond_the_float_range_is_a_value_error_naming_it(cls, name, value):
    """``10**400`` has no float: an ``InvalidParameterError`` naming the
    parameter (or the grid entry), never ``OverflowError``."""
    if cls in SCHEDULES:
        schedule = cls(**{**SCHEDULES[cls], name: value})
        with pytest.raises(ValueError, match=f"'{name}' parameter"):
            schedule(1.0)
        return
    grid = name in REAL_GRIDS
    model = cls(**{name: [value] if grid else value})
    label = rf"'{name}\[0\]'" if grid else f"'{name}'"
    with pytest.raises(ValueError, match=f"{label} parameter of {cls.__name__}"):
        model.fit(*small_data(cls))
    assert not hasattr(model, "coef_")
    if not grid and cls in ESTIMATORS[:2]:
        with pytest.raises(ValueError, match=f"'{name}' parameter"):
            cls(**{name: value}).partial_fit(
                *small_data(cls),
                **({"classes": [0, 1]} if "Classifier" in cls.__name__ else {}),
            )


REAL_VALUES = {
    "alpha": ({"alpha": 1e-3}, {}),
    "l1_ratio": ({"l1_ratio": 0.3}, {"penalty": "elasticnet"}),
    "tol": ({"tol": 1e-3}, {}),
    "epsilon": ({"epsilon": 0.3}, {}),
    "eta0": ({"eta0": 0.01}, {}),
    "lr_min": ({"lr_min": 1e-3}, {"eta0": 0.01}),
    "validation_fraction": (
        {"validation_fraction": 0.3},
        {"early_stopping": True, "tol": 1e-3},
    ),
}


@pytest.mark.parametrize("cls", [CosineSGDRegressor, CosineSGDClassifier])
@pytest.mark.parametrize("name", REAL_PARAMETERS)
def test_a_fraction_is_used_as_the_float_of_the_same_value(cls, name):
    """``numbers.Real`` is what the parameters take (scikit-learn's own check
    raises ``TypeError`` for ``Fraction``): ``Fraction(x)`` fits bit for bit
    as ``x``."""
    values, others = REAL_VALUES[name]
    loss = {"loss": "huber"} if name == "epsilon" and cls is CosineSGDRegressor else {}
    X, y = small_data(cls)
    exact = {key: Fraction(value) for key, value in values.items()}
    model = cls(max_iter=5, random_state=0, **others, **loss, **exact).fit(X, y)
    reference = cls(max_iter=5, random_state=0, **others, **loss, **values).fit(X, y)
    assert model.get_params()[name] == Fraction(values[name])  # kept as given
    assert_array_equal(model.coef_, reference.coef_)
    assert_array_equal(model.intercept_, reference.intercept_)
    again = cls(max_iter=5, random_state=0, **others, **loss, **exact)
    kwargs = {"classes": [0, 1]} if cls is CosineSGDClassifier else {}
    if name not in ("validation_fraction",):  # partial_fit refuses early stopping
        again.partial_fit(X, y, **kwargs).partial_fit(X, y, **kwargs)


def test_fractions_in_grids_and_schedules():
    X, y = small_data(CosineSGDRegressor)
    grids = {"eta0s": [0.01, 0.02], "lr_mins": [0.0, 1e-3], "alphas": [1e-4, 1e-2]}
    exact = {name: [Fraction(v) for v in values] for name, values in grids.items()}
    model = CosineSGDRegressorCV(cv=3, max_iter=5, random_state=0, **exact).fit(X, y)
    reference = CosineSGDRegressorCV(cv=3, max_iter=5, random_state=0, **grids)
    reference.fit(X, y)
    assert_array_equal(
        model.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"]
    )
    assert_array_equal(model.coef_, reference.coef_)
    for cls, params in SCHEDULES.items():
        rates = {"lr_initial": Fraction(1, 10), "lr_min": Fraction(1, 1000)}
        floats = {name: float(value) for name, value in rates.items()}
        epochs = np.linspace(0, 20, 41)
        assert_array_equal(
            cls(**{**params, **rates})(epochs), cls(**{**params, **floats})(epochs)
        )
        assert cls(**{**params, **rates})(3.0) == cls(**{**params, **floats})(3.0)


# --- labels that cannot be classes -------------------------------------------

BAD_LABELS = {
    "int and str": ([1, "a"], "y mixes kinds of labels .*int \\(1\\), str \\('a'\\)"),
    "None": ([None, 1], "y holds None"),
    "only None": ([None, None], "y holds None"),
    "bytes": ([b"a", b"b"], r"y holds bytes \(b'a'\)"),
    "bytes and str": ([b"a", "b"], "y holds bytes"),
    "tuple and int": ([(1, 2), 3], "y mixes kinds of labels .*tuple"),
}


def labels(values, n=30):
    y = np.empty(n, dtype=object)
    y[:] = [values[i % len(values)] for i in range(n)]
    return y


@pytest.mark.parametrize("case", BAD_LABELS, ids=list(BAD_LABELS))
def test_labels_that_cannot_be_classes_are_value_errors_naming_them(case):
    """numpy and scikit-learn raise a bare ``TypeError`` for these."""
    values, message = BAD_LABELS[case]
    X = np.random.RandomState(0).randn(30, 3)
    y = labels(values)
    model = CosineSGDClassifier(max_iter=2)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    assert not hasattr(model, "classes_")
    with pytest.raises(ValueError, match=message.replace("y ", "classes ", 1)):
        model.partial_fit(X, np.arange(30) % 2, classes=labels(values, 2))
    assert not hasattr(model, "classes_")
    with pytest.raises(ValueError, match=message):
        CosineSGDClassifierCV(cv=2, max_iter=2).fit(X, y)
    fitted = CosineSGDClassifier(max_iter=2).partial_fit(
        X, np.arange(30) % 2, classes=[0, 1]
    )
    coef = fitted.coef_.copy()
    with pytest.raises(ValueError, match=f"{message}|y contains labels .* not in"):
        fitted.partial_fit(X, y)
    changed = message.replace("y ", "classes ", 1) + "|not the same as on the first"
    with pytest.raises(ValueError, match=changed):
        fitted.partial_fit(X, np.arange(30) % 2, classes=labels(values, 2))
    assert_array_equal(fitted.coef_, coef)


# --- float32 X with targets or weights float32 cannot hold --------------------

FLOAT32_CASES = {
    "y": (CosineSGDRegressor, {}, {"y": 1e39}),
    "class_weight": (CosineSGDClassifier, {"class_weight": {0: 1e39, 1: 1}}, {}),
    "class_weight times sample_weight": (
        CosineSGDClassifier,
        {"class_weight": {0: 1e20, 1: 1}},
        {"sample_weight": 1e20},
    ),
    "sample_weight": (CosineSGDRegressor, {}, {"sample_weight": 1e39}),
}


@pytest.mark.parametrize("case", FLOAT32_CASES, ids=list(FLOAT32_CASES))
def test_float32_x_with_values_beyond_float32_names_them(case):
    """float64 X trains; float32 X said "SGD diverged ... scale the features"
    (or "sample_weight contains infinity"): the message names the value that
    float32 cannot hold, for fit, partial_fit and the CV estimator."""
    Estimator, params, scale = FLOAT32_CASES[case]
    X = np.random.RandomState(0).randn(40, 3)
    y = X[:, 0] * scale.get("y", 1.0)
    if Estimator is CosineSGDClassifier:
        y = (X[:, 0] > 0).astype(int)
    weights = np.full(40, scale.get("sample_weight", 1.0))
    model = Estimator(max_iter=3, **params).fit(X, y, sample_weight=weights)
    assert np.all(np.isfinite(model.coef_))  # float64 trains
    message = f"{case} has values up to .* beyond float32's range"
    X32 = X.astype(np.float32)
    with pytest.raises(ValueError, match=message):
        Estimator(max_iter=3, **params).fit(X32, y, sample_weight=weights)
    if "class_weight" not in params:
        with pytest.raises(ValueError, match=message):
            Estimator(**params).partial_fit(X32, y, sample_weight=weights)
        started = Estimator(**params).partial_fit(X32, X32[:, 0])
        with pytest.raises(ValueError, match=message):
            started.partial_fit(X, y, sample_weight=weights)  # cast to float32
    search = CosineSGDClassifierCV if Estimator is CosineSGDClassifier else None
    search = search or CosineSGDRegressorCV
    with pytest.raises(ValueError, match=message):
        search(cv=2, max_iter=3, **params).fit(X32, y, sample_weight=weights)
