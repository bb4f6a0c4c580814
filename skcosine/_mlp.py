"""CosineMLPRegressor and CosineMLPClassifier: scikit-learn's multilayer
perceptrons trained on a cosine schedule.

One method, :meth:`CosineMLPMixin._mlp_fit`, serves ``fit`` and
``partial_fit`` and reads top to bottom::

    parameters (checked) -> validated data and targets (_validation)
    -> starting weights and optimizer state -> schedule (_schedules)
    -> epochs of the network's loop (_network), with the divergence and
    stopping checks between them -> fitted attributes

The fitted attributes are the parent's public ones (``coefs_``,
``intercepts_``, ``n_layers_``, ``out_activation_``, ...), so ``predict``,
``predict_proba`` and ``score`` are scikit-learn's own. The optimizer's state
is plain arrays (``_optimizer_state``), kept across ``partial_fit`` calls.
"""

import math
from fractions import Fraction
from numbers import Integral, Real

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from . import _sklearn_compat as compat
from ._base import alone, atomic
from ._data import checked_classes, float32_range_message
from ._docstrings import DocLinkMixin, fill_doc
from ._network import Network, Optimizer, glorot_init, n_batches
from ._parameters import ParameterNamesMixin
from ._schedules import (
    COUNT,
    MAX_COUNT,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    check_rate_range,
    cosine_schedule,
)
from ._settings import PARTIAL_FIT_EPOCHS, cosine_constraints, warn
from ._validation import (
    check_prediction_input,
    input_errors,
    validate_training_data,
)

__all__ = ["CosineMLPClassifier", "CosineMLPRegressor"]

MLP_AUTO_SAMPLES = 250_000
"""Rows ``max_iter='auto'`` aims to train on: ``ceil(MLP_AUTO_SAMPLES /
n_samples)`` epochs, within :data:`MLP_MIN_AUTO_EPOCHS` and
:data:`MLP_MAX_AUTO_EPOCHS` (scikit-learn's default ``max_iter``). Measured
by ``benchmarks/quality_mlp.py --defaults-only`` (at most 2,400 training
rows): 1,000,000 ran 200 epochs on every set, no faster than scikit-learn's
early stop in total and below its score on ames and Default; 250,000 (104 to
200 epochs) scores at least as well on all eight sets, in 0.75 of its time."""
MLP_MIN_AUTO_EPOCHS = 30
"""Large data sets still get this many epochs: on all of diamonds (32,000
training rows) 10 epochs of the cosine at the default peak fell 0.0025 of
R^2 behind scikit-learn's early stop (seed 0); 30 epochs are within 0.0002
of it (0.9877 against 0.9879, seeds 0-2) in 0.4 of its fit time."""
MLP_MAX_AUTO_EPOCHS = 200

DROPPED_PARAMETERS = ("learning_rate", "power_t", "max_fun")
"""scikit-learn MLP parameters that mean nothing under a cosine schedule
(``max_fun`` belongs to the 'lbfgs' solver, which has no learning rate)."""

MLP_REPLACED = {
    "learning_rate": "the learning rate always follows a cosine schedule: set "
    "learning_rate_init (its peak), lr_min (the final rate), T_max and T_mult "
    "(the cycle length and warm restarts) and warmup_epochs; "
    "lr_min=learning_rate_init gives scikit-learn's learning_rate='constant'.",
    "power_t": "not used: there is no inverse-scaling schedule; the rate goes "
    "from learning_rate_init down to lr_min along a cosine.",
    "max_fun": "it belongs to solver='lbfgs', which has no learning rate and so "
    "no schedule: use scikit-learn's MLP estimators for L-BFGS.",
}
"""What to use instead of each of :data:`DROPPED_PARAMETERS`: the hint of a
``set_params`` (or a search) that names one."""

MLP_CONSTRAINTS = {
    "solver": [compat.StrOptions({"adam", "sgd"})],
    "max_iter": [COUNT, compat.StrOptions({"auto"})],
    "tol": [compat.Interval(Real, 0, None, closed="left"), None],
    "lr_min": [compat.Interval(Real, 0, None, closed="left")],
    "T_max": [COUNT, None],
    "T_mult": [COUNT, None],
    "warmup_epochs": [compat.Interval(Integral, 0, MAX_COUNT, closed="both")],
    "anneal_per": [compat.StrOptions({"batch", "epoch"})],
    "batches_per_epoch": [compat.Interval(Integral, 1, 2**31 - 1, closed="both")],
}
"""The constraints skcosine changes or adds to scikit-learn's MLP."""

SCHEDULE_PARAMETERS = (
    "learning_rate_init",
    "lr_min",
    "T_max",
    "T_mult",
    "warmup_epochs",
)
"""Parameters fixed by the first ``partial_fit`` call (or by ``fit``)."""


