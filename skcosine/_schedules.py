"""Cosine learning-rate schedules as pure, vectorised functions of the epoch."""

import math
from fractions import Fraction
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator

from ._docstrings import DocLinkMixin
from ._kernel import (
    RATE_AMPLITUDE,
    RATE_BASE,
    RATE_COLUMNS,
    RATE_FREQUENCY,
    RATE_PHASE,
    RATE_SLOPE,
)
from ._sklearn_compat import Interval

__all__ = [
    "CosineAnnealingLR",
    "COUNT",
    "CosineAnnealingWarmRestarts",
    "MAX_COUNT",
    "check_rate_range",
    "cosine_schedule",
    "cycle_length",
]

MAX_COUNT = 2**53
"""Largest epoch count (and similar integer) accepted anywhere: counts up to it
are exact as floats, so positions in the schedule stay exact."""

COUNT = Interval(Integral, 1, MAX_COUNT, closed="both")
"""The constraint of a count (epochs, cycles, ...): an integer in
``[1, MAX_COUNT]``."""


class _CosineSchedule(DocLinkMixin, BaseEstimator):
    """Shared machinery: validation, warmup, clamping and the cosine formula.

    Subclasses only say where an epoch falls in its cosine cycle
    (:meth:`_cycle_position`).
    """

    _parameter_constraints: dict = {
        "lr_initial": [Interval(Real, 0, None, closed="neither")],
        "lr_min": [Interval(Real, 0, None, closed="left")],
        "warmup_epochs": [Interval(Integral, 0, MAX_COUNT, closed="both")],
    }

    def __call__(self, epoch):
        """Learning rate at ``epoch``.

        Parameters
        ----------
        epoch : float or array-like of float
            Epoch(s), counted from 0: finite real numbers (a string, NaN or an
            infinity is a ``ValueError``); fractional epochs are allowed and
            negative epochs are clamped to 0.

        Returns
        -------
        lr : float or ndarray
            A float for a scalar ``epoch``, else an array of the same shape.
        """
        epochs = self._checked_epochs(epoch)
        # a scalar is evaluated as a one-element array: NumPy's vectorized
        # cos can differ from its scalar one in the last bit (NumPy 1.26 does),
        # and schedule(e) must equal schedule([e])[0] on every NumPy
        lr = self._lr(np.atleast_1d(epochs)).reshape(np.shape(epochs))
        return float(lr) if np.ndim(epoch) == 0 else lr

    def segments(self, epochs):
        """The schedule on each epoch ``[e, e + 1)``, as a line plus a cosine.

        Within one epoch the schedule is a single smooth piece (warmup,
        restarts and the end of the cycle all fall on whole epochs), so for
        ``0 <= f < 1``::

            rate(e + f) = base + slope * f + amplitude * cos(phase + frequency * f)

        This is how the estimators anneal within an epoch
        (``anneal_per="sample"``) without evaluating a cosine per sample.

        Parameters
        ----------
        epochs : array-like of int
            Whole epochs, counted from 0 (negative epochs count as 0).

        Returns
        -------
        ndarray of shape (n_epochs, 5)
            Columns ``base, slope, amplitude, phase, frequency``.

        Examples
        --------
        >>> import numpy as np
        >>> from skcosine import CosineAnnealingLR
        >>> schedule = CosineAnnealingLR(lr_initial=0.1, T_max=4, warmup_epochs=1)
        >>> base, slope, amplitude, phase, frequency = schedule.segments([2])[0]
        >>> f = 0.25
        >>> rate = base + slope * f + amplitude * np.cos(phase + frequency * f)
        >>> bool(np.isclose(rate, schedule(2 + f)))
        True
        """
        return self._segments(self._checked_epochs(epochs))

    def _checked_epochs(self, epoch):
        self._validate_params()
        check_rate_range(self.lr_min, self.lr_initial)
        return _as_epochs(epoch)

    # The unchecked evaluation: ``epochs`` a float array, the parameters valid.
    # The public methods check both first; a fit's schedule, built from its
    # validated settings (``Settings.schedule``), is evaluated here directly.

    def _segments(self, epochs):
        epochs = np.floor(np.maximum(epochs, 0.0))
        warmup = self.warmup_epochs
        lr_initial, lr_min = self._rates()
        span = lr_initial - lr_min
        angle, t_i, ended = self._phase(epochs)
        table = np.zeros(epochs.shape + (RATE_COLUMNS,))  # the kernel's plan
        table[..., RATE_BASE] = lr_min + 0.5 * span
        table[..., RATE_AMPLITUDE] = 0.5 * span
        table[..., RATE_PHASE] = angle
        table[..., RATE_FREQUENCY] = np.pi / t_i
        table[ended] = 0.0  # a single cycle holds lr_min after T_max
        table[ended, RATE_BASE] = lr_min
        if warmup:  # a line from lr_min up to lr_initial
            ramp = epochs < warmup
            table[ramp] = 0.0
            table[ramp, RATE_BASE] = _ramp(lr_min, span, epochs[ramp], warmup)
            table[ramp, RATE_SLOPE] = span / (warmup + 1)
        return table

    def _rates(self):
        """``lr_initial`` and ``lr_min`` as floats (any ``numbers.Real`` is
        accepted, ``Fraction(1, 10)`` included)."""
        return float(self.lr_initial), float(self.lr_min)

    def _lr(self, epochs):
        warmup = self.warmup_epochs
        lr_initial, lr_min = self._rates()
        angle, _, _ = self._phase(epochs)
        span = lr_initial - lr_min
        cos = np.cos(angle)
        # Same value either way; each branch is exact at its end of the cycle.
        lr = np.where(
            cos > 0,
            lr_initial - 0.5 * span * (1.0 - cos),
            lr_min + 0.5 * span * (1.0 + cos),
        )
        if warmup:
            ramp = _ramp(lr_min, span, np.maximum(epochs, 0.0), warmup)
            lr = np.where(epochs < warmup, ramp, lr)
        return lr

    def _phase(self, epochs):
        """Where ``epochs`` fall in their cycle: the angle
        ``pi * T_cur / T_i``, the cycle length ``T_i`` (a number when every
        cycle has the same, an array like ``epochs`` otherwise) and whether
        the cycle has ended (a single cycle only)."""
        t_cur, t_i = self._cycle_position(np.maximum(epochs - self.warmup_epochs, 0.0))
        return np.pi * t_cur / t_i, t_i, t_cur >= t_i

    def _cycle_position(self, epochs):  # pragma: no cover - abstract
        raise NotImplementedError


