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

The loss is measured on at most ``MAX_ROWS`` rows taken at a fixed stride
(a view of ``X``, never a copy of dense data), after the epochs 1, 2, 4, 8, ...
of a ``fit``, after its last epoch, and after every ``partial_fit`` call, so it
costs a few matrix-vector products of ``MAX_ROWS`` rows per fit.
"""

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

from ._losses import mean_loss

__all__ = ["DivergenceGuard", "FACTOR", "MAX_ROWS", "check_epochs", "diverged"]

FACTOR = 1e4
MAX_ROWS = 256


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
        self.X, self.y = X[::step], y[::step]
        self.loss, self.epsilon = loss, epsilon

    def reference_loss(self, coef, intercept):
        """The loss the rule compares with, given the starting model."""
        zero = self.loss_of(np.zeros(self.X.shape[1]), 0.0)
        return max(self.loss_of(coef, intercept), zero)

    def loss_of(self, coef, intercept):
        """Mean loss of a model on the monitored rows (inf when it overflows)."""
        with np.errstate(all="ignore"):
            decision = safe_sparse_dot(self.X, coef) + intercept
            value = mean_loss(self.loss, self.epsilon, self.y, decision)
        return value if np.isfinite(value) else np.inf

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
        value = self.loss_of(coef, intercept)
        if value <= FACTOR * reference:
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


def check_epochs(n_epochs):
    """Whether the rule runs after each of ``n_epochs`` epochs of a ``fit``.

    Epochs are counted from 0; the rule runs after epochs 0, 1, 3, 7, ...
    (1, 2, 4, 8, ... epochs done) and after the last one.
    """
    done = np.arange(1, n_epochs + 1)
    checks = (done & (done - 1)) == 0
    if n_epochs:
        checks[-1] = True
    return checks
