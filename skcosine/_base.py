"""The ``fit`` / ``partial_fit`` flow shared by the cosine SGD estimators.

One training flow serves both (as scikit-learn's MLP ``_fit(incremental=...)``):

    parameters -> Settings -> schedule -> Problem + state -> Trainer (kernel)
    -> fitted arrays

Nothing below the estimator reads the estimator: the settings, the problem
(data and per-model constants) and the state (plain arrays) are all the
training sees. A failed or interrupted call leaves the estimator exactly as it
was.
"""

import os
import sys
import warnings
from contextlib import ExitStack, contextmanager
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils import check_random_state
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted

from ._callbacks import CallbackHook, FitCallbacks, init_callback_context
from ._checkpoint import Checkpoint, CheckpointHook, fingerprint
from ._divergence import diverged, mean_losses, reference_losses
from ._monitor import Monitor, StoppingRule
from ._settings import Settings
from ._state import check_state, copy_state, model_arrays, new_state, prepare
from ._step_size import auto_eta0, data_scale, stalled_features
from ._training import DivergenceHook, Problem, RatePlan, Trainer, run_passes
from ._validation import (
    check_init,
    input_errors,
    validate_prediction_data,
    validate_training_data,
)

__all__ = ["CosineSGDMixin", "Targets", "atomic"]

MAX_SEED = 2**63 - 1
SPARSE_INTERCEPT_DECAY = 0.01
"""scikit-learn's factor of the intercept updates on sparse data."""

MID_CYCLE = 0.1
"""A budget that ends with the rate more than this share of the way from
``lr_min`` back to ``eta0`` ends mid-cycle (a warning)."""


@contextmanager
def atomic(estimator):
    """Undo every attribute change of ``estimator`` if the block raises.

    Parameters are never reassigned by skcosine, so a failed or interrupted
    call leaves the estimator exactly as it was: unfitted, or in its previous
    fitted state.
    """
    state = dict(vars(estimator))
    try:
        yield
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(state)
        raise


class Targets:
    """The targets of one call as the models see them.

    Attributes
    ----------
    values : ndarray of shape (n_samples,)
        Regression targets, or the class index of every row (int32).
    positive : ndarray of shape (n_models,), int32, or None
        The class each model treats as positive (classification).
    weight_pos, weight_neg : ndarray of shape (n_models,)
        Class weights of each model.
    names : list of str
        How verbose output names the models.
    """

    def __init__(self, values, positive, weight_pos, weight_neg, names):
        self.values, self.positive = values, positive
        self.weight_pos, self.weight_neg = weight_pos, weight_neg
        self.names = names

    @property
    def n_models(self):
        return len(self.weight_pos)

    def row_weights(self, sample_weight):
        """The largest weight ``c_i * w_i`` of every row over the models."""
        if self.positive is None:
            return sample_weight
        own = np.take(self._class_weights(), self.values)
        return own * sample_weight

    def _class_weights(self):
        """Weight of each class where it is positive, or negative elsewhere."""
        n_classes = max(int(self.positive.max()) + 1, 2)
        weights = np.ones(n_classes)
        if len(self.positive) == 1:  # binary: class 1 positive, class 0 negative
            weights[:] = (self.weight_neg[0], self.weight_pos[0])
            return weights
        weights[self.positive] = np.maximum(self.weight_pos, self.weight_neg)
        return weights