def _ramp(lr_min, span, epochs, warmup):
    """The warmup's line from ``lr_min`` to ``lr_min + span`` at ``epochs``
    (those ``< warmup`` count; the others may overflow)."""
    with np.errstate(over="ignore"):
        ramp = lr_min + span * (epochs + 1.0) / (warmup + 1)
        # span * (epoch + 1) overflows for rates near the end of the float range
        fallback = lr_min + span * ((epochs + 1.0) / (warmup + 1))
    return np.where(np.isfinite(ramp), ramp, fallback)


def _as_epochs(epoch):
    """Epochs as a float array of finite real numbers: a string (``'3'``), a
    boolean, NaN or an infinity is refused (an infinite epoch has no place in
    a schedule, and a string is not a number even when it reads as one)."""
    try:
        raw = np.asarray(epoch)
    except (TypeError, ValueError):  # a ragged nesting, say
        raw = np.array(None)
    numbers = raw.dtype.kind in "iuf" or (
        raw.dtype.kind == "O"
        and all(isinstance(v, Real) and not isinstance(v, bool) for v in raw.flat)
    )
    if not numbers:
        raise ValueError(
            f"epoch must be a real number or an array of real numbers, got {epoch!r}."
        )
    epochs = raw.astype(np.float64)
    if not np.all(np.isfinite(epochs)):
        raise ValueError(f"epoch must be finite, got {epoch!r}.")
    return epochs


