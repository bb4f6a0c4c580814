"""How a fit runs: the training state, the passes of the kernel over the rows,
and the checks between them (divergence, the stopping rule, verbose output,
callbacks).

The state
    Between calls an estimator keeps everything training needs to continue
    in ``_state``, a dict of numpy arrays and numbers (so pickles and skops
    files name no private class). The arrays are those of the kernel
    (:class:`skcosine._kernel.Kernel`), models in columns:

    ========================  ==================  ==================================
    key                       shape, dtype        meaning
    ========================  ==================  ==================================
    ``coef``                  (d, K), X's dtype   weights, divided by ``wscale``
    ``wscale``                (K,), float64       pending L2 scale of the weights
    ``intercept``             (K,), float64       intercepts
    ``updates``               (K,), float64       updates made so far, plus one
    ``average_coef``          (d, K), X's dtype   averaged weights (with ``average``)
    ``average_intercept``     (K,), float64       averaged intercepts
    ``average_a``             (K,), float64       averaging scalars (Bottou's trick)
    ``average_b``             (K,), float64
    ``l1_q``                  (d, K), X's dtype   L1 penalty applied to each weight
    ``l1_u``                  (K,), float64       L1 penalty accumulated per weight
    ``rng``                   (4,), uint64        generator of the row order
    ``reference_loss``        (K,), float64       what the divergence rule compares
    ``epochs``                float               position in the schedule, in epochs
    ``lr_initial``            float               the rate the schedule starts from
    ========================  ==================  ==================================

    Nothing compiled ever reads a state that :func:`check_state` has not
    accepted, so a tampered file cannot crash the process.

The passes
    One pass of the kernel over the training rows is one epoch of ``fit``, or
    one ``partial_fit`` call. :func:`run_passes` runs them in order; after
    each pass it hands a :class:`Report` to the hooks (the divergence rule,
    the stopping rule, verbose output, callbacks, checkpoints), the one
    interface through which anything happens between passes. A hook returns
    ``True`` to end training. With ``anneal_per="epoch"`` a pass at position
    ``e`` runs at ``schedule(e)``; with ``"sample"`` the ``i``-th of the ``n``
    rows of a pass covering ``length`` epochs from position ``e`` runs at
    ``schedule(e + i * length / n)``, through
    :meth:`~skcosine.CosineAnnealingLR.segments`.

The divergence rule
    scikit-learn's SGD clips each gradient at 1e12, so an oversized ``eta0``
    on unscaled data gives coefficients of 1e13 or more that are still
    finite: no error, a useless model. skcosine applies this rule to every
    model it trains: training has diverged if a coefficient, an intercept or a
    decision is not finite, or if the mean training loss (weighted by the
    sample and class weights) is more than :data:`FACTOR` (10,000) times the
    *reference loss*: the larger of the mean loss of the starting model and of
    the all-zero model (1 where both are 0), over the training rows. The
    reference is never 0: the all-zero model has loss 1 (or log 2) on every
    classification loss but the perceptron, and on a regression target it is
    0 only if the target is identically 0. The perceptron loss is scale-free
    (scaling a model scales its loss and changes no prediction), so for it
    only finiteness counts. The rule is checked after every pass, on the
    progressive loss the kernel adds up over every row of the pass (it costs
    nothing and names the epoch where the loss blew up), and at the end of a
    call, exactly, on the decisions of the final model over every row (in
    one compiled pass, :meth:`~skcosine._kernel.Kernel.mean_losses`: no copy
    of the data).

The monitored values and the stopping rule
    Each model gets one value per epoch (a fit of an estimator always records
    them; the CV estimators' fused pass only with ``tol`` or ``verbose``):
    with ``early_stopping``, its score on the held-out rows (R^2 for a
    regression, the accuracy of the binary problem for a classifier);
    otherwise its training objective, as scikit-learn's SGD computes it. The
    stopping rule is scikit-learn's: a model stops after ``n_iter_no_change``
    consecutive epochs whose value did not improve on its best by at least
    ``tol``. Stopped models are left as they are while the others train on.

Callbacks
    scikit-learn's callbacks (``sklearn.callback``, 1.9): ``fit`` is one task
    with one sub-task per epoch; a callback asking to stop ends the training
    after that epoch. On a scikit-learn without the callback API this is a
    no-op.
"""

