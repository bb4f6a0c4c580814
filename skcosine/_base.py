"""The training flow shared by the cosine SGD estimators.

One flow serves ``fit`` and ``partial_fit`` (as scikit-learn's MLP
``_fit(incremental=...)`` does)::

    parameters -> Settings -> schedule -> Problem + state -> Trainer (kernel)
    -> fitted arrays

Nothing below the estimator reads the estimator: the settings, the problem
(data and per-model constants) and the state (plain arrays) are all the
training sees. ``fit`` trains ``max_iter`` epochs from a new state (resuming a
checkpoint if there is one); ``partial_fit`` trains one pass from the previous
state. A failed or interrupted call leaves the estimator exactly as it was.
"""

import os
import threading
from contextlib import ExitStack, contextmanager
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted

from . import _sklearn_compat as compat
from ._checkpoint import Checkpoint, CheckpointHook, fingerprint, size_bound
from ._data import Problem, check_float32_range, validation_split
from ._docstrings import DocLinkMixin, shared_doc
from ._settings import (
    PARTIAL_FIT_EPOCHS,
    Settings,
    auto_eta0,
    auto_max_iter,
    stalled_features,
    warn_if_mid_cycle,
    warn_if_not_converged,
    warn_if_rate_zero,
    warn_if_stalled,
)
from ._training import (
    CallbackHook,
    DivergenceHook,
    FitCallbacks,
    Monitor,
    RatePlan,
    StoppingRule,
    Trainer,
    averaging_started,
    check_state,
    copy_state,
    diverged,
    mean_losses,
    model_arrays,
    new_state,
    prepare,
    reference_losses,
    run_passes,
    seed_of,
)
from ._validation import (
    check_fitted_model,
    check_init,
    input_errors,
    validate_prediction_data,
    validate_training_data,
)

__all__ = ["CosineSGDMixin", "alone", "atomic"]

_FITTING = {}
"""``{id(estimator): thread name}`` of the estimators in a ``fit`` or
``partial_fit`` call now (kept here, not on the estimator: nothing of it is
pickled, cloned or copied)."""
_FITTING_LOCK = threading.Lock()


def _forget_fits_after_fork():
    """A forked child runs none of its parent's fits (and a lock held by
    another thread of the parent would never be released in the child)."""
    global _FITTING_LOCK
    _FITTING_LOCK = threading.Lock()
    _FITTING.clear()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_forget_fits_after_fork)


@contextmanager
def alone(estimator):
    """Run the block as the only ``fit`` / ``partial_fit`` of ``estimator``.

    A second call on the same object while one runs (another thread, or a
    callback of the fit itself) raises ``RuntimeError`` at once, before it
    reads or changes anything: two fits interleaving their attribute writes
    would leave a model mixing both (``classes_`` of one, ``coef_`` of the
    other), which :func:`atomic` promises never to leave.
    """
    key = id(estimator)  # the caller holds the object: the id stays its own
    with _FITTING_LOCK:
        other = _FITTING.get(key)
        if other is None:
            _FITTING[key] = threading.current_thread().name
    if other is not None:
        raise RuntimeError(
            f"This {type(estimator).__name__} is being fitted already (by thread "
            f"{other!r}): one estimator object trains one fit at a time. Fit a "
            "clone (sklearn.base.clone) in each thread, or wait for the running "
            "fit to end."
        )
    try:
        yield
    finally:
        with _FITTING_LOCK:
            _FITTING.pop(key, None)


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


class _Call:
    """What one ``fit`` / ``partial_fit`` call trains on: the validated data,
    its targets, the settings and the schedule."""

    def __init__(self, settings, X, y, sample_weight, targets, incremental):
        self.settings, self.X, self.y = settings, X, y
        self.sample_weight, self.targets = sample_weight, targets
        self.incremental = incremental
        self.validation = np.zeros(X.shape[0], dtype=bool)
        self.problem = self.schedule = None
        self.init = (None, None)  # the validated initial model of a fit


