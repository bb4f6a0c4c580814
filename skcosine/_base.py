"""What the cosine SGD regressor and classifier share: parameters, validation,
the schedule, and the ``fit`` / ``partial_fit`` flow around the epoch engine."""

import copy
import functools
import os
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils import check_array, check_random_state
from sklearn.utils.extmath import row_norms
from sklearn.utils.validation import validate_data

from . import _sklearn_compat as compat
from ._callbacks import FitCallbacks, init_callback_context
from ._checkpoint import Checkpoint
from ._engine import EpochEngine, Problem, curve
from ._schedules import CosineAnnealingLR, CosineAnnealingWarmRestarts

COSINE_CONSTRAINTS = {
    "eta0": [
        compat.Interval(Real, 0, None, closed="neither"),
        compat.StrOptions({"auto"}),
    ],
    "lr_min": [compat.Interval(Real, 0, None, closed="left")],
    "T_max": [compat.Interval(Integral, 1, None, closed="left"), None],
    "T_mult": [compat.Interval(Integral, 1, None, closed="left"), None],
    "warmup_epochs": [compat.Interval(Integral, 0, None, closed="left")],
    "batches_per_epoch": [compat.Interval(Integral, 1, None, closed="left")],
    "checkpoint_path": [str, os.PathLike, None],
    "checkpoint_every": [compat.Interval(Integral, 1, None, closed="left")],
}
"""Constraints of the parameters skcosine adds to scikit-learn's SGD."""

DROPPED_PARAMETERS = ("learning_rate", "power_t")
"""scikit-learn SGD parameters that mean nothing under a cosine schedule."""


def cosine_constraints(parent_constraints):
    """The parent's constraints without the dropped parameters, plus ours."""
    kept = {
        name: rule
        for name, rule in parent_constraints.items()
        if name not in DROPPED_PARAMETERS
    }
    return {**kept, **COSINE_CONSTRAINTS}


class InvalidInputError(ValueError, TypeError):
    """Input that cannot be used, reported as a ``ValueError``.

    Also a ``TypeError``, the type NumPy raises for such input, as
    scikit-learn's ``InvalidParameterError`` is both.
    """