def auto_epochs(n_samples):
    """The epochs of ``max_iter='auto'`` on ``n_samples`` rows."""
    epochs = math.ceil(MLP_AUTO_SAMPLES / max(n_samples, 1))
    return int(min(max(epochs, MLP_MIN_AUTO_EPOCHS), MLP_MAX_AUTO_EPOCHS))


PARAMETERS = {
    "hidden_layer_sizes": """hidden_layer_sizes : array-like of shape (n_layers - 2,), \
default=(100,)
    The number of neurons of each hidden layer.""",
    "activation": """activation : {'identity', 'logistic', 'tanh', 'relu'}, \
default='relu'
    Activation of the hidden layers.""",
    "solver": """solver : {'adam', 'sgd'}, default='adam'
    The update rule: Adam, or SGD with momentum (scikit-learn's). Both take
    the schedule's learning rate at every update. ('lbfgs' has no learning
    rate, so no schedule: use scikit-learn's estimator for it.)""",
    "alpha": """alpha : float, default=0.0001
    Strength of the L2 penalty, divided by the batch's (weighted) size.""",
    "batch_size": """batch_size : int or 'auto', default='auto'
    Rows per update; 'auto' is ``min(200, n_samples)``.""",
    "learning_rate_init": """learning_rate_init : float, default=0.001
    The peak of the cosine schedule: its rate at epoch 0 (after warmup).""",
    "lr_min": """lr_min : float, default=0.0
    The rate at the end of each cosine cycle, in ``[0, learning_rate_init]``.
    ``lr_min=learning_rate_init`` is a constant rate, scikit-learn's
    ``learning_rate='constant'``.""",
    "T_max": """T_max : int or None, default=None
    Epochs of the (first) cosine cycle. ``None``: the budget after warmup,
    ``max_iter - warmup_epochs``.""",
    "T_mult": """T_mult : int or None, default=None
    ``None``: one cycle, then ``lr_min``. An integer: warm restarts, each
    cycle ``T_mult`` times as long as the previous one.""",
    "warmup_epochs": """warmup_epochs : int, default=0
    Epochs of linear warmup from ``lr_min`` before the cycle.""",
    "anneal_per": """anneal_per : {'batch', 'epoch'}, default='batch'
    'batch': update ``i`` of the ``B`` updates of epoch ``e`` runs at
    ``schedule_(e + i / B)``, as deep-learning schedulers step. 'epoch': the
    whole epoch at ``schedule_(e)``.""",
    "batches_per_epoch": """batches_per_epoch : int, default=1
    How many ``partial_fit`` calls make one epoch, for data streamed in
    blocks: call ``k`` starts at ``schedule_(k / batches_per_epoch)``.
    ``fit`` is not affected.""",
    "max_iter": """max_iter : int or 'auto', default='auto'
    Epochs (the budget). 'auto' is ``ceil(250,000 / n_samples)`` epochs,
    at least 30 and at most 200 (scikit-learn's default); ``partial_fit``
    starting a schedule takes 100. With ``T_max=None`` the cosine cycle
    spans exactly this budget, after ``warmup_epochs``.""",
    "shuffle": """shuffle : bool, default=True
    Whether to shuffle the rows before each epoch, as scikit-learn does.""",
    "random_state": """random_state : int, RandomState instance or None, default=None
    Seeds the starting weights, the early-stopping split and the shuffling
    (in scikit-learn's order: one seed gives both libraries the same
    starting weights).""",
    "tol": """tol : float or None, default=None
    With a float, stop after ``n_iter_no_change`` epochs in which the
    training loss (or, with ``early_stopping``, the validation score) did not
    improve by ``tol``, as scikit-learn does; the cycle then ends early.
    ``None`` (default) runs the whole schedule.""",
    "verbose": """verbose : bool, default=False
    Print the loss and learning rate of every epoch.""",
    "warm_start": """warm_start : bool, default=False
    Start ``fit`` from the previous coefficients (with a new optimizer and
    the schedule from its start), as in scikit-learn.""",
    "momentum": """momentum : float, default=0.9
    Momentum of the 'sgd' solver.""",
    "nesterovs_momentum": """nesterovs_momentum : bool, default=True
    Nesterov's momentum for the 'sgd' solver.""",
    "early_stopping": """early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the data (stratified for a
    single-output classifier), score it after each epoch, stop with ``tol``
    (a float) and keep the best epoch's weights.""",
    "validation_fraction": """validation_fraction : float, default=0.1
    Fraction of the data held out for early stopping.""",
    "beta_1": """beta_1 : float, default=0.9
    Adam's first-moment decay.""",
    "beta_2": """beta_2 : float, default=0.999
    Adam's second-moment decay.""",
    "epsilon": """epsilon : float, default=1e-8
    Adam's numerical-stability constant.""",
    "n_iter_no_change": """n_iter_no_change : int, default=10
    Epochs without improvement by ``tol`` before stopping.""",
}
"""The parameters the two estimators share, in the order of the signature."""

