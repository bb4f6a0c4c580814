"""``eta0='auto'``: a step no sample can make diverge, and its limits.

One SGD update on sample ``i`` changes that sample's decision by
``eta * dloss * c_i * w_i * (||x_i||^2 + intercept_decay * fit_intercept)``,
with ``c_i`` its class weight and ``w_i`` its sample weight. Along that
direction the loss has curvature at most ``h`` (:data:`CURVATURE`), so the step
cannot overshoot when::

    eta * h * c_i * w_i * (||x_i||^2 + intercept_decay * fit_intercept) <= 1.

The largest such ``eta`` over the training rows, times the loss's factor in
:data:`STEP` (1 unless listed there), is ``eta0='auto'``:

* 2 for the squared error: a step of twice the no-overshoot step flips the
  residual of the sample with the largest norm, at the same size, so it still
  cannot increase any sample's loss (the classic stability limit
  ``eta * ||x||^2 <= 2``); the cosine decay keeps every later step below it;
* 4 for the hinge, whose gradient is bounded, so that an overshoot cannot
  diverge.

Both factors were measured on skcosine's quality data sets (with the budget
of ``max_iter='auto'``): the no-overshoot step is too cautious to converge in
a short budget. The same pass over ``X`` measures how far the data let a model
move at that rate, to warn when unscaled features make the rate too small to
learn anything.
"""

import numpy as np
import scipy.sparse as sp

from ._blocks import row_blocks

__all__ = [
    "CURVATURE",
    "STEP",
    "DataScale",
    "auto_eta0",
    "data_scale",
    "stalled_features",
]

CURVATURE = {
    "squared_error": 1.0,
    "huber": 1.0,
    "epsilon_insensitive": 1.0,  # piecewise linear: the data's scale only
    "squared_epsilon_insensitive": 2.0,
    "hinge": 1.0,
    "perceptron": 1.0,
    "squared_hinge": 2.0,
    "log_loss": 0.25,
    "modified_huber": 2.0,
}
"""Largest second derivative of each loss in the decision (1 for the piecewise
linear losses, whose steps only need to match the scale of the data)."""

STEP = {"squared_error": 2.0, "hinge": 4.0}
"""Multiples of the no-overshoot step that ``eta0='auto'`` takes (see the
module docstring); 1 for the other losses."""

STALLED = 0.01
"""A feature whose summed step over the budget, ``rate_sum * sum_i c_i w_i
x_ij^2``, stays below this moves its coefficient by at most about 1% of the
way to its optimum."""


class DataScale:
    """What the step size depends on, measured in one pass over ``X``.

    Attributes
    ----------
    max_step : float
        ``max_i c_i w_i (||x_i||^2 + intercept_decay * fit_intercept)``; ``inf``
        when a squared row norm overflows float64.
    column_sums : ndarray of shape (n_features,)
        ``sum_i c_i w_i x_ij^2``: how strongly the data move coefficient ``j``
        per unit of learning rate and epoch.
    intercept_sum : float
        The same for the intercept (``intercept_decay * sum_i c_i w_i``), 0
        without an intercept.
    """

    def __init__(self, max_step, column_sums, intercept_sum):
        self.max_step = max_step
        self.column_sums = column_sums
        self.intercept_sum = intercept_sum


def data_scale(X, row_weights, fit_intercept, intercept_decay, rows=None):
    """Measure :class:`DataScale` of the training rows.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        The data (float32 or float64; summed in float64).
    row_weights : ndarray of shape (n_samples,)
        ``c_i * w_i`` of every row (the largest over the models).
    fit_intercept : bool
        Whether the intercept is trained.
    intercept_decay : float
        Factor of the intercept updates (0.01 for CSR input).
    rows : ndarray of int or None
        The training rows; all rows when ``None``. Only small blocks of rows
        are ever copied (see :mod:`skcosine._blocks`).
    """
    column_sums = np.zeros(X.shape[1])
    max_step = 0.0
    intercept = intercept_decay if fit_intercept else 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for block in row_blocks(X, X.shape[1], rows):
            weights = np.asarray(row_weights[block], dtype=np.float64)
            squares = _squares(X[block])
            row_norms = np.asarray(squares.sum(axis=1)).ravel()
            if len(row_norms):
                max_step = max(
                    max_step, float(np.max(weights * (row_norms + intercept)))
                )
            column_sums += np.asarray(squares.T @ weights).ravel()
    kept = slice(None) if rows is None else rows
    intercept_sum = intercept * float(np.sum(row_weights[kept], dtype=np.float64))
    if not np.isfinite(max_step):
        max_step = np.inf
    return DataScale(max_step, column_sums, intercept_sum)


def _squares(block):
    """Element-wise squares of a block of rows, in float64."""
    if sp.issparse(block):
        squared = block.astype(np.float64)
        squared.data **= 2
        return squared
    return np.square(block, dtype=np.float64)


def auto_eta0(scale, loss):
    """The initial rate of ``eta0='auto'``: ``STEP / (h * max_step)``.

    Raises
    ------
    ValueError
        When a squared row norm of ``X`` overflows float64: no step size can
        train on such data.
    """
    if not np.isfinite(scale.max_step):
        raise ValueError(
            "X has values so large that the squared norm of a row overflows "
            "float64 (about 1e308), so no learning rate can be derived from the "
            "data (eta0='auto') and SGD would overflow: scale the features, for "
            "example with StandardScaler."
        )
    step = CURVATURE[loss] * scale.max_step
    return STEP.get(loss, 1.0) / step if step > 0 else 1.0


def stalled_features(scale, rate_sum):
    """Features (and the intercept, as ``-1``) that cannot move at the rate.

    Parameters
    ----------
    scale : DataScale
        The measured data.
    rate_sum : float
        Sum of the learning rates of every epoch of the budget.

    Returns
    -------
    stalled : ndarray of int
        Indices of the features with data whose summed step
        ``rate_sum * column_sums[j]`` is below :data:`STALLED`, plus ``-1``
        when the intercept is in the same situation.
    """
    moving = rate_sum * scale.column_sums
    stalled = np.flatnonzero((scale.column_sums > 0) & (moving < STALLED))
    if 0 < scale.intercept_sum and rate_sum * scale.intercept_sum < STALLED:
        stalled = np.append(stalled, -1)
    return stalled
