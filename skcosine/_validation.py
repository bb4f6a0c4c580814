"""Input validation: every array an estimator accepts goes through here.

Every bad input gets a ``ValueError`` naming the problem. NumPy raises
``TypeError`` for inputs such as arrays of arbitrary objects; those become
:class:`InvalidInputError`, which is both, as scikit-learn's
``InvalidParameterError`` is. Sparse matrices are checked for consistency
(index bounds included) before scipy or the kernel touch them.
"""

import copy
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from ._data import FLOAT32_MAX, float32_range_message
from ._kernel import check_csr

__all__ = [
    "InvalidInputError",
    "aligned",
    "check_fitted_model",
    "check_init",
    "check_prediction_input",
    "check_sample_weight",
    "check_sparse_structure",
    "input_errors",
    "private_structure",
    "validate_prediction_data",
    "validate_training_data",
]


class InvalidInputError(ValueError, TypeError):
    """Input that cannot be used, reported as a ``ValueError``.

    Also a ``TypeError``, the type NumPy raises for such input, as
    scikit-learn's ``InvalidParameterError`` is both.
    """


@contextmanager
def input_errors(estimator, method):
    """Turn NumPy's ``TypeError`` on unusable input into a ``ValueError``."""
    try:
        yield
    except TypeError as exc:
        if isinstance(exc, ValueError):  # InvalidParameterError is both
            raise
        raise InvalidInputError(
            f"{type(estimator).__name__}.{method} cannot use its input: {exc}"
        ) from exc


def validate_training_data(
    estimator, method, X, y, sample_weight, *, reset, dtype, multi_output=False
):
    """Validated ``X`` (C-ordered float or CSR), ``y`` and sample weights.

    Parameters
    ----------
    estimator : estimator
        Records ``n_features_in_`` / ``feature_names_in_`` (with ``reset``) or
        checks ``X`` against them.
    method : str
        Name of the calling method, for messages.
    X, y, sample_weight
        The input.
    reset : bool
        Whether this call starts a new model.
    dtype : dtype or None
        The dtype of the model being continued (``X`` is cast to it); float32
        or float64 as given when ``None``.
    multi_output : bool, default=False
        Whether ``y`` may be 2-d (the MLP estimators); a regressor's ``y`` is
        then checked to be numeric here.
    """
    _refuse_dates(X)
    check_sparse_structure(X)
    with input_errors(estimator, method):
        X, y = validate_data(
            estimator,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32] if dtype is None else dtype,
            order="C",
            accept_large_sparse=False,
            reset=reset,
            multi_output=multi_output,
            y_numeric=multi_output and not is_classifier(estimator),
        )
        weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    return private_structure(aligned(X)), aligned(y), aligned(weights)


def private_structure(X):
    """A CSR ``X`` whose index arrays are checked copies; anything else as is.

    Training reads the structure of ``X`` many times, in the kernel and in
    SciPy's products, with the GIL released: a thread changing the caller's
    ``X.indices`` meanwhile could lead them out of bounds. They read this
    copy, made, then checked, here (the values are shared: a change to them
    changes numbers, never addresses).
    """
    if not sp.issparse(X):
        return X
    private = copy.copy(X)
    private.indices, private.indptr = X.indices.copy(), X.indptr.copy()
    check_sparse_structure(private)
    return private


def aligned(array):
    """``array``, or an aligned copy of it (of a sparse matrix, of its arrays).

    A view at an odd byte offset (``np.frombuffer(buffer, offset=1)``) is
    valid NumPy, but compiled code reading it as doubles is undefined
    behaviour (a fault on strict-alignment CPUs): the kernel refuses it, so
    the training data are copied here. The input itself is never changed.
    """
    parts = (
        (array.data, array.indices, array.indptr) if sp.issparse(array) else (array,)
    )
    if all(part.flags.aligned for part in parts):
        return array
    return array.copy()  # new arrays are aligned


def validate_prediction_data(estimator, method, X):
    """Validated ``X`` for ``predict`` / ``decision_function``."""
    check_prediction_input(X)
    with input_errors(estimator, method):
        X = validate_data(
            estimator,
            X,
            accept_sparse="csr",
            reset=False,
            dtype=[np.float64, np.float32],
        )
    return X


