"""Rows in blocks: the passes over the data outside the kernel (measuring the
step size, the reference and final losses) never hold more than a sliver of
the data's size in temporaries.

A block's float64 temporaries of ``values_per_row`` values per row stay within
the larger of :data:`MIN_BYTES` and :data:`SHARE` of the size of ``X``, so
peak memory stays close to scikit-learn's whatever the size of ``X``.
"""

import numpy as np
import scipy.sparse as sp

__all__ = ["MIN_BYTES", "SHARE", "row_blocks"]

MIN_BYTES = 16 * 2**10
SHARE = 0.02


def row_blocks(X, values_per_row, rows=None):
    """Slices (or index arrays, for a subset of rows) covering the rows of ``X``.

    Parameters
    ----------
    X : ndarray or sparse matrix
        The data; its size sets the budget.
    values_per_row : int
        Float64 values a block holds per row in its largest temporary.
    rows : ndarray of int or None
        The rows to cover (in order); all rows when ``None``.

    Yields
    ------
    block : slice or ndarray of int
        A contiguous slice when the rows are, else their indices.
    """
    n_rows = X.shape[0] if rows is None else len(rows)
    nbytes = _nbytes(X)
    budget = max(MIN_BYTES, SHARE * nbytes)
    size = max(1, int(budget // (8 * max(1, values_per_row))))
    for start in range(0, n_rows, size):
        stop = min(start + size, n_rows)
        if rows is None:
            yield slice(start, stop)
            continue
        block = rows[start:stop]
        if block[-1] - block[0] + 1 == len(block):  # contiguous: a view of X
            yield slice(int(block[0]), int(block[-1]) + 1)
        else:
            yield block


def _nbytes(X):
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return np.asarray(X).nbytes