from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.metrics import r2_score
from sklearn.utils import check_random_state
from sklearn.utils.extmath import safe_sparse_dot

from . import _sklearn_compat as compat
from ._data import TEMPORARIES, loss_values, row_blocks, take_rows
from ._kernel import RATE_BASE, RATE_COLUMNS, Kernel, seed_state
from ._schedules import MAX_COUNT

__all__ = [
    "CHUNK",
    "CallbackHook",
    "Divergence",
    "DivergenceHook",
    "FACTOR",
    "FitCallbacks",
    "GridPlan",
    "Hook",
    "MAX_SEED",
    "Monitor",
    "RatePlan",
    "Report",
    "StoppingRule",
    "Trainer",
    "averaging_started",
    "check_final",
    "check_pass",
    "check_state",
    "copy_state",
    "diverged",
    "final_failures",
    "loss_failures",
    "mean_losses",
    "model_arrays",
    "new_state",
    "prepare",
    "reference_losses",
    "resumed_rule",
    "run_passes",
    "seed_of",
    "starting_references",
]


MAX_SEED = 2**63 - 1

_MODEL_MATRICES = ("coef", "average_coef", "l1_q")
_MODEL_VECTORS = (
    "wscale",
    "intercept",
    "updates",
    "average_intercept",
    "average_a",
    "average_b",
    "l1_u",
    "reference_loss",
)
_SCALARS = {"rng", "epochs", "lr_initial"}
"""The keys every state has besides the model arrays (``lr_initial`` may be
``None``)."""
_OPTIONAL = {
    "average_coef",
    "average_intercept",
    "average_a",
    "average_b",
    "l1_q",
    "l1_u",
}


def seed_of(random_state):
    """The seed of the row order: ``random_state`` itself when it is an int,
    else drawn from it (once per fit).

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The estimator's ``random_state``.

    Returns
    -------
    int
        A seed in ``[0, 2**63)``.
    """
    if isinstance(random_state, Integral):
        return int(random_state) % (MAX_SEED + 1)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def new_state(n_features, n_models, dtype, *, seed, coef=None, intercept=None):
    """A state for ``n_models`` models on ``n_features`` features.

    Parameters
    ----------
    n_features, n_models : int
        Sizes.
    dtype : numpy dtype
        float32 or float64, the dtype of the data.
    seed : int
        Seed of the generator of the row order.
    coef : ndarray of shape (n_models, n_features) or None
        Initial weights (copied); zeros when ``None``.
    intercept : ndarray of shape (n_models,) or None
        Initial intercepts; zeros when ``None``.
    """
    weights = np.zeros((n_features, n_models), dtype=dtype)
    if coef is not None:
        weights[...] = np.asarray(coef).T
    intercepts = np.zeros(n_models)
    if intercept is not None:
        intercepts[...] = intercept
    return {
        "coef": weights,
        "wscale": np.ones(n_models),
        "intercept": intercepts,
        "updates": np.ones(n_models),
        "rng": seed_state(seed),
        "reference_loss": np.full(n_models, np.nan),
        "epochs": 0.0,
        "lr_initial": None,
    }