class CosineSGDMixin:
    """``fit`` and ``partial_fit`` of a cosine-annealed SGD estimator.

    Subclasses provide ``_encode_targets`` and ``_publish_shapes``.
    """

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
        with input_errors(self, "score"):
            return super().score(X, y, sample_weight=sample_weight)

    def _linear_decision(self, X, method):
        """``X @ coef_.T + intercept_`` on validated ``X``, ``(n, K)``."""
        check_is_fitted(self)
        X = validate_prediction_data(self, method, X)
        coef = self.coef_ if sp.issparse(self.coef_) else np.atleast_2d(self.coef_)
        decision = safe_sparse_dot(X, coef.T, dense_output=True)
        return np.asarray(decision) + self.intercept_

    # --- the training flow ----------------------------------------------------

    def _fit(
        self,
        X,
        y,
        *,
        sample_weight=None,
        coef_init=None,
        intercept_init=None,
        classes=None,
        incremental=False,
    ):
        # the constrained attributes are the parameters (get_params would
        # inspect the signature of __init__ at every call)
        params = {name: getattr(self, name) for name in self._parameter_constraints}
        settings = Settings.from_params(params, incremental=incremental)
        continuing = incremental and hasattr(self, "_state")
        if continuing:
            self._check_fitted_state()
            self._check_schedule_unchanged(settings)
        else:
            init_callback_context(self, settings.max_iter)
        with atomic(self):
            if incremental:
                self._partial(settings, X, y, sample_weight, classes, continuing)
            else:
                self._full(settings, X, y, sample_weight, coef_init, intercept_init)
        return self

    def _data(self, settings, X, y, sample_weight, classes, continuing, method):
        """Validated data and weights, the labels and the targets."""
        dtype = self._state["coef"].dtype if continuing else None
        X, y, sample_weight = validate_training_data(
            self, method, X, y, sample_weight, reset=not continuing, dtype=dtype
        )
        targets = self._encode_targets(
            y, settings, classes, incremental=method != "fit"
        )
        if not np.any(targets.row_weights(sample_weight) > 0):
            raise ValueError(
                "class_weight and sample_weight give every sample the weight 0: "
                "there is nothing to learn from."
            )
        return X, y, sample_weight, targets

    def _check_fitted_state(self):
        """Refuse a training state that does not fit the fitted attributes
        (a tampered or foreign model), before any compiled code reads it."""
        state = getattr(self, "_state", None)
        n_features = getattr(self, "n_features_in_", None)
        coef = state.get("coef") if isinstance(state, dict) else None
        dtype = getattr(coef, "dtype", None)
        check_state(
            state,
            n_features if isinstance(n_features, Integral) else -1,
            self._n_models(),
            dtype if dtype in (np.float32, np.float64) else np.float64,
        )

    def _problem(self, settings, X, sample_weight, targets, rows):
        sparse = sp.issparse(X)
        max_target = 1.0
        if targets.positive is None and len(targets.values):
            max_target = max(1.0, float(np.max(np.abs(targets.values))))
        values = targets.values
        if targets.positive is None:  # regression targets in the dtype of X
            values = values.astype(X.dtype, copy=False)
        return Problem(
            X=X,
            targets=values,
            sample_weight=sample_weight,
            rows=rows,
            alpha=np.full(targets.n_models, float(settings.alpha)),
            weight_pos=targets.weight_pos,
            weight_neg=targets.weight_neg,
            positive=targets.positive,
            negative=0.0 if settings.loss == "log_loss" else -1.0,
            # scikit-learn clips |dloss| at 1e12; large targets scale it up
            max_dloss=1e12 * max_target,
            intercept_decay=SPARSE_INTERCEPT_DECAY if sparse else 1.0,
        )

    def _full(self, settings, X, y, sample_weight, coef_init, intercept_init):
        """``fit``: ``max_iter`` epochs from scratch (or from an initial model)."""
        X, y, sample_weight, targets = self._data(
            settings, X, y, sample_weight, None, False, "fit"
        )
        n_models = targets.n_models
        if settings.warm_start and hasattr(self, "coef_"):
            coef_init = self.coef_ if coef_init is None else coef_init
            intercept_init = (
                self.intercept_ if intercept_init is None else intercept_init
            )
        with input_errors(self, "fit"):
            coef_init, intercept_init = check_init(
                coef_init, intercept_init, n_models, X.shape[1], X.dtype
            )
        validation = self._validation_split(settings, targets, sample_weight)
        rows = None
        if validation.any():
            rows = np.flatnonzero(~validation).astype(np.int32)
        problem = self._problem(settings, X, sample_weight, targets, rows)
        lr_initial = self._initial_rate(
            settings, X, targets.row_weights(sample_weight), rows=rows, warn=True
        )
        schedule = settings.schedule(lr_initial)
        state = new_state(
            X.shape[1],
            n_models,
            X.dtype,
            seed=_seed(settings.random_state),
            coef=coef_init,
            intercept=intercept_init,
        )
        prepare(state, average=settings.average, truncates=settings.truncates)
        state["lr_initial"] = lr_initial
        start = None
        if coef_init is not None or intercept_init is not None:
            start = self._start_losses(settings, problem, coef_init, intercept_init)
        zero = problem.zero_losses(settings.loss, settings.epsilon)
        state["reference_loss"] = reference_losses(start, zero)
        data = (X, targets.values, sample_weight, coef_init, intercept_init)
        with ExitStack() as stack:
            checkpoint = self._checkpoint(settings, data, n_models, stack)
            run = self._train_epochs(
                settings, problem, state, schedule, targets, y, validation, checkpoint
            )
        self._record_fit(settings, run, schedule, X.shape[0])
        self._warn_after_fit(settings, schedule)

    def _train_epochs(
        self, settings, problem, state, schedule, targets, y, validation, checkpoint
    ):
        """The epochs of ``fit``, resumed from a checkpoint when there is one."""
        saved = None
        if checkpoint is not None:
            saved = checkpoint.load(
                lambda s: check_state(
                    s, problem.X.shape[1], targets.n_models, problem.X.dtype
                ),
                max_bytes=_max_checkpoint_bytes(problem, targets),
            )
        first = 0 if saved is None else saved.epochs
        if saved is not None:
            state = saved.state
        trainer = Trainer(problem, settings, state)
        monitor = Monitor(
            settings,
            problem,
            np.flatnonzero(validation),
            targets.names,
            rule=self._saved_rule(settings, saved, targets.n_models),
        )
        if saved is not None:
            monitor.values = _saved_values(saved, first)
            if monitor.rule is not None:
                trainer.active[monitor.rule.count >= settings.n_iter_no_change] = 0
        callbacks = FitCallbacks(self, problem.X, y, None)
        n_samples = problem.X.shape[0]
        callbacks.begin_fit()
        eta0_text = _eta0_text(settings, state["lr_initial"])
        hooks = [
            DivergenceHook(
                settings.loss,
                state["reference_loss"],
                lambda report, what: diverged(
                    report.epoch, report.learning_rate, eta0_text, what
                ),
            ),
            monitor,
        ]
        if callbacks.active:
            hooks.append(
                CallbackHook(
                    callbacks,
                    lambda: self._fitted_model(
                        trainer.state, settings, 1 + trainer.state["epochs"] * n_samples
                    ),
                )
            )
        if checkpoint is not None:
            hooks.append(CheckpointHook(checkpoint, monitor))
        plan = RatePlan(schedule, settings.anneal_per)
        try:
            with np.errstate(all="ignore"):
                rates = run_passes(
                    trainer, plan, range(first, settings.max_iter), 1.0, hooks
                )
            n_iter = first + len(rates)
            t = 1.0 + n_iter * n_samples
            coef, intercept = self._published(state, settings, t)
            trainer.check_final(
                coef,
                intercept,
                lambda what: diverged(
                    max(n_iter - 1, 0), plan.rate(max(n_iter - 1, 0)), eta0_text, what
                ),
            )
        except ValueError:
            if checkpoint is not None:
                checkpoint.discard()  # a failed fit is not to be resumed
            raise
        if checkpoint is not None:
            checkpoint.discard()
        callbacks.end_fit(lambda: self._fitted_model(state, settings, t))
        previous = [plan.rate(e) for e in range(first)]
        return _Run(state, previous + rates, monitor.curve(), n_iter, t)

    def _partial(self, settings, X, y, sample_weight, classes, continuing):
        """``partial_fit``: one pass at the next position of the schedule."""
        X, _, sample_weight, targets = self._data(
            settings, X, y, sample_weight, classes, continuing, "partial_fit"
        )
        problem = self._problem(settings, X, sample_weight, targets, None)
        if continuing:
            state = copy_state(self._state)
        else:
            state = new_state(
                X.shape[1], targets.n_models, X.dtype, seed=_seed(settings.random_state)
            )
        prepare(state, average=settings.average, truncates=settings.truncates)
        lr_initial = self._initial_rate(
            settings,
            X,
            targets.row_weights(sample_weight),
            previous=state["lr_initial"],
        )
        state["lr_initial"] = lr_initial
        schedule = settings.schedule(lr_initial)
        zero = problem.zero_losses(settings.loss, settings.epsilon)
        previous = state["reference_loss"]
        state["reference_loss"] = reference_losses(
            None, np.where(np.isnan(previous), zero, np.fmax(previous, zero))
        )
        position = state["epochs"]
        length = 1.0 / settings.batches_per_epoch
        trainer = Trainer(problem, settings, state)
        eta0_text = _eta0_text(settings, lr_initial)
        monitor = Monitor(settings, problem, None, targets.names, stopping=False)
        hooks = [
            DivergenceHook(
                settings.loss,
                state["reference_loss"],
                lambda report, what: diverged(
                    report.epoch, report.learning_rate, eta0_text, what
                ),
            ),
            monitor,
        ]
        with np.errstate(all="ignore"):
            (rate,) = run_passes(
                trainer,
                RatePlan(schedule, settings.anneal_per),
                [position],
                length,
                hooks,
            )
        batches = settings.batches_per_epoch
        state["epochs"] = (round(position * batches) + 1) / batches
        self._record_partial(
            settings, state, schedule, rate, monitor.curve(), X.shape[0]
        )

    # --- pieces of the flow -------------------------------------------------

    def _initial_rate(
        self, settings, X, row_weights, rows=None, previous=None, warn=False
    ):
        """``eta0``, or the rate ``eta0='auto'`` derives from the training rows
        (the lowest over every block seen, with ``partial_fit``)."""
        if settings.eta0 != "auto":
            return float(settings.eta0)
        decay = SPARSE_INTERCEPT_DECAY if sp.issparse(X) else 1.0
        scale = data_scale(X, row_weights, settings.fit_intercept, decay, rows=rows)
        rate = auto_eta0(scale, settings.loss)
        if warn:
            self._warn_if_stalled(settings, scale, rate)
        return rate if previous is None else min(previous, rate)

    def _warn_if_stalled(self, settings, scale, rate):
        """Warn when the rate is too small for some features to learn."""
        stalled = stalled_features(scale, rate * settings.max_iter)
        if not len(stalled):
            return
        names = getattr(self, "feature_names_in_", None)
        labels = [
            "the intercept"
            if j < 0
            else (repr(str(names[j])) if names is not None else f"feature {j}")
            for j in stalled[:5]
        ]
        more = f" and {len(stalled) - 5} more" if len(stalled) > 5 else ""
        listed = (
            ", ".join(labels[:-1]) + " and " + labels[-1]
            if len(labels) > 1
            else labels[0]
        )
        warn(
            f"eta0='auto' is {rate:.3g}, set by the largest squared row norm of X "
            f"({1.0 / rate:.3g}): at this rate {listed}{more} cannot move in "
            f"max_iter={settings.max_iter} epochs, and the model will predict "
            "poorly. The features (or the sample weights) have very different "
            "scales: standardize the features, for example with StandardScaler."
        )

    def _start_losses(self, settings, problem, coef, intercept):
        n_features = problem.X.shape[1]
        coef = np.zeros((problem.n_models, n_features)) if coef is None else coef
        intercept = np.zeros(problem.n_models) if intercept is None else intercept
        with np.errstate(all="ignore"):
            means, _ = mean_losses(
                settings.loss,
                settings.epsilon,
                problem.X,
                coef,
                intercept,
                problem.model_targets,
                problem.model_weights,
            )
        return means

    def _validation_split(self, settings, targets, sample_weight):
        """Rows held out for early stopping, drawn as scikit-learn draws them
        (before the seed of the row order)."""
        n_samples = len(targets.values)
        mask = np.zeros(n_samples, dtype=bool)
        if not settings.early_stopping:
            return mask
        splitter = StratifiedShuffleSplit if is_classifier(self) else ShuffleSplit
        cv = splitter(
            test_size=settings.validation_fraction, random_state=settings.random_state
        )
        idx_train, idx_val = next(cv.split(np.zeros((n_samples, 1)), targets.values))
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

    def _checkpoint(self, settings, data, n_models, stack):
        if settings.checkpoint_path is None:
            return None
        key = fingerprint(type(self).__name__, self.get_params(deep=False), data)
        checkpoint = Checkpoint(
            settings.checkpoint_path, settings.checkpoint_every, key, n_models
        )
        return stack.enter_context(checkpoint)

    @staticmethod
    def _saved_rule(settings, saved, n_models):
        if saved is None or saved.rule is None or settings.tol is None:
            return None
        rule = StoppingRule(
            settings.tol, settings.n_iter_no_change, settings.early_stopping, n_models
        )
        best, count = saved.rule["best"], saved.rule["count"]
        if not (
            isinstance(best, np.ndarray)
            and best.shape == (n_models,)
            and best.dtype == np.float64
            and isinstance(count, np.ndarray)
            and count.shape == (n_models,)
            and count.dtype == np.int64
            and np.all(count >= 0)
        ):
            raise ValueError(
                f"checkpoint_path={settings.checkpoint_path!r} holds a stopping rule "
                "that does not match this fit; delete it to start from scratch."
            )
        rule.best, rule.count = best.copy(), count.copy()
        return rule

    def _check_schedule_unchanged(self, settings):
        """The schedule is fixed at the first call: refuse changes of the
        parameters that define it (training-step parameters may change)."""
        fixed = self._state.get("schedule_key")
        now = settings.schedule_key()
        if fixed is None:
            return
        for name, value in now.items():
            if fixed.get(name) != value:
                label = name
                if name == "T_max" and settings.T_max is None:
                    label = "max_iter (which sets T_max when T_max=None)"
                raise ValueError(
                    f"{label} changed since the schedule was fixed by the first call "
                    f"({fixed.get(name)!r} -> {value!r}); partial_fit continues that "
                    "schedule. Call fit to start a new one, or set the parameter "
                    "back."
                )

    # --- fitted attributes --------------------------------------------------

    @staticmethod
    def _published(state, settings, t):
        """The published models ``(coef (K, d), intercept (K,))`` after ``t - 1``
        samples: the averaged ones once ``average`` of them were seen, as in
        scikit-learn."""
        averaged = bool(settings.average) and settings.average <= t - 1
        return model_arrays(state, averaged and "average_coef" in state)

    def _fitted_model(self, state, settings, t):
        """``coef_`` and ``intercept_`` of the models the state holds now."""
        coef, intercept = self._published(state, settings, t)
        return dict(zip(("coef_", "intercept_"), self._publish_shapes(coef, intercept)))

    def _record_fit(self, settings, run, schedule, n_samples):
        state = run.state
        state["schedule_key"] = settings.schedule_key()
        self._state = state
        self.t_ = run.t
        self.coef_, self.intercept_ = self._publish_shapes(
            *self._published(state, settings, self.t_)
        )
        self.schedule_ = schedule
        self.learning_rates_ = np.asarray(run.learning_rates, dtype=np.float64)
        self.n_iter_ = run.n_iter
        self.n_epochs_ = float(state["epochs"])
        self._record_curve(settings, run.curve, previous=None)

    def _record_partial(self, settings, state, schedule, rate, curve, n_samples):
        previous_rates = getattr(self, "learning_rates_", np.empty(0))
        self._warn_if_rate_zero(rate, previous_rates)
        state["schedule_key"] = settings.schedule_key()
        self._state = state
        self.t_ = getattr(self, "t_", 1.0) + n_samples
        self.coef_, self.intercept_ = self._publish_shapes(
            *self._published(state, settings, self.t_)
        )
        self.schedule_ = schedule
        self.learning_rates_ = np.append(previous_rates, rate)
        self.n_iter_ = getattr(self, "n_iter_", 0) + 1
        self.n_epochs_ = float(state["epochs"])
        previous = getattr(self, self._curve_name(settings), None)
        self._record_curve(settings, curve, previous)

    @staticmethod
    def _curve_name(settings):
        return "validation_scores_" if settings.early_stopping else "loss_curve_"

    def _record_curve(self, settings, curve, previous):
        """Keep the monitored value of every pass (``NaN`` where not monitored)."""
        for name in ("loss_curve_", "validation_scores_"):
            vars(self).pop(name, None)
        if curve is None and previous is None:
            return
        values = np.full(self.n_iter_, np.nan)
        if previous is not None:
            values[: len(previous)] = previous
        if curve is not None:
            values[len(values) - len(curve) :] = curve
        setattr(self, self._curve_name(settings), values)

    # --- warnings -------------------------------------------------------------

    def _warn_after_fit(self, settings, schedule):
        could_stop = (
            settings.tol is not None and settings.n_iter_no_change < settings.max_iter
        )
        if could_stop and self.n_iter_ == settings.max_iter:
            warn(
                "Maximum number of iteration reached before convergence. Consider "
                "increasing max_iter to improve the fit.",
                ConvergenceWarning,
            )
        if self.n_iter_ == settings.max_iter:
            _warn_if_mid_cycle(settings, schedule)

    @staticmethod
    def _warn_if_rate_zero(rate, previous_rates):
        first_at_zero = rate == 0 and (
            len(previous_rates) == 0 or previous_rates[-1] > 0
        )
        if first_at_zero:
            warn(
                "partial_fit now trains at learning rate 0: the schedule has reached "
                "lr_min=0 at its end, so further calls do not change the model. "
                "For a stream that keeps learning, use warm restarts (T_mult=1 "
                "restarts every T_max epochs) or lr_min > 0."
            )


