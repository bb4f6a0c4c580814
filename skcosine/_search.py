"""Every candidate of a grid trained on a fold in one pass: the engine of the
cross-validated estimators.

A grid search over ``eta0``, ``lr_min``, ``T_max`` and ``alpha`` fits one model
per candidate (and per class, one-versus-all) on the same rows. :func:`fit_fold`
trains them all in one kernel of ``K = candidates x classes`` models, so that
each row is read once for every model, and gives each candidate exactly what a
standalone ``fit`` on the fold's rows, with the same ``random_state``, gives:

* the same rows in the same order: the kernel trains on the fold's rows of the
  whole data set, in the order the splitter gave them, shuffled by the
  generator a standalone fit seeds, so that pass ``e`` visits the rows in the
  permutation of the standalone fit's epoch ``e``;
* the same arithmetic: the kernel computes every model as it would alone, bit
  for bit;
* the same ``eta0='auto'`` (measured on the fold's training rows), the same
  held-out rows with ``early_stopping``, the same stopping rule, model by
  model;
* the same failures: a candidate that diverges stops training, and is
  reported as failed, where its standalone fit raises a ``ValueError``.

A ``random_state`` instance is copied for every fold, as ``GridSearchCV``'s
clones copy it for every fit; with ``random_state=None`` every candidate of a
fold shares one row order, drawn once per fold (a standalone search would draw
one per fit).
"""

import copy
import time
from dataclasses import dataclass, replace

import numpy as np

from ._data import Problem, validation_split
from ._settings import auto_eta0, row_caps
from ._training import (
    GridPlan,
    Hook,
    Monitor,
    RatePlan,
    Trainer,
    averaging_started,
    diverged,
    eta0_text,
    final_failures,
    loss_failures,
    loss_text,
    model_arrays,
    new_state,
    prepare,
    reference_losses,
    run_passes,
    seed_of,
)

__all__ = ["FoldFit", "fit_fold"]


@dataclass
class FoldFit:
    """The models every candidate of a grid fitted on one fold.

    Attributes
    ----------
    coef : ndarray of shape (n_candidates, n_models, n_features)
        Published coefficients (averaged, with ``average``) of every model of
        every candidate.
    intercept : ndarray of shape (n_candidates, n_models)
        Their intercepts.
    failures : list of str or None
        Why each candidate failed (its standalone fit would have raised), or
        ``None``.
    n_iter : ndarray of shape (n_candidates,)
        Epochs each candidate trained.
    fit_time : float
        Seconds the fold took.
    """

    coef: np.ndarray
    intercept: np.ndarray
    failures: list
    n_iter: np.ndarray
    fit_time: float


def fit_fold(X, targets, sample_weight, train, settings, *, stratify):
    """Train every candidate on the rows ``train`` of ``X``, in one kernel.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Every row of the validated data (never copied).
    targets : Targets
        The targets of the fold's rows, encoded from them alone.
    sample_weight : ndarray of shape (n_samples,)
        Validated sample weights of every row.
    train : ndarray of int
        The fold's rows, in the splitter's order.
    settings : list of Settings or str
        One per candidate; they differ in ``eta0``, ``lr_min``, ``T_max`` and
        ``alpha`` only. A ``str`` says why a candidate cannot be fitted (its
        standalone fit would raise before training): it fails, the others
        train as they would without it.
    stratify : bool
        Whether the early-stopping split keeps the class proportions.

    Returns
    -------
    FoldFit
    """
    start = time.perf_counter()
    reasons = [s if isinstance(s, str) else None for s in settings]
    valid = [c for c, reason in enumerate(reasons) if reason is None]
    if not valid:
        return _failed_fold(X, targets, reasons, start)
    if len(valid) < len(settings):
        fit = fit_fold(
            X,
            targets,
            sample_weight,
            train,
            [settings[c] for c in valid],
            stratify=stratify,
        )
        return _placed(fit, valid, reasons)
    try:
        trainer, plan, hooks = _setup(
            X, targets, sample_weight, train, settings, stratify
        )
    except ValueError as error:  # the data of the fold: every candidate fails
        return _failed_fold(X, targets, [str(error)] * len(settings), start)
    shared = trainer.settings
    with np.errstate(all="ignore"):
        run_passes(trainer, plan, range(shared.max_iter), 1.0, hooks)
    failure_hook, counter = hooks[0], hooks[-1]
    per_candidate = targets.n_models
    n_iter = counter.passes.reshape(len(settings), per_candidate).max(axis=1)
    coef, intercept = _published(trainer.state, shared.average, n_iter, len(train))
    references = trainer.state["reference_loss"]
    overflowed, too_large, means = final_failures(trainer, coef, intercept, references)
    failed = overflowed | too_large
    failures = failure_hook.failures
    for c in np.flatnonzero(failed.reshape(len(settings), per_candidate).any(axis=1)):
        if failures[c] is None:  # the error of the standalone fit's final check
            final = max(int(n_iter[c]) - 1, 0)
            models = slice(c * per_candidate, (c + 1) * per_candidate)
            if overflowed[models].any():
                what = "the final model has non-finite coefficients or decisions"
            else:
                k = c * per_candidate + int(np.flatnonzero(too_large[models])[0])
                what = loss_text(means[k], references[k])
            rate = plan.plans[c].rate(final)
            failures[c] = str(diverged(final, rate, failure_hook.eta0s[c], what))
    return FoldFit(
        coef=coef.reshape(len(settings), per_candidate, -1),
        intercept=intercept.reshape(len(settings), per_candidate),
        failures=failures,
        n_iter=n_iter,
        fit_time=time.perf_counter() - start,
    )