ATTRIBUTES = """Attributes
----------
coefs_ : list of ndarray
    ``coefs_[i]`` holds the weights from layer ``i`` to layer ``i + 1``.
intercepts_ : list of ndarray
    ``intercepts_[i]`` holds the biases of layer ``i + 1``.
loss_ : float
    The training loss of the last epoch.
best_loss_ : float or None
    The lowest training loss (``None`` with ``early_stopping``).
loss_curve_ : list of float
    The training loss of every epoch.
validation_scores_ : list of float or None
    With ``early_stopping``, the validation score of every epoch.
best_validation_score_ : float or None
    With ``early_stopping``, the best validation score.
schedule_ : CosineAnnealingLR or CosineAnnealingWarmRestarts
    The schedule, fixed at the first call.
learning_rates_ : ndarray of shape (``n_iter_``,)
    The rate of the first update of every epoch since ``fit``.
n_iter_ : int
    Epochs since the last ``fit`` started, plus one per ``partial_fit``.
n_epochs_ : float
    The schedule's position: epochs trained since the schedule started
    (a ``partial_fit`` call counts ``1 / batches_per_epoch``).
t_ : int
    Rows seen by the optimizer, as in scikit-learn.
n_layers_ : int
    Number of layers.
n_outputs_ : int
    Number of outputs.
out_activation_ : str
    Name of the output activation.
n_features_in_ : int
    Number of features seen during ``fit``.
feature_names_in_ : ndarray of shape (``n_features_in_``,)
    Names of the features, when ``X`` has string column names."""


CLASSES = """
classes_ : ndarray
    The class labels (for a multilabel target, the label columns)."""


