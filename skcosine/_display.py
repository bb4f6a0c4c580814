"""Plot a learning-rate schedule, following scikit-learn's Display API."""

from numbers import Integral

import numpy as np
from sklearn.pipeline import Pipeline

__all__ = ["LearningRateScheduleDisplay"]


class LearningRateScheduleDisplay:
    """Learning rate per epoch, optionally next to a training curve.

    Create it with :meth:`from_schedule` or :meth:`from_estimator`, which
    compute the values and plot them; the constructor only stores them. All
    attributes are set by :meth:`plot`. matplotlib is imported only to plot
    (``pip install skcosine[docs]`` or any matplotlib).

    Read more in the :ref:`User Guide <schedule_shapes>`.

    Parameters
    ----------
    epochs : ndarray of shape (n_epochs,)
        Epochs, counted from 0.
    learning_rates : ndarray of shape (n_epochs,)
        Learning rate of each epoch.
    curve : ndarray of shape (n_epochs,), default=None
        A value recorded per epoch (training loss or validation score), drawn
        on a second y axis; ``NaN`` where not recorded.
    curve_name : str, default=None
        Label of ``curve``.
    name : str, default=None
        Legend label of the learning-rate line; ``"learning rate"`` when
        ``None``.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The learning-rate line.
    curve_line_ : matplotlib Line2D or None
        The line of ``curve``, if any.
    ax_ : matplotlib Axes
        Axes of the learning rate.
    curve_ax_ : matplotlib Axes or None
        Second y axis of ``curve``, if any.
    figure_ : matplotlib Figure
        The figure.

    See Also
    --------
    CosineAnnealingLR : A single cosine cycle.
    CosineSGDRegressor : Records ``learning_rates_`` and ``loss_curve_``.

    Notes
    -----
    As in scikit-learn's displays, ``from_schedule`` and ``from_estimator``
    compute then call :meth:`plot`, which can be called again on other axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skcosine import CosineAnnealingLR, LearningRateScheduleDisplay
    >>> schedule = CosineAnnealingLR(lr_initial=0.1, T_max=20, warmup_epochs=3)
    >>> display = LearningRateScheduleDisplay.from_schedule(schedule, n_epochs=30)
    >>> display.ax_.get_ylabel()
    'learning rate'
    >>> float(display.line_.get_ydata()[3])
    0.1
    """

    def __init__(
        self, epochs, learning_rates, *, curve=None, curve_name=None, name=None
    ):
        self.epochs = epochs
        self.learning_rates = learning_rates
        self.curve = curve
        self.curve_name = curve_name
        self.name = name

    def plot(self, ax=None, *, name=None, curve_kwargs=None, **kwargs):
        """Draw the learning rate (and the curve, on a second y axis).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when ``None``.
        name : str, default=None
            Legend label of the learning-rate line, instead of the stored
            ``name``.
        curve_kwargs : dict, default=None
            Keyword arguments of the curve's ``plot`` call.
        **kwargs : dict
            Keyword arguments of the learning rate's ``plot`` call.

        Returns
        -------
        display : LearningRateScheduleDisplay
            This object, with the plotting attributes set.
        """
        plt = _pyplot("LearningRateScheduleDisplay.plot")
        if ax is None:
            _, ax = plt.subplots()
        label = name if name is not None else self.name
        if label is None:
            label = "learning rate"
        kwargs = {"drawstyle": "steps-post", "label": label, **kwargs}
        (self.line_,) = ax.plot(self.epochs, self.learning_rates, **kwargs)
        ax.set_xlabel("epoch")
        ax.set_ylabel("learning rate")
        self.curve_ax_ = self.curve_line_ = None
        if self.curve is not None:
            self.curve_ax_ = ax.twinx()
            style = {"color": "tab:orange", "marker": ".", **(curve_kwargs or {})}
            (self.curve_line_,) = self.curve_ax_.plot(
                self.epochs, self.curve, label=self.curve_name, **style
            )
            self.curve_ax_.set_ylabel(self.curve_name)
        lines = [line for line in (self.line_, self.curve_line_) if line is not None]
        labelled = [line for line in lines if not line.get_label().startswith("_")]
        if labelled:  # above the axes, never on the data; both lines in it
            ax.legend(
                handles=labelled,
                loc="lower left",
                bbox_to_anchor=(0.0, 1.01),
                ncols=len(labelled),
                frameon=False,
            )
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_schedule(cls, schedule, n_epochs, *, ax=None, name=None, **kwargs):
        """Plot a schedule over its first ``n_epochs`` epochs.

        Parameters
        ----------
        schedule : callable
            A schedule such as :class:`CosineAnnealingLR`: rate of an epoch.
        n_epochs : int
            Number of epochs to show, a positive integer.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        name : str, default=None
            Legend label of the line; ``"learning rate"`` by default.
        **kwargs : dict
            Keyword arguments of the line's ``plot`` call.

        Returns
        -------
        display : LearningRateScheduleDisplay
            The plotted display.
        """
        integer = isinstance(n_epochs, Integral) and not isinstance(n_epochs, bool)
        if not integer or n_epochs < 1:
            raise ValueError(f"n_epochs must be a positive integer, got {n_epochs!r}.")
        epochs = np.arange(n_epochs)
        rates = np.asarray(schedule(epochs), dtype=float)
        return cls(epochs, rates, name=name).plot(ax=ax, **kwargs)

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Plot the learning rate of every epoch a fitted estimator ran.

        With a ``loss_curve_`` (training objective) or ``validation_scores_``
        recorded by the estimator, it is drawn on a second y axis.

        Parameters
        ----------
        estimator : CosineSGDRegressor, CosineMLPRegressor, ... or Pipeline
            A fitted estimator (or any object with ``learning_rates_``), or a
            fitted pipeline ending with one.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        name : str, default=None
            Legend label of the learning-rate line; ``"learning rate"`` by
            default (the curve is labelled ``"training loss"`` or
            ``"validation score"``).
        **kwargs : dict
            Keyword arguments of the learning rate's ``plot`` call.

        Returns
        -------
        display : LearningRateScheduleDisplay
            The plotted display.
        """
        if isinstance(estimator, Pipeline):
            estimator = estimator[-1]
        rates = getattr(estimator, "learning_rates_", None)
        if rates is None:
            raise ValueError(
                f"{type(estimator).__name__} has no learning_rates_: fit it first."
            )
        curve, curve_name = None, None
        for attribute, label in (
            ("loss_curve_", "training loss"),
            ("validation_scores_", "validation score"),
        ):
            # scikit-learn's MLPs (and skcosine's) set validation_scores_ to
            # None without early_stopping: the loss curve is then the curve
            if getattr(estimator, attribute, None) is not None:
                curve, curve_name = getattr(estimator, attribute), label
        display = cls(
            np.arange(len(rates)), rates, curve=curve, curve_name=curve_name, name=name
        )
        return display.plot(ax=ax, **kwargs)


def _pyplot(caller):
    """``matplotlib.pyplot``, or an ``ImportError`` saying how to get it (as
    scikit-learn's displays say it)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            f"{caller} requires matplotlib. You can install matplotlib with "
            "`pip install matplotlib`."
        ) from error
    return plt