class CosineAnnealingLR(_CosineSchedule):
    r"""Single-cycle cosine annealing, with optional linear warmup.

    After ``warmup_epochs`` epochs of linear warmup, the learning rate follows
    half a cosine from ``lr_initial`` down to ``lr_min`` over ``T_max`` epochs,
    then holds ``lr_min``.

    Read more in the :ref:`User Guide <schedule>`.

    Parameters
    ----------
    lr_initial : float
        Learning rate at the start of the cosine phase (``eta0`` of the
        estimators). Must be > 0.
    T_max : int
        Length of the cosine phase in epochs, >= 1.
    lr_min : float, default=0.0
        Learning rate at the end of the cycle and after it, in
        ``[0, lr_initial]``.
    warmup_epochs : int, default=0
        Number of warmup epochs before the cosine phase (not counted in
        ``T_max``).

    See Also
    --------
    CosineAnnealingWarmRestarts : Cosine annealing that restarts periodically.
    CosineSGDRegressor : SGD regressor trained with this schedule.

    Notes
    -----
    With :math:`W` = ``warmup_epochs``, :math:`\eta_0` = ``lr_initial`` and
    :math:`\eta_{min}` = ``lr_min``, the rate at epoch :math:`e` is

    .. math::

        \eta(e) = \begin{cases}
        \eta_{min} + (\eta_0 - \eta_{min}) \frac{e + 1}{W + 1}
            & 0 \le e < W \\
        \eta_{min} + \frac{1}{2} (\eta_0 - \eta_{min})
            \left(1 + \cos\left(\pi \frac{\min(e - W, T_{max})}{T_{max}}\right)\right)
            & e \ge W
        \end{cases}

    and negative epochs count as 0. The warmup never trains an epoch at rate 0
    and reaches :math:`\eta_0` exactly where the cosine starts, so the schedule
    is continuous there.

    Inside :math:`[0, T_{max}]` (without warmup) the values equal PyTorch's
    ``CosineAnnealingLR(optimizer, T_max, eta_min=lr_min)``. Past ``T_max``
    PyTorch's rate rises again (its cosine has period ``2 * T_max``); here it
    holds ``lr_min``, as in optax, Keras and timm.

    Examples
    --------
    >>> from skcosine import CosineAnnealingLR
    >>> schedule = CosineAnnealingLR(lr_initial=0.1, lr_min=0.001, T_max=10)
    >>> schedule(0), round(schedule(5), 6), schedule(10), schedule(25)
    (0.1, 0.0505, 0.001, 0.001)
    >>> schedule([0, 5, 10]).round(6)
    array([0.1   , 0.0505, 0.001 ])
    """

    _parameter_constraints: dict = {
        **_CosineSchedule._parameter_constraints,
        "T_max": [COUNT],
    }

    def __init__(self, *, lr_initial, T_max, lr_min=0.0, warmup_epochs=0):
        self.lr_initial = lr_initial
        self.T_max = T_max
        self.lr_min = lr_min
        self.warmup_epochs = warmup_epochs

    def _cycle_position(self, epochs):
        return np.minimum(epochs, self.T_max), self.T_max