def check_prediction_input(X):
    """Refuse, before any library reads ``X`` to predict, what would be read
    wrongly or crash: dates, and a malformed sparse matrix (SciPy's products
    index with its arrays unchecked)."""
    _refuse_dates(X)
    check_sparse_structure(X)


def _refuse_dates(X):
    """Dates are not numbers: refuse them rather than use nanoseconds."""
    dtypes = getattr(X, "dtypes", None)
    kinds = (
        [np.dtype(t).kind for t in dtypes if isinstance(t, np.dtype)]
        if dtypes is not None and hasattr(dtypes, "__iter__")
        else [getattr(getattr(X, "dtype", None), "kind", None)]
    )
    if any(kind in ("m", "M") for kind in kinds):
        raise ValueError(
            "X contains dates or time spans (datetime64 / timedelta64), which are "
            "not numeric features: convert them first (for example to elapsed "
            "seconds, or with a calendar encoding)."
        )


def check_sparse_structure(X, name="X", one_row=False):
    """Refuse a malformed sparse matrix before scipy or the kernel read it.

    scipy's conversions between formats and its products trust the structure
    of a sparse matrix: the index arrays of CSR, CSC, BSR and COO, the row
    lists of LIL, the keys of DOK, the offsets of DIA. Every format is checked
    here, in O(nnz), against the shape: integer indices, within bounds, of
    consistent lengths. A 1-d sparse array is refused too.

    Parameters
    ----------
    X : object
        Anything; only sparse matrices and arrays are checked.
    name : str
        What messages call it (``X``, ``coef_``).
    one_row : bool
        Whether a 1-d CSR array is valid, as one row (a sparsified ``coef_``).
    """
    if not sp.issparse(X):
        return
    shape = tuple(X.shape)
    if one_row and len(shape) == 1 and X.format == "csr":
        shape = (1, *shape)
    if len(shape) != 2:
        raise ValueError(
            f"{name} is a {len(shape)}-d sparse array of shape {shape}; a 2-d "
            "sparse matrix of shape (n_samples, n_features) is expected."
        )
    check = _STRUCTURE_CHECKS.get(X.format)
    if check is None:
        raise ValueError(f"{name} is a sparse matrix of unknown format {X.format!r}.")
    try:
        if not all(isinstance(n, Integral) and n >= 0 for n in shape):
            raise ValueError(f"its shape {shape} is not two sizes")
        check(X, *shape)
    except ValueError as exc:
        detail = str(exc).removesuffix(": the matrix is malformed")
        raise ValueError(
            f"{name} is a malformed sparse {X.format.upper()} matrix: {detail}."
        ) from None


def _integers(values, what):
    """``values`` as a 1-d integer array, or a ``ValueError`` saying why not."""
    array = np.asarray(values)
    if array.dtype.kind not in "iu":
        raise ValueError(f"its {what} are {array.dtype} values, not integers")
    if array.ndim != 1:
        raise ValueError(f"its {what} are not a 1-d array")
    return array


def _within(index, bound, what):
    if index.size and (index.min() < 0 or index.max() >= bound):
        raise ValueError(f"it has a {what} outside [0, {bound})")


def _compressed(X, n_rows, n_columns):
    """CSR, CSC and BSR: the offsets and indices, by the kernel's check."""
    indices = _integers(X.indices, "indices")
    indptr = _integers(X.indptr, "offsets (indptr)")
    data = np.asarray(X.data)
    if X.format == "bsr":
        if data.ndim != 3 or 0 in data.shape[1:]:
            raise ValueError("its data are not an array of blocks")
        block_rows, block_columns = data.shape[1:]
        if n_rows % block_rows or n_columns % block_columns:
            raise ValueError(f"its blocks {data.shape[1:]} do not tile its shape")
        n_rows, n_columns = n_rows // block_rows, n_columns // block_columns
    elif data.ndim != 1:
        raise ValueError("its data are not a 1-d array")
    if X.format == "csc":
        n_rows, n_columns = n_columns, n_rows
    data = np.require(data, requirements=["C", "ALIGNED"])
    check_csr(n_rows, n_columns, data, _signed(indices), _signed(indptr))


def _signed(index):
    """A contiguous, aligned int32 or int64 copy-or-view, as compiled code
    may read it (values beyond int64 wrap to negative, which the check
    refuses)."""
    if index.dtype not in (np.int32, np.int64):
        index = index.astype(np.int64)
    return np.require(index, requirements=["C", "ALIGNED"])


