"""Training passes: the kernel over the rows, with the checks in between.

One pass of the kernel over the training rows is one epoch of ``fit``, or one
``partial_fit`` call. :func:`run_passes` runs them in order; after each pass it
hands a :class:`Report` to the hooks (the divergence rule, the stopping rule,
verbose output, callbacks, checkpoints), the one interface through which
anything happens between passes. A hook returns ``True`` to end training.

The learning rate of every row comes from the schedule: with
``anneal_per="epoch"`` a pass at position ``e`` runs at ``schedule(e)``; with
``"sample"`` the ``i``-th of the ``n`` rows of a pass covering ``length``
epochs from position ``e`` runs at ``schedule(e + i * length / n)``, through
:meth:`~skcosine.CosineAnnealingLR.segments`.
"""

from dataclasses import dataclass

import numpy as np

from ._divergence import check_final, check_pass, final_failures
from ._kernel import RATE_COLUMNS, Kernel

__all__ = [
    "CHUNK",
    "DivergenceHook",
    "GridPlan",
    "Hook",
    "RatePlan",
    "Report",
    "Trainer",
    "run_passes",
]

CHUNK = 256
"""Epochs whose rates are computed at once (memory grows with the epochs run,
not with ``max_iter``)."""


@dataclass
class Report:
    """What one pass did, for the hooks.

    Attributes
    ----------
    epoch : float
        Position of the pass in the schedule (epochs).
    learning_rate : float
        The rate at the start of the pass.
    losses : ndarray of shape (n_models,)
        Progressive mean loss of every model over the pass, weighted by the
        sample and class weights (what the divergence rule compares).
    unweighted_losses : ndarray of shape (n_models,)
        The same mean with every row counted once, as scikit-learn's SGD sums
        its training objective (what the ``tol`` rule monitors).
    finite : bool
        Whether every trained model ended the pass finite.
    trainer : Trainer
        The trainer, for the hooks that look at the models.
    """

    epoch: float
    learning_rate: float
    losses: np.ndarray
    unweighted_losses: np.ndarray
    finite: bool
    trainer: object


class Trainer:
    """The kernel of one call, training the models of a state in place.

    Parameters
    ----------
    problem : Problem
        Data and per-model constants.
    settings : Settings
        The call's settings.
    state : dict
        A checked training state (see :mod:`skcosine._state`), updated in
        place.
    """

    def __init__(self, problem, settings, state):
        self.problem, self.settings, self.state = problem, settings, state
        self.active = np.ones(problem.n_models, dtype=np.uint8)
        self.losses = np.zeros(problem.n_models)
        self._rates = np.zeros((problem.n_models, RATE_COLUMNS))
        self.kernel = Kernel(
            problem.X,
            problem.targets,
            problem.sample_weight,
            problem.rows,
            coef=state["coef"],
            intercept=state["intercept"],
            wscale=state["wscale"],
            updates=state["updates"],
            alpha=problem.alpha,
            weight_pos=problem.weight_pos,
            weight_neg=problem.weight_neg,
            active=self.active,
            losses=self.losses,
            positive=problem.positive,
            average_coef=state.get("average_coef") if settings.average else None,
            average_intercept=state.get("average_intercept"),
            average_a=state.get("average_a"),
            average_b=state.get("average_b"),
            l1_q=state.get("l1_q") if settings.truncates else None,
            l1_u=state.get("l1_u"),
            loss=settings.loss,
            epsilon=settings.epsilon,
            l1_ratio=settings.l1_ratio if settings.penalty is not None else 0.0,
            penalized=settings.penalized,
            fit_intercept=settings.fit_intercept,
            intercept_decay=problem.intercept_decay,
            average=float(settings.average),
            max_dloss=problem.max_dloss,
            negative=problem.negative,
        )
        # the objective of the tol rule and of verbose output (see _monitor)
        self.kernel.track_unweighted = settings.tol is not None or settings.verbose

    def run(self, rates, start, step):
        """One pass over the rows (shuffled first, with ``shuffle``).

        Parameters
        ----------
        rates : ndarray of shape (5,) or (n_models, 5)
            The rate plan (see :mod:`skcosine._kernel`).
        start, step : float
            Position within the plan of the first row, and per row.

        Returns
        -------
        losses, unweighted_losses : ndarray of shape (n_models,)
            Progressive mean loss of every model, weighted and not.
        finite : bool
            Whether the trained models are finite.
        """
        self._rates[...] = rates
        if self.settings.shuffle:
            self.kernel.shuffle(self.state["rng"])
        finite = self.kernel.run(self._rates, start, step)
        return self.losses.copy(), self.kernel.unweighted_losses, finite

    def final_failures(self, coef, intercept):
        """Which final models diverged, over the sample rows: ``(overflowed,
        too_large, means)`` of :func:`skcosine._divergence.final_failures`."""
        problem = self.problem
        return final_failures(
            self.settings.loss,
            self.settings.epsilon,
            problem.X,
            coef,
            intercept,
            problem.model_targets,
            problem.model_weights,
            self.state["reference_loss"],
            rows=problem.sample_rows,
        )

    def check_final(self, coef, intercept, describe):
        """The divergence rule on the final models: raise ``describe(what)``."""
        failures = self.final_failures(coef, intercept)
        check_final(failures, self.state["reference_loss"], describe)