class CosineAnnealingWarmRestarts(_CosineSchedule):
    r"""Cosine annealing with warm restarts (SGDR), with optional linear warmup.

    The cosine cycle restarts at ``lr_initial`` every time it reaches its end.
    The first cycle lasts ``T_0`` epochs, and each cycle is ``T_mult`` times
    longer than the previous one.

    Read more in the :ref:`User Guide <schedule_shapes>`.

    Parameters
    ----------
    lr_initial : float
        Learning rate at the start of every cycle. Must be > 0.
    T_0 : int
        Length of the first cycle in epochs, >= 1.
    lr_min : float, default=0.0
        Learning rate approached at the end of every cycle, in
        ``[0, lr_initial]``.
    T_mult : int, default=1
        Growth factor of the cycle length, >= 1.
    warmup_epochs : int, default=0
        Number of linear warmup epochs before the first cycle.

    See Also
    --------
    CosineAnnealingLR : A single cosine cycle.

    Notes
    -----
    After the warmup (same formula as :class:`CosineAnnealingLR`), cycle
    :math:`i` lasts :math:`T_i = T_0 T_{mult}^i` epochs and starts at epoch
    :math:`W + T_0 (T_{mult}^i - 1) / (T_{mult} - 1)` (:math:`W + i T_0` when
    :math:`T_{mult} = 1`). With :math:`T_{cur}` the epochs since the start of
    the current cycle,

    .. math::

        \eta(e) = \eta_{min} + \frac{1}{2} (\eta_0 - \eta_{min})
        \left(1 + \cos\left(\pi \frac{T_{cur}}{T_i}\right)\right).

    The values equal PyTorch's ``CosineAnnealingWarmRestarts`` at integer and
    fractional epochs. The cycle index is computed with a logarithm, as in
    PyTorch, and then corrected with exact cycle boundaries, so that a restart
    epoch always gives ``lr_initial``.

    Examples
    --------
    >>> from skcosine import CosineAnnealingWarmRestarts
    >>> schedule = CosineAnnealingWarmRestarts(lr_initial=0.1, T_0=2, T_mult=2)
    >>> schedule(range(8)).round(4)
    array([0.1   , 0.05  , 0.1   , 0.0854, 0.05  , 0.0146, 0.1   , 0.0962])
    """

    _parameter_constraints: dict = {
        **_CosineSchedule._parameter_constraints,
        "T_0": [COUNT],
        "T_mult": [COUNT],
    }

    def __init__(self, *, lr_initial, T_0, lr_min=0.0, T_mult=1, warmup_epochs=0):
        self.lr_initial = lr_initial
        self.T_0 = T_0
        self.lr_min = lr_min
        self.T_mult = T_mult
        self.warmup_epochs = warmup_epochs

    def _cycle_position(self, epochs):
        t_0, t_mult = float(self.T_0), float(self.T_mult)
        if self.T_mult == 1:
            return np.mod(epochs, t_0), t_0
        cycle = np.floor(np.log1p(epochs / t_0 * (t_mult - 1.0)) / np.log(t_mult))

        def start(i):
            return t_0 * (t_mult**i - 1.0) / (t_mult - 1.0)

        cycle = cycle + (start(cycle + 1) <= epochs) - (start(cycle) > epochs)
        return epochs - start(cycle), t_0 * t_mult**cycle

    def _phase(self, epochs):
        # Beyond MAX_COUNT (never reached by a fit) floats no longer hold every
        # epoch - warmup_epochs and cycle starts overflow (T_mult=3 at 1.7e308):
        # those epochs are placed exactly, in rational arithmetic.
        exact = np.asarray(epochs) > MAX_COUNT
        if not np.any(exact):
            return super()._phase(epochs)
        with np.errstate(all="ignore"):
            angle, t_i, ended = super()._phase(np.where(exact, 0.0, epochs))
        angle = np.array(angle, dtype=np.float64)
        t_i = np.full(np.shape(angle), t_i, dtype=np.float64)
        angle[exact] = [
            _exact_angle(self.T_0, self.T_mult, self.warmup_epochs, e)
            for e in np.asarray(epochs)[exact]
        ]
        # a cycle that long has a frequency pi / T_i below 1e-292: 0
        t_i[exact] = np.inf if self.T_mult > 1 else float(self.T_0)
        return angle, t_i, ended


