"""The parameters of a cosine SGD estimator: their rules, what ``'auto'``
resolves them to, and the warnings about set-ups that train but disappoint.

Data flows one way: the estimator's parameters become a :class:`Settings`
object at the start of every ``fit`` / ``partial_fit`` call; everything below
(schedule, kernel, checkpoints) reads the settings, never the estimator.
Every rule that involves several parameters lives here, in
:meth:`Settings.check`; so do the two ``'auto'`` values, ``max_iter``
(:func:`auto_max_iter`) and ``eta0`` (:func:`auto_eta0`).

``eta0='auto'``: a step no sample can make diverge
    One SGD update on sample ``i`` changes that sample's decision by
    ``eta * dloss * c_i * w_i * (||x_i||^2 + intercept_decay * fit_intercept)``,
    with ``c_i`` its class weight and ``w_i`` its sample weight. Along that
    direction the loss has curvature at most ``h`` (:data:`CURVATURE`), so the
    step cannot overshoot when::

        eta * h * c_i * w_i * (||x_i||^2 + intercept_decay * fit_intercept) <= 1.

    The largest such ``eta`` over the training rows, times the loss's factor
    in :data:`STEP` (1 unless listed there), is ``eta0='auto'``:

    * 2 for the squared error: a step of twice the no-overshoot step flips the
      residual of the sample with the largest norm, at the same size, so it
      still cannot increase any sample's loss (the classic stability limit
      ``eta * ||x||^2 <= 2``); the cosine decay keeps every later step below
      it;
    * 4 for the hinge, whose gradient is bounded, so that an overshoot cannot
      diverge.

    Both factors were measured on skcosine's quality data sets (with the
    budget of ``max_iter='auto'``): the no-overshoot step is too cautious to
    converge in a short budget.

    A few extreme rows do not set the step for everyone: the largest step is
    taken over the rows but those whose squared norm ``||x_i||^2 +
    intercept_decay * fit_intercept`` is more than 16 times that of the
    99th-percentile row, at most 1% of the rows of positive weight
    (:func:`skcosine._data.data_scale`; weights never make a row extreme:
    they are the objective the user chose). Each row left
    out updates at most at its own no-overshoot step, ``1 / (h s_i)``
    (:func:`row_caps`, applied by the kernel per row): the guarantee holds
    for every row, and for the squared error that capped update is the limit
    of the implicit (proximal) update ``eta / (1 + eta s_i)`` when
    ``eta s_i`` is large. A warning names those rows (:func:`warn_if_extreme`).
    On data without such rows (every data set of the quality benchmark but
    diamonds) nothing changes. The same pass over ``X``
    (:func:`skcosine._data.data_scale`) measures how far the data let a model
    move at that rate, to warn when unscaled features make the rate too small
    to learn anything.

Warnings
    Each says what is wrong and what to do. :func:`warn` attributes it to the
    user's line (the first caller outside skcosine), whatever the depth of the
    call that found the problem.
"""

import math
import os
import sys
import warnings
from dataclasses import dataclass, fields, replace
from numbers import Integral, Real

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning

from . import _sklearn_compat as compat
from ._data import EXTREME_FACTOR
from ._schedules import (
    COUNT,
    MAX_COUNT,
    check_rate_range,
    cosine_schedule,
    cycle_length,
)

__all__ = [
    "AUTO_UPDATES",
    "COSINE_CONSTRAINTS",
    "CURVATURE",
    "DROPPED_PARAMETERS",
    "MAX_AUTO_EPOCHS",
    "MID_CYCLE",
    "PARTIAL_FIT_EPOCHS",
    "REAL_PARAMETERS",
    "SCHEDULE_PARAMETERS",
    "SHOWN_SCHEDULE_WARNINGS",
    "STEP",
    "Settings",
    "auto_eta0",
    "cosine_constraints",
    "row_caps",
    "stalled_features",
    "warn",
    "warn_if_mid_cycle",
    "warn_if_extreme",
    "warn_if_not_converged",
    "warn_if_rate_zero",
    "warn_if_rate_zero_tail",
    "warn_if_stalled",
    "warn_once",
]


COSINE_CONSTRAINTS = {
    "eta0": [
        compat.Interval(Real, 0, None, closed="neither"),
        compat.StrOptions({"auto"}),
    ],
    "lr_min": [compat.Interval(Real, 0, None, closed="left")],
    "T_max": [COUNT, None],
    "T_mult": [COUNT, None],
    "warmup_epochs": [compat.Interval(Integral, 0, MAX_COUNT, closed="both")],
    "anneal_per": [compat.StrOptions({"epoch", "sample"})],
    "batches_per_epoch": [compat.Interval(Integral, 1, 2**31 - 1, closed="both")],
    "checkpoint_path": [str, os.PathLike, None],
    "checkpoint_every": [COUNT],
    "max_iter": [COUNT, compat.StrOptions({"auto"})],
    "n_iter_no_change": [COUNT],
    "average": [compat.Interval(Integral, 0, MAX_COUNT, closed="both"), "boolean"],
}
"""Constraints of the parameters skcosine adds to scikit-learn's SGD, and of
the inherited counts, bounded so that they stay exact as floats."""

AUTO_UPDATES = 50_000
"""Updates ``max_iter='auto'`` aims at: ``ceil(AUTO_UPDATES / n_samples)``
epochs, within the estimator's minimum and :data:`MAX_AUTO_EPOCHS`."""
MAX_AUTO_EPOCHS = 100
PARTIAL_FIT_EPOCHS = 100
"""The budget of ``max_iter='auto'`` for a schedule that ``partial_fit``
starts: the size of the data is not known then."""

DROPPED_PARAMETERS = ("learning_rate", "power_t")
"""scikit-learn SGD parameters that mean nothing under a cosine schedule."""

REAL_PARAMETERS = (
    "alpha",
    "l1_ratio",
    "tol",
    "epsilon",
    "eta0",
    "lr_min",
    "validation_fraction",
)
"""The real-valued parameters: a ``numbers.Real`` given (``Fraction(1, 10)``,
``numpy.float32(0.1)``) is used as the float of the same value."""

SCHEDULE_PARAMETERS = ("eta0", "lr_min", "T_max", "T_mult", "warmup_epochs")
"""Parameters fixed by the first ``partial_fit`` call (or by ``fit``)."""


def cosine_constraints(parent_constraints, *, dropped, added):
    """The constraints of a cosine estimator: its scikit-learn parent's
    (``parent_constraints``) without the parameters named in ``dropped``, with
    ``added`` (``{name: [rule, ...]}``) replacing or extending them, every
    ``Interval`` made :mod:`._sklearn_compat`'s.

    The SGD estimators pass :data:`DROPPED_PARAMETERS` and
    :data:`COSINE_CONSTRAINTS`; the MLP ones ``_mlp.DROPPED_PARAMETERS`` and
    ``_mlp.MLP_CONSTRAINTS``.
    """
    kept = {
        name: rule for name, rule in parent_constraints.items() if name not in dropped
    }
    return compat.own_constraints({**kept, **added})


