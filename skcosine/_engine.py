"""The epoch engine shared by the cosine SGD regressor and classifier.

A fit is a set of independent *problems*, each one linear model trained by SGD:
the regression itself, the binary classification, or one class against the
rest. Each problem is held by a *worker*, a private scikit-learn
``SGDRegressor`` or binary ``SGDClassifier`` configured with
``learning_rate="constant"``, whose ``random_state`` is a ``RandomState`` owned
by that problem. Epoch ``e`` of a problem is exactly what
``worker.partial_fit`` does with ``eta0=schedule(e)``:

* on the native path (:data:`._sklearn_compat.NATIVE`) the epoch calls
  scikit-learn's Cython SGD directly, on data validated once per ``fit``;
* on the public path it calls ``worker.partial_fit`` itself.

Every epoch starts from the samples in their original order and shuffles them
with a fresh seed drawn from the problem's generator, which is seeded once per
fit; so epochs see different orders, and no copy of ``X`` is ever made.
"""

from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cached_property, partial

import numpy as np
from joblib import effective_n_jobs
from sklearn.metrics import r2_score
from sklearn.utils.extmath import safe_sparse_dot

from . import _sklearn_compat as compat
from ._divergence import DivergenceGuard, diverged
from ._losses import objective

__all__ = ["EpochEngine", "Problem", "Progress", "StoppingRule", "curve"]

_BINARY = np.array([0, 1])


@dataclass
class Problem:
    """One linear model trained by SGD.

    Attributes
    ----------
    worker : SGDRegressor or SGDClassifier
        Holds the model state and the problem's random generator.
    positive : object or None
        The label treated as the positive class, ``None`` for regression.
    weights : tuple of float or None
        ``(weight_pos, weight_neg)`` class weights, ``None`` for regression.
    init : tuple or None
        ``(coef_init, intercept_init)`` to start from, consumed by the first
        epoch.
    reference_loss : float or None
        The loss the divergence rule compares with, set by the first epoch.
    """

    worker: object
    positive: object = None
    weights: tuple = None
    init: tuple = None
    reference_loss: float = None

    @property
    def coef(self):
        return self.worker.coef_.ravel()

    @property
    def intercept(self):
        return float(self.worker.intercept_[0])


class StoppingRule:
    """scikit-learn's SGD stopping rule, applied between epochs.

    Stop after ``n_iter_no_change`` consecutive epochs whose value did not
    improve on the best value so far by at least ``tol``.
    """

    def __init__(self, tol, n_iter_no_change, greater_is_better):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.sign = 1.0 if greater_is_better else -1.0
        self.best = -np.inf
        self.count = 0

    def update(self, value):
        """Record the value of an epoch; return whether to stop."""
        value = self.sign * value
        self.count = self.count + 1 if value < self.best + self.tol else 0
        self.best = max(self.best, value)
        return self.count >= self.n_iter_no_change


@dataclass
class Progress:
    """Where the training of one problem stands; picklable, for checkpoints.

    Attributes
    ----------
    rule : StoppingRule or None
        The stopping rule, with its counters.
    values : list
        The monitored value of every epoch run (``None`` where not monitored).
    stopped : bool
        Whether the stopping rule ended this problem's training.
    """

    rule: StoppingRule = None
    values: list = field(default_factory=list)
    stopped: bool = False