def prepare(state, *, average, truncates):
    """Add (or drop) the averaging and L1 arrays the settings need.

    Averaging switched on later starts from the current weights; the L1 state
    starts at zero.
    """
    n_features, n_models = state["coef"].shape
    if average and "average_coef" not in state:
        coef = state["coef"]
        state["average_coef"] = (coef * state["wscale"]).astype(coef.dtype)
        state["average_intercept"] = state["intercept"].copy()
        state["average_a"] = np.zeros(n_models)
        state["average_b"] = np.ones(n_models)
    if truncates and "l1_q" not in state:
        state["l1_q"] = np.zeros((n_features, n_models), dtype=state["coef"].dtype)
        state["l1_u"] = np.zeros(n_models)
    return state


def copy_state(state):
    """A deep copy of a state (arrays copied), for atomic updates."""
    return {
        key: value.copy() if isinstance(value, np.ndarray) else value
        for key, value in state.items()
    }


def model_arrays(state, averaged):
    """Coefficients ``(K, d)`` and intercepts ``(K,)`` of the state's models.

    Parameters
    ----------
    state : dict
        A checked state. The kernel keeps the scale of the weights and the
        averaging scalars pending from pass to pass (as scikit-learn does
        within one ``fit``), so that ``fit`` equals a sequence of
        ``partial_fit`` calls bit for bit; they are applied here.
    averaged : bool
        Whether to return the averaged models.
    """
    coef = state["coef"]
    with np.errstate(over="ignore", invalid="ignore"):
        if averaged:  # folded as scikit-learn's WeightVector.reset_wscale
            weights = state["average_coef"] + state["average_a"] * coef
            weights = weights * (1.0 / state["average_b"])
            # the products are new arrays: no second copy in the dtype of X
            weights = weights.astype(coef.dtype, copy=False)
            return weights.T, state["average_intercept"].copy()
        weights = (coef * state["wscale"]).astype(coef.dtype, copy=False)
        return weights.T, state["intercept"].copy()


def averaging_started(average, n_seen):
    """Whether averaged SGD publishes the average after ``n_seen`` samples:
    once ``average`` of them were seen, as in scikit-learn (``average=0``
    never averages).

    Parameters
    ----------
    average : int
        The ``average`` setting.
    n_seen : int or ndarray
        Samples seen (weight updates made).
    """
    return np.logical_and(bool(average), average <= n_seen)


def check_state(state, n_features, n_models, dtype):
    """Raise ``ValueError`` unless ``state`` is a valid training state.

    A model loaded from a file may carry anything in ``_state``; this checks
    every key's type, dtype, shape and range against the fitted attributes
    before any compiled code reads it.
    """
    if not isinstance(state, dict):
        raise _invalid("the training state is not a dict")
    required = (set(_MODEL_MATRICES + _MODEL_VECTORS) - _OPTIONAL) | _SCALARS
    missing = required - set(state)
    if missing:
        raise _invalid(f"the training state lacks {sorted(missing)}")
    for key in _MODEL_MATRICES:
        if key in state:
            _check_array(state, key, dtype, (n_features, n_models))
    for key in _MODEL_VECTORS:
        if key in state:
            _check_array(state, key, np.float64, (n_models,), finite=False)
    _check_array(state, "rng", np.uint64, (4,))
    if not np.any(state["rng"]):
        raise _invalid("the generator state is all zero")
    if ("average_coef" in state) != ("average_b" in state) or ("l1_q" in state) != (
        "l1_u" in state
    ):
        raise _invalid("the averaging or L1 arrays are incomplete")
    _check_ranges(state)
    _check_number(state, "epochs", low=0.0)
    if state.get("lr_initial") is not None:
        _check_number(state, "lr_initial", low=0.0, strict=True)
    if "max_iter" in state:
        budget = state["max_iter"]
        integer = isinstance(budget, Integral) and not isinstance(budget, bool)
        if not integer or not 1 <= budget <= MAX_COUNT:
            raise _invalid("'max_iter' must be a positive integer")


