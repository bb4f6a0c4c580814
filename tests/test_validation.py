"""Bad input, in one place: every mistake a user (or an attacker) can make
with the data or the parameters gets a ``ValueError`` naming it, at ``fit``,
and leaves the estimator as it was."""

import warnings
from fractions import Fraction
from numbers import Integral

import numpy as np
import pandas as pd
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
    CosineMLPClassifier,
    CosineMLPRegressor,
    CosineSGDClassifier,
    CosineSGDClassifierCV,
    CosineSGDRegressor,
    CosineSGDRegressorCV,
)
from skcosine._settings import REAL_PARAMETERS

from .conftest import child_report, child_reports

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
@pytest.mark.parametrize(
    "Estimator",
    [CosineSGDRegressor, CosineSGDClassifier, CosineMLPRegressor, CosineMLPClassifier],
)
def test_bad_data_raises_value_error(Estimator, change, message, diabetes):
    X, y = change(*diabetes)
    if "Classifier" in Estimator.__name__:
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


# a valid matrix with few stored values may make eta0='auto' warn
@pytest.mark.filterwarnings("ignore:eta0='auto' is:UserWarning")
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
    net = CosineMLPRegressor(hidden_layer_sizes=(3,), max_iter=1, random_state=0)
    net.fit(np.ones((4, X.shape[1])), np.arange(4.0))
    for call in (
        lambda: CosineSGDRegressor(max_iter=2).fit(X, y),
        lambda: good.predict(X),
        lambda: net.predict(X),  # scikit-learn's product: SciPy reads unchecked
    ):
        try:
            call()
        except ValueError as exc:
            assert str(exc)


def test_early_stopping_without_tol_is_refused(diabetes):
    """It would hold out data and do nothing else."""
    X, y = diabetes
    with pytest.raises(ValueError, match="early_stopping=True needs tol"):
        CosineSGDRegressor(early_stopping=True).fit(X, y)
    CosineSGDRegressor(early_stopping=True, tol=1e-3, max_iter=5).fit(X, y)


def test_all_zero_class_weights_are_refused(iris):
    """There is nothing to learn from."""
    X, y = iris
    with pytest.raises(ValueError, match="weight 0"):
        CosineSGDClassifier(class_weight={0: 0, 1: 0, 2: 0}).fit(X, y)
    CosineSGDClassifier(class_weight={0: 0, 1: 1, 2: 1}, max_iter=3).fit(X, y)


def test_features_whose_squares_overflow_are_refused(diabetes):
    """'auto' would be 0 and the model all zero."""
    X, y = diabetes
    with pytest.raises(ValueError, match="overflows float64.*scale"):
        CosineSGDRegressor().fit(X * 1e154, y)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_dates_are_refused_at_fit_as_at_predict(method):
    """Datetime64 is not a number of nanoseconds."""
    frame = pd.DataFrame(
        {"day": pd.date_range("2020-01-01", periods=20), "x": np.arange(20.0)}
    )
    with pytest.raises(ValueError, match="dates or time spans"):
        getattr(CosineSGDRegressor(), method)(frame, np.arange(20.0))
    with pytest.raises(ValueError, match="dates or time spans"):
        CosineSGDRegressor().fit(
            np.arange(20).astype("datetime64[D]").reshape(-1, 1), np.arange(20.0)
        )


# --- integer parameters: beyond the float range is a ValueError ----------------


@pytest.mark.parametrize(
    "params",
    [
        {"T_max": 10**400},
        {"T_mult": 10**400},
        {"warmup_epochs": 10**400},
        {"max_iter": 10**400},
        {"max_iter": 2**63 - 1},
        {"batches_per_epoch": 10**400},
        {"checkpoint_every": 10**400},
        {"average": 10**400},
    ],
)
def test_integers_too_large_for_a_float_are_value_errors(diabetes, params):
    """Never an OverflowError, never 0 epochs."""
    X, y = diabetes
    name = next(iter(params))
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        CosineSGDRegressor(**params).fit(X, y)


# --- real-valued parameters: any numbers.Real with a finite float value ------

ESTIMATORS = [
    CosineSGDRegressor,
    CosineSGDClassifier,
    CosineSGDRegressorCV,
    CosineSGDClassifierCV,
]
MLPS = [CosineMLPRegressor, CosineMLPClassifier]
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
    [(cls, name) for cls in ESTIMATORS + MLPS for name in real_parameters(cls)]
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
    assert not hasattr(model, "coef_") and not hasattr(model, "coefs_")
    if not grid and cls in ESTIMATORS[:2] + MLPS:
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


