"""The parameters of a cosine SGD estimator, checked once and frozen.

Data flows one way: the estimator's parameters become a :class:`Settings`
object at the start of every ``fit`` / ``partial_fit`` call; everything below
(schedule, kernel, checkpoints) reads the settings, never the estimator.
Every rule that involves several parameters lives here, in
:meth:`Settings.check`.
"""

import math
import os
from dataclasses import dataclass, fields, replace
from numbers import Integral, Real

from . import _sklearn_compat as compat
from ._schedules import (
    MAX_COUNT,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    check_rate_range,
)

__all__ = [
    "AUTO_UPDATES",
    "COSINE_CONSTRAINTS",
    "MAX_AUTO_EPOCHS",
    "PARTIAL_FIT_EPOCHS",
    "REAL_PARAMETERS",
    "SCHEDULE_PARAMETERS",
    "Settings",
    "cosine_constraints",
]

_COUNT = compat.Interval(Integral, 1, MAX_COUNT, closed="both")

COSINE_CONSTRAINTS = {
    "eta0": [
        compat.Interval(Real, 0, None, closed="neither"),
        compat.StrOptions({"auto"}),
    ],
    "lr_min": [compat.Interval(Real, 0, None, closed="left")],
    "T_max": [_COUNT, None],
    "T_mult": [_COUNT, None],
    "warmup_epochs": [compat.Interval(Integral, 0, MAX_COUNT, closed="both")],
    "anneal_per": [compat.StrOptions({"epoch", "sample"})],
    "batches_per_epoch": [compat.Interval(Integral, 1, 2**31 - 1, closed="both")],
    "checkpoint_path": [str, os.PathLike, None],
    "checkpoint_every": [_COUNT],
    "max_iter": [_COUNT, compat.StrOptions({"auto"})],
    "n_iter_no_change": [_COUNT],
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


def cosine_constraints(parent_constraints):
    """The parent's constraints without the dropped parameters, plus ours."""
    kept = {
        name: rule
        for name, rule in parent_constraints.items()
        if name not in DROPPED_PARAMETERS
    }
    return compat.own_constraints({**kept, **COSINE_CONSTRAINTS})


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
        names = {field.name for field in fields(cls)}
        values = {name: value for name, value in params.items() if name in names}
        for name in REAL_PARAMETERS:
            if isinstance(values[name], Real):
                values[name] = float(values[name])
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
        if self.T_max is None:
            return self.max_iter - self.warmup_epochs
        return self.T_max

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
        common = {
            "lr_initial": lr_initial,
            "lr_min": lr_min,
            "warmup_epochs": self.warmup_epochs,
        }
        if self.T_mult is None:
            return CosineAnnealingLR(T_max=self.cycle_length, **common)
        return CosineAnnealingWarmRestarts(
            T_0=self.cycle_length, T_mult=self.T_mult, **common
        )


def auto_max_iter(n_samples, minimum):
    """The epochs of ``max_iter='auto'`` on ``n_samples`` rows.

    ``ceil(AUTO_UPDATES / n_samples)``, at least ``minimum`` and at most
    :data:`MAX_AUTO_EPOCHS`: small data get the epochs that SGD needs to
    converge, large data about as many updates as they need, in a few passes.
    (Measured on skcosine's quality data sets: see the docs' benchmarks page.)
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
