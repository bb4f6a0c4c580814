"""Detect SGD runs that diverge, instead of returning an exploded model.

scikit-learn's SGD clips each gradient at 1e12, so an oversized ``eta0`` on
unscaled data gives coefficients of 1e13 or more that are still finite: no error,
a useless model. skcosine applies this rule to every model it trains:

    Training has diverged if a coefficient, an intercept or a decision is not
    finite, or if the mean training loss (weighted by the sample and class
    weights) is more than ``FACTOR`` (10,000) times the *reference loss*: the
    larger of the mean loss of the starting model and of the all-zero model
    (1 where both are 0), over the training rows.

The reference is never 0: the all-zero model has loss 1 (or log 2) on every
classification loss but the perceptron, and on a regression target it is 0
only if the target is identically 0. The perceptron loss is scale-free
(scaling a model scales its loss and changes no prediction), so for it only
finiteness counts.

The rule is checked

* after every pass, on the progressive loss the kernel adds up over every row
  of the pass (each row's loss just before its update): it costs nothing and
  names the epoch where the loss blew up;
* at the end of ``fit`` and of every ``partial_fit`` call, exactly, on the
  decisions of the final model over every row of the call (in small blocks of
  rows: no copy of the data). A margin loss is 0 on infinite decisions of the
  right sign, so only this check sees a model whose decisions overflowed.
"""

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

from ._blocks import row_blocks
from ._losses import TEMPORARIES, loss_values

__all__ = [
    "FACTOR",
    "check_final",
    "check_pass",
    "diverged",
    "final_failures",
    "loss_failures",
    "mean_losses",
    "reference_losses",
]

FACTOR = 1e4
SCALE_FREE = ("perceptron",)


def reference_losses(start, zero):
    """The reference loss of every model: ``max(start, zero)``, 1 where 0.

    Parameters
    ----------
    start : ndarray of shape (n_models,) or None
        Mean loss of the starting model (``None`` when it is the zero model).
    zero : ndarray of shape (n_models,)
        Mean loss of the all-zero model.
    """
    reference = zero if start is None else np.fmax(start, zero)
    return np.where(reference > 0, reference, 1.0)


def check_pass(loss, mean_losses, references, finite, describe):
    """Raise ``ValueError`` if a pass left a model diverged.

    Parameters
    ----------
    loss : str
        Name of the loss.
    mean_losses : ndarray of shape (n_models,)
        Progressive mean loss of the pass.
    references : ndarray of shape (n_models,)
        :func:`reference_losses`.
    finite : bool
        Whether every trained model ended the pass finite.
    describe : callable
        ``describe(what)`` returns the error for a description of the problem.
    """
    if not finite:
        raise describe("the coefficients overflowed")
    bad = loss_failures(loss, mean_losses, references)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise describe(_loss_text(mean_losses[k], references[k]))


def loss_failures(loss, mean_losses, references):
    """Which models' mean losses break the rule (none for a scale-free loss).

    Parameters
    ----------
    loss : str
        Name of the loss.
    mean_losses, references : ndarray of shape (n_models,)
        Mean losses and :func:`reference_losses`.

    Returns
    -------
    ndarray of bool of shape (n_models,)
    """
    if loss in SCALE_FREE:
        return np.zeros(len(mean_losses), dtype=bool)
    return ~(mean_losses <= FACTOR * references)  # NaN is bad too


def mean_losses(loss, epsilon, X, coef, intercept, targets, weights, rows=None):
    """Weighted mean loss of every model over the rows, in blocks of rows.

    Parameters
    ----------
    loss, epsilon
        The loss and its epsilon.
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Every row of the data.
    coef : ndarray of shape (n_models, n_features)
        The models.
    intercept : ndarray of shape (n_models,)
        Their intercepts.
    targets : callable
        ``targets(rows)`` gives the targets of a slice of rows as the loss sees
        them, broadcastable to ``(n_rows, n_models)``.
    weights : callable
        ``weights(rows)`` gives the weights of those rows, likewise.
    rows : ndarray of int or None
        The rows to average over (a fold of a cross-validation); all rows
        when ``None``.

    Returns
    -------
    means : ndarray of shape (n_models,)
        The mean losses.
    finite : ndarray of bool of shape (n_models,)
        Whether every decision of each model was finite.
    """
    total = np.zeros(len(intercept))
    weight_sum = np.zeros(len(intercept))
    finite = np.ones(len(intercept), dtype=bool)
    for block in row_blocks(X, TEMPORARIES * len(intercept), rows):
        decision = safe_sparse_dot(X[block], coef.T, dense_output=True) + intercept
        finite &= np.all(np.isfinite(decision), axis=0)
        w = np.broadcast_to(weights(block), decision.shape)
        total += (w * loss_values(loss, epsilon, targets(block), decision)).sum(axis=0)
        weight_sum += w.sum(axis=0)
    return total / np.where(weight_sum > 0, weight_sum, 1.0), finite


def final_failures(
    loss, epsilon, X, coef, intercept, targets, weights, references, rows=None
):
    """Which final models diverged: not finite, or a mean loss over the rows
    above the rule's bound.

    The arguments are those of :func:`mean_losses`, plus the
    :func:`reference_losses`.

    Returns
    -------
    overflowed, too_large : ndarray of bool of shape (n_models,)
        Models with non-finite coefficients or decisions, and models whose
        mean loss broke the rule.
    means : ndarray of shape (n_models,)
        The mean losses.
    """
    with np.errstate(all="ignore"):
        means, finite = mean_losses(
            loss, epsilon, X, coef, intercept, targets, weights, rows
        )
    finite &= np.all(np.isfinite(coef), axis=1) & np.isfinite(intercept)
    return ~finite, loss_failures(loss, means, references) & finite, means


def check_final(failures, references, describe):
    """Raise ``ValueError`` unless the final models are finite and not diverged.

    Parameters
    ----------
    failures : tuple
        :func:`final_failures`' ``(overflowed, too_large, means)``.
    references : ndarray of shape (n_models,)
        :func:`reference_losses`.
    describe : callable
        ``describe(what)`` returns the error for a description of the problem.
    """
    overflowed, too_large, means = failures
    if overflowed.any():
        raise describe("the final model has non-finite coefficients or decisions")
    if too_large.any():
        k = int(np.flatnonzero(too_large)[0])
        raise describe(_loss_text(means[k], references[k]))


def _loss_text(value, reference):
    return (
        f"the training loss reached {value:.3g}, more than {FACTOR:,.0f} times the "
        f"loss of the starting model ({reference:.3g})"
    )


def diverged(epoch, lr, eta0_text, what):
    """The error raised for a diverged run."""
    return ValueError(
        f"SGD diverged at epoch {epoch:g} (learning rate {lr:.3g}, {eta0_text}): "
        f"{what}. Scale the features (for example with StandardScaler) or use a "
        "smaller eta0."
    )