def _check_ranges(state):
    checks = [
        ("wscale", (state["wscale"] > 0) & (state["wscale"] <= 1)),
        ("updates", state["updates"] >= 1),
        ("intercept", np.isfinite(state["intercept"])),
    ]
    if "average_b" in state:
        checks.append(("average_b", state["average_b"] >= 1))
        checks.append(("average_a", np.isfinite(state["average_a"])))
        checks.append(("average_intercept", np.isfinite(state["average_intercept"])))
    if "l1_u" in state:  # +inf is valid: the penalty overflowed (see _truncate)
        checks.append(("l1_u", state["l1_u"] >= 0))
    for key, ok in checks:
        if not np.all(ok):
            raise _invalid(f"'{key}' holds values out of range")


def _check_array(state, key, dtype, shape, finite=True):
    value = state[key]
    if (
        type(value) is not np.ndarray
        or value.dtype != dtype
        or value.shape != shape
        or not value.flags.c_contiguous
    ):
        raise _invalid(
            f"'{key}' must be a C-contiguous {np.dtype(dtype).name} array of shape "
            f"{shape}"
        )
    if finite and value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise _invalid(f"'{key}' holds non-finite values")


def _check_number(state, key, low, strict=False):
    value = state.get(key)
    if (
        not isinstance(value, (int, float, np.floating))
        or isinstance(value, bool)
        or not np.isfinite(value)
        or value < low
        or (strict and value == low)
    ):
        raise _invalid(f"'{key}' must be a finite number above {low}")


def _invalid(what):
    return ValueError(
        f"The fitted model's training state (_state) is invalid ({what}); it was "
        "not made by skcosine, or it was modified. Fit the model again."
    )


FACTOR = 1e4
SCALE_FREE = ("perceptron",)


def reference_losses(start, zero):
    """The reference loss of every model: ``max(start, zero)``, 1 where 0.

    Parameters
    ----------
    start : ndarray of shape (n_models,) or None
        Mean loss of the starting model (``None`` when it is the zero model).
    zero : ndarray of shape (n_models,)
        Mean loss of the all-zero model.
    """
    reference = zero if start is None else np.fmax(start, zero)
    return np.where(reference > 0, reference, 1.0)


def check_pass(loss, mean_losses, references, finite, describe):
    """Raise ``ValueError`` if a pass left a model diverged.

    Parameters
    ----------
    loss : str
        Name of the loss.
    mean_losses : ndarray of shape (n_models,)
        Progressive mean loss of the pass.
    references : ndarray of shape (n_models,)
        :func:`reference_losses`.
    finite : bool
        Whether every trained model ended the pass finite.
    describe : callable
        ``describe(what)`` returns the error for a description of the problem.
    """
    if not finite:
        raise describe("the coefficients overflowed")
    bad = loss_failures(loss, mean_losses, references)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise describe(loss_text(mean_losses[k], references[k]))


def loss_failures(loss, mean_losses, references):
    """Which models' mean losses break the rule (none for a scale-free loss).

    Parameters
    ----------
    loss : str
        Name of the loss.
    mean_losses, references : ndarray of shape (n_models,)
        Mean losses and :func:`reference_losses`.

    Returns
    -------
    ndarray of bool of shape (n_models,)
    """
    if loss in SCALE_FREE:
        return np.zeros(len(mean_losses), dtype=bool)
    return ~(mean_losses <= FACTOR * references)  # NaN is bad too


