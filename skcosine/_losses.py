"""Vectorised SGD losses and the penalty of the training objective.

The kernel evaluates the losses per sample; these numpy versions serve the
checks that look at whole models (the divergence rule at the end of ``fit`` and
of ``partial_fit``) and the objective of the ``tol`` rule.
"""

import numpy as np

__all__ = ["TEMPORARIES", "loss_values", "penalty"]

TEMPORARIES = 4
"""Arrays of the shape of its input that :func:`loss_values` (with the
decisions and weights around it) may hold at once: the factor of a block's
memory (see :mod:`skcosine._blocks`)."""


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


def loss_values(loss, epsilon, y, p):
    """The loss of every decision ``p`` against its target ``y``.

    Parameters
    ----------
    loss : str
        Name of the loss (any loss of ``SGDRegressor`` or ``SGDClassifier``).
    epsilon : float
        ``epsilon`` of the epsilon-insensitive and Huber losses.
    y : ndarray
        Targets as the loss sees them (``{-1, 1}``, or ``{0, 1}`` for
        ``log_loss``, for a classification problem).
    p : ndarray
        Decision values, broadcastable with ``y``.
    """
    return _LOSSES[loss](y, p, epsilon)


def penalty(alpha, l1_ratio, squared_norms, l1_norms):
    """The penalty term of scikit-learn's SGD objective.

    ``alpha * ((1 - r) / 2 * ||coef||_2^2 + r * ||coef||_1)`` with ``r`` the
    share of L1 (0 for ``"l2"``, 1 for ``"l1"``); 0 without a penalty (pass
    ``alpha=0``).
    """
    return alpha * ((1.0 - l1_ratio) * 0.5 * squared_norms + l1_ratio * l1_norms)