# --- every sparse format, made hostile (in the file's child process) -----------

SPARSE_FORMATS = ["csr", "csc", "bsr", "coo", "lil", "dok", "dia"]
HOSTILITIES = ["no stored values", "index out of range", "non-integer indices", "1-d"]


def _builds_1d(fmt):
    try:
        return getattr(sp, f"{fmt}_array")(np.ones(3)).ndim == 1
    except (TypeError, ValueError):
        return False


ONE_D_FORMATS = {fmt for fmt in ("coo", "csr", "dok") if _builds_1d(fmt)}
"""The formats this scipy builds 1-d arrays in (none before scipy 1.13, which
makes a row of shape (1, n) instead)."""
SPARSE_DATA = np.array(
    [
        [0.0, 1.5, 0.0, 0.0, 0.0],
        [2.0, 0.0, 0.0, -1.0, 0.0],
        [0.0, 0.0, 0.5, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 3.0],
        [1.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, -2.0, 0.0, 0.0, 1.0],
    ]
)
"""6 samples x 5 features, every row and column with a stored value."""


def hostile_sparse_cases():
    """``"format_kind: hostility"`` for every case the generator makes."""
    return [
        f"{fmt}_{kind}: {hostility}"
        for fmt in SPARSE_FORMATS
        for kind in ("matrix", "array")
        for hostility in HOSTILITIES
        if hostility != "1-d" or (kind == "array" and fmt in ONE_D_FORMATS)
    ]


def hostile_sparse(case):
    """The sparse ``X`` of ``case``: no stored values, an index beyond the
    shape (for DIA a diagonal offset that int32 truncates into the shape),
    float indices, or a 1-d array. Changed in place, as an attacker would:
    scipy checks its constructors' arguments, not later writes."""
    name, hostility = case.split(": ")
    fmt, kind = name.split("_")
    make = getattr(sp, name)
    if hostility == "no stored values":
        return make(np.zeros(SPARSE_DATA.shape))
    if hostility == "1-d":
        return make(SPARSE_DATA[1])
    X = make(SPARSE_DATA)
    bad = hostility == "index out of range"
    n_rows, n_columns = X.shape
    if fmt in ("csr", "csc", "bsr"):
        if bad:
            X.indices[0] = n_rows if fmt == "csc" else n_columns
        else:
            X.indices = X.indices.astype(np.float64)
    elif fmt == "coo" and hasattr(X, "coords"):
        row, col = X.coords
        X.coords = (row, col + 10**6) if bad else (row, col.astype(np.float64))
    elif fmt == "coo":  # scipy < 1.13: row and col
        X.col = X.col + 10**6 if bad else X.col.astype(np.float64)
    elif fmt == "lil":
        X.rows[0][0] = 10**6 if bad else 1.5
    elif fmt == "dok":  # scipy >= 1.12 keeps the entries in X._dict
        key = (n_rows + 7, 0) if bad else (0.5, 1)
        dict.__setitem__(getattr(X, "_dict", X), key, 1.0)
    else:  # dia: an offset that int32 truncates to 1, inside the shape
        offsets = np.array([2**32 + 1, *X.offsets[1:]], np.int64)
        X.offsets = offsets if bad else X.offsets.astype(np.float64)
    return X


SPARSE_ACTIONS = [
    "regressor.fit",
    "regressor.partial_fit",
    "regressor.predict",
    "regressor.score",
    "classifier.fit",
    "classifier.partial_fit",
    "classifier.decision_function",
    "classifier.predict_proba",
    "classifier.score",
    "regressor_cv.fit",
    "classifier_cv.fit",
    "regressor_cv.predict",
    "mlp_regressor.fit",
    "mlp_regressor.partial_fit",
    "mlp_regressor.predict",
    "mlp_regressor.score",
    "mlp_classifier.fit",
    "mlp_classifier.partial_fit",
    "mlp_classifier.predict_proba",
    "mlp_classifier.score",
]