def mean_losses(loss, epsilon, X, coef, intercept, targets, weights, rows=None):
    """Weighted mean loss of every model over the rows, in blocks of rows.

    Parameters
    ----------
    loss, epsilon
        The loss and its epsilon.
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Every row of the data.
    coef : ndarray of shape (n_models, n_features)
        The models.
    intercept : ndarray of shape (n_models,)
        Their intercepts.
    targets : callable
        ``targets(rows)`` gives the targets of a slice of rows as the loss sees
        them, broadcastable to ``(n_rows, n_models)``.
    weights : callable
        ``weights(rows)`` gives the weights of those rows, likewise.
    rows : ndarray of int or None
        The rows to average over (a fold of a cross-validation); all rows
        when ``None``.

    Returns
    -------
    means : ndarray of shape (n_models,)
        The mean losses.
    finite : ndarray of bool of shape (n_models,)
        Whether every decision of each model was finite.
    """
    total = np.zeros(len(intercept))
    weight_sum = np.zeros(len(intercept))
    finite = np.ones(len(intercept), dtype=bool)
    for block in row_blocks(X, TEMPORARIES * len(intercept), rows):
        decision = (
            safe_sparse_dot(take_rows(X, block), coef.T, dense_output=True) + intercept
        )
        finite &= np.isfinite(decision).all(axis=0)
        w = weights(block)
        if w.shape != decision.shape:  # one column of weights for every model
            w = np.broadcast_to(w, decision.shape)
        total += (w * loss_values(loss, epsilon, targets(block), decision)).sum(axis=0)
        weight_sum += w.sum(axis=0)
    return total / np.where(weight_sum > 0, weight_sum, 1.0), finite


def final_failures(trainer, coef, intercept, references):
    """Which final models diverged: not finite, or a mean loss over the
    problem's sample rows above the rule's bound (the rows ``eta0='auto'``
    left out are not counted in its models: see
    :meth:`~skcosine._kernel.Kernel.mean_losses`).

    Parameters
    ----------
    trainer : Trainer
        The trainer of the call: its kernel holds the data, the targets and
        the weights of every model, its settings the loss.
    coef : ndarray of shape (n_models, n_features)
        The models.
    intercept : ndarray of shape (n_models,)
        Their intercepts.
    references : ndarray of shape (n_models,)
        :func:`reference_losses`.

    Returns
    -------
    overflowed, too_large : ndarray of bool of shape (n_models,)
        Models with non-finite coefficients or decisions, and models whose
        mean loss broke the rule.
    means : ndarray of shape (n_models,)
        The mean losses.
    """
    rows = trainer.problem.sample_rows
    means, finite = trainer.kernel.mean_losses(
        np.ascontiguousarray(coef.T),
        intercept,
        None if rows is None else np.asarray(rows, dtype=np.int32),
    )
    too_large = loss_failures(trainer.settings.loss, means, references) & finite
    return ~finite, too_large, means


def check_final(failures, references, describe):
    """Raise ``ValueError`` unless the final models are finite and not diverged.

    Parameters
    ----------
    failures : tuple
        :func:`final_failures`' ``(overflowed, too_large, means)``.
    references : ndarray of shape (n_models,)
        :func:`reference_losses`.
    describe : callable
        ``describe(what)`` returns the error for a description of the problem.
    """
    overflowed, too_large, means = failures
    if overflowed.any():
        raise describe("the final model has non-finite coefficients or decisions")
    if too_large.any():
        k = int(np.flatnonzero(too_large)[0])
        raise describe(loss_text(means[k], references[k]))


def loss_text(value, reference):
    return (
        f"the training loss reached {value:.3g}, more than {FACTOR:,.0f} times the "
        f"loss of the starting model ({reference:.3g})"
    )


def eta0_text(eta0, lr_initial):
    """How a divergence error names the initial rate: ``eta0=0.1``, or
    ``eta0='auto' (= 0.0123)`` with the rate 'auto' computed."""
    if eta0 == "auto":
        return f"eta0='auto' (= {lr_initial:.3g})"
    return f"eta0={eta0!r}"


