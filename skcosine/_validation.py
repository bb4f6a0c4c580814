"""Input validation: every array an estimator accepts goes through here.

Every bad input gets a ``ValueError`` naming the problem. NumPy raises
``TypeError`` for inputs such as arrays of arbitrary objects; those become
:class:`InvalidInputError`, which is both, as scikit-learn's
``InvalidParameterError`` is. Sparse matrices are checked for consistency
(index bounds included) before scipy or the kernel touch them.
"""

from contextlib import contextmanager
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from ._kernel import check_csr
from ._targets import FLOAT32_MAX, float32_range_message

__all__ = [
    "InvalidInputError",
    "check_init",
    "check_sample_weight",
    "input_errors",
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


def validate_training_data(estimator, method, X, y, sample_weight, *, reset, dtype):
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
    """
    _refuse_dates(X)
    _check_sparse_structure(X)
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
        )
        weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    return X, y, weights


def validate_prediction_data(estimator, method, X):
    """Validated ``X`` for ``predict`` / ``decision_function``."""
    _refuse_dates(X)
    _check_sparse_structure(X)
    with input_errors(estimator, method):
        X = validate_data(
            estimator,
            X,
            accept_sparse="csr",
            reset=False,
            dtype=[np.float64, np.float32],
        )
    return X


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


def _check_sparse_structure(X):
    """Refuse malformed sparse matrices before scipy or the kernel read them.

    scipy's conversions between formats trust the index arrays; the formats
    stored as index arrays (CSR, CSC, BSR, COO) are checked here, in O(nnz).
    """
    if not sp.issparse(X):
        return
    if X.format in ("csr", "csc", "bsr"):
        n_rows, n_columns = X.shape if X.format != "csc" else X.shape[::-1]
        if X.format == "bsr":
            block_rows, block_columns = X.blocksize
            n_rows, n_columns = n_rows // block_rows, n_columns // block_columns
        check_csr(
            n_rows,
            n_columns,
            np.asarray(X.data).reshape(len(X.data), -1),
            np.ascontiguousarray(X.indices).reshape(-1),
            np.ascontiguousarray(X.indptr).reshape(-1),
        )
    elif X.format == "coo":
        for name, bound in (("row", X.shape[0]), ("col", X.shape[1])):
            index = np.asarray(getattr(X, "coords", (X.row, X.col))[name == "col"])
            if index.size and (index.min() < 0 or index.max() >= bound):
                raise ValueError(
                    f"the sparse COO matrix has a {name} index outside [0, {bound}): "
                    "the matrix is malformed"
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
