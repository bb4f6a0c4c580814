"""The training flow shared by the cosine SGD estimators.

One method, :meth:`CosineSGDMixin._cosine_fit`, serves ``fit`` and
``partial_fit`` (as scikit-learn's MLP ``_fit(incremental=...)`` does) and
reads top to bottom::

    parameters -> Settings (_settings) -> validated data (_validation)
    -> targets and Problem (_data) -> starting state, rate, schedule
    (_training, _schedules) -> passes of the kernel with the checks between
    them (_training, _kernel; checkpoints: _checkpoint) -> fitted attributes

Nothing below the estimator reads the estimator: the settings, the problem
(data and per-model constants) and the state (plain arrays) are all the
training sees. ``fit`` trains ``max_iter`` epochs from a new state (resuming a
checkpoint if there is one); ``partial_fit`` trains one pass from the previous
state. A failed or interrupted call leaves the estimator exactly as it was,
and one estimator object runs one call at a time.
"""

import os
import threading
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted

from . import _sklearn_compat as compat
from ._checkpoint import Checkpoint, CheckpointHook, fingerprint, size_bound
from ._data import Problem, check_training_weights, validation_split
from ._docstrings import DocLinkMixin, shared_doc
from ._settings import (
    PARTIAL_FIT_EPOCHS,
    Settings,
    auto_eta0,
    auto_max_iter,
    row_caps,
    stalled_features,
    warn_if_extreme,
    warn_if_mid_cycle,
    warn_if_not_converged,
    warn_if_rate_zero,
    warn_if_rate_zero_tail,
    warn_if_stalled,
)
from ._training import (
    CallbackHook,
    Divergence,
    FitCallbacks,
    Monitor,
    RatePlan,
    Trainer,
    averaging_started,
    check_state,
    copy_state,
    model_arrays,
    new_state,
    prepare,
    resumed_rule,
    run_passes,
    seed_of,
    starting_references,
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
        return self._cosine_fit(
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

    def _cosine_fit(
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
        """One ``fit`` (``incremental=False``) or ``partial_fit`` call, top to
        bottom: settings, data, starting state, schedule, passes, published
        model. Refused while another call on this estimator runs
        (:func:`alone`); a call that fails changes nothing (:func:`atomic`)."""
        with alone(self), atomic(self):
            # the constrained attributes are the parameters (get_params would
            # inspect the signature of __init__ at every call)
            params = {name: getattr(self, name) for name in self._parameter_constraints}
            settings = Settings.from_params(params, incremental=incremental)
            continuing = incremental and hasattr(self, "_state")
            if continuing:  # a model loaded from a file may carry anything
                check_fitted_model(self)
                self._check_fitted_state()

            # the data, the budget and the targets
            X, y, weights = validate_training_data(
                self,
                "partial_fit" if incremental else "fit",
                X,
                y,
                sample_weight,
                reset=not continuing,
                dtype=self._state["coef"].dtype if continuing else None,
            )
            targets = self._encode_targets(y, settings, classes, incremental)
            classifier = is_classifier(self)
            n_classes = len(self.classes_) if classifier else None
            settings = self._budget(settings, X.shape[0], n_classes, incremental)
            if continuing:
                self._check_schedule_unchanged(settings)
            check_training_weights(targets, weights, X.dtype)
            held_out = validation_split(
                settings, targets.values, weights, stratify=classifier
            )
            problem = Problem.build(
                settings,
                X,
                targets,
                weights,
                rows=np.flatnonzero(~held_out) if held_out.any() else None,
            )

            # the starting state, its rate and the schedule
            init = (None, None)  # (coef, intercept) of a new model; None: zeros
            if continuing:
                state = copy_state(self._state)
            else:
                if not incremental:
                    init = self._initial_model(
                        settings, problem, coef_init, intercept_init
                    )
                state = new_state(
                    X.shape[1],
                    problem.n_models,
                    X.dtype,
                    seed=seed_of(settings.random_state),
                    coef=init[0],
                    intercept=init[1],
                )
            prepare(state, average=settings.average, truncates=settings.truncates)
            state["lr_initial"], problem = self._initial_rate(
                settings, problem, targets, state["lr_initial"], incremental
            )
            schedule = settings.schedule(state["lr_initial"])
            state["reference_loss"] = starting_references(
                settings,
                problem,
                init,
                state["reference_loss"] if incremental else None,
            )

            # the passes, and the published model
            if not incremental:
                compat.init_callback_context(self, settings.max_iter)
            with ExitStack() as stack:
                checkpoint = None
                if not incremental and settings.checkpoint_path is not None:
                    checkpoint = stack.enter_context(
                        self._checkpoint(settings, problem, targets, init)
                    )
                if incremental:
                    run = self._one_pass(settings, problem, targets, state, schedule)
                else:
                    run = self._passes(
                        settings,
                        problem,
                        targets,
                        y,
                        held_out,
                        state,
                        schedule,
                        checkpoint,
                        given_weight=sample_weight is not None,
                    )
                self._record(settings, schedule, incremental, *run)
                if checkpoint is not None:
                    checkpoint.discard()  # only once the model is recorded
        return self

    def _budget(self, settings, n_samples, n_classes, incremental):
        """``max_iter='auto'`` resolved: from the number of rows and of classes
        (``None`` for a regression) for ``fit``; ``partial_fit`` keeps the
        budget of the call that started the schedule
        (:data:`~skcosine._settings.PARTIAL_FIT_EPOCHS` when it was a
        ``partial_fit``)."""
        if settings.max_iter != "auto":
            return settings
        if not incremental:
            epochs = auto_max_iter(n_samples, self._auto_epochs_floor(n_classes))
        elif hasattr(self, "_state"):
            epochs = self._state.get("max_iter", PARTIAL_FIT_EPOCHS)
        else:
            epochs = PARTIAL_FIT_EPOCHS
        return settings.with_max_iter(epochs, incremental=incremental)

    @classmethod
    def _auto_epochs_floor(cls, n_classes):
        """The fewest epochs of ``max_iter='auto'`` (see
        :func:`~skcosine._settings.auto_max_iter`); ``n_classes`` is ``None``
        for a regression."""
        return cls._MIN_AUTO_EPOCHS

    def _initial_model(self, settings, problem, coef_init, intercept_init):
        """The validated initial ``(coef (K, d), intercept (K,))`` of a new
        state (``None`` for zeros): ``coef_init`` / ``intercept_init``, or the
        previous model with ``warm_start``."""
        if settings.warm_start and hasattr(self, "coef_"):
            coef_init = self.coef_ if coef_init is None else coef_init
            intercept_init = (
                self.intercept_ if intercept_init is None else intercept_init
            )
        X = problem.X
        with input_errors(self, "fit"):
            return check_init(
                coef_init, intercept_init, problem.n_models, X.shape[1], X.dtype
            )

    def _initial_rate(self, settings, problem, targets, previous, incremental):
        """``(rate, problem)``: ``eta0``, or the rate ``eta0='auto'`` derives
        from the training rows (with ``partial_fit``, the lowest over every
        block seen), and the problem with the caps of the rows that rate
        leaves out (:func:`~skcosine._settings.row_caps`)."""
        if settings.eta0 != "auto":
            return float(settings.eta0), problem
        scale = problem.data_scale(
            targets.row_weights(problem.sample_weight), settings.fit_intercept
        )
        rate = auto_eta0(scale, settings.loss)
        caps = row_caps(scale, settings.loss, problem.X.shape[0])
        problem = replace(problem, row_cap=caps)
        if incremental:
            return (rate if previous is None else min(previous, rate)), problem
        warn_if_extreme(scale)
        warn_if_stalled(
            stalled_features(scale, rate * settings.max_iter),
            rate,
            settings.max_iter,
            getattr(self, "feature_names_in_", None),
        )
        return rate, problem

    def _checkpoint(self, settings, problem, targets, init):
        """The checkpoint files of a ``fit`` (a context manager: the lock)."""
        data = (problem.X, targets.values, problem.sample_weight, *init)
        key = fingerprint(type(self).__name__, self.get_params(deep=False), data)
        return Checkpoint(
            settings.checkpoint_path, settings.checkpoint_every, key, problem.n_models
        )

    def _passes(
        self,
        settings,
        problem,
        targets,
        y,
        held_out,
        state,
        schedule,
        checkpoint,
        given_weight,
    ):
        """The epochs of ``fit`` (resumed from the checkpoint, if any), with the
        hooks between them, and the final divergence check. Returns
        ``(state, published model, learning rates, monitored curve, epochs run,
        t)``, the published model (:meth:`_published`) being the one checked."""
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
        trainer = Trainer(problem, settings, state, record_loss=True)
        monitor = Monitor(
            settings,
            problem,
            np.flatnonzero(held_out),
            targets.names,
            rule=resumed_rule(settings, saved_rule, trainer.active),
            record_loss=True,
        )
        if first:
            monitor.values = (
                [None] * first if saved_values is None else list(saved_values)
            )
        plan = RatePlan(schedule, settings.anneal_per, n_epochs=settings.max_iter)
        divergence = Divergence(settings, state)
        hooks = [divergence.hook(), monitor]
        n_samples = problem.X.shape[0]
        callbacks = FitCallbacks(
            self, problem.X, y, problem.sample_weight if given_weight else None
        )
        if callbacks.active:
            hooks.append(
                CallbackHook(
                    callbacks,
                    lambda: self._fitted_model(
                        state, settings, 1 + state["epochs"] * n_samples
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
            final = max(n_iter - 1, 0)
            model = self._published(state, settings, t)
            divergence.check_final(trainer, *model, final, plan.rate(final))
        except ValueError as exc:
            if checkpoint is not None and divergence.raised(exc):
                checkpoint.discard()  # a diverged fit is not to be resumed
            raise
        callbacks.end_fit(lambda: self._fitted_model(state, settings, t))
        rates = [plan.rate(epoch) for epoch in range(first)] + rates
        return state, model, rates, monitor.curve(), n_iter, t

    def _one_pass(self, settings, problem, targets, state, schedule):
        """The pass of ``partial_fit`` at the next position of the schedule,
        and the final check of its model. Returns what :meth:`_passes` does."""
        trainer = Trainer(problem, settings, state, record_loss=True)
        monitor = Monitor(
            settings,
            problem,
            np.array([], dtype=np.intp),
            targets.names,
            stopping=False,
            record_loss=True,
        )
        divergence = Divergence(settings, state)
        batches, position = settings.batches_per_epoch, state["epochs"]
        # the one pass of the call: only its epoch's rates are tabulated
        plan = RatePlan(schedule, settings.anneal_per, n_epochs=int(position) + 1)
        with np.errstate(all="ignore"):
            rates = run_passes(
                trainer, plan, [position], 1.0 / batches, [divergence.hook(), monitor]
            )
        state["epochs"] = (round(position * batches) + 1) / batches
        t = getattr(self, "t_", 1.0) + problem.X.shape[0]
        model = self._published(state, settings, t)
        divergence.check_final(trainer, *model, position, rates[0])
        return state, model, rates, monitor.curve(), 1, t

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

    def _record(
        self, settings, schedule, incremental, state, model, rates, curve, n_iter, t
    ):
        """Store the fitted attributes (only once training succeeded); ``model``
        is the published ``(coef, intercept)`` the final check accepted."""
        previous_rates = getattr(self, "learning_rates_", None) if incremental else None
        state["schedule_key"] = settings.schedule_key()
        state["max_iter"] = settings.max_iter  # resolved: partial_fit continues it
        self._state = state
        self.t_ = t
        self.coef_, self.intercept_ = self._publish_shapes(*model)
        self.schedule_ = schedule
        rates = np.asarray(rates, dtype=np.float64)
        if previous_rates is None:
            self.learning_rates_ = rates
            self.n_iter_ = n_iter
        else:
            warn_if_rate_zero(
                rates[-1], previous_rates[-1] if len(previous_rates) else None
            )
            self.learning_rates_ = np.append(previous_rates, rates)
            self.n_iter_ = getattr(self, "n_iter_", 0) + n_iter
        self.n_epochs_ = float(state["epochs"])
        self._record_curve(settings, curve, incremental)
        if not incremental:
            warn_if_not_converged(settings, self.n_iter_)
            if self.n_iter_ == settings.max_iter:
                warn_if_mid_cycle(settings, schedule)
            warn_if_rate_zero_tail(settings, schedule, self.n_iter_)

    def _record_curve(self, settings, curve, incremental):
        """Keep the monitored value of every pass (``NaN`` where not monitored)."""
        name = "validation_scores_" if settings.early_stopping else "loss_curve_"
        previous = getattr(self, name, None) if incremental else None
        for attribute in ("loss_curve_", "validation_scores_"):
            vars(self).pop(attribute, None)
        if curve is None and previous is None:
            return
        if previous is None and len(curve) == self.n_iter_:
            setattr(self, name, curve)  # a new array (Monitor.curve): no copy
            return
        values = np.full(self.n_iter_, np.nan)
        if previous is not None:
            values[: len(previous)] = previous
        if curve is not None:
            values[len(values) - len(curve) :] = curve
        setattr(self, name, values)