def sparse_actions():
    """Every method taking ``X`` (:data:`SPARSE_ACTIONS`), for 6 samples and 5
    features."""
    from skcosine import CosineSGDClassifierCV, CosineSGDRegressorCV

    rng = np.random.RandomState(0)
    X, y = rng.randn(6, 5), np.arange(6.0)
    labels = np.array([0, 1, 2, 0, 1, 2])
    small = dict(max_iter=2, random_state=0)
    regressor = CosineSGDRegressor(**small).fit(X, y)
    classifier = CosineSGDClassifier(loss="log_loss", **small).fit(X, labels)
    grid = dict(alphas=[1e-4], eta0s=[0.01], cv=2, **small)
    searched = CosineSGDRegressorCV(**grid).fit(X, y)
    net = dict(hidden_layer_sizes=(4,), **small)
    mlp_regressor = CosineMLPRegressor(**net).fit(X, y)
    mlp_classifier = CosineMLPClassifier(**net).fit(X, labels)
    return {
        "regressor.fit": lambda M: CosineSGDRegressor(**small).fit(M, y).predict(M),
        "regressor.partial_fit": lambda M: CosineSGDRegressor().partial_fit(M, y).coef_,
        "regressor.predict": regressor.predict,
        "regressor.score": lambda M: regressor.score(M, y),
        "classifier.fit": lambda M: CosineSGDClassifier(**small).fit(M, labels).coef_,
        "classifier.partial_fit": lambda M: (
            CosineSGDClassifier().partial_fit(M, labels, classes=[0, 1, 2]).coef_
        ),
        "classifier.decision_function": classifier.decision_function,
        "classifier.predict_proba": classifier.predict_proba,
        "classifier.score": lambda M: classifier.score(M, labels),
        "regressor_cv.fit": lambda M: CosineSGDRegressorCV(**grid).fit(M, y).coef_,
        "classifier_cv.fit": lambda M: (
            CosineSGDClassifierCV(**grid).fit(M, labels).coef_
        ),
        "regressor_cv.predict": searched.predict,
        "mlp_regressor.fit": lambda M: CosineMLPRegressor(**net).fit(M, y).predict(M),
        "mlp_regressor.partial_fit": lambda M: (
            CosineMLPRegressor(**net).partial_fit(M, y).coefs_[0]
        ),
        "mlp_regressor.predict": mlp_regressor.predict,
        "mlp_regressor.score": lambda M: mlp_regressor.score(M, y),
        "mlp_classifier.fit": lambda M: (
            CosineMLPClassifier(**net).fit(M, labels).predict_proba(M)
        ),
        "mlp_classifier.partial_fit": lambda M: (
            CosineMLPClassifier(**net)
            .partial_fit(M, labels, classes=[0, 1, 2])
            .coefs_[0]
        ),
        "mlp_classifier.predict_proba": mlp_classifier.predict_proba,
        "mlp_classifier.score": lambda M: mlp_classifier.score(M, labels),
    }


def hostile_sparse_calls():
    """Child side: every case of the generator through every action."""
    actions = sparse_actions()
    assert list(actions) == SPARSE_ACTIONS
    return {
        f"{case} | {action}": lambda call=call, case=case: call(hostile_sparse(case))
        for case in hostile_sparse_cases()
        for action, call in actions.items()
    }


@pytest.mark.parametrize("case", hostile_sparse_cases())
def test_every_sparse_format_with_hostile_structure(child_outcomes, case):
    """No stored values: every method works, with finite results (as in
    scikit-learn). An index out of range, non-integer indices, a 1-d array:
    every method raises a ValueError naming X. Never a crash."""
    for action in SPARSE_ACTIONS:
        report = child_report(child_outcomes, f"{case} | {action}")
        if case.endswith("no stored values"):
            assert report["error"] is None and report["finite"], (action, report)
        else:
            assert report["value_error"], (action, report)
            assert report["message"].startswith("X is a "), (action, report)


# --- malformed sparse structure: a ValueError before any read or write ------------


def malformed_matrices():
    """Sparse matrices of shape (6, 5) whose structure is inconsistent: column
    (or row) indices out of range on either side, offsets that decrease or end
    beyond the stored values."""
    X = np.random.RandomState(0).randn(6, 5)
    X[np.abs(X) < 0.5] = 0.0

    def changed(make, part, where, value):
        matrix = make(X)
        getattr(matrix, part)[where] = value
        return matrix

    return {
        "csr column index 10**9": changed(sp.csr_matrix, "indices", 1, 10**9),
        "csr column index n_features": changed(sp.csr_matrix, "indices", 2, 5),
        "csr column index n_features + 1": changed(sp.csr_matrix, "indices", 2, 6),
        "csr column index -1": changed(sp.csr_matrix, "indices", 0, -1),
        "csr indptr decreases": changed(sp.csr_matrix, "indptr", 2, 0),
        "csr indptr ends beyond nnz": changed(sp.csr_matrix, "indptr", -1, 10**6),
        "csr_array column index n_features": changed(sp.csr_array, "indices", 2, 5),
        "csc row index n_samples": changed(sp.csc_matrix, "indices", 1, 6),
        "csc row index 10**9": changed(sp.csc_matrix, "indices", 1, 10**9),
        "csc row index -1": changed(sp.csc_matrix, "indices", 0, -1),
        "csc indptr decreases": changed(sp.csc_matrix, "indptr", 2, 0),
        # scipy's COO -> CSR conversion writes out of bounds on such an index,
        # so it must be refused before any conversion
        "coo row index 10**8": changed(sp.coo_matrix, "row", 1, 10**8),
    }