def _setup(X, targets, sample_weight, train, settings, stratify):
    """The trainer of the fold, its plan and its hooks (failures first, the
    pass counter last)."""
    first = settings[0]
    # GridSearchCV's clones give every fit its own copy of a RandomState
    random_state = copy.deepcopy(first.random_state)
    shared = replace(
        first,
        random_state=random_state,
        verbose=0,
        alpha=max(s.alpha for s in settings),  # penalized if any candidate is
    )
    fold_weight = sample_weight[train]
    if not np.any(targets.row_weights(fold_weight) > 0):
        raise ValueError(
            "class_weight and sample_weight give every sample of the fold the weight 0"
        )
    held_out = validation_split(shared, targets.values, fold_weight, stratify)
    seed = seed_of(random_state)  # after the split, as in a standalone fit
    expanded = targets.expand(train, X.shape[0])
    problem = Problem.build(
        shared,
        X,
        expanded,
        sample_weight,
        train[~held_out],
        sample_rows=train,
        alphas=[s.alpha for s in settings],
    )
    rates, problem = _initial_rates(settings, problem, expanded)
    state = new_state(X.shape[1], problem.n_models, X.dtype, seed=seed)
    prepare(state, average=shared.average, truncates=shared.truncates)
    state["reference_loss"] = reference_losses(
        None, problem.zero_losses(shared.loss, shared.epsilon)
    )
    trainer = Trainer(problem, shared, state)
    plan = GridPlan(
        [RatePlan(s.schedule(rate), s.anneal_per) for s, rate in zip(settings, rates)],
        targets.n_models,
        n_epochs=shared.max_iter,
    )
    names = [""] * problem.n_models
    hooks = [
        FailureHook(
            trainer, [eta0_text(s.eta0, rate) for s, rate in zip(settings, rates)]
        ),
        Monitor(shared, problem, train[held_out], names),
        PassCounter(trainer),
    ]
    return trainer, plan, hooks


def _initial_rates(settings, problem, targets):
    """``(rates, problem)``: the initial rate of every candidate, its ``eta0``
    or the rate ``eta0='auto'`` derives from the fold's training rows, and the
    problem with the caps of the rows that rate leaves out, for the models of
    the ``eta0='auto'`` candidates (as in their standalone fits)."""
    if all(s.eta0 != "auto" for s in settings):
        return [float(s.eta0) for s in settings], problem
    first = settings[0]
    scale = problem.data_scale(
        targets.row_weights(problem.sample_weight), first.fit_intercept
    )
    auto = auto_eta0(scale, first.loss)
    caps = row_caps(scale, first.loss, problem.X.shape[0])
    if caps is not None:
        capped = np.repeat(
            np.array([s.eta0 == "auto" for s in settings], dtype=np.uint8),
            targets.n_models,
        )
        problem = replace(problem, row_cap=caps, capped=capped)
    rates = [auto if s.eta0 == "auto" else float(s.eta0) for s in settings]
    return rates, problem


