"""scikit-learn's callbacks (``sklearn.callback``, 1.9) around the epochs of a fit.

``fit`` is one task with one sub-task per epoch: callbacks such as
``ProgressBar`` advance one step per epoch, and ``ScoringMonitor`` scores the
model as it stands after every epoch. A callback asking to stop ends the
training after that epoch. On a scikit-learn without the callback API this is
a no-op and the estimators have no ``set_callbacks`` method.
"""

from . import _sklearn_compat as compat
from ._training import Hook

__all__ = ["CallbackHook", "FitCallbacks"]


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
