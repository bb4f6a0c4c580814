"""Detect SGD runs that diverge, instead of returning an exploded model.

scikit-learn's SGD clips each gradient at 1e12, so an oversized ``eta0`` on
unscaled data gives coefficients of 1e13 or more that are still finite: no error,
a useless model. skcosine checks the model between epochs with this rule:

    Training has diverged after epoch ``e`` if the mean training loss of the
    model (without penalty) is not finite, or is more than ``FACTOR`` (10,000)
    times the larger of the mean training loss of the starting model (the
    model before the first epoch: zeros, ``coef_init`` or the previous model)
    and that of the all-zero model (which makes the rule independent of how
    good a warm start was). A non-finite coefficient raised by the epoch
    itself is reported the same way.

The loss is measured after every epoch on at most ``MAX_ROWS`` rows taken at
a fixed stride (a view of dense ``X``, never a copy), so the error names the
epoch where the loss blew up. Every supported loss is at most
``(1 + |y| + |p|) ** 2`` and ``|p| <= ||coef|| max ||x|| + |intercept|``, so
the exact loss is only computed when that bound exceeds the threshold: in
a healthy run the check costs one dot product of the coefficients.
"""

import math

import numpy as np
from sklearn.utils.extmath import row_norms

from ._losses import mean_loss

__all__ = ["DivergenceGuard", "FACTOR", "MAX_ROWS", "diverged"]

FACTOR = 1e4
MAX_ROWS = 32


class DivergenceGuard:
    """Applies the divergence rule to one problem.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Training data.
    y : ndarray of shape (n_samples,)
        Targets encoded for the loss.
    loss : str
        Name of the loss.
    epsilon : float
        ``epsilon`` of the epsilon-insensitive and Huber losses.
    """

    def __init__(self, X, y, loss, epsilon):
        step = max(1, -(-X.shape[0] // MAX_ROWS))  # ceil(n_samples / MAX_ROWS)
        self.X, self.y = X[::step], y[::step].copy()  # not a view: y may be big
        self.loss, self.epsilon = loss, epsilon
        self.max_row_norm = float(np.sqrt(row_norms(self.X, squared=True).max()))
        self.max_target = float(np.abs(self.y).max())

    def reference_loss(self, coef, intercept):
        """The loss the rule compares with, given the starting model."""
        zero = self.loss_of(np.zeros(self.X.shape[1], dtype=self.X.dtype), 0.0)
        return max(self.loss_of(coef, intercept), zero)

    def loss_of(self, coef, intercept):
        """Mean loss of a model on the monitored rows (inf when it overflows).

        Call it under ``np.errstate(all="ignore")``: overflow is expected.
        """
        decision = self.X @ coef + intercept
        value = mean_loss(self.loss, self.epsilon, self.y, decision)
        return value if value < np.inf else np.inf

    def check(self, reference, coef, intercept, epoch, lr, eta0_text):
        """Raise ``ValueError`` if the model after ``epoch`` has diverged.

        Parameters
        ----------
        reference : float
            :meth:`reference_loss` of the starting model.
        coef, intercept : ndarray, float
            The model after the epoch.
        epoch : int
            The epoch just run, counted from 0.
        lr : float
            Its learning rate.
        eta0_text : str
            The estimator's ``eta0``, as the message shows it.
        """
        threshold = FACTOR * reference
        largest_decision = self.max_row_norm * math.sqrt(coef @ coef) + abs(intercept)
        bound = 1.0 + self.max_target + largest_decision
        if bound * bound <= threshold:  # (a product overflows to inf, ** raises)
            return  # no loss can exceed the threshold
        value = self.loss_of(coef, intercept)
        if value <= threshold:
            return
        raise diverged(
            epoch,
            lr,
            eta0_text,
            f"the training loss reached {value:.3g}, more than {FACTOR:,.0f} times "
            f"the loss of the starting model ({reference:.3g})",
        )


def diverged(epoch, lr, eta0_text, what):
    """The error raised for a diverged run."""
    return ValueError(
        f"SGD diverged at epoch {epoch} (learning rate {lr:.3g}, {eta0_text}): "
        f"{what}. Scale the features (for example with StandardScaler) or use a "
        "smaller eta0."
    )