def _coordinates(X, n_rows, n_columns):
    """COO: one row and one column index per value."""
    coords = getattr(X, "coords", None)
    if coords is None:
        coords = (X.row, X.col)
    if len(coords) != 2:
        raise ValueError(f"it has {len(coords)} index arrays, not 2")
    n_values = np.shape(X.data)[0] if np.ndim(X.data) == 1 else -1
    for index, what, bound in zip(coords, ("row", "column"), (n_rows, n_columns)):
        index = _integers(index, f"{what} indices")
        if index.shape[0] != n_values:
            raise ValueError(f"its {what} indices and its values differ in length")
        _within(index, bound, f"{what} index")


def _row_lists(X, n_rows, n_columns):
    """LIL: a list of column indices per row, as long as its list of values."""
    rows, data = X.rows, X.data
    if np.shape(rows) != (n_rows,) or np.shape(data) != (n_rows,):
        raise ValueError(f"it does not have {n_rows} row lists of indices and values")
    for i, (columns, values) in enumerate(zip(rows, data)):
        if not isinstance(columns, list) or not isinstance(values, list):
            raise ValueError(f"row {i} is not a list")
        if len(columns) != len(values):
            raise ValueError(
                f"row {i} has {len(columns)} indices and {len(values)} values"
            )
    columns = [column for row in rows for column in row]
    if columns:
        _within(_integers(columns, "column indices"), n_columns, "column index")


def _keys(X, n_rows, n_columns):
    """DOK: every key a (row, column) pair within the shape."""
    keys = list(X.keys())
    if not keys:
        return
    if not all(isinstance(key, tuple) and len(key) == 2 for key in keys):
        raise ValueError("it has a key that is not a (row, column) pair")
    rows, columns = zip(*keys)
    _within(_integers(rows, "row indices"), n_rows, "row index")
    _within(_integers(columns, "column indices"), n_columns, "column index")


def _diagonals(X, n_rows, n_columns):
    """DIA: distinct offsets within the shape, one row of values per offset."""
    offsets = _integers(X.offsets, "offsets")
    data = np.asarray(X.data)
    if data.ndim != 2 or data.shape[0] != offsets.shape[0]:
        raise ValueError(
            f"it has {offsets.shape[0]} offsets but data of shape {data.shape}"
        )
    if offsets.size and (offsets.min() <= -n_rows or offsets.max() >= n_columns):
        raise ValueError(f"it has a diagonal offset outside ({-n_rows}, {n_columns})")
    if np.unique(offsets).shape[0] != offsets.shape[0]:
        raise ValueError("it has a diagonal offset twice")


_STRUCTURE_CHECKS = {
    "csr": _compressed,
    "csc": _compressed,
    "bsr": _compressed,
    "coo": _coordinates,
    "lil": _row_lists,
    "dok": _keys,
    "dia": _diagonals,
}
"""The structure check of every scipy sparse format."""


def check_fitted_model(estimator):
    """Raise ``ValueError`` naming the attribute unless the fitted
    ``n_features_in_``, ``classes_``, ``coef_`` and ``intercept_`` are what a
    fit makes.

    A model loaded from a file (or changed by hand) may carry anything:
    predictions multiply ``coef_`` (a CSR matrix after ``sparsify()``, whose
    structure scipy trusts) and index ``classes_`` with the decisions. Checked
    before every use, in O(size of ``coef_``), a small share of a prediction.
    """
    n_features = getattr(estimator, "n_features_in_", None)
    if not isinstance(n_features, Integral) or isinstance(n_features, bool):
        _refuse_attribute(
            estimator, "n_features_in_", f"{n_features!r} is not an integer"
        )
    if n_features < 1:
        _refuse_attribute(estimator, "n_features_in_", f"{n_features} is below 1")
    n_models, expected = 1, (n_features,)
    classifier = is_classifier(estimator)
    if classifier:
        classes = getattr(estimator, "classes_", None)
        if not isinstance(classes, np.ndarray) or classes.ndim != 1 or len(classes) < 2:
            _refuse_attribute(
                estimator, "classes_", "it is not a 1-d array of 2 or more labels"
            )
        n_models = 1 if len(classes) == 2 else len(classes)
        expected = (n_models, n_features)
    coef = getattr(estimator, "coef_", None)
    shape = getattr(coef, "shape", None)
    if classifier and _rows_differ(shape, n_models, n_features):
        _refuse_attribute(
            estimator,
            "classes_",
            f"{len(classes)} labels, for the {shape[0]} models of coef_ (one per "
            "class, or one for two classes)",
        )
    values, shapes = coef, [expected]
    if sp.issparse(coef):  # sparsify(): CSR, 1-d for a 1-d coef_ in recent scikit-learn
        if coef.format != "csr":
            _refuse_attribute(
                estimator, "coef_", f"a sparse {coef.format.upper()} matrix, not CSR"
            )
        check_sparse_structure(coef, "coef_", one_row=True)
        values, shapes = coef.data, [expected, (n_models, n_features)]
    _check_fitted_array(estimator, "coef_", coef, values, shapes)
    intercept = getattr(estimator, "intercept_", None)
    _check_fitted_array(estimator, "intercept_", intercept, intercept, [(n_models,)])