@dataclass(frozen=True)
class Settings:
    """What one ``fit`` or ``partial_fit`` call needs from the parameters.

    Build it with :meth:`from_params`; the values are the estimator's
    parameters, already validated, with ``l1_ratio`` resolved for the penalty
    and ``average`` as an integer.
    """

    loss: str
    penalty: object
    alpha: float
    l1_ratio: float
    fit_intercept: bool
    max_iter: int
    tol: object
    shuffle: bool
    verbose: int
    epsilon: float
    random_state: object
    eta0: object
    lr_min: float
    T_max: object
    T_mult: object
    warmup_epochs: int
    anneal_per: str
    batches_per_epoch: int
    early_stopping: bool
    validation_fraction: float
    n_iter_no_change: int
    warm_start: bool
    average: int
    checkpoint_path: object
    checkpoint_every: int
    class_weight: object = None
    n_jobs: object = None

    @classmethod
    def from_params(cls, params, *, incremental):
        """Settings of an estimator's (validated) parameters.

        Parameters
        ----------
        params : dict
            ``estimator.get_params(deep=False)``, after the estimator validated
            them against its ``_parameter_constraints``.
        incremental : bool
            Whether the call is ``partial_fit``.
        """
        values = {
            name: value for name, value in params.items() if name in _SETTINGS_NAMES
        }
        for name in REAL_PARAMETERS:
            value = values[name]
            # the builtin types first: an isinstance check against the
            # abstract Real costs about 1 us
            if isinstance(value, (float, int)) or isinstance(value, Real):
                values[name] = float(value)
        values["l1_ratio"] = _effective_l1_ratio(params["penalty"], params["l1_ratio"])
        values["average"] = int(params["average"])
        settings = cls(**values)
        settings.check(incremental)
        return settings

    def with_max_iter(self, epochs, incremental):
        """These settings with ``max_iter='auto'`` resolved to ``epochs``
        (see :func:`auto_max_iter`), checked again; unchanged for an integer
        ``max_iter``."""
        if self.max_iter != "auto":
            return self
        resolved = replace(self, max_iter=int(epochs))
        resolved.check(incremental)
        return resolved

    def check(self, incremental):
        """Raise ``ValueError`` for parameter values that cannot go together."""
        if self.eta0 != "auto":
            check_rate_range(self.lr_min, self.eta0, "lr_min", "eta0")
        if self.penalty == "elasticnet" and self.l1_ratio is None:
            raise ValueError("l1_ratio must be set when penalty is 'elasticnet'.")
        resolved = self.max_iter != "auto"  # 'auto' is checked once resolved
        if resolved and self.T_max is None and self.warmup_epochs >= self.max_iter:
            raise ValueError(
                f"warmup_epochs={self.warmup_epochs!r} must be smaller than "
                f"max_iter={self.max_iter!r} when T_max=None, so that the "
                "cosine phase has at least one epoch."
            )
        if incremental:
            self._check_incremental()
        elif self.early_stopping and self.tol is None:
            raise ValueError(
                "early_stopping=True needs tol to be a float: with tol=None the "
                "held-out validation_fraction of the data would only be set aside, "
                "never used to stop. Set tol (for example 1e-3) or "
                "early_stopping=False."
            )

    def _check_incremental(self):
        if self.early_stopping:
            raise ValueError("early_stopping should be False with partial_fit.")
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit, which "
                "sees only part of the data: compute the weights once with "
                "sklearn.utils.class_weight.compute_class_weight('balanced', "
                "classes=classes, y=y) on a representative sample and pass them "
                "as a dict."
            )

    @property
    def penalized(self):
        """Whether there is a penalty term at all."""
        return self.penalty is not None and self.alpha > 0

    @property
    def truncates(self):
        """Whether the L1 truncated-gradient state is used."""
        return self.penalty in ("l1", "elasticnet")

    @property
    def cycle_length(self):
        """``T_max``, or the budget after warmup when ``T_max=None``."""
        return cycle_length(self.T_max, self.warmup_epochs, self.max_iter)

    def schedule_key(self):
        """The values that fix the schedule, compared across ``partial_fit``
        calls: ``eta0``, ``lr_min``, ``T_max`` (resolved), ``T_mult`` and
        ``warmup_epochs``."""
        return {
            "eta0": self.eta0,
            "lr_min": self.lr_min,
            "warmup_epochs": self.warmup_epochs,
            "T_mult": self.T_mult,
            "T_max": self.cycle_length,  # last: warmup_epochs changes it too
        }

    def schedule(self, lr_initial):
        """The schedule of these settings, starting at ``lr_initial``.

        With ``eta0='auto'`` an ``lr_min`` above the computed rate is lowered
        to it (the schedule is then flat), so that every ``lr_min`` of a grid
        gives a valid candidate.
        """
        lr_min = self.lr_min if self.eta0 != "auto" else min(self.lr_min, lr_initial)
        return cosine_schedule(
            lr_initial,
            lr_min,
            self.T_max,
            self.T_mult,
            self.warmup_epochs,
            self.max_iter,
        )


_SETTINGS_NAMES = frozenset(field.name for field in fields(Settings))
"""The parameters :meth:`Settings.from_params` keeps."""


def auto_max_iter(n_samples, minimum):
    """The epochs of ``max_iter='auto'`` on ``n_samples`` rows.

    ``ceil(AUTO_UPDATES / n_samples)``, at least ``minimum`` and at most
    :data:`MAX_AUTO_EPOCHS`: small data get the epochs that SGD needs to
    converge, large data about as many updates as they need, in a few passes.
    (Measured on skcosine's quality data sets: see the docs' benchmarks page.)
    ``minimum`` is the estimator's ``_auto_epochs_floor(n_classes)``: 20 for
    a regressor or a classifier of 3 classes or more, 10 for two classes.
    """
    epochs = math.ceil(AUTO_UPDATES / max(int(n_samples), 1))
    return int(min(MAX_AUTO_EPOCHS, max(minimum, epochs)))


def _effective_l1_ratio(penalty, l1_ratio):
    """The share of L1 in the penalty: 0 for L2 (or none), 1 for L1."""
    if penalty == "l1":
        return 1.0
    if penalty == "elasticnet":
        return None if l1_ratio is None else float(l1_ratio)
    return 0.0


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


def row_caps(scale, loss, n_samples):
    """The largest rate of every row's update (``Kernel(row_cap=...)``) with
    ``eta0='auto'``, or ``None`` when no row needs one.

    The rows :func:`auto_eta0` left out (``scale.extreme_rows``) get their
    no-overshoot step ``1 / (h s_i)``; the others ``inf`` (no cap: the rate
    is safe for them).
    """
    if not len(scale.extreme_rows):
        return None
    caps = np.full(n_samples, np.inf)
    caps[scale.extreme_rows] = 1.0 / (CURVATURE[loss] * scale.extreme_steps)
    return caps


NAMED_ROWS = 5
"""How many extreme rows the warning names (it counts the others)."""