def value_errors(method):
    """Report unusable input as a ``ValueError``, like every other bad input.

    NumPy raises ``TypeError`` for inputs such as arrays of arbitrary objects;
    users running unattended searches catch ``ValueError``, so the public
    methods raise :class:`InvalidInputError`, which is both.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except TypeError as exc:
            if isinstance(exc, ValueError):  # InvalidParameterError is both
                raise
            raise InvalidInputError(
                f"{type(self).__name__}.{method.__name__} cannot use its input: {exc}"
            ) from exc

    return wrapper


@contextmanager
def atomic(estimator):
    """Undo every attribute change of ``estimator`` if the block raises.

    Parameters are never reassigned by skcosine, so a failed or interrupted
    ``fit`` leaves the estimator exactly as it was: unfitted, or in its
    previous fitted state.
    """
    state = dict(vars(estimator))
    try:
        yield
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(state)
        raise


class CosineSGDMixin:
    """``fit`` and ``partial_fit`` of a cosine-annealed SGD estimator.

    Subclasses provide ``_worker_class``, ``_prepare_targets``,
    ``_make_problems`` and ``_coefficients``.
    """

    @value_errors
    def score(self, X, y, sample_weight=None):
        """Score of the model on ``X`` and ``y``, as the parent defines it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2 for the regressor, accuracy for the classifier.
        """
        return super().score(X, y, sample_weight=sample_weight)

    def _check_params(self):
        """Rules that involve several parameters, checked before the data."""
        if self.eta0 != "auto" and self.lr_min > self.eta0:
            raise ValueError(
                f"lr_min={self.lr_min!r} must be <= eta0={self.eta0!r}: the "
                "learning rate is annealed from eta0 down to lr_min."
            )
        if self.penalty == "elasticnet" and self.l1_ratio is None:
            raise ValueError("l1_ratio must be set when penalty is 'elasticnet'.")
        if self.T_max is None and self.warmup_epochs >= self.max_iter:
            raise ValueError(
                f"warmup_epochs={self.warmup_epochs!r} must be smaller than "
                f"max_iter={self.max_iter!r} when T_max=None, so that the "
                "cosine phase has at least one epoch."
            )

    def _initial_rate(self, X):
        """``eta0``, or with ``eta0='auto'`` the inverse of the largest
        per-sample curvature of the loss: ``1 / (max ||x_i||^2 + fit_intercept)``
        (four times that for ``log_loss``), a step no sample can overshoot."""
        if self.eta0 != "auto":
            return self.eta0
        curvature = row_norms(X, squared=True).max() + int(self.fit_intercept)
        if self.loss == "log_loss":
            curvature /= 4.0
        return 1.0 / curvature if curvature > 0 else 1.0

    def _make_schedule(self, X):
        """The schedule of the current parameters on the data ``X``."""
        eta0 = float(self._initial_rate(X))
        if self.lr_min > eta0:
            raise ValueError(
                f"lr_min={self.lr_min!r} must be <= the initial learning rate "
                f"{eta0:.3g}, which eta0='auto' computed from the data; lower "
                "lr_min or set eta0."
            )
        common = dict(
            lr_initial=eta0,
            lr_min=self.lr_min,
            warmup_epochs=self.warmup_epochs,
        )
        T_max = self.max_iter - self.warmup_epochs if self.T_max is None else self.T_max
        if self.T_mult is None:
            return CosineAnnealingLR(T_max=T_max, **common)
        return CosineAnnealingWarmRestarts(T_0=T_max, T_mult=self.T_mult, **common)

    def _eta0_text(self, schedule):
        """``eta0`` as messages show it."""
        if self.eta0 == "auto":
            return f"eta0='auto' (= {schedule.lr_initial:.3g})"
        return f"eta0={self.eta0!r}"

    def _check_engine_support(self):
        if not compat.NATIVE and self._is_classifier_with_average():
            raise ValueError(
                "average=True needs skcosine's native epoch engine for "
                "CosineSGDClassifier, which is not enabled for scikit-learn "
                f"{'.'.join(map(str, compat.SKLEARN_VERSION))}: the public "
                "SGDClassifier.partial_fit drops the unaveraged intercept between "
                "calls. Use average=False or a supported scikit-learn version."
            )

    def _is_classifier_with_average(self):
        return bool(self.average) and is_classifier(self)

    def _validate_training_data(self, X, y, sample_weight, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            order="C",
            accept_large_sparse=False,
            reset=reset,
        )
        return X, y, _check_sample_weight(sample_weight, X.shape[0], X.dtype)

    def _cosine_fit(self, X, y, coef_init, intercept_init, sample_weight):
        self._check_params()
        self._check_engine_support()
        init_callback_context(self, self.max_iter)
        with atomic(self):
            given_weight = sample_weight
            X, y, sample_weight = self._validate_training_data(
                X, y, sample_weight, reset=True
            )
            schedule = self._make_schedule(X)
            y = self._prepare_targets(y, X.dtype, classes=None, partial=False)
            if self.warm_start and hasattr(self, "coef_"):
                coef_init = self.coef_ if coef_init is None else coef_init
                intercept_init = (
                    self.intercept_ if intercept_init is None else intercept_init
                )
            checkpoint = None
            if self.checkpoint_path is not None:
                data = (X, y, sample_weight, coef_init, intercept_init)
                checkpoint = Checkpoint(self, data)
            saved = None if checkpoint is None else checkpoint.load()
            if saved is None:
                problems = self._make_problems(y, X, coef_init, intercept_init)
                mask = self._validation_mask(y, sample_weight)
                saved = {"problems": problems, "mask": mask, "progress": None}
            problems, mask = saved["problems"], saved["mask"]
            engine = EpochEngine(self, X, y, sample_weight, schedule, mask)
            callbacks = FitCallbacks(self, X, y, given_weight)
            callbacks.begin_fit()
            hooks = None
            if callbacks.active or checkpoint is not None:
                hooks = _FitHooks(self, problems, mask, callbacks, checkpoint)
            learning_rates = schedule._rates(self.max_iter)
            start = 0 if saved["progress"] is None else saved["epochs"]
            progress = engine.train(
                problems,
                learning_rates[start:],
                stopping=True,
                first_epoch=start,
                progress=saved["progress"],
                hooks=hooks,
            )
            n_iter = max(len(state.values) for state in progress)
            self._record(problems, schedule, learning_rates[:n_iter])
            self._record_curve(curve(progress), previous=None)
            callbacks.end_fit(lambda: self._fitted_model(problems))
        if checkpoint is not None:
            checkpoint.remove()
        could_stop = self.tol is not None and self.n_iter_no_change < self.max_iter
        if could_stop and self.n_iter_ == self.max_iter:
            warnings.warn(
                "Maximum number of iteration reached before convergence. Consider "
                "increasing max_iter to improve the fit.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    def _cosine_partial_fit(self, X, y, sample_weight, classes=None):
        first_call = not hasattr(self, "_problems")
        if first_call:
            self._check_params()
            self._check_partial_fit_params()
        self._check_engine_support()
        with atomic(self):
            X, y, sample_weight = self._validate_training_data(
                X, y, sample_weight, reset=first_call
            )
            schedule = self._make_schedule(X) if first_call else self.schedule_
            y = self._prepare_targets(y, X.dtype, classes=classes, partial=True)
            if first_call:
                problems = self._make_problems(y, X, None, None)
                learning_rates = np.empty(0)
            else:
                problems = copy.deepcopy(self._problems)
                learning_rates = self.learning_rates_
            position = len(learning_rates) / self.batches_per_epoch
            lr = float(schedule._lr(np.float64(position)))
            engine = EpochEngine(self, X, y, sample_weight, schedule)
            progress = engine.train(
                problems,
                np.array([lr]),
                first_epoch=position
                if self.batches_per_epoch > 1
                else len(learning_rates),
            )
            previous = getattr(self, self._curve_name(), None)
            self._record(problems, schedule, np.append(learning_rates, lr))
            self._record_curve(curve(progress), previous)
        return self

    def _check_partial_fit_params(self):
        if self.early_stopping:
            raise ValueError("early_stopping should be False with partial_fit.")

    def _fitted_model(self, problems):
        """``coef_`` and ``intercept_`` of the model the problems hold now."""
        coef, intercept = self._coefficients(problems)
        return {"coef_": coef, "intercept_": intercept}

    def _publish(self, problems):
        self.coef_, self.intercept_ = self._coefficients(problems)

    def _record(self, problems, schedule, learning_rates):
        """Store the fitted state (called only once training succeeded)."""
        self._problems = problems
        self._publish(problems)
        self.schedule_ = schedule
        self.learning_rates_ = np.asarray(learning_rates, dtype=np.float64)
        self.n_iter_ = len(learning_rates)
        self.t_ = max(problem.worker.t_ for problem in problems)

    def _curve_name(self):
        return "validation_scores_" if self.early_stopping else "loss_curve_"

    def _record_curve(self, curve, previous):
        """Keep the monitored value of every epoch (``NaN`` where not monitored)."""
        for name in ("loss_curve_", "validation_scores_"):
            vars(self).pop(name, None)
        if curve is None and previous is None:
            return
        values = np.full(self.n_iter_, np.nan)
        if previous is not None:
            values[: len(previous)] = previous
        if curve is not None:
            values[len(values) - len(curve) :] = curve
        setattr(self, self._curve_name(), values)

    def _new_problem(self, generator, positive=None, weights=None, init=None):
        """A problem with a fresh worker that draws from ``generator``."""
        params = {
            "loss": self.loss,
            "penalty": self.penalty,
            "alpha": self.alpha,
            "l1_ratio": self.l1_ratio,
            "fit_intercept": self.fit_intercept,
            "max_iter": 1,
            "tol": None,
            "shuffle": self.shuffle,
            "epsilon": self.epsilon,
            "random_state": generator,
            "learning_rate": "constant",
            "eta0": 1.0,  # the engine sets the rate of every epoch
            "average": self.average,
        }
        if weights is not None:
            params["class_weight"] = {0: weights[1], 1: weights[0]}
        worker = self._worker_class(**params)
        return Problem(worker=worker, positive=positive, weights=weights, init=init)

    def _problem_generators(self, n_problems):
        """One random generator per problem, seeded once per fit.

        Problem ``k`` draws from ``RandomState([seed, k])``, where ``seed`` is
        ``random_state`` itself when it is an int, else drawn from it.
        """
        if isinstance(self.random_state, Integral):
            seed = int(self.random_state)
        else:
            seed = check_random_state(self.random_state).randint(compat.MAX_INT)
        return [np.random.RandomState([seed, k]) for k in range(n_problems)]

    def _validation_mask(self, y, sample_weight):
        """Rows held out for early stopping, drawn as scikit-learn draws them."""
        if not self.early_stopping:
            return None
        splitter = StratifiedShuffleSplit if is_classifier(self) else ShuffleSplit
        cv = splitter(
            test_size=self.validation_fraction, random_state=self.random_state
        )
        n_samples = y.shape[0]
        idx_train, idx_val = next(cv.split(np.zeros((n_samples, 1)), y))
        if idx_train.shape[0] == 0 or idx_val.shape[0] == 0:
            raise ValueError(
                f"Splitting {n_samples} samples with validation_fraction="
                f"{self.validation_fraction!r} left an empty training or validation "
                "set; change validation_fraction, add samples or set "
                "early_stopping=False."
            )
        if not np.any(sample_weight[idx_val] > 0):
            raise ValueError(
                "The sample weights of the validation set are all zero; use another "
                "random_state or set early_stopping=False."
            )
        mask = np.zeros(n_samples, dtype=bool)
        mask[idx_val] = True
        return mask


class _FitHooks:
    """Between epochs of a fit: report to the callbacks, save checkpoints."""

    def __init__(self, estimator, problems, mask, callbacks, checkpoint):
        self.estimator, self.problems, self.mask = estimator, problems, mask
        self.callbacks, self.checkpoint = callbacks, checkpoint

    def begin(self, epoch):
        self.callbacks.begin_epoch()

    def end(self, epoch, progress):
        stop = self.callbacks.end_epoch(
            lambda: self.estimator._fitted_model(self.problems)
        )
        if self.checkpoint is not None:
            state = {
                "problems": self.problems,
                "mask": self.mask,
                "progress": progress,
                "epochs": epoch + 1,
            }
            self.checkpoint.save(epoch + 1, state)
        return stop


def init_rows(coef_init, intercept_init, n_problems, n_features, dtype):
    """Split ``coef_init`` / ``intercept_init`` into one pair per problem.

    Returns a list of ``(coef, intercept)`` (entries may be ``None``), copies
    that training may modify.
    """
    coefs = [None] * n_problems
    intercepts = [None] * n_problems
    if coef_init is not None:
        coef = _finite_array(coef_init, "coef_init", dtype)
        expected = (n_problems, n_features) if n_problems > 1 else (n_features,)
        if coef.size != np.prod(expected) or (n_problems > 1 and coef.ndim != 2):
            raise ValueError(f"coef_init has shape {coef.shape}, expected {expected}.")
        coefs = list(coef.reshape(n_problems, n_features))
    if intercept_init is not None:
        intercept = _finite_array(intercept_init, "intercept_init", dtype)
        if intercept.size != n_problems:
            raise ValueError(
                f"intercept_init has shape {intercept.shape}, expected ({n_problems},)."
            )
        intercepts = list(intercept.reshape(n_problems, 1))
    if coef_init is None and intercept_init is None:
        return [None] * n_problems
    return list(zip(coefs, intercepts))


def _finite_array(value, name, dtype):
    """A finite copy of ``value`` (a scalar counts as one value)."""
    value = np.atleast_1d(np.asarray(value))
    checked = check_array(value, ensure_2d=False, dtype=dtype, input_name=name)
    return np.array(checked, dtype=dtype, order="C")


def _check_sample_weight(sample_weight, n_samples, dtype):
    """Validated sample weights: finite, non-negative, not all zero, one per row."""
    if sample_weight is None:
        return np.ones(n_samples, dtype=dtype)
    if isinstance(sample_weight, Real):
        sample_weight = np.full(n_samples, sample_weight)
    weights = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=dtype,
        order="C",
        input_name="sample_weight",
    )
    if weights.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {weights.shape}, expected ({n_samples},)."
        )
    if np.any(weights < 0):
        raise ValueError("sample_weight must not contain negative values.")
    if not np.any(weights):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights
