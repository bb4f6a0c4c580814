"""Bad input, in one place: every mistake a user (or an attacker) can make
with the data or the parameters gets a ``ValueError`` naming it, at ``fit``,
and leaves the estimator as it was."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from sklearn.datasets import load_diabetes

from skcosine import CosineSGDClassifier, CosineSGDRegressor

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
    for Estimator in (CosineSGDRegressor, CosineSGDClassifier)
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
    if Estimator is CosineSGDClassifier:
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