def diverged(epoch, lr, eta0_text, what):
    """The error raised for a diverged run."""
    return ValueError(
        f"SGD diverged at epoch {epoch:g} (learning rate {lr:.3g}, {eta0_text}): "
        f"{what}. Scale the features (for example with StandardScaler) or use a "
        "smaller eta0."
    )


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
    objectives : ndarray of shape (n_models,)
        scikit-learn's SGD training objective (what the ``tol`` rule monitors
        and ``loss_curve_`` records): the same mean with every row counted
        once, plus the penalty at the end of the pass (the kernel's
        ``objectives``).
    finite : bool
        Whether every trained model ended the pass finite.
    trainer : Trainer
        The trainer, for the hooks that look at the models.
    """

    epoch: float
    learning_rate: float
    losses: np.ndarray
    objectives: np.ndarray
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
        A checked training state (see :mod:`skcosine._training`), updated in
        place.
    record_loss : bool, default=False
        Sum the training objective in every pass even without ``tol`` or
        ``verbose`` (an estimator's ``fit`` records it in ``loss_curve_``).
    """

    def __init__(self, problem, settings, state, record_loss=False):
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
            row_cap=problem.row_cap,
            capped=problem.capped,
        )
        # the objective of the tol rule, of verbose output and of loss_curve_
        # (see Monitor)
        self.kernel.track_unweighted = (
            record_loss or settings.tol is not None or bool(settings.verbose)
        )

    def run(self, rates, start, step):
        """One pass over the rows (shuffled first, with ``shuffle``).

        Parameters
        ----------
        rates : ndarray of shape (RATE_COLUMNS,) or (n_models, RATE_COLUMNS)
            The rate plan (columns ``RATE_BASE`` ... of :mod:`skcosine._kernel`).
        start, step : float
            Position within the plan of the first row, and per row.

        Returns
        -------
        losses, objectives : ndarray of shape (n_models,)
            Progressive mean loss of every model, weighted (the divergence
            rule's) and as scikit-learn's objective (see :class:`Report`).
        finite : bool
            Whether the trained models are finite.
        """
        self._rates[...] = rates
        if self.settings.shuffle:
            self.kernel.shuffle(self.state["rng"])
        finite = self.kernel.run(self._rates, start, step)
        return self.losses.copy(), self.kernel.objectives, finite


class RatePlan:
    """The rate plan of every pass, from a schedule, in chunks of epochs.

    Parameters
    ----------
    schedule : CosineAnnealingLR or CosineAnnealingWarmRestarts
        The schedule, built from validated settings (``Settings.schedule``):
        it is evaluated without checking its parameters again.
    anneal_per : {"epoch", "sample"}
        Whether the rate is constant over a pass or follows the schedule
        sample by sample.
    n_epochs : int or None, default=None
        The epochs the call may run: none at or past it is tabulated with
        others (an epoch past it that is asked for is tabulated alone), so a
        short fit computes the rates of its own epochs, not of ``CHUNK``.
    """

    def __init__(self, schedule, anneal_per, n_epochs=None):
        self.schedule, self.anneal_per = schedule, anneal_per
        self.n_epochs = n_epochs
        self._first = None
        self._rates = self._segments = None

    def rate(self, position):
        """The learning rate at ``position`` (epochs)."""
        if position != int(position):
            return float(self.schedule._lr(np.float64(position)))
        self._load(int(position))
        return float(self._rates[int(position) - self._first])

    def plan(self, position):
        """The plan of a pass starting at ``position``: ``(rates, start)``.

        ``rates`` has ``RATE_COLUMNS`` columns (see :mod:`skcosine._kernel`);
        ``start`` is the offset of ``position`` in its epoch.
        """
        if self.anneal_per == "epoch":  # a constant: the base, nothing else
            rates = np.zeros(RATE_COLUMNS)
            rates[RATE_BASE] = self.rate(position)
            return rates, 0.0
        epoch = int(np.floor(position))
        self._load(epoch)
        return self._segments[epoch - self._first], position - epoch

    def _load(self, epoch):
        if self._first is not None and self._first <= epoch < self._first + len(
            self._rates
        ):
            return
        stop = epoch + CHUNK
        if self.n_epochs is not None:
            stop = max(min(stop, self.n_epochs), epoch + 1)
        epochs = np.arange(epoch, stop, dtype=np.float64)
        self._first = epoch
        if len(epochs) == 1:  # a one-epoch fit, every partial_fit call
            # the schedule of a numpy scalar: its arithmetic skips the array
            # machinery (half the time of a 1-element array, the same bits)
            self._rates = np.array([self.schedule._lr(epochs[0])])
        else:
            self._rates = self.schedule._lr(epochs)
        if self.anneal_per == "sample":
            self._segments = self.schedule._segments(epochs)


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
        ``min(CHUNK, epochs left)`` epochs of ``1 + RATE_COLUMNS`` values per
        model, so a grid of many candidates on a short budget does not pay for
        ``CHUNK`` epochs (26 kB per candidate).
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
        ``(rates of shape (n_models, RATE_COLUMNS), start)``."""
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
        rates = np.array([schedule._lr(epochs) for schedule in schedules]).T
        if self.plans[0].anneal_per == "sample":
            table = np.stack([schedule._segments(epochs) for schedule in schedules], 1)
        else:
            table = np.zeros(rates.shape + (RATE_COLUMNS,))
            table[:, :, RATE_BASE] = rates
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
    """Applies the divergence rule (:mod:`skcosine._training`) after every
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