def _published(state, average, n_iter, n_samples):
    """The published models ``(K, d)`` and ``(K,)``: averaged for the
    candidates whose ``average`` start was reached, as in a standalone fit
    after ``n_iter`` epochs of ``n_samples`` rows."""
    coef, intercept = model_arrays(state, averaged=False)
    if not average:
        return coef, intercept
    per_candidate = len(intercept) // len(n_iter)
    reached = np.repeat(averaging_started(average, n_iter * n_samples), per_candidate)
    mean_coef, mean_intercept = model_arrays(state, averaged=True)
    coef = np.where(reached[:, None], mean_coef, coef)
    return coef, np.where(reached, mean_intercept, intercept)


def _failed_fold(X, targets, reasons, start):
    """The fold of candidates that all failed, for ``reasons``."""
    n_candidates, n_models = len(reasons), targets.n_models
    return FoldFit(
        coef=np.zeros((n_candidates, n_models, X.shape[1]), dtype=X.dtype),
        intercept=np.zeros((n_candidates, n_models)),
        failures=list(reasons),
        n_iter=np.zeros(n_candidates, dtype=np.int64),
        fit_time=time.perf_counter() - start,
    )


def _placed(fit, valid, reasons):
    """``fit`` of the candidates ``valid`` as the fit of the whole grid, the
    other candidates failed for their ``reasons``."""
    coef = np.zeros((len(reasons),) + fit.coef.shape[1:], dtype=fit.coef.dtype)
    intercept = np.zeros((len(reasons),) + fit.intercept.shape[1:])
    n_iter = np.zeros(len(reasons), dtype=fit.n_iter.dtype)
    failures = list(reasons)
    coef[valid], intercept[valid], n_iter[valid] = fit.coef, fit.intercept, fit.n_iter
    for c, failure in zip(valid, fit.failures):
        failures[c] = failure
    return replace(
        fit, coef=coef, intercept=intercept, failures=failures, n_iter=n_iter
    )


class FailureHook(Hook):
    """The divergence rule, candidate by candidate: a candidate with a model
    that is not finite, or whose loss broke the rule, stops training and is
    recorded as failed, with the message of the ``ValueError`` its standalone
    fit raises there.

    Parameters
    ----------
    trainer : Trainer
        The fold's trainer.
    eta0s : list of str
        How each candidate's error names its initial rate (the models are
        candidate-major).
    """

    def __init__(self, trainer, eta0s):
        self.trainer, self.eta0s = trainer, eta0s
        self.n_candidates = len(eta0s)
        self.failures = [None] * self.n_candidates

    def after_pass(self, report):
        trainer = self.trainer
        state, settings = trainer.state, trainer.settings
        overflowed = ~_finite_models(state)
        too_large = loss_failures(settings.loss, report.losses, state["reference_loss"])
        bad = (overflowed | too_large) & trainer.active.astype(bool)
        by_model = bad.reshape(self.n_candidates, -1)
        rates = np.reshape(report.learning_rate, by_model.shape)
        active = trainer.active.reshape(by_model.shape)  # a view
        losses = np.reshape(report.losses, by_model.shape)
        references = np.reshape(state["reference_loss"], by_model.shape)
        for c in np.flatnonzero(by_model.any(axis=1)):
            if overflowed.reshape(by_model.shape)[c].any():
                what = "the coefficients overflowed"
            else:
                k = int(np.flatnonzero(by_model[c])[0])
                what = loss_text(losses[c, k], references[c, k])
            error = diverged(report.epoch, rates[c, 0], self.eta0s[c], what)
            self.failures[c] = str(error)
            active[c] = 0
        return not trainer.active.any()


def _finite_models(state):
    """Whether each model's weights and intercept (and averages) are finite."""
    finite = np.all(np.isfinite(state["coef"]), axis=0) & np.isfinite(
        state["intercept"]
    )
    if "average_coef" in state:
        finite &= np.all(np.isfinite(state["average_coef"]), axis=0)
        finite &= np.isfinite(state["average_intercept"])
    return finite


class PassCounter(Hook):
    """Counts the passes each model trained in (its ``n_iter_``)."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.passes = np.zeros(len(trainer.active), dtype=np.int64)

    def before_pass(self, position):
        self.passes += self.trainer.active