class CosineMLPMixin(DocLinkMixin):
    """``fit`` and ``partial_fit`` of a cosine-annealed multilayer perceptron.

    Subclasses provide ``_encode_targets`` and ``_validation_score``.
    """

    @compat.fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train ``max_iter`` epochs on the cosine schedule.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets (class labels, or a label indicator matrix, for the
            classifier).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._mlp_fit(X, y, sample_weight, classes=None, incremental=False)

    def score(self, X, y, sample_weight=None):
        """Score of the network on ``X`` and ``y``, as scikit-learn's MLP
        defines it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets (labels for the classifier).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2 for the regressor, accuracy for the classifier.
        """
        return super().score(X, y, sample_weight=sample_weight)

    def _mlp_fit(self, X, y, sample_weight, classes, incremental):
        """One ``fit`` or ``partial_fit`` call, top to bottom. Refused while
        another call on this estimator runs; a call that fails changes
        nothing."""
        with alone(self), atomic(self):
            method = "partial_fit" if incremental else "fit"
            continuing = hasattr(self, "coefs_") and (incremental or self.warm_start)
            resuming = incremental and hasattr(self, "_optimizer_state")
            self._check_parameters(incremental, resuming)
            if continuing:
                self._check_fitted_network()
            if resuming:
                self._check_training_state()

            # the data and the targets
            X, y, weights = validate_training_data(
                self,
                method,
                X,
                y,
                sample_weight,
                reset=not continuing,
                dtype=self.coefs_[0].dtype if continuing else None,
                multi_output=True,
            )
            weights = None if sample_weight is None else weights
            if y.ndim == 2 and y.shape[1] == 1:  # as scikit-learn: one output
                y = column_or_1d(y, warn=True)
            Y = self._encode_targets(y, classes, incremental, continuing, X.dtype)
            n_samples, n_features = X.shape
            layer_units = [n_features, *self._hidden_units(), Y.shape[1]]

            # the starting weights, the network and the optimizer
            random_state = check_random_state(self.random_state)
            if continuing:
                if [c.shape for c in self.coefs_] != list(
                    zip(layer_units[:-1], layer_units[1:])
                ):
                    raise ValueError(
                        f"hidden_layer_sizes={self.hidden_layer_sizes!r} does not "
                        "match the fitted network's coefs_: refit without "
                        "warm_start to change the architecture."
                    )
                coefs, intercepts = self.coefs_, self.intercepts_
            else:
                coefs, intercepts = glorot_init(
                    layer_units, self.activation, random_state, X.dtype
                )
            out_activation, loss = self._output(Y)

            # the split, the budget and the schedule
            X_train, Y_train, w_train, validation = self._split(
                X, Y, y, weights, random_state, incremental
            )
            n_train = X_train.shape[0]
            batch_size = (
                min(200, n_train)
                if self.batch_size == "auto"
                else int(np.clip(self.batch_size, 1, n_train))
            )
            if self.batch_size != "auto" and self.batch_size > n_train:
                warn(
                    f"batch_size={self.batch_size} is larger than the {n_train} "
                    "training rows: it is clipped to them."
                )
            if resuming:
                max_iter = self._max_iter
                self._check_schedule_unchanged(max_iter)
                schedule, position = self.schedule_, Fraction(*self._position)
            else:
                max_iter = self._budget(n_train, incremental)
                schedule, position = self._schedule(max_iter), Fraction(0)

            network = Network(
                layer_units,
                self.activation,
                out_activation,
                loss,
                self.alpha,
                batch_size,
                X.dtype,
            )
            network.set_parameters(coefs, intercepts)
            optimizer = Optimizer(
                self.solver,
                beta_1=self.beta_1,
                beta_2=self.beta_2,
                epsilon=self.epsilon,
                momentum=self.momentum,
                nesterov=self.nesterovs_momentum,
            )
            if resuming:
                opt_state = {
                    "t": int(self._optimizer_state["t"]),
                    "moments": [m.copy() for m in self._optimizer_state["moments"]],
                }
            else:
                opt_state = optimizer.new_state(network.n_parameters, X.dtype)

            # the epochs
            run = _Run(self, incremental, continuing)
            # 32-bit row numbers where they fit: half the memory of the order
            index = np.int32 if n_train <= np.iinfo(np.int32).max else np.intp
            order = np.arange(n_train, dtype=index) if self.shuffle else None
            epochs = 1 if incremental else max_iter
            step = Fraction(1, self.batches_per_epoch) if incremental else Fraction(1)
            B = n_batches(n_train, batch_size)
            for _ in range(epochs):
                if self.shuffle:
                    # in place, the permutation of sklearn.utils.shuffle(order)
                    # (which shuffles an arange with the same draws, then takes
                    # order at it) without its two temporaries of n_train rows
                    random_state.shuffle(order)
                rates = self._rates(schedule, position, step, B)
                with np.errstate(over="ignore", invalid="ignore"):
                    # an overflow is reported as a divergence, just below
                    epoch_loss = network.epoch(
                        optimizer, opt_state, X_train, Y_train, w_train, order, rates
                    )
                self._check_divergence(network, epoch_loss, position, rates[0])
                position += step
                run.t += n_train
                run.losses.append(float(epoch_loss))
                run.rates.append(float(rates[0]))
                if self.verbose:
                    print(
                        f"Iteration {run.n_iter + len(run.losses)}, loss = "
                        f"{epoch_loss:.8f}, learning rate = {rates[0]:.6g}"
                    )
                if run.stop_after_epoch(network, validation, epoch_loss):
                    break
            else:
                if not incremental and self.tol is not None:
                    warn(
                        f"Stochastic Optimizer: Maximum iterations ({max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                    )

            # the published model
            run.publish(network, opt_state, schedule, position, max_iter)
            self.out_activation_ = out_activation
        return self

    # --- the steps of a call ----------------------------------------------------

    def _check_parameters(self, incremental, resuming):
        """The rules between parameters (each alone is checked by the
        constraints)."""
        check_rate_range(
            self.lr_min, self.learning_rate_init, lr_initial_name="learning_rate_init"
        )
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        if self.early_stopping and self.tol is None:
            raise ValueError(
                "early_stopping=True needs a float tol (the least improvement of "
                "the validation score), got tol=None."
            )
        if self.T_max is None and not resuming:  # a schedule starts: its budget
            budget, shown = self.max_iter, f"{self.max_iter!r}"
            if budget == "auto":  # fit's 'auto' makes room for the warmup
                budget = PARTIAL_FIT_EPOCHS if incremental else None
                shown += f" ({budget} epochs for partial_fit)"
            if budget is not None and budget <= self.warmup_epochs:
                raise ValueError(
                    f"warmup_epochs={self.warmup_epochs} leaves no epoch of "
                    f"max_iter={shown} for the cosine cycle (T_max=None): lower "
                    "warmup_epochs or raise max_iter."
                )

    def _hidden_units(self):
        """``hidden_layer_sizes`` as a list of positive integers."""
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if np.ndim(sizes) else [sizes]
        if not all(isinstance(h, Integral) and not isinstance(h, bool) for h in sizes):
            raise ValueError(  # int(2.5) would silently make a layer of 2
                "hidden_layer_sizes must hold integers, got "
                f"{self.hidden_layer_sizes!r}."
            )
        if not all(0 < h <= MAX_COUNT for h in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be > 0, got {self.hidden_layer_sizes!r}."
            )
        return [int(h) for h in sizes]

    def _budget(self, n_train, incremental):
        if self.max_iter != "auto":
            return self.max_iter
        if incremental:
            return PARTIAL_FIT_EPOCHS
        return max(auto_epochs(n_train), self.warmup_epochs + 1)

    def _schedule(self, max_iter):
        """The schedule of the current parameters, for a budget of
        ``max_iter`` epochs."""
        return cosine_schedule(
            float(self.learning_rate_init),
            float(self.lr_min),
            self.T_max,
            self.T_mult,
            self.warmup_epochs,
            max_iter,
            shortest_cycle=1,  # see _check_schedule_unchanged
        )

    def _rates(self, schedule, position, step, n):
        """The rate of each of the ``n`` updates of a pass that starts at
        ``position`` and advances the schedule by ``step`` epochs."""
        if self.anneal_per == "epoch":
            rates = np.full(n, schedule._lr(np.float64(position)))
        else:  # the positions as exact fractions, rounded once
            rates = schedule._lr(
                np.array([float(position + step * i / n) for i in range(n)])
            )
        # Python floats, as scikit-learn's rate: a NumPy float64 scalar would
        # make the float32 updates compute in float64 (NumPy 2's promotion)
        return rates.tolist()

    def _check_schedule_unchanged(self, max_iter):
        new = self._schedule(max_iter)
        if new.get_params() != self.schedule_.get_params():
            changed = [
                f"{name}={getattr(self, name)!r}"
                for name in SCHEDULE_PARAMETERS
                if getattr(self, name) != self._schedule_parameters[name]
            ]
            raise ValueError(
                "The schedule is fixed by the first call: "
                f"{', '.join(changed) or 'max_iter'} changed since. Call fit to "
                "start a new schedule."
            )

    def _split(self, X, Y, y, weights, random_state, incremental):
        """The training rows and, with ``early_stopping``, the held-out ones
        (scikit-learn's ``train_test_split``, stratified for a single-output
        classifier)."""
        if not self.early_stopping:
            return X, Y, weights, None
        stratify = Y if is_classifier(self) and Y.shape[1] == 1 else None
        arrays = [X, Y, y] + ([weights] if weights is not None else [])
        parts = train_test_split(
            *arrays,
            random_state=random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_train, X_val, Y_train, _, _, y_val = parts[:6]
        w_train, w_val = (parts[6], parts[7]) if weights is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return X_train, Y_train, w_train, (X_val, y_val, w_val)

    def _check_divergence(self, network, loss, epoch, rate):
        """``epoch`` is the schedule's position at the start of the pass,
        counted from 0 as ``schedule_`` and ``learning_rates_`` count (and the
        SGD estimators' message); ``rate`` that of its first update."""
        if np.isfinite(loss) and np.all(np.isfinite(network.theta)):
            return
        raise ValueError(
            f"Training diverged at epoch {float(epoch):g} (learning rate "
            f"{rate:.6g}): the training loss is {loss}. Lower learning_rate_init, "
            "or scale the features (StandardScaler)."
        )

    def _check_fitted_network(self):
        """The fitted attributes a later call reads, checked: a model loaded
        from a file may carry anything."""
        coefs, intercepts = self.coefs_, self.intercepts_
        if not (
            isinstance(coefs, list)
            and isinstance(intercepts, list)
            and len(coefs) == len(intercepts) >= 1
        ):
            raise ValueError("coefs_ and intercepts_ must be lists of equal length.")
        dtype = np.asarray(coefs[0]).dtype
        for i, (c, b) in enumerate(zip(coefs, intercepts)):
            c, b = np.asarray(c), np.asarray(b)
            if (
                c.ndim != 2
                or b.shape != (c.shape[1],)
                or c.dtype != dtype
                or b.dtype != dtype
                or dtype not in (np.float32, np.float64)
                or (i > 0 and c.shape[0] != np.asarray(coefs[i - 1]).shape[1])
                or not (np.all(np.isfinite(c)) and np.all(np.isfinite(b)))
            ):
                raise ValueError(
                    f"coefs_[{i}] / intercepts_[{i}] do not form a network: "
                    "shapes, dtype or values are inconsistent."
                )
        if np.asarray(coefs[0]).shape[0] != getattr(self, "n_features_in_", -1):
            raise ValueError("coefs_[0] does not match n_features_in_.")
        if getattr(self, "n_layers_", None) != len(coefs) + 1:
            raise ValueError("n_layers_ does not match coefs_: it is invalid.")
        if getattr(self, "n_outputs_", None) != np.asarray(coefs[-1]).shape[1]:
            raise ValueError("n_outputs_ does not match coefs_: it is invalid.")
        if getattr(self, "out_activation_", None) not in self._out_activations:
            raise ValueError(
                f"out_activation_={getattr(self, 'out_activation_', None)!r} is "
                f"invalid: one of {sorted(self._out_activations)} expected."
            )

    def _check_training_state(self):
        """What ``partial_fit`` continues from, besides the network, checked:
        a model loaded from a file may carry anything (the network was
        checked by :meth:`_check_fitted_network`)."""
        coefs, intercepts, dtype = self.coefs_, self.intercepts_, self.coefs_[0].dtype
        state = getattr(self, "_optimizer_state", None)
        if state is not None:
            n = sum(
                np.asarray(c).size + np.asarray(b).size
                for c, b in zip(coefs, intercepts)
            )
            moments = state.get("moments") if isinstance(state, dict) else None
            t = state.get("t") if isinstance(state, dict) else None
            if (
                not isinstance(moments, list)
                or len(moments) != (2 if self.solver == "adam" else 1)
                or any(
                    not isinstance(m, np.ndarray)
                    or m.shape != (n,)
                    or m.dtype != dtype
                    or not np.all(np.isfinite(m))
                    for m in moments
                )
                or not isinstance(t, Integral)
                or t < 0
            ):
                raise ValueError(
                    "The optimizer state does not match the network (or the "
                    "solver changed since the last call): call fit."
                )

        def count(value, least):
            return (
                isinstance(value, Integral)
                and not isinstance(value, bool)
                and value >= least
            )

        position = getattr(self, "n_epochs_", None)
        exact = getattr(self, "_position", None)  # n_epochs_ as a fraction
        curve = getattr(self, "loss_curve_", None)
        n_iter = getattr(self, "n_iter_", None)
        rates = getattr(self, "learning_rates_", None)
        parameters = getattr(self, "_schedule_parameters", None)
        valid = {
            "schedule_": isinstance(
                getattr(self, "schedule_", None),
                (CosineAnnealingLR, CosineAnnealingWarmRestarts),
            ),
            "n_epochs_": isinstance(position, Real)
            and not isinstance(position, bool)
            and bool(np.isfinite(position))
            and position >= 0,
            "_position": isinstance(exact, tuple)
            and len(exact) == 2
            and count(exact[0], 0)
            and count(exact[1], 1)
            and exact[0] / exact[1] == position,
            "n_iter_": count(getattr(self, "n_iter_", None), 0),
            "t_": count(getattr(self, "t_", None), 0),
            "_max_iter": count(getattr(self, "_max_iter", None), 1),
            "_no_improvement_count": count(
                getattr(self, "_no_improvement_count", None), 0
            ),
            "loss_curve_": isinstance(curve, list) and len(curve) == n_iter,
            "learning_rates_": isinstance(rates, np.ndarray)
            and rates.shape == (n_iter,),
            "_schedule_parameters": isinstance(parameters, dict)
            and set(parameters) == set(SCHEDULE_PARAMETERS),
        }
        for name, ok in valid.items():
            if not ok:
                raise ValueError(
                    f"The fitted attribute {name} is invalid (a tampered or "
                    "corrupted model?): call fit to train a new model."
                )


class _Run:
    """What the epochs of one call record, and how it ends: the stopping
    rule of ``tol`` and the published attributes."""

    def __init__(self, estimator, incremental, continuing):
        self.estimator = estimator
        self.incremental = incremental
        est = estimator
        keep = incremental and continuing
        self.t = est.t_ if keep else 0
        self.n_iter = est.n_iter_ if keep else 0
        self.curve = list(est.loss_curve_) if keep else []
        self.previous_rates = list(est.learning_rates_) if keep else []
        self.losses, self.rates = [], []
        self.no_improvement = est._no_improvement_count if keep else 0
        self.best_loss = (est.best_loss_ if keep else None) or np.inf
        self.validation_scores = [] if est.early_stopping else None
        self.best_score = -np.inf
        self.best = None

    def stop_after_epoch(self, network, validation, loss):
        """scikit-learn's no-improvement rule (``_update_no_improvement_count``),
        when ``tol`` is a float; with ``early_stopping``, the best weights
        are kept."""
        est = self.estimator
        if validation is not None:
            score = est._validation_score(network, *validation)
            self.validation_scores.append(score)
            if est.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_score + est.tol:
                self.no_improvement += 1
            else:
                self.no_improvement = 0
            if score > self.best_score:
                self.best_score = score
                self.best = network.theta.copy()
        else:
            tol = est.tol if est.tol is not None else -np.inf
            if loss > self.best_loss - tol:
                self.no_improvement += 1
            else:
                self.no_improvement = 0
            self.best_loss = min(self.best_loss, loss)
        if est.tol is None or self.incremental:
            return False
        return self.no_improvement > est.n_iter_no_change

    def publish(self, network, opt_state, schedule, position, max_iter):
        est = self.estimator
        if self.best is not None:
            network.theta[...] = self.best
        est.coefs_, est.intercepts_ = network.parameters()
        est.n_layers_ = len(network.layer_units)
        est.n_outputs_ = network.layer_units[-1]
        est.loss_curve_ = self.curve + self.losses
        est.loss_ = est.loss_curve_[-1]
        est.learning_rates_ = np.asarray(self.previous_rates + self.rates)
        est.n_iter_ = self.n_iter + len(self.losses)
        est.t_ = self.t
        est.schedule_ = schedule
        est.n_epochs_ = float(position)
        est._position = (position.numerator, position.denominator)
        est._max_iter = max_iter
        est._schedule_parameters = {n: getattr(est, n) for n in SCHEDULE_PARAMETERS}
        est._optimizer_state = opt_state
        est._no_improvement_count = self.no_improvement
        if self.validation_scores is not None:
            est.validation_scores_ = self.validation_scores
            est.best_validation_score_ = self.best_score
            est.best_loss_ = None
        else:
            est.validation_scores_ = None
            est.best_validation_score_ = None
            est.best_loss_ = self.best_loss


_REGRESSOR_PARAMETERS = {
    "loss": """loss : {'squared_error', 'poisson'}, default='squared_error'
    The loss: squared error (identity output), or Poisson deviance (exp
    output, non-negative targets).""",
    **PARAMETERS,
}


@fill_doc(_REGRESSOR_PARAMETERS, attributes=ATTRIBUTES)
class CosineMLPRegressor(ParameterNamesMixin, CosineMLPMixin, MLPRegressor):
    """Multilayer perceptron regressor trained on a cosine learning-rate schedule.

    A subclass of :class:`~sklearn.neural_network.MLPRegressor` whose Adam or
    momentum-SGD updates follow a cosine schedule: from
    ``learning_rate_init`` down to ``lr_min`` over the budget, updated at
    every batch (``anneal_per='batch'``), optionally with warmup and warm
    restarts. The network, its starting weights, the losses and the updates
    are scikit-learn's, computed by skcosine's own loop; a fitted model is a
    drop-in for scikit-learn's (``predict`` and ``score`` are the parent's).

    Read more in the :ref:`User Guide <mlp>`.

    {parameters}

    {attributes}

    See Also
    --------
    CosineMLPClassifier : The classifier counterpart.
    sklearn.neural_network.MLPRegressor : The parent estimator.

    Notes
    -----
    With ``lr_min=learning_rate_init``, ``shuffle=False`` and the same
    starting weights, the coefficients equal scikit-learn's with
    ``learning_rate='constant'`` (to rounding). ``fit`` starts a new optimizer
    and a new schedule (from the previous weights with ``warm_start``);
    ``partial_fit`` trains one pass at the next position of the schedule,
    keeping the optimizer's state. A pass whose loss or weights are not
    finite raises a ``ValueError`` naming the epoch and its rate.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcosine import CosineMLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = make_pipeline(
    ...     StandardScaler(),
    ...     CosineMLPRegressor(
    ...         hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0
    ...     ),
    ... )
    >>> model.fit(X, y / 100).score(X, y / 100) > 0.5
    True
    """

    _parameter_constraints: dict = cosine_constraints(
        MLPRegressor._parameter_constraints,
        dropped=DROPPED_PARAMETERS,
        added=MLP_CONSTRAINTS,
    )
    _replaced_parameters = MLP_REPLACED
    _out_activations = frozenset({"identity", "exp"})

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate_init=0.001,
        lr_min=0.0,
        T_max=None,
        T_mult=None,
        warmup_epochs=0,
        anneal_per="batch",
        batches_per_epoch=1,
        max_iter="auto",
        shuffle=True,
        random_state=None,
        tol=None,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.lr_min = lr_min
        self.T_max = T_max
        self.T_mult = T_mult
        self.warmup_epochs = warmup_epochs
        self.anneal_per = anneal_per
        self.batches_per_epoch = batches_per_epoch
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

    @compat.partial_fit_context
    def partial_fit(self, X, y, sample_weight=None):
        """Train one pass at the next position of the schedule.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._mlp_fit(X, y, sample_weight, classes=None, incremental=True)

    def predict(self, X):
        """Predict with the network, as :class:`~sklearn.neural_network.MLPRegressor`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values.
        """
        check_is_fitted(self)
        self._check_fitted_network()
        check_prediction_input(X)
        with input_errors(self, "predict"):
            return super().predict(X)

    def _encode_targets(self, y, classes, incremental, continuing, dtype):
        with np.errstate(over="ignore"):  # refused just below
            Y = np.asarray(y, dtype=dtype)
        if not np.all(np.isfinite(Y)):  # finite y, beyond float32's range
            raise ValueError(float32_range_message("y", float(np.max(np.abs(y)))))
        if Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        if continuing and Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, the fitted network {self.n_outputs_}."
            )
        if self.loss == "poisson" and np.any(Y < 0):
            raise ValueError("loss='poisson' needs non-negative targets y.")
        return Y

    def _output(self, Y):
        if self.loss == "poisson":
            return "exp", "poisson"
        return "identity", "squared_error"

    def _validation_score(self, network, X, y, weights):
        predicted = network.forward(X)
        if predicted.shape[1] == 1:
            predicted = predicted.ravel()
        return r2_score(y, predicted, sample_weight=weights)


@fill_doc(PARAMETERS, attributes=ATTRIBUTES + CLASSES)
class CosineMLPClassifier(ParameterNamesMixin, CosineMLPMixin, MLPClassifier):
    """Multilayer perceptron classifier trained on a cosine learning-rate schedule.

    A subclass of :class:`~sklearn.neural_network.MLPClassifier` whose Adam or
    momentum-SGD updates follow a cosine schedule: from
    ``learning_rate_init`` down to ``lr_min`` over the budget, updated at
    every batch (``anneal_per='batch'``), optionally with warmup and warm
    restarts. Binary, multiclass and multilabel targets, as in
    scikit-learn; ``predict``, ``predict_proba`` and ``score`` are the
    parent's.

    Read more in the :ref:`User Guide <mlp>`.

    {parameters}

    {attributes}

    See Also
    --------
    CosineMLPRegressor : The regressor counterpart.
    sklearn.neural_network.MLPClassifier : The parent estimator.

    Notes
    -----
    With ``lr_min=learning_rate_init``, ``shuffle=False`` and the same
    starting weights, the coefficients equal scikit-learn's with
    ``learning_rate='constant'`` (to rounding). See
    :class:`CosineMLPRegressor` for ``fit`` and ``partial_fit``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcosine import CosineMLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(
    ...     StandardScaler(),
    ...     CosineMLPClassifier((16,), learning_rate_init=0.01, random_state=0),
    ... )
    >>> model.fit(X, y).score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = cosine_constraints(
        MLPClassifier._parameter_constraints,
        dropped=DROPPED_PARAMETERS,
        added=MLP_CONSTRAINTS,
    )
    _replaced_parameters = MLP_REPLACED
    _out_activations = frozenset({"logistic", "softmax"})

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate_init=0.001,
        lr_min=0.0,
        T_max=None,
        T_mult=None,
        warmup_epochs=0,
        anneal_per="batch",
        batches_per_epoch=1,
        max_iter="auto",
        shuffle=True,
        random_state=None,
        tol=None,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.lr_min = lr_min
        self.T_max = T_max
        self.T_mult = T_mult
        self.warmup_epochs = warmup_epochs
        self.anneal_per = anneal_per
        self.batches_per_epoch = batches_per_epoch
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

    @compat.partial_fit_context
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train one pass at the next position of the schedule.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a label indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.
        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call (unless ``y`` is a
            label indicator matrix).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._mlp_fit(X, y, sample_weight, classes=classes, incremental=True)

    def predict(self, X):
        """Predict classes, as :class:`~sklearn.neural_network.MLPClassifier`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        check_is_fitted(self)
        self._check_fitted_network()
        check_prediction_input(X)
        with input_errors(self, "predict"):
            return super().predict(X)

    def predict_proba(self, X):
        """Class probabilities, as :class:`~sklearn.neural_network.MLPClassifier`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            The probability of each class.
        """
        check_is_fitted(self)
        self._check_fitted_network()
        check_prediction_input(X)
        with input_errors(self, "predict_proba"):
            return super().predict_proba(X)

    def _encode_targets(self, y, classes, incremental, continuing, dtype):
        multilabel = type_of_target(y).startswith("multilabel")
        if not continuing:
            binarizer = LabelBinarizer()
            if incremental and not multilabel:
                if classes is None:
                    raise ValueError(
                        "classes must be passed on the first call to partial_fit."
                    )
                binarizer.fit(checked_classes(classes, "classes"))
            elif multilabel:
                binarizer.fit(y)
            else:
                binarizer.fit(checked_classes(y))
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
        elif not multilabel:
            labels = np.unique(y)
            if self.warm_start and not incremental:
                if set(labels) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        f"classes as in the previous call to fit. Previously got "
                        f"{self.classes_}, `y` has {labels}"
                    )
            elif len(np.setdiff1d(labels, self.classes_)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {labels}."
                )
        # booleans, as scikit-learn keeps them: the network reads each batch
        # into float targets (an eighth of the memory of float64 targets)
        return self._label_binarizer.transform(y).astype(bool)

    def _output(self, Y):
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax", "log_loss"
        return "logistic", "binary_log_loss"

    def _validation_score(self, network, X, y, weights):
        probabilities = network.forward(X)
        if probabilities.shape[1] == 1:
            probabilities = probabilities.ravel()
        predicted = self._label_binarizer.inverse_transform(probabilities)
        return accuracy_score(y, predicted, sample_weight=weights)
