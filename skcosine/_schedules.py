"""Cosine learning-rate schedules as pure, vectorised functions of the epoch."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator

from ._sklearn_compat import Interval, validate_params

__all__ = ["CosineAnnealingLR", "CosineAnnealingWarmRestarts"]


class _CosineSchedule(BaseEstimator):
    """Shared machinery: validation, warmup, clamping and the cosine formula.

    Subclasses only say where an epoch falls in its cosine cycle
    (:meth:`_cycle_position`).
    """

    _parameter_constraints: dict = {
        "lr_initial": [Interval(Real, 0, None, closed="neither")],
        "lr_min": [Interval(Real, 0, None, closed="left")],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
    }
    _finite_epochs_only = True  # whether an infinite epoch is an error

    def __call__(self, epoch):
        """Learning rate at ``epoch``.

        Parameters
        ----------
        epoch : float or array-like of float
            Epoch(s), counted from 0; fractional epochs are allowed and negative
            epochs are clamped to 0.

        Returns
        -------
        lr : float or ndarray
            A float for a scalar ``epoch``, else an array of the same shape.
        """
        validate_params(self)
        if self.lr_min > self.lr_initial:
            raise ValueError(
                f"lr_min={self.lr_min!r} must be <= lr_initial={self.lr_initial!r}."
            )
        epochs = _as_epochs(epoch, finite=self._finite_epochs_only)
        lr = self._lr(epochs)
        return float(lr) if np.ndim(epoch) == 0 else lr

    def _rates(self, n_epochs):
        """Learning rates of epochs ``0, 1, ..., n_epochs - 1``.

        The estimators call this once per ``fit`` on a schedule built from
        their own validated parameters, so it skips the validation.

        Parameters
        ----------
        n_epochs : int
            Number of epochs.

        Returns
        -------
        ndarray of shape (n_epochs,)
            The learning rate of every epoch.
        """
        return self._lr(np.arange(n_epochs, dtype=np.float64))

    def _lr(self, epochs):
        warmup = self.warmup_epochs
        t_cur, t_i = self._cycle_position(np.maximum(epochs - warmup, 0.0))
        span = self.lr_initial - self.lr_min
        cos = np.cos(np.pi * t_cur / t_i)
        # Same value either way; each branch is exact at its end of the cycle.
        lr = np.where(
            cos > 0,
            self.lr_initial - 0.5 * span * (1.0 - cos),
            self.lr_min + 0.5 * span * (1.0 + cos),
        )
        if warmup:
            ramp = self.lr_min + span * (np.maximum(epochs, 0.0) + 1.0) / (warmup + 1)
            lr = np.where(epochs < warmup, ramp, lr)
        return lr

    def _cycle_position(self, epochs):  # pragma: no cover - abstract
        raise NotImplementedError


def _as_epochs(epoch, finite):
    """Epochs as a float array, rejecting NaN (and infinity if ``finite``)."""
    try:
        epochs = np.asarray(epoch, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"epoch must be a number or numbers, got {epoch!r}.") from exc
    bad = np.isnan(epochs) | (np.isinf(epochs) if finite else False)
    if np.any(bad):
        kind = "finite" if finite else "a number, not NaN"
        raise ValueError(f"epoch must be {kind}, got {epoch!r}.")
    return epochs


class CosineAnnealingLR(_CosineSchedule):
    r"""Single-cycle cosine annealing, with optional linear warmup.

    After ``warmup_epochs`` epochs of linear warmup, the learning rate follows
    half a cosine from ``lr_initial`` down to ``lr_min`` over ``T_max`` epochs,
    then holds ``lr_min``.

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
        "T_max": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, lr_initial, T_max, lr_min=0.0, warmup_epochs=0):
        self.lr_initial = lr_initial
        self.T_max = T_max
        self.lr_min = lr_min
        self.warmup_epochs = warmup_epochs

    _finite_epochs_only = False

    def _cycle_position(self, epochs):
        return np.minimum(epochs, self.T_max), self.T_max


class CosineAnnealingWarmRestarts(_CosineSchedule):
    r"""Cosine annealing with warm restarts (SGDR), with optional linear warmup.

    The cosine cycle restarts at ``lr_initial`` every time it reaches its end.
    The first cycle lasts ``T_0`` epochs, and each cycle is ``T_mult`` times
    longer than the previous one.

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
        "T_0": [Interval(Integral, 1, None, closed="left")],
        "T_mult": [Interval(Integral, 1, None, closed="left")],
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