class Divergence:
    """The divergence rule of one call: after every pass (:meth:`hook`) and on
    the final models (:meth:`check_final`). It remembers the errors it raised,
    so that only a divergence deletes a checkpoint.

    Parameters
    ----------
    settings : Settings
        The loss, its epsilon and ``eta0`` (for messages).
    state : dict
        The state trained: its reference losses and starting rate.
    """

    def __init__(self, settings, state):
        self.loss, self.epsilon = settings.loss, settings.epsilon
        self.references = state["reference_loss"]
        self.eta0 = eta0_text(settings.eta0, state["lr_initial"])
        self._raised = []

    def error(self, epoch, rate, what):
        """The error for a run that diverged at ``epoch`` (rate ``rate``)."""
        self._raised.append(diverged(epoch, rate, self.eta0, what))
        return self._raised[-1]

    def raised(self, exc):
        """Whether ``exc`` is a divergence error this rule raised."""
        return any(exc is error for error in self._raised)

    def hook(self):
        """The rule after every pass, as a :class:`Hook`."""
        return DivergenceHook(
            self.loss,
            self.references,
            lambda report, what: self.error(report.epoch, report.learning_rate, what),
        )

    def check_final(self, trainer, coef, intercept, epoch, rate):
        """The rule on the published models ``coef`` (K, d) and ``intercept``
        (K,) of ``trainer``'s problem, exactly, over every sample row: raise
        the error of ``epoch``."""
        failures = final_failures(trainer, coef, intercept, self.references)
        check_final(
            failures, self.references, lambda what: self.error(epoch, rate, what)
        )


def starting_references(settings, problem, init, previous=None):
    """The divergence rule's reference of every model
    (:func:`reference_losses`): of the starting model ``init`` (``(coef, intercept)``,
    ``None`` for zeros) and of the zero model; with ``previous`` (the
    references of a ``partial_fit`` state), the largest seen so far."""
    zero = problem.zero_losses(settings.loss, settings.epsilon)
    if previous is not None:
        return reference_losses(
            None, np.where(np.isnan(previous), zero, np.fmax(previous, zero))
        )
    coef, intercept = init
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


