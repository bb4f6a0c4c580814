"""Vectorised SGD losses and the training objective used by the stopping rule.

scikit-learn computes its SGD objective inside the Cython epoch loop and does
not return it, so the ``tol`` / ``n_iter_no_change`` rule, which skcosine runs
between epochs, evaluates the same objective here with numpy.
"""

import numpy as np

__all__ = ["mean_loss", "objective"]


def _hinge(threshold):
    return lambda y, p, eps: np.maximum(0.0, threshold - y * p)


def _modified_huber(y, p, eps):
    z = y * p
    return np.where(z >= 1.0, 0.0, np.where(z >= -1.0, (1.0 - z) ** 2, -4.0 * z))


def _huber(y, p, eps):
    r = np.abs(y - p)
    return np.where(r <= eps, 0.5 * r**2, eps * (r - 0.5 * eps))


_LOSSES = {
    "squared_error": lambda y, p, eps: 0.5 * (y - p) ** 2,
    "huber": _huber,
    "epsilon_insensitive": lambda y, p, eps: np.maximum(0.0, np.abs(y - p) - eps),
    "squared_epsilon_insensitive": lambda y, p, eps: (
        np.maximum(0.0, np.abs(y - p) - eps) ** 2
    ),
    "hinge": _hinge(1.0),
    "perceptron": _hinge(0.0),
    "squared_hinge": lambda y, p, eps: np.maximum(0.0, 1.0 - y * p) ** 2,
    "log_loss": lambda y, p, eps: np.logaddexp(0.0, p) - y * p,
    "modified_huber": _modified_huber,
}


def mean_loss(loss, epsilon, y, p):
    """Mean of the loss ``loss`` over the samples (see :func:`objective`)."""
    return float(_LOSSES[loss](y, p, epsilon).mean())


def objective(loss, epsilon, y, p, coef, alpha, penalty, l1_ratio):
    """Mean loss plus penalty, as scikit-learn's SGD defines its objective.

    Parameters
    ----------
    loss : str
        Name of the loss (any loss of ``SGDRegressor`` or ``SGDClassifier``).
    epsilon : float
        ``epsilon`` of the epsilon-insensitive and Huber losses.
    y : ndarray of shape (n_samples,)
        Targets as the loss sees them (``{-1, 1}``, or ``{0, 1}`` for
        ``log_loss``, for a classification problem).
    p : ndarray of shape (n_samples,)
        Decision values.
    coef : ndarray of shape (n_features,)
        Coefficients, for the penalty.
    alpha, penalty, l1_ratio
        The estimator's regularisation parameters.

    Returns
    -------
    float
        ``mean(loss(y, p)) + alpha * ((1 - r) / 2 * ||coef||_2^2 + r * ||coef||_1)``
        with ``r`` the L1 ratio of the penalty (0 for ``"l2"``, 1 for ``"l1"``).
    """
    value = mean_loss(loss, epsilon, y, p)
    if penalty is None or penalty == "none":
        return value
    ratio = {"l2": 0.0, "l1": 1.0}.get(penalty, l1_ratio)
    l2 = float(np.dot(coef, coef))
    l1 = float(np.abs(coef).sum())
    return value + alpha * ((1.0 - ratio) * 0.5 * l2 + ratio * l1)