class RatePlan:
    """The rate plan of every pass, from a schedule, in chunks of epochs.

    Parameters
    ----------
    schedule : CosineAnnealingLR or CosineAnnealingWarmRestarts
        The schedule.
    anneal_per : {"epoch", "sample"}
        Whether the rate is constant over a pass or follows the schedule
        sample by sample.
    """

    def __init__(self, schedule, anneal_per):
        self.schedule, self.anneal_per = schedule, anneal_per
        self._first = None
        self._rates = self._segments = None

    def rate(self, position):
        """The learning rate at ``position`` (epochs)."""
        if position != int(position):
            return float(self.schedule(position))
        self._load(int(position))
        return float(self._rates[int(position) - self._first])

    def plan(self, position):
        """The plan of a pass starting at ``position``: ``(rates, start)``.

        ``rates`` has 5 columns (see :mod:`skcosine._kernel`); ``start`` is the
        offset of ``position`` in its epoch.
        """
        if self.anneal_per == "epoch":
            return np.array([self.rate(position), 0.0, 0.0, 0.0, 0.0]), 0.0
        epoch = int(np.floor(position))
        self._load(epoch)
        return self._segments[epoch - self._first], position - epoch

    def _load(self, epoch):
        if self._first is None or not self._first <= epoch < self._first + CHUNK:
            epochs = np.arange(epoch, epoch + CHUNK, dtype=np.float64)
            self._first = epoch
            self._rates = self.schedule(epochs)
            if self.anneal_per == "sample":
                self._segments = self.schedule.segments(epochs)


class GridPlan:
    """The rate plans of a grid of candidates trained together (by ``fit``,
    whose passes are whole epochs): each candidate's schedule, repeated for
    its ``per_candidate`` models, tabulated for a chunk of epochs at once.

    Parameters
    ----------
    plans : list of RatePlan
        One plan per candidate.
    per_candidate : int
        Models per candidate (the classes of a one-versus-all classifier).
    n_epochs : int or None, default=None
        The budget: no epoch at or past it is tabulated. The table holds
        ``min(CHUNK, epochs left)`` epochs of 6 rates per model, so a grid of
        many candidates on a short budget does not pay for ``CHUNK`` epochs
        (26 kB per candidate).
    """

    def __init__(self, plans, per_candidate, n_epochs=None):
        self.plans, self.per_candidate = plans, per_candidate
        self.n_epochs = n_epochs
        self._first = None
        self._rates = self._table = None

    def rate(self, position):
        """The learning rate of every model at epoch ``position``."""
        self._load(int(position))
        return self._rates[int(position) - self._first]

    def plan(self, position):
        """The plan of every model for the pass of epoch ``position``:
        ``(rates of shape (n_models, 5), start)``."""
        self._load(int(position))
        return self._table[int(position) - self._first], 0.0

    def _load(self, epoch):
        if self._first is not None and self._first <= epoch < self._first + len(
            self._rates
        ):
            return
        stop = epoch + CHUNK
        if self.n_epochs is not None:
            stop = max(min(stop, self.n_epochs), epoch + 1)
        epochs = np.arange(epoch, stop, dtype=np.float64)
        schedules = [plan.schedule for plan in self.plans]
        rates = np.array([schedule(epochs) for schedule in schedules]).T
        if self.plans[0].anneal_per == "sample":
            table = np.stack([schedule.segments(epochs) for schedule in schedules], 1)
        else:
            table = np.zeros(rates.shape + (RATE_COLUMNS,))
            table[:, :, 0] = rates
        self._first = epoch
        self._rates = np.repeat(rates, self.per_candidate, axis=1)
        self._table = np.ascontiguousarray(np.repeat(table, self.per_candidate, axis=1))


class Hook:
    """Something that happens between passes: the one interface for it.

    ``before_pass(position)`` is called before every pass and
    ``after_pass(report)`` after it; a true return value of ``after_pass``
    ends training after that pass (the other hooks are still called).
    """

    def before_pass(self, position):
        """Called before the pass at ``position``."""

    def after_pass(self, report):
        """Called after a pass with its :class:`Report`; ``True`` stops."""
        return False


class DivergenceHook(Hook):
    """Applies the divergence rule (:mod:`skcosine._divergence`) after every
    pass; ``describe(report, what)`` returns the error to raise."""

    def __init__(self, loss, references, describe):
        self.loss, self.references, self.describe = loss, references, describe

    def after_pass(self, report):
        check_pass(
            self.loss,
            report.losses,
            self.references,
            report.finite,
            lambda what: self.describe(report, what),
        )
        return False


def run_passes(trainer, plan, positions, length, hooks):
    """Run one pass per position, calling the hooks around each.

    Parameters
    ----------
    trainer : Trainer
        The trainer.
    plan : RatePlan
        Where the rates come from.
    positions : iterable of float
        Schedule position of each pass (epochs).
    length : float
        Epochs covered by one pass: 1 for ``fit``, ``1 / batches_per_epoch``
        for ``partial_fit``.
    hooks : list of Hook
        Called around every pass, in order.

    Returns
    -------
    rates : list of float
        The learning rate at the start of every pass run.
    """
    n_rows = trainer.kernel.n_rows
    step = length / n_rows if n_rows else 0.0
    learning_rates = []
    for position in positions:
        for hook in hooks:
            hook.before_pass(position)
        rates, start = plan.plan(position)
        losses, unweighted, finite = trainer.run(rates, start, step)
        learning_rate = plan.rate(position)
        learning_rates.append(learning_rate)
        trainer.state["epochs"] = position + length
        report = Report(position, learning_rate, losses, unweighted, finite, trainer)
        stop = [hook.after_pass(report) for hook in hooks]
        if any(stop):
            break
    return learning_rates