def _exact_angle(t_0, t_mult, warmup, epoch):
    """``pi * T_cur / T_i`` of a warm-restart schedule at ``epoch`` (after
    the warmup), in exact arithmetic: the cycle starts
    ``T_0 * (T_mult**i - 1) / (T_mult - 1)`` are integers and the epoch a
    binary fraction, so nothing is rounded before the final ratio."""
    t_0, t_mult = int(t_0), int(t_mult)
    position = Fraction(float(epoch)) - int(warmup)
    if t_mult == 1:
        return math.pi * float((position % t_0) / t_0)

    def start(i):
        return t_0 * (t_mult**i - 1) // (t_mult - 1)

    # the float estimate of the cycle, corrected to the exact boundaries
    estimate = math.log(position) + math.log(t_mult - 1) - math.log(t_0)
    cycle = max(int(estimate / math.log(t_mult)), 0)
    while cycle > 0 and start(cycle) > position:
        cycle -= 1
    while start(cycle + 1) <= position:
        cycle += 1
    return math.pi * float((position - start(cycle)) / (t_0 * t_mult**cycle))


def cycle_length(T_max, warmup_epochs, budget):
    """The epochs of the (first) cosine cycle: ``T_max``, or with
    ``T_max=None`` the ``budget`` (epochs, ``max_iter``) after the warmup."""
    if T_max is None:
        return budget - warmup_epochs
    return T_max


def cosine_schedule(
    lr_initial, lr_min, T_max, T_mult, warmup_epochs, budget, *, shortest_cycle=None
):
    """The schedule of an estimator's parameters: the one rule both families
    (SGD and MLP) build theirs by.

    The cycle is :func:`cycle_length` (``T_max``, or the budget after warmup);
    ``T_mult=None`` is one cycle (:class:`CosineAnnealingLR`), an integer warm
    restarts (:class:`CosineAnnealingWarmRestarts`); both start with
    ``warmup_epochs`` of linear warmup from ``lr_min``.

    Parameters
    ----------
    lr_initial, lr_min : float
        The peak and the final rate.
    T_max, T_mult, warmup_epochs : int or None
        The estimator's parameters of the same names.
    budget : int
        Epochs of the whole schedule (``max_iter``, resolved).
    shortest_cycle : int or None, default=None
        The one difference between the families. ``None`` (SGD): the cycle
        as computed (the constraints and ``Settings.check`` make it at least
        1). ``1`` (MLP): a shorter cycle, ``T_max`` or the budget after
        warmup, is raised to 1, so that the schedule of parameters changed
        between ``partial_fit`` calls (``warmup_epochs`` past the budget)
        still builds, and its comparison with the fixed one names the
        change.
    """
    cycle = cycle_length(T_max, warmup_epochs, budget)
    if shortest_cycle is not None:
        cycle = max(cycle, shortest_cycle)
    common = {
        "lr_initial": lr_initial,
        "lr_min": lr_min,
        "warmup_epochs": warmup_epochs,
    }
    if T_mult is None:
        return CosineAnnealingLR(T_max=cycle, **common)
    return CosineAnnealingWarmRestarts(T_0=cycle, T_mult=T_mult, **common)


def check_rate_range(
    lr_min, lr_initial, lr_min_name="lr_min", lr_initial_name="lr_initial"
):
    """The one rule between the two rates: ``lr_min <= lr_initial``.

    Parameters
    ----------
    lr_min, lr_initial : float
        The final and the initial rate.
    lr_min_name, lr_initial_name : str
        How the message names them (``eta0`` for the estimators, an entry of
        a searched list for the CV estimators).

    Raises
    ------
    ValueError
        Naming both values, when ``lr_min > lr_initial``.
    """
    if lr_min > lr_initial:
        raise ValueError(
            f"{lr_min_name}={lr_min!r} must be <= {lr_initial_name}={lr_initial!r}: "
            f"the learning rate is annealed from {lr_initial_name} down to "
            f"{lr_min_name}."
        )