def estimator_actions():
    """What a user may call with a sparse matrix of 6 rows and 5 features."""
    rng = np.random.RandomState(1)
    X, y, labels = rng.randn(6, 5), rng.randn(6), np.array([0, 1, 2, 0, 1, 2])
    regressor = CosineSGDRegressor(max_iter=2, random_state=0).fit(X, y)
    classifier = CosineSGDClassifier(max_iter=2, random_state=0).fit(X, labels)
    net = dict(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    mlp_regressor = CosineMLPRegressor(**net).fit(X, y)
    mlp_classifier = CosineMLPClassifier(**net).fit(X, labels)
    return {
        "regressor.fit": lambda M: CosineSGDRegressor(max_iter=2).fit(M, y),
        "regressor.partial_fit": lambda M: CosineSGDRegressor().partial_fit(M, y),
        "regressor.predict": regressor.predict,
        "regressor.score": lambda M: regressor.score(M, y),
        "classifier.fit": lambda M: CosineSGDClassifier(max_iter=2).fit(M, labels),
        "classifier.partial_fit": lambda M: CosineSGDClassifier().partial_fit(
            M, labels, classes=[0, 1, 2]
        ),
        "classifier.predict": classifier.predict,
        "classifier.decision_function": classifier.decision_function,
        "mlp_regressor.fit": lambda M: CosineMLPRegressor(**net).fit(M, y),
        "mlp_regressor.predict": mlp_regressor.predict,
        "mlp_classifier.partial_fit": lambda M: CosineMLPClassifier(**net).partial_fit(
            M, labels, classes=[0, 1, 2]
        ),
        "mlp_classifier.predict_proba": mlp_classifier.predict_proba,
    }


ACTIONS = [
    "regressor.fit",
    "regressor.partial_fit",
    "regressor.predict",
    "regressor.score",
    "classifier.fit",
    "classifier.partial_fit",
    "classifier.predict",
    "classifier.decision_function",
    "mlp_regressor.fit",
    "mlp_regressor.predict",
    "mlp_classifier.partial_fit",
    "mlp_classifier.predict_proba",
]


def malformed_calls():
    """Child side: every malformed matrix through every action."""
    matrices, actions = malformed_matrices(), estimator_actions()
    assert list(actions) == ACTIONS
    return {
        f"{matrix} | {action}": lambda call=call, M=M: call(M)
        for matrix, M in matrices.items()
        for action, call in actions.items()
    }


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("matrix", list(malformed_matrices()))
def test_estimators_refuse_malformed_sparse_matrices_with_value_error(
    child_outcomes, matrix, action
):
    """fit / partial_fit / predict on a malformed CSR, CSC or COO matrix: a
    ValueError saying so, checked in O(nnz) before anything reads or writes
    through the structure; never a crash."""
    child, _ = child_outcomes
    report = child_report(child_outcomes, f"{matrix} | {action}")
    assert report["value_error"], report
    assert "malformed" in report["message"], report
    assert child.returncode == 0, child.stderr[-2000:]


# --- the file's child process -----------------------------------------------------


def child_cases():
    """Child side: every case of this file that could crash the process
    running it (several did on 0.2.0), by name."""
    warnings.simplefilter("ignore")
    return {**hostile_sparse_calls(), **malformed_calls()}


@pytest.fixture(scope="module")
def child_outcomes():
    """Every case of :func:`child_cases`, in one child."""
    return child_reports("tests.test_validation.child_cases")


# --- unaligned arrays are copied before the kernel ----------------------------


def kernel_arrays(args, kwargs):
    """Every array a Kernel call receives (a CSR matrix's three)."""
    for value in [*args, *kwargs.values()]:
        if sp.issparse(value):
            yield from (value.data, value.indices, value.indptr)
        elif isinstance(value, np.ndarray):
            yield value


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("Estimator", [CosineSGDRegressor, CosineSGDClassifier])
def test_unaligned_arrays_are_copied_before_the_kernel(
    Estimator, layout, iris, monkeypatch
):
    """X (or its CSR arrays), y, sample_weight, coef_init and intercept_init as
    float64 views at an odd byte offset: accepted, the kernel receives aligned
    copies, and the fit is the fit of the aligned arrays, bit for bit."""
    import skcosine._training

    from .conftest import unaligned

    X, y = iris
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    if Estimator is CosineSGDRegressor:
        y = X[:, 0] - 0.5 * X[:, 1]
        X = X[:, 1:]
    n_models = 3 if Estimator is CosineSGDClassifier else 1
    weights = np.linspace(0.5, 1.5, len(y))
    coef = np.full((n_models, X.shape[1]), 0.1).squeeze()
    intercept = np.full(n_models, 0.2)
    if layout == "csr":
        X = sp.csr_matrix(X)
        shifted = sp.csr_matrix(
            (unaligned(X.data), unaligned(X.indices), unaligned(X.indptr)),
            shape=X.shape,
        )
    else:
        shifted = unaligned(X)
    received = []
    real = skcosine._training.Kernel

    def recording_kernel(*args, **kwargs):
        received.extend(kernel_arrays(args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(skcosine._training, "Kernel", recording_kernel)
    fits = []
    for data in [
        (X, y, weights, coef, intercept),
        (shifted, *map(unaligned, (y, weights, coef, intercept))),
    ]:
        model = Estimator(max_iter=3, random_state=0)
        model.fit(
            data[0],
            data[1],
            sample_weight=data[2],
            coef_init=data[3],
            intercept_init=data[4],
        )
        fits.append(model.coef_.tobytes() + model.intercept_.tobytes())
    assert received and all(array.flags.aligned for array in received)
    assert fits[0] == fits[1]


def _invalid_values(constraints):
    """Values of a parameter that break every one of its ``constraints``: one of
    no accepted type, and one just outside each constraint (scikit-learn's own
    generator, as its ``check_param_validation`` uses)."""
    from sklearn.utils._param_validation import (
        generate_invalid_param_val,
        make_constraint,
    )

    rules = [make_constraint(c) for c in constraints]
    values = [type("BadType", (), {})()]
    for rule in rules:
        try:
            value = generate_invalid_param_val(rule)
        except NotImplementedError:
            continue
        if not any(other.is_satisfied_by(value) for other in rules):
            values.append(value)
    return values


BAD_PARAMETER_VALUES = [
    (Estimator, name, value)
    for Estimator in (CosineSGDRegressor, CosineSGDClassifier, *MLPS)
    for name, constraints in sorted(Estimator._parameter_constraints.items())
    if constraints != "no_validation"
    for value in _invalid_values(constraints)
]


@pytest.mark.parametrize(
    "Estimator, name, value",
    BAD_PARAMETER_VALUES,
    ids=[f"{E.__name__}-{n}-{v!r}"[:60] for E, n, v in BAD_PARAMETER_VALUES],
)
def test_every_partial_fit_call_validates_the_parameters(Estimator, name, value):
    """A bad value set between two ``partial_fit`` calls is refused by the
    second one, naming the parameter, and the model is left as it was (not a
    KeyError or ZeroDivisionError from inside training, nor a model trained
    with a value ``fit`` refuses)."""
    import joblib

    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 3), rng.randn(30)
    extra = {}
    if "Classifier" in Estimator.__name__:
        y, extra = (y > 0).astype(int), {"classes": [0, 1]}
    model = Estimator(max_iter=5, random_state=0).partial_fit(X, y, **extra)
    before, good = joblib.hash(vars(model)), getattr(model, name)
    model.set_params(**{name: value})
    with pytest.raises(ValueError, match=f"'{name}' parameter of {Estimator.__name__}"):
        model.partial_fit(X, y)
    assert getattr(model, name) is value
    model.set_params(**{name: good})
    assert joblib.hash(vars(model)) == before


def test_partial_fit_refuses_parameters_that_only_fail_together(iris):
    """What the constraints cannot see (an elastic net without ``l1_ratio``)
    is refused by a later ``partial_fit`` too, with the model unchanged."""
    X, y = iris
    model = CosineSGDClassifier(max_iter=5).partial_fit(X, y, classes=[0, 1, 2])
    coef = model.coef_.copy()
    model.set_params(penalty="elasticnet", l1_ratio=None)
    with pytest.raises(ValueError, match="l1_ratio must be set"):
        model.partial_fit(X, y)
    assert_array_equal(model.coef_, coef)
    assert model.n_iter_ == 1


# --- the MLP estimators: what they refuse, at fit ------------------------------

MLP_REFUSED = [
    ({"hidden_layer_sizes": (0,)}, r"hidden_layer_sizes must be > 0, got \(0,\)"),
    ({"hidden_layer_sizes": (8, -1)}, r"hidden_layer_sizes must be > 0"),
    ({"hidden_layer_sizes": (2.5,)}, r"must hold integers, got \(2.5,\)"),
    ({"solver": "lbfgs"}, "'solver' parameter of CosineMLP.* Got 'lbfgs'"),
    (
        {"lr_min": 0.1, "learning_rate_init": 0.01},
        "lr_min=0.1 must be <= learning_rate_init=0.01",
    ),
    ({"learning_rate_init": 0.0}, "'learning_rate_init' parameter"),
    ({"learning_rate_init": np.nan}, "'learning_rate_init' parameter"),
    ({"T_max": 0}, "'T_max' parameter"),
    ({"T_mult": 1.5}, "'T_mult' parameter"),
    ({"anneal_per": "sample"}, "'anneal_per' parameter"),
    ({"batches_per_epoch": 0}, "'batches_per_epoch' parameter"),
    ({"max_iter": 0}, "'max_iter' parameter"),
    ({"early_stopping": True}, "early_stopping=True needs a float tol"),
    (
        {"warmup_epochs": 10, "max_iter": 10},
        "warmup_epochs=10 leaves no epoch of max_iter=10 for the cosine cycle",
    ),
    ({"batch_size": 0}, "'batch_size' parameter"),
]


@pytest.mark.parametrize("Estimator", MLPS)
@pytest.mark.parametrize(
    "params, message", MLP_REFUSED, ids=[str(p) for p, _ in MLP_REFUSED]
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_an_mlp_refuses_bad_parameters_at_fit_naming_them(
    Estimator, params, message, method, iris
):
    """At fit or partial_fit, never in __init__; the parameters stay as
    given and the model unfitted."""
    X, y = iris
    extra = {"classes": [0, 1, 2]} if method == "partial_fit" else {}
    if Estimator is CosineMLPRegressor:
        y, extra = y.astype(float), {}
    model = Estimator(**params)
    before = model.get_params()
    if method == "partial_fit" and "early_stopping" in params:
        message = "partial_fit does not support early_stopping=True"
    with pytest.raises(ValueError, match=message):
        getattr(model, method)(X, y, **extra)
    assert all(model.get_params()[k] is v for k, v in before.items())
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize("Estimator", MLPS)
def test_an_mlp_partial_fit_starting_a_schedule_needs_a_cosine_epoch(Estimator, iris):
    """partial_fit's 'auto' budget is 100 epochs: a warmup of 100 leaves no
    cosine epoch (a fit's 'auto' budget makes room for it); a partial_fit
    continuing a fit continues that fit's budget."""
    X, y = iris
    extra = {"classes": [0, 1, 2]} if Estimator is CosineMLPClassifier else {}
    model = Estimator(hidden_layer_sizes=(4,), warmup_epochs=100, random_state=0)
    with pytest.raises(
        ValueError,
        match=r"warmup_epochs=100 leaves no epoch of max_iter='auto' \(100 epochs "
        r"for partial_fit\)",
    ):
        model.partial_fit(X, y, **extra)
    assert not hasattr(model, "coefs_")
    model.set_params(warmup_epochs=99).partial_fit(X, y, **extra)
    assert model.schedule_.T_max == 1
    fitted = Estimator(hidden_layer_sizes=(4,), warmup_epochs=150, random_state=0)
    fitted.set_params(max_iter=151).fit(X, y)
    fitted.partial_fit(X, y)  # continues the fit's schedule of 151 epochs
    assert fitted.n_epochs_ == 152


@pytest.mark.parametrize("Estimator", MLPS)
def test_an_mlp_refuses_a_schedule_changed_between_partial_fit_calls(Estimator, iris):
    X, y = iris
    extra = {"classes": [0, 1, 2]} if Estimator is CosineMLPClassifier else {}
    model = Estimator(hidden_layer_sizes=(4,), random_state=0)
    model.partial_fit(X, y, **extra)
    coefs = [c.copy() for c in model.coefs_]
    for name, value in [
        ("learning_rate_init", 0.1),
        ("lr_min", 1e-4),
        ("T_max", 7),
        ("T_mult", 2),
        ("warmup_epochs", 3),
    ]:
        default = getattr(model, name)
        model.set_params(**{name: value})
        with pytest.raises(
            ValueError, match=f"The schedule is fixed by the first call: {name}="
        ):
            model.partial_fit(X, y)
        model.set_params(**{name: default})
    assert all(np.array_equal(a, b) for a, b in zip(model.coefs_, coefs))
    assert model.n_iter_ == 1


def test_the_mlp_classifier_partial_fit_needs_classes_first(iris):
    X, y = iris
    model = CosineMLPClassifier(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        model.partial_fit(X, y)
    assert not hasattr(model, "classes_")
    model.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        model.partial_fit(X, y + 5)


@pytest.mark.parametrize("Estimator", MLPS)
def test_an_mlp_refuses_unusable_x_at_fit_and_at_predict(Estimator, iris):
    """NaN, infinity, strings, objects and dates: a ValueError (never numpy's
    TypeError), at fit and at every prediction."""
    X, y = iris
    model = Estimator(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    methods = [model.predict, lambda Z: model.score(Z, y[: len(Z)])]
    if Estimator is CosineMLPClassifier:
        methods.append(model.predict_proba)
    nan, inf = X.copy(), X.copy()
    nan[0, 0], inf[0, 0] = np.nan, np.inf
    objects = np.empty((3, 4), dtype=object)
    objects[:] = object()
    dates = np.arange(12).astype("datetime64[D]").reshape(3, 4)
    for bad, message in [
        (nan, "Input X contains NaN"),
        (inf, "Input X contains infinity"),
        ([["a"] * 4] * 3, "could not convert string to float|strings"),
        (objects, "cannot use its input"),
        (dates, "dates or time spans"),
    ]:
        with pytest.raises(ValueError, match=message):
            Estimator(max_iter=2).fit(bad, y[: len(bad)])
        for method in methods:
            with pytest.raises(ValueError, match=message):
                method(bad)


def test_an_mlp_trains_on_one_row(diabetes):
    """A regressor learns from one row (finite predictions); a classifier
    refuses one class, as scikit-learn's does."""
    X, y = diabetes
    model = CosineMLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    assert np.all(np.isfinite(model.fit(X[:1], y[:1]).predict(X)))
    with pytest.raises(ValueError, match="greater than one"):
        CosineMLPClassifier(max_iter=3).fit(X[:1], [1])


@pytest.mark.parametrize("weights", [False, True])
def test_float32_x_with_mlp_targets_beyond_float32_names_them(weights):
    """float32 X makes a float32 network: targets of 1e39 are infinite there,
    which said "Training diverged"; the message names y (or the weights)."""
    X = np.random.RandomState(0).randn(40, 3)
    y = X[:, 0] * (1.0 if weights else 1e39)
    sample_weight = np.full(40, 1e39) if weights else None
    name = "sample_weight" if weights else "y"
    message = f"{name} has values up to .* beyond float32's range"
    model = CosineMLPRegressor(hidden_layer_sizes=(4,), max_iter=2)
    with pytest.raises(ValueError, match=message):
        model.fit(X.astype(np.float32), y, sample_weight=sample_weight)
    with pytest.raises(ValueError, match=message):
        model.partial_fit(X.astype(np.float32), y, sample_weight=sample_weight)
    assert not hasattr(model, "coefs_")
