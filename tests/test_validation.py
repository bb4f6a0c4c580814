"""Bad input, in one place: every mistake a user (or an attacker) can make
with the data or the parameters gets a ``ValueError`` naming it, at ``fit``,
and leaves the estimator as it was."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
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


# --- every sparse format, made hostile (in a child process) --------------------

SPARSE_FORMATS = ["csr", "csc", "bsr", "coo", "lil", "dok", "dia"]
HOSTILITIES = ["no stored values", "index out of range", "non-integer indices", "1-d"]
ONE_D_FORMATS = {"coo", "csr", "dok"}  # the formats scipy builds 1-d arrays in
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
    elif fmt == "coo":
        row, col = X.coords
        X.coords = (row, col + 10**6) if bad else (row, col.astype(np.float64))
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
    }


def report_hostile_sparse(cases):
    """Child side: every case through every action, one JSON line each."""
    import warnings

    from .conftest import report_outcome

    warnings.simplefilter("ignore")
    actions = sparse_actions()
    assert list(actions) == SPARSE_ACTIONS
    for case in cases:
        for action, call in actions.items():
            report_outcome(
                f"{case} | {action}",
                lambda call=call, case=case: call(hostile_sparse(case)),
            )


@pytest.fixture(scope="module")
def hostile_sparse_reports():
    """Every case of the generator, in one child (several crash on 0.2.0)."""
    from .conftest import child_reports

    return child_reports(
        "tests.test_validation.report_hostile_sparse",
        hostile_sparse_cases(),
        timeout=300,
    )


@pytest.mark.parametrize("case", hostile_sparse_cases())
def test_every_sparse_format_with_hostile_structure(hostile_sparse_reports, case):
    """No stored values: every method works, with finite results (as in
    scikit-learn). An index out of range, non-integer indices, a 1-d array:
    every method raises a ValueError naming X. Never a crash."""
    child, reports = hostile_sparse_reports
    for action in SPARSE_ACTIONS:
        report = reports.get(f"{case} | {action}")
        assert report is not None, (
            f"{action}: the child died (exit code {child.returncode}) before this "
            f"case:\n{child.stderr[-2000:]}"
        )
        if case.endswith("no stored values"):
            assert report["error"] is None and report["finite"], (action, report)
        else:
            assert report["value_error"], (action, report)
            assert report["message"].startswith("X is a "), (action, report)


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