def warn_if_extreme(scale):
    """Warn that a few rows are so large that ``eta0='auto'`` left them out.

    Parameters
    ----------
    scale : DataScale
        The measured data: ``extreme_rows``, ``extreme_steps`` and
        ``reference``.
    """
    rows = scale.extreme_rows
    if not len(rows):
        return
    named = ", ".join(
        f"{row} ({norm / scale.reference:.3g} times the reference)"
        for row, norm in zip(rows[:NAMED_ROWS], scale.extreme_norms[:NAMED_ROWS])
    )
    unnamed = len(rows) - NAMED_ROWS
    more = f" and {unnamed} more" if unnamed > 0 else ""
    plural = "s" if len(rows) > 1 else ""
    warn(
        f"A few rows of X dominate the scale of the data: {len(rows)} row{plural} "
        f"with a squared norm more than {EXTREME_FACTOR:g} times that of the "
        f"row at the 99th percentile (the reference): row{plural} {named}{more}. "
        "eta0='auto' is derived from the other rows, and each of these rows "
        "updates the model at most with its own safe step, but still pulls the "
        "model toward fitting it. Check them for errors (a wrong unit, a "
        "missing-value code such as 9999), drop or clip them, or scale the "
        "features with sklearn.preprocessing.RobustScaler."
    )


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


MID_CYCLE = 0.1
"""A budget that ends with the rate more than this share of the way from
``lr_min`` back to ``eta0`` ends mid-cycle."""

NAMED_FEATURES = 5
"""How many stalled features the warning names (it counts the others)."""

_SKIPPED = (
    os.path.dirname(os.path.abspath(__file__)) + os.sep,
    # "base." and not "base.py": CPython (3.12, 3.13) matches the prefixes
    # against the file name less its last character, so a whole name never
    # matches
    os.path.join(os.path.dirname(os.path.abspath(sklearn.__file__)), "base."),
)
"""Where the frames :func:`warn` skips live: skcosine, and scikit-learn's
``base.py`` (its ``fit`` decorator)."""


def warn(message, category=UserWarning):
    """``warnings.warn``, attributed to the first caller outside skcosine (and
    scikit-learn's decorators, in ``sklearn/base.py``)."""
    if sys.version_info >= (3, 12):
        warnings.warn(message, category, skip_file_prefixes=_SKIPPED)
        return
    # the same, by hand, before Python 3.12
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_SKIPPED):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def warn_if_stalled(stalled, rate, max_iter, feature_names=None):
    """Warn that the rate ``eta0='auto'`` chose cannot move some coefficients.

    Parameters
    ----------
    stalled : ndarray of int
        :func:`~skcosine._settings.stalled_features` (``-1`` for the
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


SHOWN_SCHEDULE_WARNINGS = set()
"""The warnings about a schedule that does not fit its budget (mid-cycle, rate
0) this process has shown: each is shown once (:func:`warn_once`)."""


def warn_once(message):
    """:func:`warn`, unless this process has shown ``message`` already.

    A search fits one estimator many times with one schedule, and a schedule
    warning per fit buries the output. Python's own deduplication cannot help:
    scikit-learn runs every fit of a search inside a fresh
    ``warnings.catch_warnings()``, and any change of the filters empties the
    registries of the ``"default"`` and ``"once"`` actions alike. So the
    messages hold the settings of the schedule but no number that changes
    between the fits of a search (the budget, or the rate ``eta0='auto'``
    derives from each fold), and this set remembers them: once per process
    (per worker process with ``n_jobs``), whatever the filters say."""
    if message in SHOWN_SCHEDULE_WARNINGS:
        return
    SHOWN_SCHEDULE_WARNINGS.add(message)
    warn(message)


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
        warn_once(
            "The budget ends mid-cycle: at the end of the max_iter epochs the "
            f"learning rate is still more than {MID_CYCLE:.0%} of the way from "
            f"lr_min up to eta0 (T_max={settings.T_max!r}, T_mult="
            f"{settings.T_mult!r}, warmup_epochs={settings.warmup_epochs!r}). Use "
            "T_max=None for one cycle over the budget, a larger max_iter, or a "
            "budget that ends a cycle."
        )


def warn_if_rate_zero_tail(settings, schedule, n_iter):
    """Warn when a single cycle reached ``lr_min=0`` before the budget ended
    and the fit went on at rate 0 (epochs that change nothing)."""
    if settings.T_max is None or settings.T_mult is not None:
        return  # one cycle over the budget, or warm restarts
    end = settings.warmup_epochs + settings.T_max  # the first epoch at lr_min
    if schedule.lr_min != 0 or n_iter <= end:
        return
    warn_once(
        f"The schedule reaches learning rate 0 at epoch {end} "
        f"(warmup_epochs={settings.warmup_epochs!r} + T_max={settings.T_max!r}), "
        "and every later epoch of max_iter trains at rate 0, changing nothing. "
        "Use T_max=None for one cycle over the budget, warm restarts (T_mult=1), "
        "lr_min > 0, or max_iter=warmup_epochs + T_max."
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
