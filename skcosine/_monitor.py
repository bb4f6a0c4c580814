"""The monitored value of every epoch, scikit-learn's stopping rule, verbose.

With ``tol`` set (or ``verbose``), each model gets one value per epoch:

* with ``early_stopping``, its score on the held-out rows (R^2 for a
  regression, the accuracy of the binary problem for a classifier);
* otherwise its training objective: the mean loss over the epoch's rows, each
  evaluated just before its update and counted once (sample and class weights
  scale the updates, not this mean), as scikit-learn's SGD sums it, plus the
  penalty of the weights at the end of the epoch.

The stopping rule is scikit-learn's: a model stops after ``n_iter_no_change``
consecutive epochs whose value did not improve on its best by at least
``tol``. Stopped models are left as they are while the others train on.
"""

import numpy as np
from sklearn.metrics import r2_score
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils.extmath import safe_sparse_dot

from ._losses import penalty
from ._state import model_arrays, penalty_norms
from ._training import Hook

__all__ = ["Monitor", "StoppingRule", "validation_split"]


class StoppingRule:
    """scikit-learn's SGD stopping rule for several models at once.

    Parameters
    ----------
    tol : float
        Least improvement that counts.
    n_iter_no_change : int
        Epochs without improvement before a model stops.
    greater_is_better : bool
        Whether larger values are better (scores) or smaller (losses).
    n_models : int
        Number of models.
    """

    def __init__(self, tol, n_iter_no_change, greater_is_better, n_models=1):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.sign = 1.0 if greater_is_better else -1.0
        self.best = np.full(n_models, -np.inf)
        self.count = np.zeros(n_models, dtype=np.int64)

    def update(self, values, active=None):
        """Record the values of an epoch; return which models stop now."""
        values = self.sign * np.asarray(values, dtype=np.float64)
        active = np.ones(len(values), bool) if active is None else active.astype(bool)
        worse = ~(values >= self.best + self.tol)  # NaN counts as no improvement
        self.count = np.where(active, np.where(worse, self.count + 1, 0), self.count)
        self.best = np.where(active, np.fmax(self.best, values), self.best)
        return active & (self.count >= self.n_iter_no_change)


class Monitor(Hook):
    """Computes the monitored values, applies the rule, prints with verbose.

    Parameters
    ----------
    settings : Settings
        ``tol``, ``n_iter_no_change``, ``early_stopping``, ``verbose``, the loss
        and the penalty.
    problem : Problem
        The call's data (its held-out rows score the models).
    validation : ndarray of int or None
        The held-out rows, with ``early_stopping``.
    names : list of str
        How verbose output names each model (empty names for one model).
    rule : StoppingRule or None
        A rule to continue (from a checkpoint); a new one when ``None``.
    stopping : bool
        Whether to apply the stopping rule (``partial_fit`` does not).
    """

    def __init__(self, settings, problem, validation, names, rule=None, stopping=True):
        self.settings, self.problem, self.validation = settings, problem, validation
        self.names = names
        stopping = stopping and settings.tol is not None
        self.active = stopping or bool(settings.verbose)
        if rule is None and stopping:
            rule = StoppingRule(
                settings.tol,
                settings.n_iter_no_change,
                settings.early_stopping,
                problem.n_models,
            )
        self.rule = rule
        self.values = []
        self.name = (
            "validation score" if settings.early_stopping else "training objective"
        )

    def after_pass(self, report):
        if not self.active:
            self.values.append(None)
            return False
        trainer = report.trainer
        on = trainer.active.astype(bool)
        values = np.where(on, self._values(report), np.nan)
        self.values.append(values)
        if self.settings.verbose:
            self._print(report, values, on)
        if self.rule is None:
            return False
        stop = self.rule.update(values, on)
        trainer.active[stop] = 0
        return not trainer.active.any()

    def _values(self, report):
        settings, state = self.settings, report.trainer.state
        if settings.early_stopping:
            return self._scores(model_arrays(state, averaged=False))
        squared, l1 = penalty_norms(state)
        alpha = self.problem.alpha if settings.penalized else 0.0
        objective = report.unweighted_losses  # as scikit-learn's SGD sums it
        return objective + penalty(alpha, settings.l1_ratio or 0.0, squared, l1)

    def _scores(self, model):
        """Score of every model on the held-out rows."""
        coef, intercept = model
        problem, rows = self.problem, self.validation
        decision = safe_sparse_dot(problem.X[rows], coef.T) + intercept
        weight = problem.sample_weight[rows]
        if problem.regression:
            return np.array(
                [
                    r2_score(problem.targets[rows], d, sample_weight=weight)
                    for d in decision.T
                ]
            )
        correct = (decision > 0) == (problem.targets[rows, None] == problem.positive)
        return np.average(correct, axis=0, weights=weight)

    def _print(self, report, values, on):
        for name, value, trained in zip(self.names, values, on):
            if not trained:
                continue
            label = f"{name}, " if name else ""
            print(
                f"-- {label}epoch {report.epoch + 1:g}, learning rate: "
                f"{report.learning_rate:.6g}, {self.name}: {value:.6g}"
            )

    def curve(self):
        """The value of every epoch, averaged over the models that ran it;
        ``None`` when nothing was monitored."""
        if not self.values or all(v is None for v in self.values):
            return None
        table = np.array(
            [
                np.full(self.problem.n_models, np.nan) if v is None else v
                for v in self.values
            ]
        )
        with np.errstate(invalid="ignore"):
            counts = np.sum(~np.isnan(table), axis=1)
            sums = np.nansum(table, axis=1)
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def validation_split(settings, labels, sample_weight, stratify):
    """Rows held out for early stopping, drawn as scikit-learn draws them.

    Parameters
    ----------
    settings : Settings
        ``early_stopping``, ``validation_fraction`` and ``random_state``; the
        split draws from a ``RandomState`` before the seed of the row order,
        as scikit-learn's does.
    labels : ndarray of shape (n_samples,)
        Targets (stratified by, for a classifier).
    sample_weight : ndarray of shape (n_samples,)
        Sample weights.
    stratify : bool
        Whether to keep the class proportions (classifiers).

    Returns
    -------
    mask : ndarray of bool of shape (n_samples,)
        ``True`` on the held-out rows (none without early stopping).
    """
    n_samples = len(labels)
    mask = np.zeros(n_samples, dtype=bool)
    if not settings.early_stopping:
        return mask
    splitter = StratifiedShuffleSplit if stratify else ShuffleSplit
    cv = splitter(
        test_size=settings.validation_fraction, random_state=settings.random_state
    )
    idx_train, idx_val = next(cv.split(np.zeros((n_samples, 1)), labels))
    if idx_train.shape[0] == 0 or idx_val.shape[0] == 0:
        raise ValueError(
            f"Splitting {n_samples} samples with validation_fraction="
            f"{settings.validation_fraction!r} left an empty training or "
            "validation set; change validation_fraction, add samples or set "
            "early_stopping=False."
        )
    if not np.any(sample_weight[idx_val] > 0):
        raise ValueError(
            "The sample weights of the validation set are all zero; use another "
            "random_state or set early_stopping=False."
        )
    mask[idx_val] = True
    return mask