class _Run:
    """What the epochs of a fit produced."""

    def __init__(self, state, learning_rates, curve, n_iter, t):
        self.state, self.learning_rates = state, learning_rates
        self.curve, self.n_iter, self.t = curve, n_iter, t


def _warn_if_mid_cycle(settings, schedule):
    """Warn when the budget ends with the rate far above ``lr_min``."""
    span = schedule.lr_initial - schedule.lr_min
    if span <= 0 or (settings.T_max is None and settings.T_mult is None):
        return  # flat, or one cycle that ends with the budget
    base, slope, amplitude, phase, frequency = schedule.segments(
        [settings.max_iter - 1]
    )[0]
    end = (
        base + slope + amplitude * np.cos(phase + frequency)
    )  # at max_iter, from the left
    share = (end - schedule.lr_min) / span
    if share > MID_CYCLE:
        warn(
            f"The budget ends mid-cycle: at the end of epoch {settings.max_iter} the "
            f"learning rate is still {end:.3g}, {share:.0%} of the way from lr_min "
            f"back to eta0 (T_max={settings.T_max!r}, T_mult={settings.T_mult!r}, "
            f"warmup_epochs={settings.warmup_epochs!r}, max_iter="
            f"{settings.max_iter!r}). Use T_max=None for one cycle over the budget, "
            "a larger max_iter, or a budget that ends a cycle."
        )


def warn(message, category=UserWarning):
    """``warnings.warn``, attributed to the first caller outside skcosine (and
    scikit-learn's decorators), whatever the depth of the call."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 2
    while frame is not None and (
        os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == package
        or frame.f_code.co_filename.endswith(os.path.join("sklearn", "base.py"))
    ):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _seed(random_state):
    """The seed of the row order: ``random_state`` itself when it is an int,
    else drawn from it (once per fit)."""
    if isinstance(random_state, Integral):
        return int(random_state) % (MAX_SEED + 1)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _eta0_text(settings, lr_initial):
    """``eta0`` as messages show it."""
    if settings.eta0 == "auto":
        return f"eta0='auto' (= {lr_initial:.3g})"
    return f"eta0={settings.eta0!r}"


def _saved_values(saved, epochs):
    if saved.values is None:
        return [None] * epochs
    return [row for row in saved.values]


def _max_checkpoint_bytes(problem, targets):
    """An upper bound of the size of a checkpoint of this fit."""
    n_values = (problem.X.shape[1] + 16) * targets.n_models
    return 16 * n_values * 8 + 2**20