def _rows_differ(shape, n_models, n_features):
    """Whether ``coef_`` of ``shape`` has its features but not ``n_models``
    rows."""
    return (
        isinstance(shape, tuple)
        and len(shape) == 2
        and shape[1] == n_features
        and shape[0] != n_models
    )


def _check_fitted_array(estimator, name, array, values, shapes):
    """``array`` (``values`` its numbers) is float32 / float64, of one of
    ``shapes`` and finite."""
    if (
        not isinstance(values, np.ndarray)  # a memmap too (joblib)
        or values.dtype not in (np.float32, np.float64)
        or tuple(array.shape) not in shapes
    ):
        kind = getattr(values, "dtype", type(values).__name__)
        _refuse_attribute(
            estimator,
            name,
            f"expected float32 or float64 values of shape {shapes[0]}, got {kind} of "
            f"shape {getattr(array, 'shape', None)}",
        )
    if not np.isfinite(values).all():
        _refuse_attribute(estimator, name, "it holds non-finite values")


def _refuse_attribute(estimator, name, what):
    raise ValueError(
        f"The fitted attribute {name} of this {type(estimator).__name__} is invalid "
        f"({what}); it was not made by skcosine, or it was modified. Fit the "
        "model again."
    )


def check_sample_weight(sample_weight, n_samples, dtype):
    """Validated sample weights: finite, non-negative, not all zero, one per row."""
    if sample_weight is None:
        return np.ones(n_samples, dtype=dtype)
    if isinstance(sample_weight, Real):
        sample_weight = np.full(n_samples, sample_weight)
    weights = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=np.float64,  # then cast: a weight beyond float32 is named as such
        order="C",
        input_name="sample_weight",
    )
    if dtype == np.float32 and weights.size and np.max(weights) > FLOAT32_MAX:
        raise ValueError(float32_range_message("sample_weight", np.max(weights)))
    weights = weights.astype(dtype, copy=False)
    if weights.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {weights.shape}, expected ({n_samples},)."
        )
    if np.any(weights < 0):
        raise ValueError("sample_weight must not contain negative values.")
    if not np.any(weights):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights


def check_init(coef_init, intercept_init, n_models, n_features, dtype):
    """Validated initial coefficients ``(n_models, n_features)`` and
    intercepts ``(n_models,)`` (each ``None`` when not given)."""
    coef = intercept = None
    if coef_init is not None:
        coef = _finite_array(coef_init, "coef_init", dtype)
        expected = (n_models, n_features) if n_models > 1 else (n_features,)
        if coef.size != np.prod(expected) or (n_models > 1 and coef.ndim != 2):
            raise ValueError(f"coef_init has shape {coef.shape}, expected {expected}.")
        coef = coef.reshape(n_models, n_features)
    if intercept_init is not None:
        intercept = _finite_array(intercept_init, "intercept_init", np.float64)
        if intercept.size != n_models:
            raise ValueError(
                f"intercept_init has shape {intercept.shape}, expected ({n_models},)."
            )
        intercept = intercept.reshape(n_models)
    return coef, intercept


def _finite_array(value, name, dtype):
    """A finite copy of ``value`` (a scalar counts as one value)."""
    value = np.atleast_1d(np.asarray(value))
    checked = check_array(value, ensure_2d=False, dtype=dtype, input_name=name)
    return np.array(checked, dtype=dtype, order="C")