class _Run:
    """What the passes of a call produced."""

    def __init__(self, state, learning_rates, curve, n_passes, t):
        self.state, self.learning_rates = state, learning_rates
        self.curve, self.n_passes, self.t = curve, n_passes, t


class CosineSGDMixin(DocLinkMixin):
    """``fit`` and ``partial_fit`` of a cosine-annealed SGD estimator.

    Subclasses provide ``_encode_targets``, ``_n_models``,
    ``_publish_shapes`` and ``_MIN_AUTO_EPOCHS``, the least budget of
    ``max_iter='auto'``.
    """

    @compat.fit_context(prefer_skip_nested_validation=True)
    @shared_doc
    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit the model for ``max_iter`` epochs on the cosine schedule.

        Parameters
        ----------
        X : {X_train}
        y : array-like of shape (n_samples,)
            Target values (class labels for the classifier).
        coef_init : ndarray of shape (n_features,) or (n_classes, n_features), \
default=None
            Initial coefficients, copied, never modified: ``(n_features,)`` for
            the regressor and for a classifier of two classes.
        intercept_init : ndarray of shape (1,) or (n_classes,), default=None
            Initial intercepts.
        sample_weight : {sample_weight}
            For the classifier, they multiply the class weights.

        Returns
        -------
        self : {fitted}
        """
        return self._fit(
            X,
            y,
            sample_weight=sample_weight,
            coef_init=coef_init,
            intercept_init=intercept_init,
        )

    @shared_doc
    def score(self, X, y, sample_weight=None):
        """Score of the model on ``X`` and ``y``, as the parent defines it.

        Parameters
        ----------
        X : {X}
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

    def densify(self):
        """Convert a sparse ``coef_`` (see :meth:`sparsify`) to a dense array.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        check_is_fitted(self)
        check_fitted_model(self)  # scipy's conversion trusts the structure
        return super().densify()

    def sparsify(self):
        """Convert ``coef_`` to a CSR matrix, as in scikit-learn.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        check_is_fitted(self)
        check_fitted_model(self)
        return super().sparsify()

    def _linear_decision(self, X, method):
        """``X @ coef_.T + intercept_`` on validated ``X``, ``(n, K)``."""
        check_is_fitted(self)
        check_fitted_model(self)
        X = validate_prediction_data(self, method, X)
        coef = self.coef_ if sp.issparse(self.coef_) else np.atleast_2d(self.coef_)
        decision = safe_sparse_dot(X, coef.T, dense_output=True)
        return np.asarray(decision) + self.intercept_

    # --- the training flow ----------------------------------------------------

    def _fit(self, X, y, **kwargs):
        """One ``fit`` / ``partial_fit`` call, refused while another call on
        this estimator runs (see :func:`alone`)."""
        with alone(self):
            return self._fit_alone(X, y, **kwargs)

    def _fit_alone(
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
            check_fitted_model(self)
            self._check_fitted_state()
            # the budget of 'auto' was fixed by the first call
            budget = self._state.get("max_iter", PARTIAL_FIT_EPOCHS)
            settings = settings.with_max_iter(budget, incremental=True)
            self._check_schedule_unchanged(settings)
        elif incremental:
            settings = settings.with_max_iter(PARTIAL_FIT_EPOCHS, incremental=True)
        with atomic(self):
            call = self._call(settings, X, y, sample_weight, classes, incremental)
            if not incremental:
                compat.init_callback_context(self, call.settings.max_iter)
            state = self._starting_state(call, coef_init, intercept_init, continuing)
            with ExitStack() as stack:
                checkpoint = self._checkpoint(call, stack)
                run = self._train(call, state, checkpoint, given_weight=sample_weight)
                self._record(call, run)
                if checkpoint is not None:
                    checkpoint.discard()  # only once the model is recorded
        return self

    def _call(self, settings, X, y, sample_weight, classes, incremental):
        """Validate the data and encode the targets."""
        method = "partial_fit" if incremental else "fit"
        dtype = (
            self._state["coef"].dtype
            if incremental and hasattr(self, "_state")
            else None
        )
        X, y, sample_weight = validate_training_data(
            self, method, X, y, sample_weight, reset=dtype is None, dtype=dtype
        )
        if not incremental:
            epochs = auto_max_iter(X.shape[0], self._MIN_AUTO_EPOCHS)
            settings = settings.with_max_iter(epochs, incremental=False)
        targets = self._encode_targets(y, settings, classes, incremental)
        check_float32_range(targets, sample_weight, X.dtype)
        if not np.any(targets.row_weights(sample_weight) > 0):
            raise ValueError(
                "class_weight and sample_weight give every sample the weight 0: "
                "there is nothing to learn from."
            )
        call = _Call(settings, X, y, sample_weight, targets, incremental)
        call.validation = validation_split(
            settings, targets.values, sample_weight, stratify=is_classifier(self)
        )
        return call

    def _starting_state(self, call, coef_init, intercept_init, continuing):
        """The state training starts from, with its rate, schedule and reference
        loss: the previous one (``partial_fit``), or a new one from the initial
        model."""
        settings, X, targets = call.settings, call.X, call.targets
        coef = intercept = None
        if continuing:
            state = copy_state(self._state)
        else:
            if settings.warm_start and hasattr(self, "coef_") and not call.incremental:
                coef_init = self.coef_ if coef_init is None else coef_init
                intercept_init = (
                    self.intercept_ if intercept_init is None else intercept_init
                )
            with input_errors(self, "fit"):
                coef, intercept = check_init(
                    coef_init, intercept_init, targets.n_models, X.shape[1], X.dtype
                )
            state = new_state(
                X.shape[1],
                targets.n_models,
                X.dtype,
                seed=seed_of(settings.random_state),
                coef=coef,
                intercept=intercept,
            )
        prepare(state, average=settings.average, truncates=settings.truncates)
        call.problem = self._problem(call)
        state["lr_initial"] = self._initial_rate(call, previous=state["lr_initial"])
        call.schedule = settings.schedule(state["lr_initial"])
        state["reference_loss"] = self._reference_losses(call, state, coef, intercept)
        call.init = (coef, intercept)
        return state

    def _problem(self, call):
        """The data and per-model constants the kernel trains on."""
        rows = None
        if call.validation.any():
            rows = np.flatnonzero(~call.validation)
        return Problem.build(
            call.settings, call.X, call.targets, call.sample_weight, rows
        )

    def _initial_rate(self, call, previous):
        """``eta0``, or the rate ``eta0='auto'`` derives from the training rows:
        with ``partial_fit``, the lowest over every block seen."""
        settings, problem = call.settings, call.problem
        if settings.eta0 != "auto":
            return float(settings.eta0)
        scale = problem.data_scale(
            call.targets.row_weights(problem.sample_weight), settings.fit_intercept
        )
        rate = auto_eta0(scale, settings.loss)
        if call.incremental:
            return rate if previous is None else min(previous, rate)
        warn_if_stalled(
            stalled_features(scale, rate * settings.max_iter),
            rate,
            settings.max_iter,
            getattr(self, "feature_names_in_", None),
        )
        return rate

    def _reference_losses(self, call, state, coef, intercept):
        """The divergence rule's reference: the loss of the starting model and
        of the zero model (the largest seen so far, for ``partial_fit``)."""
        settings, problem = call.settings, call.problem
        zero = problem.zero_losses(settings.loss, settings.epsilon)
        if call.incremental:
            previous = state["reference_loss"]
            return reference_losses(
                None, np.where(np.isnan(previous), zero, np.fmax(previous, zero))
            )
        if coef is None and intercept is None:
            return reference_losses(None, zero)
        n_models, n_features = problem.n_models, problem.X.shape[1]
        coef = np.zeros((n_models, n_features)) if coef is None else coef
        intercept = np.zeros(n_models) if intercept is None else intercept
        with np.errstate(all="ignore"):
            start, _ = mean_losses(
                settings.loss,
                settings.epsilon,
                problem.X,
                coef,
                intercept,
                problem.model_targets,
                problem.model_weights,
            )
        return reference_losses(start, zero)

    def _checkpoint(self, call, stack):
        """The checkpoint files of a ``fit``, locked for the call (or None)."""
        settings = call.settings
        if call.incremental or settings.checkpoint_path is None:
            return None
        data = (call.X, call.targets.values, call.sample_weight, *call.init)
        key = fingerprint(type(self).__name__, self.get_params(deep=False), data)
        checkpoint = Checkpoint(
            settings.checkpoint_path,
            settings.checkpoint_every,
            key,
            call.targets.n_models,
        )
        return stack.enter_context(checkpoint)

    def _train(self, call, state, checkpoint, given_weight):
        """The passes of the call, with the hooks between them."""
        settings, problem = call.settings, call.problem
        first, saved_rule, saved_values = 0, None, None
        last = settings.max_iter
        if checkpoint is not None:
            patience = settings.n_iter_no_change if settings.tol is not None else None
            saved = checkpoint.load(
                state,
                max_bytes=size_bound(problem.X.shape[1], problem.n_models),
                max_epochs=settings.max_iter,
                n_iter_no_change=patience,
            )
            if saved is not None:
                first, state = saved.epochs, saved.state
                saved_rule, saved_values = saved.rule, saved.values
                if saved_rule is not None and np.all(saved_rule["count"] >= patience):
                    last = first  # every model had stopped: the fit ended there
        trainer = Trainer(problem, settings, state)
        monitor = self._monitor(call, trainer, saved_rule, saved_values, first)
        eta0_text = _eta0_text(settings, state["lr_initial"])
        divergence = []  # the divergence error raised, if any

        def fail(epoch, rate, what):
            divergence.append(diverged(epoch, rate, eta0_text, what))
            return divergence[-1]

        hooks = [
            DivergenceHook(
                settings.loss,
                state["reference_loss"],
                lambda report, what: fail(report.epoch, report.learning_rate, what),
            ),
            monitor,
        ]
        plan = RatePlan(call.schedule, settings.anneal_per)

        def check_final(t, epoch):
            """The divergence rule on the models published after the call:
            ``fit`` and ``partial_fit`` return no model it refuses."""
            trainer.check_final(
                *self._published(state, settings, t),
                lambda what: fail(epoch, plan.rate(epoch), what),
            )

        if call.incremental:
            return self._one_pass(call, trainer, plan, hooks, monitor, check_final)
        callbacks = FitCallbacks(
            self,
            problem.X,
            call.y,
            None if given_weight is None else call.sample_weight,
        )
        n_samples = problem.X.shape[0]
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
        callbacks.begin_fit()
        try:
            with np.errstate(all="ignore"):
                rates = run_passes(trainer, plan, range(first, last), 1.0, hooks)
            n_iter = first + len(rates)
            t = 1.0 + n_iter * n_samples
            check_final(t, max(n_iter - 1, 0))
        except ValueError as exc:
            if checkpoint is not None and any(exc is e for e in divergence):
                checkpoint.discard()  # a diverged fit is not to be resumed
            raise
        callbacks.end_fit(lambda: self._fitted_model(state, settings, t))
        rates = [plan.rate(epoch) for epoch in range(first)] + rates
        return _Run(state, rates, monitor.curve(), n_iter, t)

    def _one_pass(self, call, trainer, plan, hooks, monitor, check_final):
        """The pass of ``partial_fit``, at the next position of the schedule,
        and the final check of its model."""
        state, batches = trainer.state, call.settings.batches_per_epoch
        position = state["epochs"]
        with np.errstate(all="ignore"):
            rates = run_passes(trainer, plan, [position], 1.0 / batches, hooks)
        state["epochs"] = (round(position * batches) + 1) / batches
        t = getattr(self, "t_", 1.0) + call.X.shape[0]
        check_final(t, position)
        return _Run(state, rates, monitor.curve(), 1, t)

    def _monitor(self, call, trainer, saved_rule, saved_values, first):
        """The monitored values and the stopping rule (``fit`` only), resumed
        from a checkpoint."""
        settings, n_models = call.settings, call.problem.n_models
        rule = None
        if saved_rule is not None and settings.tol is not None and not call.incremental:
            rule = StoppingRule(
                settings.tol,
                settings.n_iter_no_change,
                settings.early_stopping,
                n_models,
            )
            rule.best, rule.count = (
                saved_rule["best"].copy(),
                saved_rule["count"].copy(),
            )
            trainer.active[rule.count >= settings.n_iter_no_change] = 0
        monitor = Monitor(
            settings,
            call.problem,
            np.flatnonzero(call.validation),
            call.targets.names,
            rule=rule,
            stopping=not call.incremental,
        )
        if first:
            monitor.values = (
                [None] * first if saved_values is None else list(saved_values)
            )
        return monitor

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

    def _check_schedule_unchanged(self, settings):
        """The schedule is fixed at the first call: refuse changes of the
        parameters that define it (training-step parameters may change)."""
        fixed = self._state.get("schedule_key")
        if not isinstance(fixed, dict):
            return
        for name, value in settings.schedule_key().items():
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
        averaged = averaging_started(settings.average, t - 1)
        return model_arrays(state, bool(averaged) and "average_coef" in state)

    def _fitted_model(self, state, settings, t):
        """``coef_`` and ``intercept_`` of the models the state holds now."""
        coef, intercept = self._published(state, settings, t)
        return dict(zip(("coef_", "intercept_"), self._publish_shapes(coef, intercept)))

    def _record(self, call, run):
        """Store the fitted attributes (only once training succeeded)."""
        settings, state = call.settings, run.state
        previous_rates = (
            getattr(self, "learning_rates_", None) if call.incremental else None
        )
        state["schedule_key"] = settings.schedule_key()
        state["max_iter"] = settings.max_iter  # resolved: partial_fit continues it
        self._state = state
        self.t_ = run.t
        self.coef_, self.intercept_ = self._publish_shapes(
            *self._published(state, settings, run.t)
        )
        self.schedule_ = call.schedule
        rates = np.asarray(run.learning_rates, dtype=np.float64)
        if previous_rates is None:
            self.learning_rates_ = rates
            self.n_iter_ = run.n_passes
        else:
            warn_if_rate_zero(
                rates[-1], previous_rates[-1] if len(previous_rates) else None
            )
            self.learning_rates_ = np.append(previous_rates, rates)
            self.n_iter_ = getattr(self, "n_iter_", 0) + run.n_passes
        self.n_epochs_ = float(state["epochs"])
        self._record_curve(settings, run.curve, call.incremental)
        if not call.incremental:
            warn_if_not_converged(settings, self.n_iter_)
            if self.n_iter_ == settings.max_iter:
                warn_if_mid_cycle(settings, call.schedule)

    def _record_curve(self, settings, curve, incremental):
        """Keep the monitored value of every pass (``NaN`` where not monitored)."""
        name = "validation_scores_" if settings.early_stopping else "loss_curve_"
        previous = getattr(self, name, None) if incremental else None
        for attribute in ("loss_curve_", "validation_scores_"):
            vars(self).pop(attribute, None)
        if curve is None and previous is None:
            return
        values = np.full(self.n_iter_, np.nan)
        if previous is not None:
            values[: len(previous)] = previous
        if curve is not None:
            values[len(values) - len(curve) :] = curve
        setattr(self, name, values)


def _eta0_text(settings, lr_initial):
    """``eta0`` as messages show it."""
    if settings.eta0 == "auto":
        return f"eta0='auto' (= {lr_initial:.3g})"
    return f"eta0={settings.eta0!r}"
