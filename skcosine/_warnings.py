"""Warnings about a set-up that trains but will disappoint, and where they point.

Each warning says what is wrong and what to do. :func:`warn` attributes it to
the user's line (the first caller outside skcosine), whatever the depth of the
call that found the problem.
"""

import os
import sys
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "MID_CYCLE",
    "warn",
    "warn_if_mid_cycle",
    "warn_if_not_converged",
    "warn_if_rate_zero",
    "warn_if_stalled",
]

MID_CYCLE = 0.1
"""A budget that ends with the rate more than this share of the way from
``lr_min`` back to ``eta0`` ends mid-cycle."""

NAMED_FEATURES = 5
"""How many stalled features the warning names (it counts the others)."""

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def warn(message, category=UserWarning):
    """``warnings.warn``, attributed to the first caller outside skcosine (and
    scikit-learn's decorators)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and (
        os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE
        or frame.f_code.co_filename.endswith(os.path.join("sklearn", "base.py"))
    ):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def warn_if_stalled(stalled, rate, max_iter, feature_names=None):
    """Warn that the rate ``eta0='auto'`` chose cannot move some coefficients.

    Parameters
    ----------
    stalled : ndarray of int
        :func:`~skcosine._step_size.stalled_features` (``-1`` for the
        intercept).
    rate : float
        The rate.
    max_iter : int
        The budget.
    feature_names : ndarray of str or None
        Names of the features, if known.
    """
    if not len(stalled):
        return
    labels = [
        "the intercept"
        if j < 0
        else (
            repr(str(feature_names[j])) if feature_names is not None else f"feature {j}"
        )
        for j in stalled[:NAMED_FEATURES]
    ]
    listed = (
        ", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else labels[0]
    )
    unnamed = len(stalled) - NAMED_FEATURES
    more = f" and {unnamed} more" if unnamed > 0 else ""
    warn(
        f"eta0='auto' is {rate:.3g}: 1 / {1.0 / rate:.3g}, the largest step a row "
        "can take (its squared norm, times its weights and the curvature of the "
        f"loss). At this rate {listed}{more} cannot move in max_iter={max_iter} "
        "epochs, and the model will predict poorly. The features (or the sample "
        "weights) have very different scales: standardize the features, for "
        "example with StandardScaler."
    )


def warn_if_not_converged(settings, n_iter):
    """scikit-learn's warning when a stopping rule that could stop did not."""
    could_stop = (
        settings.tol is not None and settings.n_iter_no_change < settings.max_iter
    )
    if could_stop and n_iter == settings.max_iter:
        warn(
            "Maximum number of iteration reached before convergence. Consider "
            "increasing max_iter to improve the fit.",
            ConvergenceWarning,
        )


def warn_if_mid_cycle(settings, schedule):
    """Warn when the budget ends with the rate far above ``lr_min``."""
    span = schedule.lr_initial - schedule.lr_min
    if span <= 0 or (settings.T_max is None and settings.T_mult is None):
        return  # flat, or one cycle that ends with the budget
    (segment,) = schedule.segments([settings.max_iter - 1])
    base, slope, amplitude, phase, frequency = segment
    end = base + slope + amplitude * np.cos(phase + frequency)  # at max_iter, left
    share = (end - schedule.lr_min) / span
    if share > MID_CYCLE:
        warn(
            f"The budget ends mid-cycle: at the end of epoch {settings.max_iter} the "
            f"learning rate is still {end:.3g}, {share:.0%} of the way from lr_min "
            f"up to eta0 (T_max={settings.T_max!r}, T_mult={settings.T_mult!r}, "
            f"warmup_epochs={settings.warmup_epochs!r}, max_iter="
            f"{settings.max_iter!r}). Use T_max=None for one cycle over the budget, "
            "a larger max_iter, or a budget that ends a cycle."
        )


def warn_if_rate_zero(rate, previous_rate):
    """Warn, once, when ``partial_fit`` starts training at rate 0."""
    if rate == 0 and (previous_rate is None or previous_rate > 0):
        warn(
            "partial_fit now trains at learning rate 0: the schedule has reached "
            "lr_min=0 at its end, so further calls do not change the model. For a "
            "stream that keeps learning, use warm restarts (T_mult=1 restarts "
            "every T_max epochs) or lr_min > 0."
        )