class EpochEngine:
    """Runs epochs of the problems of one ``fit`` or ``partial_fit`` call.

    Epochs run in order; within an epoch the problems are independent and run
    in threads with ``n_jobs`` (the native epoch releases the GIL). Between
    epochs the engine reports to an optional hook (callbacks, checkpoints).

    Parameters
    ----------
    estimator : CosineSGDRegressor or CosineSGDClassifier
        Source of the hyper-parameters.
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Validated data.
    y : ndarray of shape (n_samples,)
        Validated targets (labels for a classifier).
    sample_weight : ndarray of shape (n_samples,)
        Validated sample weights, dtype of ``X``.
    schedule : CosineAnnealingLR or CosineAnnealingWarmRestarts
        The schedule being followed.
    validation_mask : ndarray of bool of shape (n_samples,) or None
        Rows held out for early stopping.
    """

    def __init__(self, estimator, X, y, sample_weight, schedule, validation_mask=None):
        self.estimator = estimator
        self.eta0_text = estimator._eta0_text(schedule)
        self.X, self.y, self.sample_weight = X, y, sample_weight
        n_samples = X.shape[0]
        if validation_mask is None:
            validation_mask = np.zeros(n_samples, dtype=bool)
        self.validation_mask = validation_mask
        self.native = compat.NATIVE

    def train(
        self,
        problems,
        learning_rates,
        *,
        stopping=False,
        first_epoch=0,
        progress=None,
        hooks=None,
    ):
        """Train the problems for ``len(learning_rates)`` epochs at most.

        Parameters
        ----------
        problems : list of Problem
            The problems, updated in place.
        learning_rates : ndarray of shape (n_epochs,)
            The rate of each epoch.
        stopping : bool, default=False
            Whether to apply the ``tol`` / ``n_iter_no_change`` rule.
        first_epoch : int, default=0
            Schedule position of the first epoch (for messages and hooks).
        progress : list of Progress, default=None
            Progress to resume from, one per problem; new when ``None``.
        hooks : object, default=None
            Its ``begin(epoch)`` is called before every epoch and its
            ``end(epoch, progress)`` after it, with the schedule position of the
            epoch; a true return value of ``end`` stops the training.

        Returns
        -------
        progress : list of Progress
            How far each problem went, with its monitored values.
        """
        if progress is None:
            progress = [
                Progress(self._stopping_rule() if stopping else None) for _ in problems
            ]
        n_jobs = effective_n_jobs(getattr(self.estimator, "n_jobs", None))
        workers = min(n_jobs, len(problems))
        # Sequential one-versus-all epochs share one buffer for their targets.
        self._target_buffer = None
        if workers == 1 and any(p.positive is not None for p in problems):
            self._target_buffer = np.empty(self.X.shape[0], self.X.dtype)
        runs = [self._prepare(problem) for problem in problems]
        pool = ThreadPoolExecutor(workers) if workers > 1 else nullcontext()
        with pool, np.errstate(all="ignore"):  # a diverging run overflows
            for offset, lr in enumerate(learning_rates.tolist()):
                epoch = first_epoch + offset
                active = [i for i, state in enumerate(progress) if not state.stopped]
                if not active:
                    break
                jobs = [(runs[i], progress[i], epoch, lr) for i in active]
                if hooks is not None:
                    hooks.begin(epoch)
                if workers == 1:
                    for job in jobs:
                        self._epoch(*job)
                else:
                    list(pool.map(lambda job: self._epoch(*job), jobs))
                if hooks is not None and hooks.end(epoch, progress):
                    break
        return progress

    def _prepare(self, problem):
        """Everything one problem needs between epochs: runner and guard."""
        encoded = self._encoded_target(problem)
        est = self.estimator
        guard = DivergenceGuard(self.X, encoded, est.loss, est.epsilon)
        if problem.reference_loss is None:
            with np.errstate(all="ignore"):
                problem.reference_loss = guard.reference_loss(*self._start(problem))
        return problem, self._epoch_runner(problem), guard

    def _epoch(self, run, state, epoch, lr):
        """One epoch of one problem, then the divergence check and the rule."""
        problem, run_epoch, guard = run
        self._run_guarded(run_epoch, lr, epoch)
        guard.check(
            problem.reference_loss,
            problem.coef,
            problem.intercept,
            epoch,
            lr,
            self.eta0_text,
        )
        value = None
        if state.rule is not None or self.estimator.verbose:
            value = self._monitor(problem)
        state.values.append(value)
        if self.estimator.verbose:
            _report(problem, epoch, lr, value)
        if state.rule is not None and state.rule.update(value):
            state.stopped = True

    def _run_guarded(self, run_epoch, lr, epoch):
        """Run an epoch; report a numerical overflow as a divergence."""
        try:
            run_epoch(lr)
        except ValueError as exc:
            if "under-/overflow" not in str(exc):
                raise
            raise diverged(
                epoch, lr, self.eta0_text, "the coefficients overflowed"
            ) from exc

    def _start(self, problem):
        """Coefficients and intercept of the model before the first epoch."""
        if hasattr(problem.worker, "coef_"):
            return problem.coef, problem.intercept
        coef, intercept = problem.init or (None, None)
        coef = np.zeros(self.X.shape[1]) if coef is None else coef
        return coef, 0.0 if intercept is None else float(np.ravel(intercept)[0])

    def _epoch_runner(self, problem):
        """A function running one epoch of ``problem`` at a learning rate."""
        if not self.native:
            return partial(self._public_epoch, problem)
        worker = problem.worker
        if not hasattr(worker, "coef_"):
            coef_init, intercept_init = problem.init or (None, None)
            compat.native_init(
                worker, self.X.shape[1], self.X.dtype, coef_init, intercept_init
            )
            problem.init = None
        runner = compat.NativeEpochs(
            worker, self.X, self.sample_weight, self.validation_mask, problem.weights
        )
        if problem.positive is None:
            return partial(runner, y=self.y)
        # Encoded targets are rebuilt per epoch (as scikit-learn does per call)
        # so that one-versus-all training never holds one copy per class.
        lookup, labels, buffer = (
            self._lookup(problem),
            self._labels[1],
            self._target_buffer,
        )
        return lambda lr: runner(lr, y=np.take(lookup, labels, out=buffer))

    def _encoded_target(self, problem):
        """Targets as the loss sees them: ``{-1, 1}`` (``{0, 1}`` for log loss)
        for a classification problem, with the dtype of ``X``."""
        if problem.positive is None:
            return self.y
        return np.take(self._lookup(problem), self._labels[1])

    def _lookup(self, problem):
        """The encoded target of each class, for one classification problem."""
        classes = self._labels[0]
        negative = 0.0 if compat.is_log_loss(problem.worker) else -1.0
        lookup = np.full(len(classes), negative, dtype=self.X.dtype)
        lookup[np.searchsorted(classes, problem.positive)] = 1.0
        return lookup

    @cached_property
    def _labels(self):
        """The classes and the index of every sample's class (one byte each for
        fewer than 128 classes)."""
        classes = self.estimator.classes_
        dtype = np.int8 if len(classes) < 128 else np.intp
        return classes, np.searchsorted(classes, self.y).astype(dtype)

    def _public_epoch(self, problem, lr):
        worker = problem.worker
        worker.eta0 = lr
        target = self.y
        if problem.positive is not None:  # a binary worker wants labels 0/1
            target = (self.y == problem.positive).astype(np.int64)
        X, y, sample_weight = self._public_rows(target)
        if problem.init is not None:
            coef_init, intercept_init = (
                None if a is None else np.array(a, dtype=X.dtype) for a in problem.init
            )
            worker.fit(X, y, coef_init, intercept_init, sample_weight=sample_weight)
            problem.init = None
        elif problem.positive is None:
            worker.partial_fit(X, y, sample_weight=sample_weight)
        else:
            worker.partial_fit(X, y, classes=_BINARY, sample_weight=sample_weight)

    def _public_rows(self, target):
        """Training rows for the public path, which cannot skip held-out rows."""
        if not self.validation_mask.any():
            return self.X, target, self.sample_weight
        train = ~self.validation_mask
        return self.X[train], target[train], self.sample_weight[train]

    @cached_property
    def _validation_rows(self):
        mask = self.validation_mask
        return self.X[mask], self.y[mask], self.sample_weight[mask]

    def _stopping_rule(self):
        est = self.estimator
        if est.tol is None:
            return None
        return StoppingRule(est.tol, est.n_iter_no_change, est.early_stopping)

    def _monitor(self, problem):
        """Validation score with early stopping, else the training objective."""
        est = self.estimator
        coef, intercept = problem.coef, problem.intercept
        if est.early_stopping:
            X_val, y_val, weight = self._validation_rows
            decision = safe_sparse_dot(X_val, coef) + intercept
            if problem.positive is None:
                return r2_score(y_val, decision, sample_weight=weight)
            correct = (decision > 0) == (y_val == problem.positive)
            return float(np.average(correct, weights=weight))
        decision = safe_sparse_dot(self.X, coef) + intercept
        return objective(
            est.loss,
            est.epsilon,
            self._encoded_target(problem),
            decision,
            coef,
            est.alpha,
            est.penalty,
            est.l1_ratio,
        )


def curve(progress):
    """The monitored value of every epoch, averaged over the problems that ran
    it; ``None`` when nothing was monitored (no ``tol``, no ``verbose``)."""
    values = [state.values for state in progress]
    if all(value is None for row in values for value in row):
        return None
    table = np.full((len(values), max(len(row) for row in values)), np.nan)
    for target, row in zip(table, values):
        target[: len(row)] = [np.nan if v is None else v for v in row]
    return np.nanmean(table, axis=0)


def _report(problem, epoch, lr, value):
    label = "" if problem.positive is None else f"class {problem.positive!r}, "
    extra = "" if value is None else f", monitored value: {value:.6g}"
    print(f"-- {label}epoch {epoch + 1}, learning rate: {lr:.6g}{extra}")