def resumed_rule(settings, saved, active):
    """The stopping rule a checkpoint saved (``{"best", "count"}`` or
    ``None``), continued; the models it had stopped stay stopped (``active``
    is updated). ``None`` when there is none to continue."""
    if saved is None or settings.tol is None:
        return None
    rule = StoppingRule(
        settings.tol, settings.n_iter_no_change, settings.early_stopping, len(active)
    )
    rule.best, rule.count = saved["best"].copy(), saved["count"].copy()
    active[rule.count >= settings.n_iter_no_change] = 0
    return rule


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
        losses, objectives, finite = trainer.run(rates, start, step)
        learning_rate = plan.rate(position)
        learning_rates.append(learning_rate)
        trainer.state["epochs"] = position + length
        report = Report(position, learning_rate, losses, objectives, finite, trainer)
        stop = [hook.after_pass(report) for hook in hooks]
        if any(stop):
            break
    return learning_rates


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
    record_loss : bool, default=False
        Compute the training objective of every pass even without ``tol`` or
        ``verbose`` (the trainer must sum it: ``Trainer(record_loss=True)``).
    """

    def __init__(
        self,
        settings,
        problem,
        validation,
        names,
        rule=None,
        stopping=True,
        record_loss=False,
    ):
        self.settings, self.problem, self.validation = settings, problem, validation
        self.names = names
        stopping = stopping and settings.tol is not None
        self.active = stopping or bool(settings.verbose) or record_loss
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
        values = self._values(report)
        if not trainer.active.all():  # a stopped model has no value
            values = np.where(trainer.active.astype(bool), values, np.nan)
        self.values.append(values)
        if not (self.settings.verbose or self.rule is not None):
            return False  # recording only (loss_curve_), as cheaply as can be
        on = trainer.active.astype(bool)
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
        return report.objectives  # summed by the kernel

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
                f"-- {label}epoch {report.epoch:g}, learning rate: "
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
        missing = np.isnan(table)
        if not missing.any():  # every model ran every epoch (the usual case)
            return table.sum(axis=1) / table.shape[1]  # the same bits as below
        with np.errstate(invalid="ignore"):
            counts = np.sum(~np.isnan(table), axis=1)
            sums = np.nansum(table, axis=1)
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


class FitCallbacks:
    """The callback hooks of one ``fit`` call.

    Parameters
    ----------
    estimator : CosineSGDRegressor or CosineSGDClassifier
        The estimator being fitted, whose callback context was initialised.
    X, y : array-like
        The validated training data, passed to the callbacks.
    sample_weight : ndarray or None
        Sample weights given to ``fit``, passed as metadata.
    """

    def __init__(self, estimator, X, y, sample_weight):
        self.estimator = estimator
        context = compat.fit_callback_context(estimator)
        # Without any callback (set here or propagated) there is nothing to do.
        active = context is not None and compat.has_callbacks(context)
        self.context = context if active else None
        self.data = {
            "X": X,
            "y": y,
            "metadata": None
            if sample_weight is None
            else {"sample_weight": sample_weight},
        }
        self.epoch_context = None

    def begin_fit(self):
        if self.context is not None:
            self.context.call_on_fit_task_begin(estimator=self.estimator, **self.data)

    def begin_epoch(self):
        if self.context is not None:
            self.epoch_context = self.context.subcontext(task_name="epoch")
            self.epoch_context.call_on_fit_task_begin(
                estimator=self.estimator, **self.data
            )

    @property
    def active(self):
        """Whether any callback listens."""
        return self.context is not None

    def end_epoch(self, model):
        """Report the model after an epoch; return whether to stop.

        ``model`` is a function giving the model's attributes, called only if
        a callback asks for the fitted estimator.
        """
        if self.epoch_context is None:
            return False
        return bool(
            self.epoch_context.call_on_fit_task_end(
                estimator=self.estimator, reconstruction_attributes=model, **self.data
            )
        )

    def end_fit(self, model):
        """Report the fitted model (a function giving its attributes)."""
        if self.context is not None:
            self.context.call_on_fit_task_end(
                estimator=self.estimator, reconstruction_attributes=model, **self.data
            )


class CallbackHook(Hook):
    """One callback sub-task per epoch; a callback asking to stop ends
    training. ``model()`` gives the fitted attributes of the current models."""

    def __init__(self, callbacks, model):
        self.callbacks, self.model = callbacks, model

    def before_pass(self, position):
        self.callbacks.begin_epoch()

    def after_pass(self, report):
        return self.callbacks.end_epoch(self.model)
